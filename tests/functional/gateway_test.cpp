// The gateway on the real binary: every external request passes it — in one process
// (`--target all`, straight to the local handler) and split (`--target gateway` in front of a
// `--target system` instance found through the registry).
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <thread>

#include "harness/http.hpp"
#include "harness/platform.hpp"
#include "harness/process.hpp"
#include "harness/zhongtai.hpp"

namespace zt::test {
namespace {

using namespace std::chrono_literals;

// The gateway's settings item (core/config/settings_items.hpp: one item per concern).
const std::string kConfig = "/api/registry/v1/configs/public/zhongtai/gateway.yaml";

// A gateway.yaml carrying gateway.routes, as the config center's JSON publish body; `check`
// false stores it without the config center's check (the processes' own refusal then shows).
std::string routes_body(const std::string& routes_yaml, bool check = true) {
  std::string indented;
  std::size_t start = 0;
  while (start < routes_yaml.size()) {
    auto nl = routes_yaml.find('\n', start);
    if (nl == std::string::npos) nl = routes_yaml.size();
    indented += "  " + routes_yaml.substr(start, nl - start) + "\n";
    start = nl + 1;
  }
  std::string content = "gateway.routes: |\n" + indented;
  std::string escaped;
  for (char c : content) {
    if (c == '\n') escaped += "\\n";
    else if (c == '"') escaped += "\\\"";
    else escaped += c;
  }
  return R"({"content": ")" + escaped + R"(", "format": "yaml", "author": "ops-zhao", "comment": "routes", "check": )" +
         (check ? "true" : "false") + "}";
}

const char* kRoutes = R"(routes:
  - {id: alias, path: /alias/, rewrite: /api/system/v1/, service: system}
  - {id: info, path: /api/system/v1/info, match: exact, service: system, access: staff}
  - {id: system, path: /api/system/, methods: [GET], service: system}
  - {id: registry, path: /api/registry/, service: registry, timeout_ms: 40000})";

class GatewayModes : public ::testing::TestWithParam<Mode> {};

// In one process the gateway hands a request to the local handler; split, it signs and forwards it
// to the instance the registry names. What a client sees must not differ.
TEST_P(GatewayModes, RoutesRefusesInTheErrorShapeAndDropsInternalHeaders) {
  Platform p(GetParam());  // its own: the case publishes routes
  const int port = p.port();
  EXPECT_EQ(http_get(port, "/api/system/v1/ping").status, 200) << "the default routes cover every API";
  auto missing = http_get(port, "/api/nothing/v1/x");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("\"code\":\"NOT_FOUND\""), std::string::npos) << missing.body;
  EXPECT_NE(missing.body.find("请求的资源不存在"), std::string::npos);
  EXPECT_NE(missing.body.find("\"trace_id\":\""), std::string::npos);

