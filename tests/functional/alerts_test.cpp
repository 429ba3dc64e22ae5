// The observer's alerts (issue 19) on the real binary, in both modes: staff publish rules and
// channels through the observer (to the config center, in their name); a slow counter injected
// through the sandbox makes the mall→counter edge breach; the rule fires once, by e-mail through a
// real SMTP listener, by SMS into the sandbox outbox and by webhook; it keeps quiet through its
// silence, recovers when the counter is fast again, and a rule whose minimum-traffic guard the
// test's few calls do not reach never fires. Minutes are real: the test takes three of them.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/util/digest.hpp"
#include "core/util/time.hpp"
#include "harness/business.hpp"
#include "harness/fake_server.hpp"
#include "harness/fake_smtp.hpp"
#include "harness/platform.hpp"
#include "harness/tokens.hpp"
#include "harness/zhongtai.hpp"

namespace zt::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kRules = "/api/observer/v1/alert-rules";
const std::string kOnCall = "13800138000";
const std::string kWebhookSecret = "alerts-webhook-secret-0123456789";

std::int64_t minute_now() { return core::unix_millis() / 60'000; }

// Waits, when the minute is nearly over, for the next one: the calls of one step all land in one
// minute. Returns that minute.
std::int64_t a_fresh_minute() {
  while (core::unix_millis() % 60'000 > 40'000) std::this_thread::sleep_for(200ms);
  return minute_now();
}
void wait_for_minute_after(std::int64_t minute) {
  while (minute_now() <= minute) std::this_thread::sleep_for(200ms);
}

boost::json::array alerts(int port, const std::string& query) {
  const auto r = http_request(port, "GET", "/api/observer/v1/alerts?" + query, "", staff_headers());
  EXPECT_EQ(r.status, 200) << r.body;
  if (r.status != 200) return {};
  return boost::json::parse(r.body).at("items").as_array();
}

// Every delivery of a notice finished (sent, or given up).
bool delivered(const boost::json::value& event) {
  for (const auto& d : event.at("deliveries").as_array())
    if (d.at("status") == "pending" || d.at("status") == "sending") return false;
  return true;
}

// The one notice the query finds, once every delivery of it is done (none when it did not come).
boost::json::array one_delivered(int port, const std::string& query) {
  boost::json::array found;
  const bool came = eventually(
      [&] {
        found = alerts(port, query);
        return found.size() == 1 && delivered(found[0]);
      },
      90s);
  EXPECT_TRUE(came) << query << ": " << boost::json::serialize(found);
  return came ? found : boost::json::array{};
}

class ObserverAlerts : public ::testing::TestWithParam<Mode> {};

TEST_P(ObserverAlerts, ASlowCounterFiresByMailSmsAndWebhookKeepsQuietThroughItsSilenceAndRecovers) {
  FakeSmtp smtp;
  std::mutex mutex;
  std::vector<FakeRequest> hooks;
  FakeServer webhook([&](const FakeRequest& r) {
    std::lock_guard lock(mutex);
    hooks.push_back(r);
    return FakeReply{200, "{}"};
  });
  Platform p(GetParam(), Env{{"ZT_TRACING__FLUSH_INTERVAL", "100ms"},
                             {"ZT_OBSERVER__FLUSH_INTERVAL", "200ms"},
                             {"ZT_OBSERVER__ALERT_INTERVAL", "300ms"},
                             {"ZT_OBSERVER__ALERT_SETTLE", "2s"},
                             {"ZT_NOTIFY__SMTP_URL", "smtp://127.0.0.1:" + std::to_string(smtp.port())},
                             {"ZT_NOTIFY__SMTP_FROM", "alerts@broker.example"},
                             {"ZT_OBSERVER__ALERT_WEBHOOK_HOSTS", "127.0.0.1"},
                             {"ZT_OBSERVER__ALERT_WEBHOOK_SECRET", kWebhookSecret}});
  const int port = p.port();

  // The shipped defaults until staff publish: version 0.
  auto shipped = http_request(port, "GET", kRules, "", staff_headers());
  ASSERT_EQ(shipped.status, 200) << shipped.body;
  EXPECT_EQ(json_field(shipped.body, "source"), "shipped");
  EXPECT_EQ(boost::json::parse(shipped.body).at("rules").as_array().size(), 7u);

  const std::string hook_url = "http://127.0.0.1:" + std::to_string(webhook.port()) + "/zhongtai/alerts";
  const auto document = [&](std::int64_t expected_version, std::int64_t guarded_min_calls) {
    return boost::json::serialize(boost::json::object{
        {"comment", "商城调用柜台的告警"},
        {"expected_version", expected_version},
        {"channels",
         boost::json::array{boost::json::object{{"name", "ops-mail"}, {"type", "email"}, {"to", "ops@broker.example"}},
                            boost::json::object{{"name", "oncall"}, {"type", "sms"}, {"to", kOnCall}},
                            boost::json::object{{"name", "im"}, {"type", "webhook"}, {"to", hook_url}}}},
        {"rules", boost::json::array{boost::json::object{{"id", "mall_counter_slow"},
                                                         {"title", "商城调用柜台过慢"},
                                                         {"scope", "edge"},
                                                         {"service", "mall"},
                                                         {"name_prefix", "counter"},
                                                         {"metric", "avg_ms"},
                                                         {"threshold", 150},
                                                         {"period", 1},
                                                         {"count", 1},
                                                         {"silence", 2},
                                                         {"recover_after", 1},
                                                         {"min_calls", 5},
                                                         {"channels", boost::json::array{"ops-mail", "oncall", "im"}}},
                                     boost::json::object{{"id", "mall_counter_guarded"},
                                                         {"title", "商城调用柜台过慢（大流量）"},
                                                         {"scope", "edge"},
                                                         {"service", "mall"},
                                                         {"name_prefix", "counter"},
                                                         {"metric", "avg_ms"},
                                                         {"threshold", 150},
                                                         {"period", 1},
                                                         {"count", 1},
                                                         {"min_calls", guarded_min_calls},
                                                         {"channels", boost::json::array{"im"}}}}}});
  };

  // Refusals: who may publish, what is published, and against which version.
  auto reader = http_request(port, "PUT", kRules, document(0, 1000),
                             {{"authorization", "Bearer " + staff_token({"governance.read"})}});
  EXPECT_EQ(reader.status, 403) << reader.body;
  auto customer = sign_up(port, GetParam() == Mode::kAll ? "13900190101" : "13900190102");
  auto as_customer = http_request(port, "GET", kRules, "", customer.headers());
  EXPECT_EQ(as_customer.status, 403) << as_customer.body;
  auto broken = boost::json::parse(document(0, 1000)).as_object();
  broken["rules"].as_array()[0].as_object()["channels"] = boost::json::array{"nobody"};
  auto undefined = http_request(port, "PUT", kRules, boost::json::serialize(broken), staff_headers());
  EXPECT_EQ(undefined.status, 400) << undefined.body;
  EXPECT_EQ(json_field(undefined.body, "code"), "OBSERVER_ALERT_RULES_INVALID");
  EXPECT_NE(json_field(undefined.body, "message").find("通知渠道 nobody 未定义"), std::string::npos) << undefined.body;
  auto bad_mobile = boost::json::parse(document(0, 1000)).as_object();
  bad_mobile["channels"].as_array()[1].as_object()["to"] = "12345";
  EXPECT_EQ(http_request(port, "PUT", kRules, boost::json::serialize(bad_mobile), staff_headers()).status, 400);

  auto published = http_request(port, "PUT", kRules, document(0, 1000), staff_headers());
  ASSERT_EQ(published.status, 200) << published.body;
  EXPECT_EQ(json_field(published.body, "version"), "1");
  auto stale = http_request(port, "PUT", kRules, document(0, 2000), staff_headers());
  EXPECT_EQ(stale.status, 409) << "edited from a version that is not the current one: " << stale.body;
  EXPECT_EQ(json_field(stale.body, "code"), "OBSERVER_ALERT_RULES_CONFLICT");
  auto in_force = http_request(port, "GET", kRules, "", staff_headers());
  ASSERT_EQ(in_force.status, 200);
  EXPECT_EQ(json_field(in_force.body, "source"), "config_center");
  EXPECT_EQ(json_field(in_force.body, "author"), "S-harness") << "published in the staff member's name";
  EXPECT_EQ(boost::json::parse(in_force.body).at("rules").as_array().size(), 2u);
  // Every process has the rules before the traffic starts.
  std::string acks;
  ASSERT_TRUE(eventually(
      [&] {
        auto r = http_request(port, "GET", "/api/registry/v1/configs/public/zhongtai/observer.yaml/acks", "",
                              staff_headers());
        acks = r.body;
        if (r.status != 200) return false;
        std::size_t applied = 0;
        const auto parsed = boost::json::parse(r.body);
        for (const auto& a : parsed.at("items").as_array())
          if (a.at("version").as_int64() == 1 && a.at("applied").as_bool()) ++applied;
        return applied >= p.followers();
      },
      20s))
      << acks;

  const auto account = http_request(port, "POST", "/api/auth/v1/me/sandbox-account", "", customer.headers());
  ASSERT_EQ(account.status, 200) << account.body;
  const auto holdings = [&](int times) {
    for (int i = 0; i < times; ++i) {
      const auto r = http_request(port, "GET", "/api/mall/v1/holdings", "", customer.headers());
      ASSERT_EQ(r.status, 200) << r.body;
    }
  };

  // Minute 1: the counter answers in 250 ms (two calls a holdings request, six requests).
  p.apply_sandbox_settings("counter.sandbox_faults: \"{delay_ms: 250}\"\n");
  const std::int64_t first = a_fresh_minute();
  holdings(6);
  const auto fired = one_delivered(port, "rule_id=mall_counter_slow&kind=firing");
  ASSERT_EQ(fired.size(), 1u);
  const auto& event = fired[0].as_object();
  EXPECT_EQ(event.at("minute_ms").as_int64(), first * 60'000);
  EXPECT_EQ(event.at("scope"), "edge");
  EXPECT_EQ(event.at("service"), "mall");
  EXPECT_EQ(event.at("name"), "counter");
  EXPECT_GE(event.at("calls").as_int64(), 12);
  EXPECT_GT(event.at("value").as_double(), 150.0);
  const std::string text(event.at("text").as_string());
  EXPECT_EQ(text.rfind("告警 商城调用柜台过慢：mall → counter 平均响应时间 ", 0), 0u) << text;
  std::map<std::string, boost::json::object> by_channel;
  for (const auto& d : event.at("deliveries").as_array())
    by_channel[std::string(d.at("channel").as_string())] = d.as_object();
  ASSERT_EQ(by_channel.size(), 3u);
  for (const auto& [channel, d] : by_channel)
    EXPECT_EQ(d.at("status"), "sent") << channel << ": " << boost::json::serialize(d);
  EXPECT_EQ(by_channel["oncall"].at("target"), "138****8000") << "the history masks where it went";
  EXPECT_EQ(by_channel["ops-mail"].at("target"), "o***@broker.example");

  // The e-mail, through the SMTP server.
  auto mails = smtp.mails();
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].to, std::vector<std::string>{"<ops@broker.example>"});
  EXPECT_NE(mails[0].data.find("Subject: =?UTF-8?B?" + core::base64_encode("中台运维告警") + "?="), std::string::npos);
  EXPECT_NE(mails[0].data.find(core::base64_encode("【中台告警】" + text).substr(0, 40)), std::string::npos)
      << mails[0].data;
  // The SMS, in the sandbox outbox.
  auto sms =
      http_request(port, "GET", "/api/notify/v1/outbox?channel=sms&recipient=" + kOnCall, "", sandbox_staff_headers());
  ASSERT_EQ(sms.status, 200) << sms.body;
  auto box = boost::json::parse(sms.body).at("items").as_array();
  ASSERT_EQ(box.size(), 1u) << sms.body;
  EXPECT_EQ(box[0].at("text").as_string(), "【中台告警】" + text);
  EXPECT_EQ(box[0].at("sender"), "observer");
  // The webhook: the notice as JSON, with its id for the receiver to drop repeats.
  {
    std::lock_guard lock(mutex);
    ASSERT_EQ(hooks.size(), 1u);
    EXPECT_EQ(hooks[0].target, "/zhongtai/alerts");
    EXPECT_EQ(hooks[0].headers["x-zt-alert-id"], event.at("id").as_string());
    EXPECT_EQ(hooks[0].headers["x-zt-signature"], "sha256=" + core::hmac_sha256_hex(kWebhookSecret, hooks[0].body))
        << "the receiver can tell it came from us";
    const auto hook = boost::json::parse(hooks[0].body);
    EXPECT_EQ(hook.at("kind"), "firing");
    EXPECT_EQ(hook.at("rule_id"), "mall_counter_slow");
    EXPECT_EQ(hook.at("text").as_string(), text);
  }
  // What fires now, and what the rule would have said over the stored minutes (nothing sent).
  auto now_firing = http_request(port, "GET", "/api/observer/v1/alerts/firing", "", staff_headers());
  ASSERT_EQ(now_firing.status, 200);
  auto firing_items = boost::json::parse(now_firing.body).at("items").as_array();
  ASSERT_EQ(firing_items.size(), 1u) << now_firing.body;
  EXPECT_EQ(firing_items[0].at("entity"), "mall → counter");
  auto rule = boost::json::parse(in_force.body).at("rules").as_array()[0].as_object();
  rule["channels"] = boost::json::array{};
  auto trial =
      http_request(port, "POST", "/api/observer/v1/alert-rules/trial",
                   boost::json::serialize(boost::json::object{{"rule", rule}, {"minutes", 10}}), staff_headers());
  ASSERT_EQ(trial.status, 200) << trial.body;
  auto tried = boost::json::parse(trial.body).at("notices").as_array();
  ASSERT_FALSE(tried.empty()) << trial.body;
  EXPECT_EQ(tried[0].at("kind"), "firing");
  EXPECT_EQ(tried[0].at("minute_ms").as_int64(), first * 60'000);
  rule["threshold"] = 100000;
  trial = http_request(port, "POST", "/api/observer/v1/alert-rules/trial",
                       boost::json::serialize(boost::json::object{{"rule", rule}, {"minutes", 10}}), staff_headers());
  EXPECT_TRUE(boost::json::parse(trial.body).at("notices").as_array().empty()) << trial.body;
  // A rule on the instances' resources, tried over the same minutes: each process sent its
  // figures (every one holds more than a MiB of memory, none a TiB), judged per instance without
  // a traffic guard.
  const auto memory_trial = [&](double threshold_mib) {
    const boost::json::object memory{{"id", "instance_memory"},
                                     {"title", "实例内存过高"},
                                     {"scope", "instance"},
                                     {"metric", "rss_mb"},
                                     {"threshold", threshold_mib},
                                     {"period", 1},
                                     {"count", 1}};
    const auto r =
        http_request(port, "POST", "/api/observer/v1/alert-rules/trial",
                     boost::json::serialize(boost::json::object{{"rule", memory}, {"minutes", 10}}), staff_headers());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? boost::json::parse(r.body).at("notices").as_array() : boost::json::array{};
  };
  std::set<std::string> over_a_mib;
  for (const auto& n : memory_trial(1)) {
    EXPECT_EQ(n.at("scope"), "instance") << n;
    EXPECT_FALSE(n.at("name").as_string().empty()) << n;
    if (n.at("kind") != "firing") continue;
    over_a_mib.insert(std::string(n.at("service").as_string()));
    EXPECT_GT(n.at("value").as_double(), 1.0) << n;
    const std::string said(n.at("text").as_string());
    EXPECT_NE(said.find("常驻内存"), std::string::npos) << said;
    EXPECT_EQ(said.find("次调用"), std::string::npos) << "no calls to count: " << said;
  }
  EXPECT_TRUE(over_a_mib.count("mall") && over_a_mib.count("counter")) << "every instance's resources are judged";
  EXPECT_TRUE(memory_trial(1024.0 * 1024.0).empty());

  // Minute 2: still slow — within the rule's two minutes of silence, nothing is said.
  wait_for_minute_after(first);
  const std::int64_t second = a_fresh_minute();
  holdings(6);
  p.apply_sandbox_settings("counter.sandbox_faults: \"{delay_ms: 0}\"\n");
  ASSERT_TRUE(eventually(
      [&] {
        auto r = http_request(port, "GET", "/api/observer/v1/alerts/firing", "", staff_headers());
        return r.status == 200 && boost::json::parse(r.body).at("judged_until_ms").as_int64() >= (second + 1) * 60'000;
      },
      90s));
  EXPECT_TRUE(alerts(port, "rule_id=mall_counter_slow&kind=still_firing").empty()) << "silenced";

  // Minute 3: the counter is fast again — recovered, said to every channel.
  wait_for_minute_after(second);
  const std::int64_t third = a_fresh_minute();
  holdings(6);
  const auto recovered = one_delivered(port, "rule_id=mall_counter_slow&kind=recovered");
  ASSERT_EQ(recovered.size(), 1u);
  EXPECT_EQ(recovered[0].at("minute_ms").as_int64(), third * 60'000);
  const std::string recovery(recovered[0].at("text").as_string());
  EXPECT_EQ(recovery.rfind("恢复 商城调用柜台过慢：mall → counter 已恢复", 0), 0u) << recovery;
  EXPECT_EQ(smtp.mails().size(), 2u);
  sms =
      http_request(port, "GET", "/api/notify/v1/outbox?channel=sms&recipient=" + kOnCall, "", sandbox_staff_headers());
  box = boost::json::parse(sms.body).at("items").as_array();
  ASSERT_EQ(box.size(), 2u);
  EXPECT_EQ(box[0].at("text").as_string(), "【中台告警】" + recovery) << "newest first";
  {
    std::lock_guard lock(mutex);
    ASSERT_EQ(hooks.size(), 2u) << "the guarded rule never spoke: a dozen calls is under its 1,000";
    EXPECT_EQ(boost::json::parse(hooks[1].body).at("kind"), "recovered");
  }
  EXPECT_TRUE(alerts(port, "rule_id=mall_counter_guarded").empty());
  const auto all = alerts(port, "limit=200");
  EXPECT_EQ(all.size(), 2u) << boost::json::serialize(all);
  auto firing_now = http_request(port, "GET", "/api/observer/v1/alerts/firing", "", staff_headers());
  EXPECT_TRUE(boost::json::parse(firing_now.body).at("items").as_array().empty()) << firing_now.body;
}

// Refusals the observer makes itself (straight at a split observer, as the gateway forwards a
// staff member): what the gateway's checks would have stopped first, and a config center that is
// gone — nothing published, said so.
TEST(ObserverAlertRefusals, TheObserverChecksWhatItIsSentAndSaysWhenTheConfigCenterIsAway) {
  const std::string secret = "observer-alert-refusals-0123456789abcdef";
  Zhongtai reg{Env{{"ZT_NODE__INTERNAL_SECRET", secret}}, "registry"};
  Zhongtai z{
      Env{{"ZT_NODE__INTERNAL_SECRET", secret}, {"ZT_DISCOVERY__REGISTRY", "127.0.0.1:" + std::to_string(reg.port)}},
      "observer"};
  const auto editor = staff_caller({"governance.read", "governance.write"});
  const auto as = [&](const std::string& method, const std::string& target, const std::string& body = "") {
    return forwarded(z.port, method, target, secret, body, editor);
  };
  const std::string rule =
      R"({"id": "slow", "title": "慢", "scope": "service", "metric": "avg_ms", "threshold": 100, "period": 2, "count": 2})";
  const std::string good = R"({"channels": [], "rules": [)" + rule + R"(], "expected_version": 0, "comment": ")";
  std::string long_reason;
  for (int i = 0; i < 170; ++i) long_reason += "长";
  EXPECT_TRUE(refused(as("PUT", kRules, good + long_reason + "\"}"), 400, "OBSERVER_COMMENT_REQUIRED",
                      "请填写修改原因（comment，最多500字节）"))
      << "170 characters, 510 bytes";
  EXPECT_TRUE(refused(as("PUT", kRules, R"({"channels": [], "rules": [], "comment": "x"})"), 400,
                      "OBSERVER_ALERT_RULES_INVALID", "请给出所修改的版本（expected_version，首次发布为 0）"));
  EXPECT_TRUE(
      refused(as("PUT", kRules, R"({"channels": [], "rules": [{"id": "x"}], "expected_version": 0, "comment": "x"})"),
              400, "OBSERVER_ALERT_RULES_INVALID"));
  EXPECT_TRUE(refused(as("POST", "/api/observer/v1/alert-rules/trial", "{}"), 400, "OBSERVER_ALERT_RULES_INVALID",
                      "请给出要试算的规则（rule）"));
  const auto on_service =
      as("POST", "/api/observer/v1/alert-rules/trial",
         R"({"rule": {"id": "cpu", "title": "CPU 过高", "scope": "service", "metric": "cpu_cores", "threshold": 1}})");
  EXPECT_TRUE(refused(on_service, 400, "OBSERVER_ALERT_RULES_INVALID")) << on_service.body;
  EXPECT_NE(json_field(on_service.body, "message").find("资源指标"), std::string::npos) << on_service.body;
  EXPECT_TRUE(refused(as("POST", "/api/observer/v1/alert-rules/trial", R"({"rule": )" + rule + R"(, "minutes": 0})"),
                      400, "OBSERVER_BAD_PARAM", "minutes 应为 1 到 1440 的整数"));
  EXPECT_TRUE(refused(as("POST", "/api/observer/v1/alert-rules/trial", "[1]"), 400, "INVALID_JSON"));
  auto tried = as("POST", "/api/observer/v1/alert-rules/trial", R"({"rule": )" + rule + "}");
  ASSERT_EQ(tried.status, 200) << tried.body;
  EXPECT_EQ(json_field(tried.body, "minutes"), "60");
  EXPECT_TRUE(refused(as("GET", "/api/observer/v1/alerts?kind=loud"), 400, "OBSERVER_BAD_PARAM"));
  EXPECT_TRUE(refused(as("GET", "/api/observer/v1/alerts?limit=0"), 400, "OBSERVER_BAD_PARAM"));
  EXPECT_TRUE(refused(as("GET", "/api/observer/v1/alerts?from_ms=0"), 400, "OBSERVER_RANGE_INVALID",
                      "时间范围不能超过告警历史的保留期"));
  EXPECT_TRUE(refused(forwarded(z.port, "PUT", kRules, secret, good + "x\"}", staff_caller({"governance.read"})), 403,
                      "GATEWAY_FORBIDDEN"))
      << "publishing is governance.write, checked by the observer itself";
  EXPECT_EQ(as("GET", "/api/observer/v1/alerts").status, 200);
  EXPECT_EQ(json_field(as("GET", kRules).body, "source"), "shipped");
  // A webhook only to a host the operators allowed (none here): never an address typed in a form.
  EXPECT_TRUE(
      refused(as("PUT", kRules,
                 R"({"channels": [{"name": "hook", "type": "webhook", "to": "http://10.0.0.1:8080/x"}], "rules": [],)"
                 R"( "expected_version": 0, "comment": "x"})"),
              400, "OBSERVER_WEBHOOK_NOT_ALLOWED"));
  // Every rule taken out: no rule is judged (not the defaults), and that is what is shown; where
  // notices go is shown whole only to who may change it.
  auto emptied = as("PUT", kRules,
                    R"({"channels": [{"name": "oncall", "type": "sms", "to": "13800138000"}], "rules": [],)"
                    R"( "expected_version": 0, "comment": "暂停告警"})");
  ASSERT_EQ(emptied.status, 200) << emptied.body;
  const auto in_force = as("GET", kRules);
  EXPECT_EQ(json_field(in_force.body, "source"), "config_center");
  EXPECT_TRUE(boost::json::parse(in_force.body).at("rules").as_array().empty()) << in_force.body;
  EXPECT_NE(in_force.body.find("\"13800138000\""), std::string::npos) << in_force.body;
  const auto read = forwarded(z.port, "GET", kRules, secret, "", staff_caller({"governance.read"}));
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_EQ(read.body.find("13800138000"), std::string::npos) << read.body;
  EXPECT_NE(read.body.find("138****8000"), std::string::npos) << read.body;

  // The config center is away: nothing published, and the rules cannot be read.
  reg.kill();
  // (Whether the publish may have reached it depends on how the call failed: the message says which.)
  EXPECT_TRUE(refused(as("PUT", kRules, good + "x\"}"), 503, "OBSERVER_ALERT_RULES_PUBLISH_FAILED"));
  EXPECT_TRUE(
      refused(as("GET", kRules), 503, "OBSERVER_CONFIG_UNAVAILABLE", "暂时无法读取配置中心的告警规则，请稍后重试"));
  EXPECT_EQ(as("GET", "/api/observer/v1/alerts/firing").status, 200) << "what the observer keeps itself still answers";
}

INSTANTIATE_TEST_SUITE_P(BothModes, ObserverAlerts, ::testing::Values(Mode::kAll, Mode::kSplit), mode_name);

}  // namespace
}  // namespace zt::test
