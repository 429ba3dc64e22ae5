#include "platform/observer/domain/alert_document.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <stdexcept>

namespace zt::platform::observer {
namespace {

using core::observe::SeriesKey;
using core::observe::SeriesScope;

// The reason a document is refused, or "" when it reads.
std::string refusal(std::string_view text) {
  try {
    parse_alert_document(text);
    return "";
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
}

const char* kYaml = R"(
# staff wrote this by hand in the config center
channels:
  - {name: ops-mail, type: email, to: Ops@Broker.Example}
  - name: oncall
    type: sms
    to: "13800000000"
  - {name: hook, type: webhook, to: "http://alert-bridge.ops:8080/zhongtai"}
rules:
  - id: mall_counter_slow
    title: 商城调用柜台过慢
    scope: edge
    service: mall
    name_prefix: counter
    metric: avg_ms
    threshold: 200
    period: 1
    count: 1
    silence: 2
    recover_after: 1
    min_calls: 5
    channels: [ops-mail, oncall, hook]
  - {id: sla, title: 成功率, scope: service, metric: sla, comparison: below, threshold: 0.995}
)";

TEST(AlertDocument, ReadsWhatStaffWriteInYamlOrJsonAndWritesItBackTheSame) {
  const auto doc = parse_alert_document(kYaml);
  ASSERT_EQ(doc.channels.size(), 3u);
  EXPECT_EQ(doc.channels[0], (AlertChannel{"ops-mail", "email", "ops@broker.example"})) << "addresses in lower case";
  EXPECT_EQ(doc.channels[1].to, "13800000000") << "a quoted number stays text";
  ASSERT_EQ(doc.rules.size(), 2u);
  const auto& r = doc.rules[0];
  EXPECT_EQ(r.scope, SeriesScope::kEdge);
  EXPECT_EQ(r.service, "mall");
  EXPECT_EQ(r.name_prefix, "counter");
  EXPECT_EQ(r.metric, AlertMetric::kAvgMs);
  EXPECT_EQ(r.comparison, AlertComparison::kAbove) << "above unless said";
  EXPECT_EQ(r.threshold, 200);
  EXPECT_EQ(r.period, 1);
  EXPECT_EQ(r.silence, 2);
  EXPECT_EQ(r.min_calls, 5u);
  EXPECT_EQ(r.channels, (std::vector<std::string>{"ops-mail", "oncall", "hook"}));
  const auto& sla = doc.rules[1];
  EXPECT_EQ(sla.comparison, AlertComparison::kBelow);
  EXPECT_DOUBLE_EQ(sla.threshold, 0.995);
  EXPECT_EQ(sla.period, 10) << "defaults where a field is left out";
  EXPECT_EQ(sla.min_calls, 6u);
  EXPECT_TRUE(sla.channels.empty());

  // Written for the config center (YAML with a comment) and as JSON: both read back alike.
  const std::string yaml = alert_document_yaml(doc);
  EXPECT_EQ(yaml.rfind("# ", 0), 0u) << yaml;
  const auto again = parse_alert_document(yaml);
  const auto from_json = parse_alert_document(boost::json::serialize(alert_document_json(doc)));
  for (const auto* d : {&again, &from_json}) {
    EXPECT_EQ(d->channels, doc.channels);
    ASSERT_EQ(d->rules.size(), 2u);
    EXPECT_EQ(boost::json::serialize(alert_rule_json(d->rules[0])), boost::json::serialize(alert_rule_json(r)));
    EXPECT_EQ(boost::json::serialize(alert_rule_json(d->rules[1])), boost::json::serialize(alert_rule_json(sla)));
  }
  EXPECT_TRUE(parse_alert_document("").rules.empty()) << "an empty item: nothing published";
}

TEST(AlertDocument, RefusesWhatItCannotUseAndSaysWhyInChinese) {
  EXPECT_NE(refusal("rules: [{id: a, title: t, scope: galaxy, metric: avg_ms, threshold: 1}]").find("范围"),
            std::string::npos);
  EXPECT_NE(refusal("rules: [{id: a, title: t, scope: service, metric: p42_ms, threshold: 1}]").find("指标"),
            std::string::npos);
  EXPECT_NE(refusal("rules: [{id: a, title: t, scope: service, metric: avg_ms}]").find("阈值"), std::string::npos);
  EXPECT_NE(
      refusal("rules: [{id: a, title: t, scope: service, metric: avg_ms, threshold: 1, period: 0}]").find("period"),
      std::string::npos);
  EXPECT_NE(
      refusal("rules: [{id: a, title: t, scope: service, metric: avg_ms, threshold: 1, period: 2.5}]").find("整数"),
      std::string::npos);
  EXPECT_NE(refusal("rules: [{id: a, title: t, scope: service, metric: avg_ms, threshold: 1, treshold: 2}]")
                .find("不认识的字段：treshold"),
            std::string::npos)
      << "a typo never passes as a default";
  EXPECT_NE(refusal("rules: [{id: a, title: t, scope: service, metric: avg_ms, threshold: 1, channels: [nobody]}]")
                .find("通知渠道 nobody 未定义"),
            std::string::npos);
  EXPECT_NE(refusal("rules: [{id: a, title: t, scope: service, metric: avg_ms, threshold: 1},"
                    " {id: a, title: u, scope: service, metric: p99_ms, threshold: 1}]")
                .find("编号重复"),
            std::string::npos);
  EXPECT_NE(refusal("rules: [{id: 'a b', title: t, scope: service, metric: avg_ms, threshold: 1}]").find("编号"),
            std::string::npos);
  EXPECT_NE(refusal("channels: [{name: x, type: sms, to: '12345'}]").find("手机号码"), std::string::npos);
  EXPECT_NE(refusal("channels: [{name: x, type: email, to: nobody}]").find("电子邮箱"), std::string::npos);
  EXPECT_NE(refusal("channels: [{name: x, type: webhook, to: 'https://hooks.example/x'}]").find("http://"),
            std::string::npos);
  EXPECT_NE(refusal("channels: [{name: x, type: webhook, to: 'http://user@hooks.example/x'}]").find("http://"),
            std::string::npos);
  EXPECT_NE(refusal("channels: [{name: x, type: fax, to: '1'}]").find("类型"), std::string::npos);
  EXPECT_NE(refusal("channels: [{name: x, type: sms, to: '13800000000'}, {name: x, type: sms, to: '13800000001'}]")
                .find("名称重复"),
            std::string::npos);
  EXPECT_NE(refusal("rules: [unclosed").find("无法解析"), std::string::npos);
  EXPECT_NE(refusal("- just\n- a list\n").find("应为对象"), std::string::npos);
}

TEST(AlertDocument, ADocumentThatWouldExpandWithoutEndOrRepeatsAKeyIsRefused) {
  // Nine levels of ten aliases each: a kilobyte that would be a billion nodes.
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) bomb += (j ? ", *a" : "*a") + std::to_string(i - 1);
    bomb += "]\n";
  }
  EXPECT_NE(refusal(bomb).find("告警配置过大"), std::string::npos);
  EXPECT_NE(refusal("rules: []\nrules: []\n").find("字段重复"), std::string::npos);
}