  // A client cannot claim to be one of our services: the header is dropped, not trusted.
  auto forged = http_request(port, "GET", "/api/system/v1/whoami", "",
                             {{"x-zt-identity", "v1.eyJzdmMiOiJtYWxsIn0=.00"}, {"x-zt-deadline-ms", "1"}});
  EXPECT_EQ(forged.status, 200) << forged.body;
  EXPECT_NE(forged.body.find("\"caller_kind\":\"anonymous\""), std::string::npos) << forged.body;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(forged.body, m, std::regex("\"deadline_ms\":(\\d+)")));
  EXPECT_GT(std::stoll(m[1]), 1000) << "the client's deadline header is ignored too";

  // Routes change live through the config center.
  auto pub = http_request(port, "PUT", kConfig, routes_body(kRoutes), staff_headers());
  ASSERT_EQ(pub.status, 200) << pub.body;
  ASSERT_TRUE(eventually([&] { return http_get(port, "/alias/ping").status == 200; }, 5s));
  EXPECT_EQ(http_get(port, "/alias/ping").body, "{\"status\":\"ok\"}") << "rewritten to /api/system/v1/ping";
  auto staff_only = http_get(port, "/api/system/v1/info");
  EXPECT_EQ(staff_only.status, 401);
  EXPECT_NE(staff_only.body.find("GATEWAY_UNAUTHENTICATED"), std::string::npos) << staff_only.body;
  // A service declares which of its operations move money: the gateway wants a key for them.
  auto no_key = http_request(port, "POST", "/api/mall/v1/orders", R"({"product": "F00001", "side": "subscribe", "amount": "1000.00"})",
                             customer_headers("C-gw-1"));
  EXPECT_EQ(no_key.status, 400);
  EXPECT_NE(no_key.body.find("GATEWAY_IDEMPOTENCY_KEY_REQUIRED"), std::string::npos) << no_key.body;
  auto undeclared = http_request(port, "POST", "/api/system/v1/events", "{}");
  EXPECT_EQ(undeclared.status, 405) << "what the service does not declare, the gateway does not route: " << undeclared.body;
  EXPECT_EQ(undeclared.headers["allow"], "GET");
  auto wrong_method = http_request(port, "DELETE", "/api/system/v1/ping", "");
  EXPECT_EQ(wrong_method.status, 405) << wrong_method.body;
  EXPECT_NE(wrong_method.body.find("METHOD_NOT_ALLOWED"), std::string::npos);

  // Routes that do not parse: the config center refuses them before storing anything (it checks
  // a settings item as the processes would) ...
  const std::string bad_routes = "routes:\n  - {id: x, path: no-slash, service: system}";
  auto checked = http_request(port, "PUT", kConfig, routes_body(bad_routes), staff_headers());
  EXPECT_TRUE(refused(checked, 400, "REGISTRY_CONFIG_INVALID")) << checked.body;
  EXPECT_NE(checked.body.find("配置校验未通过，未发布"), std::string::npos) << checked.body;
  EXPECT_NE(checked.body.find("网关路由无效"), std::string::npos) << checked.body;
  // ... and, stored unchecked (a registry older than its readers), the process refuses them and
  // keeps the last good ones.
  auto bad = http_request(port, "PUT", kConfig, routes_body(bad_routes, false), staff_headers());
  ASSERT_EQ(bad.status, 200) << "stored unchecked; the gateway is the one to refuse";
  EXPECT_TRUE(eventually([&] {
    auto acks = http_request(port, "GET", kConfig + "/acks", "", staff_headers()).body;
    return acks.find("\"applied\":false") != std::string::npos && acks.find("网关路由无效") != std::string::npos;
  }, 5s)) << http_request(port, "GET", kConfig + "/acks", "", staff_headers()).body;
  EXPECT_EQ(http_get(port, "/alias/ping").status, 200) << "the last good routes stay";
  auto metrics = http_get(p.gateway().admin, "/metrics").body;
  EXPECT_NE(metrics.find("zt_gateway_routed_total{route=\"alias\"}"), std::string::npos);
  std::smatch routed;
  ASSERT_TRUE(std::regex_search(metrics, routed, std::regex("zt_gateway_routed_total\\{route=\"alias\"\\} (\\d+)")));
  EXPECT_GE(std::stoi(routed[1]), 3) << "each request through the alias route is counted";
  EXPECT_NE(metrics.find("zt_gateway_refused_total{reason=\"access\"} 1"), std::string::npos) << metrics;
}

INSTANTIATE_TEST_SUITE_P(BothModes, GatewayModes, ::testing::Values(Mode::kAll, Mode::kSplit), mode_name);

