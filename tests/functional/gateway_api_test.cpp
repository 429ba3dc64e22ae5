// The gateway's own API through the real binary: the features the apps show (sandbox flag,
// business areas appearing and going with their services) and the flow rules with live counts
// (staff only), and the rule check with its reasons.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "harness/fake_server.hpp"
#include "harness/http.hpp"
#include "harness/platform.hpp"
#include "harness/zhongtai.hpp"

namespace zt::test {
namespace {

using namespace std::chrono_literals;

HttpResponse as_staff(int port, const std::string& method, const std::string& path, const std::string& body = "",
                      const std::vector<std::string>& permissions = {"governance.read", "governance.write"}) {
  return http_request(port, method, path, body, {{"authorization", "Bearer " + staff_token(permissions)}});
}

TEST(GatewayApi, BusinessAreasAppearAndGoWithTheirServices) {
  // A gateway of its own, with a registry where no business service runs yet.
  const std::string secret = "features-suite-secret-0123456789ab";
  Zhongtai reg(Env{{"ZT_NODE__INTERNAL_SECRET", secret}}, "registry");
  Zhongtai z(
      Env{{"ZT_NODE__INTERNAL_SECRET", secret}, {"ZT_DISCOVERY__REGISTRY", "127.0.0.1:" + std::to_string(reg.port)}},
      "gateway");
  auto f = http_get(z.port, "/api/gateway/v1/features");
  ASSERT_EQ(f.status, 200) << f.body;
  EXPECT_NE(f.body.find("\"areas\":[]"), std::string::npos) << "no business service runs yet: " << f.body;

  // A mall instance registers: its area appears; taken offline, it goes again.
  FakeServer mall([](const FakeRequest&) { return FakeReply{200, R"({"ok":true})"}; });
  RegisteredInstance instance(reg.port, "mall", "mall-1", mall.port(), secret);
  ASSERT_TRUE(eventually(
      [&] { return http_get(z.port, "/api/gateway/v1/features").body.find("金融商城") != std::string::npos; }, 10s))
      << http_get(z.port, "/api/gateway/v1/features").body;
  EXPECT_NE(http_get(z.port, "/api/gateway/v1/features").body.find("\"path\":\"/mall\""), std::string::npos);
  auto off = as_staff(z.port, "PATCH", "/api/registry/v1/services/mall/instances/mall-1", R"({"enabled": false})");
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_TRUE(eventually(
      [&] { return http_get(z.port, "/api/gateway/v1/features").body.find("金融商城") == std::string::npos; }, 10s));
}

TEST(GatewayApi, FeaturesSayWhenVendorsAreReal) {
  // Real vendors: SMS goes through the vendor's API (a sandbox outbox would refuse to start).
  Zhongtai z(Env{{"ZT_NODE__SANDBOX", "false"}, {"ZT_NOTIFY__PROVIDER", "http"}, {"ZT_NOTIFY__ENDPOINT", "http://127.0.0.1:9/sms"}});
  EXPECT_EQ(json_field(http_get(z.port, "/api/gateway/v1/features").body, "sandbox"), "false");
  // And what only the sandbox offers is refused by name: no demo account where money is real.
  EXPECT_TRUE(refused(http_request(z.port, "POST", "/api/auth/v1/me/sandbox-account", "", customer_headers("C000000000042")), 404,
                      "AUTH_NOT_SANDBOX", "仅沙箱环境可开立演示账户"));
}

class GatewayApiModes : public ::testing::TestWithParam<Mode> {};

TEST_P(GatewayApiModes, FeaturesShowSandboxAndTheBusinessAreasThatRun) {
  Platform& p = Platform::shared(GetParam());
  HttpResponse f;
  // Split, the gateway learns the areas from the registry: the mall's instance, once it is listed.
  ASSERT_TRUE(eventually([&] {
    f = http_get(p.port(), "/api/gateway/v1/features");
    return f.status == 200 && f.body.find("\"path\":\"/mall\"") != std::string::npos;
  }, 10s)) << f.status << " " << f.body;
  EXPECT_EQ(json_field(f.body, "sandbox"), "true");
  EXPECT_NE(f.body.find("金融商城"), std::string::npos) << f.body;
  EXPECT_NE(f.body.find("\"sandbox_clock\":null"), std::string::npos) << "the clock is not pinned: " << f.body;
}

// 下线 honoured in every mode (issue 28, item 4): the mall's one instance taken offline serves no
// customer — in one process the gateway no longer answers from the mall it runs, as split it no
// longer sends to it — and its area leaves the apps; back online, both return.
TEST_P(GatewayApiModes, AnInstanceTakenOfflineServesNothingInEitherMode) {
  Platform& p = Platform::shared(GetParam());
  const int port = p.port();
  HttpResponse listed;
  ASSERT_TRUE(eventually([&] {
    listed = as_staff(port, "GET", "/api/registry/v1/services/mall/instances");
    return listed.status == 200 && listed.body.find("\"id\":\"") != std::string::npos;
  }, 10s)) << listed.status << " " << listed.body;
  const auto instances = boost::json::parse(listed.body).at("instances").as_array();
  ASSERT_EQ(instances.size(), 1u) << listed.body;
  const std::string path = "/api/registry/v1/services/mall/instances/" + std::string(instances.at(0).at("id").as_string());
  struct BackOnline {  // whatever happens below, the shared platform's mall serves again after
    int port;
    std::string path;
    ~BackOnline() { as_staff(port, "PATCH", path, R"({"enabled": true})"); }
  } back_online{port, path};
  ASSERT_EQ(http_get(port, "/api/mall/v1/products").status, 200);
  // The mall's product list once it answers `status` (the change reaches the gateway by a watch).
  auto products_answer = [&](int status) {
    HttpResponse r;
    EXPECT_TRUE(eventually([&] { return (r = http_get(port, "/api/mall/v1/products")).status == status; }, 10s))
        << "waiting for " << status << ", got " << r.status << " " << r.body;
    return r;
  };

  ASSERT_EQ(as_staff(port, "PATCH", path, R"({"enabled": false})").status, 200);
  EXPECT_TRUE(refused(products_answer(503), 503, "SERVICE_UNAVAILABLE", "服务 mall 暂无可用实例"));
  EXPECT_EQ(http_get(port, "/api/mall/v1/products/F10001").status, 503) << "no route of it is served";
  EXPECT_EQ(http_get(port, "/api/gateway/v1/features").body.find("金融商城"), std::string::npos) << "its area leaves the apps";
  EXPECT_EQ(http_get(port, "/api/system/v1/ping").status, 200) << "the other services serve on";

  ASSERT_EQ(as_staff(port, "PATCH", path, R"({"enabled": true})").status, 200);
  products_answer(200);
  EXPECT_NE(http_get(port, "/api/gateway/v1/features").body.find("金融商城"), std::string::npos);

  // The services the console itself goes through keep their last instance in traffic: taken out,
  // nobody could sign in to put it back.
  for (const char* service : {"auth", "gateway", "registry"}) {
    const auto of = as_staff(port, "GET", std::string("/api/registry/v1/services/") + service + "/instances");
    ASSERT_EQ(of.status, 200) << service << ": " << of.body;
    const auto parsed = boost::json::parse(of.body);
    const auto& listed = parsed.at("instances").as_array();
    if (listed.empty()) {  // a registry in the process of its gateway is reached without the naming table
      EXPECT_STREQ(service, "registry") << of.body;
      continue;
    }
    ASSERT_EQ(listed.size(), 1u) << service << ": " << of.body;
    const std::string target = std::string("/api/registry/v1/services/") + service + "/instances/" +
                               std::string(listed.at(0).at("id").as_string());
    EXPECT_TRUE(refused(as_staff(port, "PATCH", target, R"({"enabled": false})"), 409, "REGISTRY_LAST_INSTANCE",
                        std::string("服务 ") + service + " 仅剩这一个可用实例，下线后将无法登录控制台或恢复服务，不能下线"));
    EXPECT_TRUE(refused(as_staff(port, "PATCH", target, R"({"weight": 0})"), 409, "REGISTRY_LAST_INSTANCE")) << service;
  }
  EXPECT_EQ(http_get(port, "/api/auth/v1/jwks").status, 200) << "sign-in still served";
}

TEST_P(GatewayApiModes, FlowRulesWithLiveCountsForStaffAndTheRuleCheck) {
  Platform& p = Platform::shared(GetParam());
  const int port = p.port();
  // Staff with governance.read only; nobody else.
  EXPECT_TRUE(refused(http_get(port, "/api/gateway/v1/flow"), 401, "GATEWAY_UNAUTHENTICATED"));
  EXPECT_EQ(as_staff(port, "GET", "/api/gateway/v1/flow", "", {"audit.read"}).status, 403);
  ASSERT_EQ(publish_dynamic(port, "resilience.rules: ''\n").status, 200) << "no rules left by another case";
  HttpResponse empty;
  EXPECT_TRUE(eventually([&] {
    empty = as_staff(port, "GET", "/api/gateway/v1/flow", "", {"governance.read"});
    return empty.status == 200 && empty.body.find("\"rules\":[]") != std::string::npos;
  }, 10s)) << empty.status << " " << empty.body;

  ASSERT_EQ(publish_dynamic(
                port,
                "resilience.rules: |\n  flow:\n    - {id: ping-cap, resource: \"GET /api/system/v1/ping\", count: 2}\n"
                "    - {id: info-watch, resource: \"GET /api/system/v1/info\", count: 1, shadow: true}\n")
                .status,
            200);
  ASSERT_TRUE(eventually(
      [&] { return as_staff(port, "GET", "/api/gateway/v1/flow").body.find("ping-cap") != std::string::npos; }, 10s));
  int refusals = 0;
  for (int i = 0; i < 6; ++i) {
    if (http_get(port, "/api/system/v1/ping").status == 429) ++refusals;
    http_get(port, "/api/system/v1/info");
  }
  ASSERT_GT(refusals, 0);
  auto flow = as_staff(port, "GET", "/api/gateway/v1/flow");
  ASSERT_EQ(flow.status, 200);
  // Each rule with its kind, resource and counts; the shadow rule only counts.
  auto rule = [&](const std::string& id) {
    const auto at = flow.body.find("\"id\":\"" + id + "\"");
    return at == std::string::npos ? std::string() : flow.body.substr(at, flow.body.find('}', at) - at);
  };
  EXPECT_EQ(json_field(rule("ping-cap"), "kind"), "flow");
  if (GetParam() == Mode::kAll) {
    EXPECT_EQ(json_field(rule("ping-cap"), "blocked"), std::to_string(refusals));
  } else {
    // Split, the system process holds the rule too and may refuse one the gateway let through
    // (their one-second windows need not line up); the gateway's view counts its own refusals.
    EXPECT_GE(std::stoi(json_field(rule("ping-cap"), "blocked")), 1);
    EXPECT_LE(std::stoi(json_field(rule("ping-cap"), "blocked")), refusals);
  }
  EXPECT_EQ(json_field(rule("ping-cap"), "shadow"), "false");
  EXPECT_GE(std::stoi(json_field(rule("ping-cap"), "passed")), 1);
  EXPECT_EQ(json_field(rule("info-watch"), "shadow"), "true");
  EXPECT_EQ(json_field(rule("info-watch"), "blocked"), "0");
  EXPECT_GE(std::stoi(json_field(rule("info-watch"), "shadow_blocked")), 1);
  EXPECT_NE(flow.body.find("rules_yaml"), std::string::npos);

  // The check: a good set counts its rules; a bad one names line and field in Chinese.
  auto good = as_staff(port, "POST", "/api/gateway/v1/flow/check",
                       R"({"rules": "flow:\n  - {id: a, resource: \"*\", count: 5}\n"})");
  ASSERT_EQ(good.status, 200) << good.body;
  EXPECT_EQ(json_field(good.body, "rule_count"), "1");
  auto bad = as_staff(port, "POST", "/api/gateway/v1/flow/check",
                      R"({"rules": "flow:\n  - {id: a, resource: \"*\", count: lots}\n"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json_field(bad.body, "code"), "GATEWAY_FLOW_RULES_INVALID");
  EXPECT_NE(json_field(bad.body, "message").find("第2行"), std::string::npos) << bad.body;
  // A resource no service declares could never match: a misspelt method, a path with an id in
  // place of its template, a path nobody serves — each refused, named; a declared one passes.
  auto never = as_staff(port, "POST", "/api/gateway/v1/flow/check",
                        R"({"rules": "flow:\n  - {id: a, resource: \"GTE /api/system/v1/ping\", count: 5}\n  - {id: b, resource: \"GET /api/mall/v1/products/F10001\", count: 5}\nkeyed:\n  - {id: c, resource: \"POST /api/nowhere/v1/x\", key: ip, rate: 5}\n"})");
  EXPECT_TRUE(refused(never, 400, "GATEWAY_FLOW_RULES_INVALID",
                      "限流熔断规则无效：flow[0].resource 不是任何服务声明的接口：“GTE /api/system/v1/ping”（应为“方法 路径模板”，如 GET "
                      "/api/mall/v1/products/{code}，或 *）；flow[1].resource 不是任何服务声明的接口：“GET /api/mall/v1/products/F10001”（应为“方法 "
                      "路径模板”，如 GET /api/mall/v1/products/{code}，或 *）；keyed[0].resource 不是任何服务声明的接口：“POST /api/nowhere/v1/x”（应为“方法 "
                      "路径模板”，如 GET /api/mall/v1/products/{code}，或 *）"))
      << never.body;
  auto declared = as_staff(port, "POST", "/api/gateway/v1/flow/check",
                           R"({"rules": "flow:\n  - {id: a, resource: \"GET /api/mall/v1/products/{code}\", count: 5}\n  - {id: b, resource: \"GET /api/system/v1/ping\", count: 5}\n  - {id: c, resource: \"HEAD /api/system/v1/ping\", count: 5}\n"})");
  EXPECT_EQ(declared.status, 200) << declared.body << " (HEAD is counted for a declared GET)";
  // A rule already running passes as it is, so an old rule never blocks an edit of another; a new
  // one beside it is checked.
  ASSERT_EQ(publish_dynamic(port, "resilience.rules: |\n  flow:\n    - {id: legacy, resource: \"GET /api/legacy/\", count: 5, shadow: true}\n").status, 200);
  ASSERT_TRUE(eventually([&] { return as_staff(port, "GET", "/api/gateway/v1/flow").body.find("legacy") != std::string::npos; }, 10s));
  EXPECT_EQ(as_staff(port, "POST", "/api/gateway/v1/flow/check",
                     R"({"rules": "flow:\n  - {id: legacy, resource: \"GET /api/legacy/\", count: 5, shadow: false}\n"})")
                .status,
            200);
  EXPECT_TRUE(refused(as_staff(port, "POST", "/api/gateway/v1/flow/check",
                               R"({"rules": "flow:\n  - {id: legacy, resource: \"GET /api/legacy/\", count: 5}\n  - {id: d, resource: \"GET /api/legacy/v1/x\", count: 5}\n"})"),
                      400, "GATEWAY_FLOW_RULES_INVALID"));
  EXPECT_EQ(as_staff(port, "POST", "/api/gateway/v1/flow/check", R"({"rules": 5})").status, 400)
      << "checked against the OpenAPI document";
  EXPECT_TRUE(refused(http_request(port, "POST", "/api/gateway/v1/flow/check", R"({"rules": ""})"), 401, "GATEWAY_UNAUTHENTICATED"));
  ASSERT_EQ(publish_dynamic(port, "resilience.rules: ''\n").status, 200) << "the rules go for the next case";
}

TEST_P(GatewayApiModes, TheRegistryAuditIsForAuditorsNotForOperators) {
  Platform& p = Platform::shared(GetParam());
  const int port = p.port();
  ASSERT_EQ(publish_dynamic(port, "resilience.rules: ''\n").status, 200);
  EXPECT_TRUE(refused(as_staff(port, "GET", "/api/registry/v1/audit", "", {"governance.read", "governance.write"}), 403, "GATEWAY_FORBIDDEN"));
  auto audit = as_staff(port, "GET", "/api/registry/v1/audit", "", {"audit.read"});
  ASSERT_EQ(audit.status, 200) << audit.body;
  EXPECT_NE(audit.body.find(R"("action":"config.publish","target":"config:public/zhongtai/flow.yaml")"), std::string::npos) << audit.body;
  EXPECT_TRUE(refused(as_staff(port, "GET", "/api/registry/v1/services", "", {"audit.read"}), 403, "GATEWAY_FORBIDDEN"))
      << "auditing is not governing";
}

INSTANTIATE_TEST_SUITE_P(BothModes, GatewayApiModes, ::testing::Values(Mode::kAll, Mode::kSplit), mode_name);

}  // namespace
}  // namespace zt::test