TEST(AlertDocument, BlankIsTheDefaultsAndAPublishedDocumentWithoutRulesJudgesNothing) {
  EXPECT_EQ(alert_document_of("").rules.size(), shipped_alert_document().rules.size());
  EXPECT_EQ(alert_document_of(" \n").rules.size(), shipped_alert_document().rules.size());
  EXPECT_TRUE(alert_document_of("channels: []\nrules: []\n").rules.empty());
  EXPECT_TRUE(alert_document_of("# 暂停全部告警\n").rules.empty());
  // An unquoted mobile number or numeric id reads as its digits; a NaN threshold is no number.
  const auto doc = alert_document_of("channels: [{name: 1, type: sms, to: 13800138000}]\n");
  ASSERT_EQ(doc.channels.size(), 1u);
  EXPECT_EQ(doc.channels[0].name, "1");
  EXPECT_EQ(doc.channels[0].to, "13800138000");
  EXPECT_NE(
      refusal("rules: [{id: a, title: t, scope: service, metric: avg_ms, threshold: nan}]").find("threshold 应为数值"),
      std::string::npos);
}

TEST(AlertDocument, AWebhookAddressIsReadOneWayWhereverItIsChecked) {
  const auto url = parse_webhook_url("http://alert-bridge.ops:8080/zhongtai?team=ops");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "alert-bridge.ops");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->path, "/zhongtai?team=ops");
  EXPECT_EQ(url->host_header, "alert-bridge.ops:8080");
  const auto bare = parse_webhook_url("http://10.1.2.3");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->port, 80);
  EXPECT_EQ(bare->path, "/");
  for (const char* bad : {"https://hooks.example/x", "http://hooks.example:99999/x", "http://hooks.example:abc/x",
                          "http://hooks.example:/x", "http://user@hooks.example/x", "http://hooks.example?x/y",
                          "http://[::1]/x", "http:///x", "http://hooks.example/x#frag", "http://hooks.example/a b"})
    EXPECT_FALSE(parse_webhook_url(bad)) << bad;
}