TEST(Gateway, SplitGatewayForwardsToInstancesFoundThroughTheRegistry) {
  const std::string secret = "split-gateway-suite-0123456789";
  Zhongtai reg({{"ZT_NODE__INTERNAL_SECRET", secret}}, "registry");
  Env to_registry{{"ZT_DISCOVERY__REGISTRY", "127.0.0.1:" + std::to_string(reg.port)}};
  {
    Zhongtai keyless(to_registry, "system");
    EXPECT_NE(keyless.process->log_text().find("no service keys"), std::string::npos)
        << "a split process without keys says so at start";
  }
  to_registry["ZT_NODE__INTERNAL_SECRET"] = secret;
  Zhongtai instance(to_registry, "system");
  // The split gateway enforces flow rules on the operation, as the service itself would:
  // resource "<METHOD> <path template>".
  TempDir rules_dir;
  const std::string rules = rules_dir.path() + "/rules.yaml";
  {
    std::ofstream f(rules);
    f << "flow:\n  - {id: gw-system, resource: \"GET /api/system/v1/info\", count: 3}\n";
  }
  Env gateway_env = to_registry;
  gateway_env["ZT_RESILIENCE__RULES_FILE"] = rules;
  Zhongtai gateway(gateway_env, "gateway");
  ASSERT_TRUE(eventually([&] { return http_get(gateway.port, "/api/system/v1/ping").status == 200; }, 10s))
      << http_get(gateway.port, "/api/system/v1/ping").body;
  std::this_thread::sleep_for(1100ms);  // a fresh second for the flow rule
  const auto started = std::chrono::steady_clock::now();
  auto info = http_get(gateway.port, "/api/system/v1/info");
  EXPECT_EQ(info.status, 200);
  EXPECT_NE(info.body.find("\"system\""), std::string::npos) << "answered by the system instance: " << info.body;
  int limited = 0, served = 1;
  for (int i = 0; i < 11; ++i) {
    auto r = http_get(gateway.port, "/api/system/v1/info");
    if (r.status == 200) ++served;
    if (r.status == 429) {
      ++limited;
      EXPECT_NE(r.body.find("\"trace_id\""), std::string::npos) << r.body;
    }
  }
  // 3 per second on the gateway route, in each one-second window the 12 requests touched (a loaded
  // machine may stretch them over several).
  const auto took_s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count();
  EXPECT_LE(served, 3 * (took_s + 2)) << "over " << took_s << " s";
  EXPECT_EQ(served + limited, 12);
  EXPECT_GT(limited, 0);
  EXPECT_NE(http_get(gateway.admin, "/metrics").body.find("zt_resilience_blocked_total{rule=\"gw-system\"}"), std::string::npos);
  std::this_thread::sleep_for(1100ms);
  EXPECT_TRUE(refused(http_get(gateway.port, "/api/nothing/v1"), 404, "NOT_FOUND"));
  // The registry node lists itself as service "registry": its API is reachable by name too.
  auto services = [&] { return http_request(gateway.port, "GET", "/api/registry/v1/services", "", staff_headers()); };
  ASSERT_TRUE(eventually([&] { return services().status == 200; }, 5s));
  EXPECT_NE(services().body.find("\"service\":\"registry\""), std::string::npos);
  EXPECT_TRUE(refused(http_get(gateway.port, "/api/registry/v1/services"), 401, "GATEWAY_UNAUTHENTICATED")) << "the registry is for staff through the gateway";
  auto unknown = http_request(gateway.port, "PUT", "/api/registry/v1/nothing", "", staff_headers());
  EXPECT_EQ(unknown.status, 404) << "what the registry does not declare is not routed: " << unknown.body;
  // The instance goes away: a clear 503 in the error shape, no upstream detail.
  instance.kill();
  HttpResponse gone;
  ASSERT_TRUE(eventually([&] {
    gone = http_get(gateway.port, "/api/system/v1/ping");
    // On the way (before the registry drops it): 502s for the dead instance, 429s from the flow
    // rule; none may show where the upstream was.
    EXPECT_EQ(gone.body.find("127.0.0.1"), std::string::npos) << "no upstream address leaks: " << gone.body;
    return gone.status == 503;
  }, 15s, 400ms));
  EXPECT_NE(gone.body.find("SERVICE_UNAVAILABLE"), std::string::npos) << gone.body;
}

}  // namespace
}  // namespace zt::test