TEST(AlertDocument, TheShippedDefaultsAreSkyWalkingsSixAndAVendorRuleEachGuarded) {
  const auto& doc = shipped_alert_document();
  std::vector<std::string> ids;
  for (const auto& r : doc.rules) {
    ids.push_back(r.id);
    EXPECT_FALSE(rule_problem(r)) << r.id;
    EXPECT_EQ(r.min_calls, 6u) << r.id << ": held back under 6 calls a minute, as deploy/prometheus/rules.yml";
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"service_resp_time", "service_sla", "service_resp_time_percentile",
                                           "instance_resp_time", "database_access_resp_time", "endpoint_resp_time",
                                           "vendor_latency"}));
  // What the config center would hold reads back whole.
  EXPECT_EQ(parse_alert_document(alert_document_yaml(doc)).rules.size(), doc.rules.size());
}

TEST(AlertDocument, ANoticeReadsInOneLineOfChineseWithBeijingTime) {
  const auto doc = parse_alert_document(kYaml);
  // 2026-12-07 01:31 UTC = 09:31 in Beijing.
  const std::int64_t minute = 1'796'607'060 / 60;
  AlertNotice n{AlertNotice::Kind::kFiring,
                "mall_counter_slow",
                SeriesKey{SeriesScope::kEdge, "mall", "counter"},
                minute,
                312.46,
                1,
                9};
  EXPECT_EQ(
      notice_text(doc.rules[0], n),
      "告警 商城调用柜台过慢：mall → counter 平均响应时间 312.5 ms（阈值 > 200.0 ms），近 1 分钟 1 分钟超限，9 次调用，"
      "12-07 09:31");
  n.kind = AlertNotice::Kind::kRecovered;
  n.value = 12;
  EXPECT_EQ(notice_text(doc.rules[0], n),
            "恢复 商城调用柜台过慢：mall → counter 已恢复，平均响应时间 12.0 ms，12-07 09:31");
  AlertNotice sla{AlertNotice::Kind::kFiring, "sla", SeriesKey{SeriesScope::kService, "mall", ""}, minute, 0.9, 2, 100};
  EXPECT_NE(notice_text(doc.rules[1], sla).find("服务 mall 成功率 90.00%（阈值 < 99.50%）"), std::string::npos)
      << notice_text(doc.rules[1], sla);
  EXPECT_EQ(entity_text(SeriesKey{SeriesScope::kEndpoint, "mall", "GET /api/mall/v1/holdings"}),
            "mall 的接口 GET /api/mall/v1/holdings");
  // A resource rule: the instance's own figure, no calls to count.
  const auto memory = alert_rule_from(boost::json::parse(
      R"({"id": "mem", "title": "实例内存过高", "scope": "instance", "metric": "rss_mb", "threshold": 2048,
          "period": 5, "count": 3})"));
  AlertNotice high{
      AlertNotice::Kind::kFiring, "mem", SeriesKey{SeriesScope::kInstance, "mall", "mall-7f9c"}, minute, 3100.4, 3, 0};
  EXPECT_EQ(notice_text(memory, high),
            "告警 实例内存过高：mall 的实例 mall-7f9c 常驻内存 3100 MiB（阈值 > 2048 MiB），近 5 分钟 3 分钟超限，"
            "12-07 09:31");
  high.kind = AlertNotice::Kind::kGone;
  EXPECT_EQ(notice_text(memory, high),
            "告警结束 实例内存过高：mall 的实例 mall-7f9c 已 5 分钟未上报资源数据（实例可能已下线），12-07 09:31");
  EXPECT_EQ(notice_kind_name(AlertNotice::Kind::kGone), "gone");
  EXPECT_THROW(alert_rule_from(boost::json::parse(
                   R"({"id": "cpu", "title": "CPU", "scope": "service", "metric": "cpu_cores", "threshold": 1})")),
               std::invalid_argument)
      << "resources are an instance's";
}

}  // namespace
}  // namespace zt::platform::observer
