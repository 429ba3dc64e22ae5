// Gateway filters on the real binary: client address behind trusted proxies, IP deny, CORS,
// per-route body limits, the access log's fields, per-customer and per-IP limits on the verified
// caller — and the memory those limits and the token cache hold staying within their caps under
// 100,000 distinct customers and addresses.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <fstream>
#include <regex>
#include <thread>

#include "core/crypto/jwt.hpp"
#include "harness/fake_server.hpp"
#include "harness/http.hpp"
#include "harness/platform.hpp"
#include "harness/process.hpp"
#include "harness/tokens.hpp"
#include "harness/zhongtai.hpp"

namespace zt::test {
namespace {

using namespace std::chrono_literals;
using core::crypto::Jwk;
using core::crypto::JwtAlg;

std::string token_for(const Jwk& key, const std::string& customer) { return core::crypto::jwt_sign(key, token_claims(customer)); }

// Whether the gateway has taken up the last published settings: its ack for the item says so.
bool applied(int port) {
  auto acks = http_request(port, "GET", "/api/registry/v1/configs/public/zhongtai/gateway.yaml/acks", "", staff_headers()).body;
  return acks.find("\"applied\":true") != std::string::npos && acks.find("\"applied\":false") == std::string::npos;
}

const char* kSettings = R"(gateway.routes: |
  routes:
    - {id: small, path: /api/gateway/v1/flow/check, match: exact, service: gateway, max_body_bytes: 64}
    - {id: system, path: /api/system/, service: system}
    - {id: registry, path: /api/registry/, service: registry, timeout_ms: 40000}
gateway.filters: |
  ip:
    trusted_proxies: [127.0.0.0/8]
    deny: [203.0.113.0/24]
  cors:
    allow_origins: ['https://h5.example.com']
)";


class GatewayFiltersModes : public ::testing::TestWithParam<Mode> {};

TEST_P(GatewayFiltersModes, AddressCorsBodyLimitAndAccessLog) {
  TempDir dir{"zt-filters"};
  const std::string access_log = dir.path() + "/access.log";
  Platform p(GetParam(), {{"ZT_SERVER__ACCESS_LOG", access_log}});  // its own: the case changes the filters
  const int port = p.port();
  ASSERT_EQ(publish_dynamic(port, kSettings).status, 200);
  ASSERT_TRUE(eventually([&] { return applied(port); }, 5s));

  // Behind a trusted proxy the client is the address X-Forwarded-For names — read from the right,
  // so what a client prepends itself does not count.
  auto via = [&](const std::string& xff) {
    return http_request(port, "GET", "/api/system/v1/ping", "", {{"x-forwarded-for", xff}});
  };
  EXPECT_EQ(via("198.51.100.1").status, 200);
  auto denied = via("203.0.113.9");
  EXPECT_EQ(denied.status, 403);
  EXPECT_NE(denied.body.find("\"code\":\"GATEWAY_IP_DENIED\""), std::string::npos) << denied.body;
  EXPECT_NE(denied.body.find("\"trace_id\":\""), std::string::npos);
  EXPECT_EQ(via("198.51.100.1, 203.0.113.9").status, 403) << "the proxy saw 203.0.113.9";
  EXPECT_EQ(via("203.0.113.9, 198.51.100.1").status, 200) << "the client's own prefix is not believed";

  // Per-route body limit.
  auto big = http_request(port, "POST", "/api/gateway/v1/flow/check", std::string(65, 'x'));
  EXPECT_EQ(big.status, 413);
  EXPECT_NE(big.body.find("GATEWAY_BODY_TOO_LARGE"), std::string::npos) << big.body;
  auto fits = http_request(port, "POST", "/api/gateway/v1/flow/check", std::string(64, 'x'));
  EXPECT_EQ(fits.status, 401) << "within the limit the request goes on, to the access check: " << fits.body;
  EXPECT_NE(fits.body.find("GATEWAY_UNAUTHENTICATED"), std::string::npos) << fits.body;

  // CORS: preflights answered at the gateway; an allowed origin can read answers and refusals.
  const std::map<std::string, std::string> preflight{{"origin", "https://h5.example.com"},
                                                     {"access-control-request-method", "POST"},
                                                     {"access-control-request-headers", "authorization, content-type"}};
  auto pre = http_request(port, "OPTIONS", "/api/mall/v1/orders", "", preflight);
  EXPECT_EQ(pre.status, 204) << pre.body;
  EXPECT_EQ(pre.headers["access-control-allow-origin"], "https://h5.example.com");
  EXPECT_NE(pre.headers["access-control-allow-headers"].find("authorization"), std::string::npos);
  auto evil = preflight;
  evil["origin"] = "https://evil.example.com";
  auto refused = http_request(port, "OPTIONS", "/api/system/v1/ping", "", evil);
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("GATEWAY_CORS_REFUSED"), std::string::npos);
  auto cross = http_request(port, "GET", "/api/system/v1/ping", "", {{"origin", "https://h5.example.com"}});
  EXPECT_EQ(cross.status, 200);
  EXPECT_EQ(cross.headers["access-control-allow-origin"], "https://h5.example.com");
  auto cross_404 = http_request(port, "GET", "/api/none/v1/x", "", {{"origin", "https://h5.example.com"}});
  EXPECT_EQ(cross_404.status, 404);
  EXPECT_EQ(cross_404.headers["access-control-allow-origin"], "https://h5.example.com") << "the app can read the refusal";
  auto cross_evil = http_request(port, "GET", "/api/system/v1/ping", "", {{"origin", "https://evil.example.com"}});
  EXPECT_EQ(cross_evil.headers.count("access-control-allow-origin"), 0u);

  // Settings that do not hold: the config center refuses them before storing; stored unchecked,
  // the gateway refuses them; the last good ones stay.
  EXPECT_TRUE(zt::test::refused(publish_dynamic(port, std::string(kSettings) + "  bogus: 1\n"), 400, "REGISTRY_CONFIG_INVALID"));
  ASSERT_EQ(publish_dynamic(port, std::string(kSettings) + "  bogus: 1\n", "test", "", false).status, 200);
  EXPECT_TRUE(eventually([&] {
    auto acks = http_request(port, "GET", "/api/registry/v1/configs/public/zhongtai/gateway.yaml/acks", "", staff_headers()).body;
    return acks.find("网关过滤器设置无效") != std::string::npos;
  }, 5s));
  EXPECT_EQ(via("203.0.113.9").status, 403);

  // The access log: one JSON line per request with route id, upstream, status, sizes, timings,
  // the client address and the trace id.
  std::string line;
  ASSERT_TRUE(eventually([&] {
    std::ifstream f(access_log);
    std::string l;
    while (std::getline(f, l))
      if (l.find("\"remote\":\"198.51.100.1\"") != std::string::npos && l.find("\"route_id\":\"system\"") != std::string::npos)
        line = l;
    return !line.empty();
  }, 5s));
  // What the client asked for (split, the request itself has gone on to the service client by the
  // time the line is written); the upstream: the local handler in one process, split the system
  // instance it was sent to.
  EXPECT_NE(line.find("\"method\":\"GET\",\"path\":\"/api/system/v1/ping\""), std::string::npos) << line;
  const std::string upstream = GetParam() == Mode::kAll
                                   ? "\"upstream\":\"local\""
                                   : "@127.0.0.1:" + std::to_string(p.serving("system").port) + "\",";
  EXPECT_NE(line.find(upstream), std::string::npos) << line;
  EXPECT_NE(line.find("\"status\":200"), std::string::npos) << line;
  EXPECT_TRUE(std::regex_search(line, std::regex("\"duration_us\":\\d+"))) << line;
  EXPECT_TRUE(std::regex_search(line, std::regex("\"trace_id\":\"[0-9a-f]{32}\""))) << line;
  EXPECT_NE(line.find("\"caller_kind\":\"anonymous\""), std::string::npos) << line;
}

TEST(GatewayFilters, LimitsPerCustomerAndIpKeepTheirCapsUnder100kDistinctCallers) {
  TempDir dir{"zt-caps"};
  const auto key = Jwk::generate(JwtAlg::kHS256, "hs-local");
  const std::string keys = dir.path() + "/keys.json";
  std::ofstream(keys) << keys_file_json({key.private_json()});
  const std::string rules = dir.path() + "/rules.yaml";
  std::ofstream(rules) << "keyed:\n"
                          "  - {id: per-customer, resource: 'GET /api/system/v1/whoami', key: customer, rate: 2, period_ms: 60000, burst: 2, max_keys: 1000}\n"
                          "  - {id: per-ip, resource: 'GET /api/system/v1/whoami', key: ip, rate: 2, period_ms: 60000, burst: 2, max_keys: 1000}\n";
  Zhongtai z({{"ZT_GATEWAY__JWT_KEYS_FILE", keys},
              {"ZT_GATEWAY__TOKEN_CACHE_ENTRIES", "1000"},
              {"ZT_RESILIENCE__RULES_FILE", rules}});
  ASSERT_EQ(publish_dynamic(z.port, "gateway.filters: |\n  ip: {trusted_proxies: [127.0.0.0/8]}\n").status, 200);
  ASSERT_TRUE(eventually([&] { return applied(z.port); }, 5s));

  // One customer, whatever address: two per minute, then 429 in the error shape.
  const std::string alice = token_for(key, "C-alice");
  auto as_alice = [&](const std::string& ip) {
    return http_request(z.port, "GET", "/api/system/v1/whoami", "",
                        {{"authorization", "Bearer " + alice}, {"x-forwarded-for", ip}});
  };
  EXPECT_EQ(as_alice("10.0.0.1").status, 200);
  EXPECT_EQ(as_alice("10.0.0.2").status, 200);
  auto limited = as_alice("10.0.0.3");
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_NE(limited.body.find("\"code\":\"FLOW_LIMITED\""), std::string::npos) << limited.body;
  EXPECT_NE(limited.body.find("请稍后再试"), std::string::npos);
  // One address, anonymous callers: the same by IP.
  auto anon = [&] { return http_request(z.port, "GET", "/api/system/v1/whoami", "", {{"x-forwarded-for", "10.9.9.9"}}); };
  EXPECT_EQ(anon().status, 200);
  EXPECT_EQ(anon().status, 200);
  EXPECT_EQ(anon().status, 429);

  // 100,000 distinct customers from 100,000 distinct addresses, over keep-alive connections.
  constexpr int kCallers = 100'000, kThreads = 4;
  std::atomic<int> ok{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::unique_ptr<RawConnection> c;
      for (int i = t; i < kCallers; i += kThreads) {
        const std::string ip = "10." + std::to_string(100 + (i >> 16)) + "." + std::to_string((i >> 8) & 255) + "." +
                               std::to_string(i & 255);
        const std::string req = "GET /api/system/v1/whoami HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " +
                                token_for(key, "C" + std::to_string(i)) + "\r\nX-Forwarded-For: " + ip + "\r\n\r\n";
        std::optional<HttpResponse> r;
        for (int attempt = 0; attempt < 2 && !r; ++attempt) {
          if (!c) c = std::make_unique<RawConnection>("127.0.0.1", z.port);
          if (c->send(req)) r = c->read_response(30s);
          if (!r || r->closed) c.reset();
        }
        if (r && r->status == 200) ++ok;
        else ++other;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kCallers) << other.load() << " answered otherwise";

  const auto customers = metric(z.admin, "zt_resilience_keyed_keys{rule=\"per-customer\"}");
  const auto ips = metric(z.admin, "zt_resilience_keyed_keys{rule=\"per-ip\"}");
  const auto tokens = metric(z.admin, "zt_gateway_token_cache_entries");
  EXPECT_GT(customers, 0);
  EXPECT_LE(customers, 1000);
  EXPECT_GT(ips, 0);
  EXPECT_LE(ips, 1000);
  EXPECT_GT(tokens, 0);
  EXPECT_LE(tokens, 1000);
  EXPECT_GE(metric(z.admin, "zt_resilience_keyed_evictions_total{rule=\"per-customer\"}"), kCallers - 1000);
  EXPECT_GE(metric(z.admin, "zt_resilience_keyed_evictions_total{rule=\"per-ip\"}"), kCallers - 1000);
}

TEST(GatewayFilters, RequestsAreCheckedAgainstTheServicesOpenApiDocuments) {
  Zhongtai z;
  auto check = [&](const std::string& method, const std::string& target, const std::string& body = "") {
    auto r = http_request(z.port, method, target, body, staff_headers());
    return std::to_string(r.status) + " " + r.body;
  };
  EXPECT_EQ(http_get(z.port, "/api/system/v1/events?limit=5").status, 200);
  auto bad = check("GET", "/api/system/v1/events?limit=five");
  EXPECT_NE(bad.find("400 "), std::string::npos) << bad;
  EXPECT_NE(bad.find("请求参数不合法：query.limit 应为整数"), std::string::npos) << bad;
  bad = check("GET", "/api/system/v1/events?cursor=abc");
  EXPECT_NE(bad.find("query.cursor 格式不正确"), std::string::npos) << bad;
  // Bodies: the registry's documented shapes.
  bad = check("PUT", "/api/registry/v1/configs/public/zhongtai/x.yaml", R"({"content": "a: 1", "format": "toml", "author": "ops", "comment": ""})");
  EXPECT_NE(bad.find("body.format 取值不在允许范围内"), std::string::npos) << bad;
  bad = check("PUT", "/api/registry/v1/configs/public/zhongtai/x.yaml", R"({"content": "a: 1", "format": "yaml"})");
  EXPECT_NE(bad.find("body.author 缺少必填字段"), std::string::npos) << bad;
  bad = check("PUT", "/api/registry/v1/configs/public/zhongtai/x.yaml", "{oops");
  EXPECT_NE(bad.find("body 不是合法的 JSON"), std::string::npos) << bad;
  bad = check("PATCH", "/api/registry/v1/services/system/instances/i", R"({"weight": 70000})");
  EXPECT_NE(bad.find("body.weight 不能大于 10000"), std::string::npos) << bad;
  bad = check("POST", "/api/registry/v1/instances", R"({"service": "s", "id": "i", "host": "h", "port": 70000, "metadata": {}})");
  EXPECT_EQ(bad.substr(0, 4), "403 ") << "registering is for services only, whatever the body: " << bad;
  EXPECT_NE(bad.find("REGISTRY_SERVICE_ONLY"), std::string::npos) << bad;
  bad = check("GET", "/api/registry/v1/services/no%20spaces/instances");
  EXPECT_NE(bad.find("path.service 格式不正确"), std::string::npos) << bad;
  // What is valid goes through; the refusals are counted.
  auto ok = check("PUT", "/api/registry/v1/configs/public/zhongtai/x.yaml", R"({"content": "a: 1", "format": "yaml", "author": "ops", "comment": "c"})");
  EXPECT_EQ(ok.substr(0, 4), "200 ") << ok;
  EXPECT_GE(metric(z.admin, "zt_gateway_refused_total{reason=\"validation\"}"), 6);
}

TEST(GatewayFilters, ASlowUpstreamFillsOnlyItsOwnBulkhead) {
  // A vendor-like service that answers after 3 s; the gateway may hold 2 calls to it at once.
  FakeServer slow([](const FakeRequest& r) {
    if (r.target.starts_with("/api/slow/leaky")) return FakeReply{200, R"({"leaky":true})", "application/json", {{"Server", "Vendor/1.2"}, {"X-Powered-By", "PHP/5"}, {"X-Zt-Secret", "1"}}};
    std::this_thread::sleep_for(3000ms);
    return FakeReply{200, R"({"slow":true})"};
  });
  Zhongtai z(Env{{"ZT_DISCOVERY__MAX_CONCURRENT_PER_SERVICE", "2"}, {"ZT_NODE__INTERNAL_SECRET", "slow-upstream-suite"}});
  RegisteredInstance instance(z.port, "slow", "slow-1", slow.port(), "slow-upstream-suite");
  ASSERT_EQ(publish_dynamic(z.port, "gateway.routes: |\n  routes:\n"
                                    "    - {id: slow, path: /api/slow/, service: slow, timeout_ms: 10000}\n"
                                    "    - {id: system, path: /api/system/, service: system}\n"
                                    "    - {id: registry, path: /api/registry/, service: registry, timeout_ms: 40000}\n")
                .status,
            200);
  ASSERT_TRUE(eventually([&] { return applied(z.port); }, 5s));
  ASSERT_TRUE(eventually([&] { return http_get(z.port, "/api/slow/x").status == 200; }, 10s));

  std::vector<std::thread> callers;
  std::mutex m;
  std::map<int, int> statuses;
  std::string busy_body;
  for (int i = 0; i < 6; ++i)
    callers.emplace_back([&] {
      auto r = http_get(z.port, "/api/slow/x");
      std::lock_guard lock(m);
      statuses[r.status]++;
      if (r.status == 503) busy_body = r.body;
    });
  std::this_thread::sleep_for(300ms);
  // Meanwhile, other routes are untouched.
  EXPECT_EQ(http_get(z.port, "/api/system/v1/ping").status, 200);
  for (auto& c : callers) c.join();
  EXPECT_EQ(statuses[200], 2) << ::testing::PrintToString(statuses);
  EXPECT_EQ(statuses[503], 4) << ::testing::PrintToString(statuses);
  EXPECT_NE(busy_body.find("\"code\":\"SERVER_BUSY\""), std::string::npos) << busy_body;
  EXPECT_NE(busy_body.find("服务繁忙"), std::string::npos) << busy_body;
  EXPECT_EQ(busy_body.find("127.0.0.1"), std::string::npos) << "no upstream detail";
  EXPECT_GE(metric(z.admin, "zt_service_busy_total{service=\"slow\"}"), 4);
  // The slots come back when the calls end.
  EXPECT_EQ(http_get(z.port, "/api/slow/x").status, 200);

  // Response hygiene: nothing about what is behind the gateway leaves it.
  auto leaky = http_get(z.port, "/api/slow/leaky");
  EXPECT_EQ(leaky.status, 200) << leaky.body;
  EXPECT_EQ(leaky.headers.count("server"), 0u);
  EXPECT_EQ(leaky.headers.count("x-powered-by"), 0u);
  EXPECT_EQ(leaky.headers.count("x-zt-secret"), 0u);
  EXPECT_EQ(leaky.headers["x-content-type-options"], "nosniff");
}

TEST_P(GatewayFiltersModes, AFilterInShadowModeCountsWhatItWouldRefuseAndLetsItThrough) {
  Platform p(GetParam());  // its own: it changes the gateway's settings
  const int port = p.port(), admin = p.gateway().admin;
  const std::string bad_mobile = R"({"mobile": "12345"})";
  // Enforced: the request is checked against the auth service's document at the gateway.
  auto enforced = http_request(port, "POST", "/api/auth/v1/sms-codes", bad_mobile);
  EXPECT_EQ(enforced.status, 400);
  EXPECT_NE(enforced.body.find("GATEWAY_INVALID_REQUEST"), std::string::npos) << enforced.body;
  ASSERT_EQ(publish_dynamic(port, "gateway.filters: |\n  shadow: [validation]\n").status, 200);
  ASSERT_TRUE(eventually([&] { return applied(port); }, 5s));
  // Shadowed: the request goes on, the service refuses it itself, the gateway counts it.
  auto shadowed = http_request(port, "POST", "/api/auth/v1/sms-codes", bad_mobile);
  EXPECT_EQ(shadowed.status, 400);
  EXPECT_NE(shadowed.body.find("AUTH_BAD_MOBILE"), std::string::npos) << "the service's own refusal: " << shadowed.body;
  EXPECT_EQ(metric(admin, "zt_gateway_shadowed_total{filter=\"validation\"}"), 1);
  // Access is never shadowed, and a service-only operation stays service-only.
  auto service_only = http_get(port, "/api/auth/v1/sessions/revoked");
  EXPECT_EQ(service_only.status, 403);
  EXPECT_NE(service_only.body.find("AUTH_SERVICE_ONLY"), std::string::npos) << service_only.body;
  EXPECT_TRUE(refused(publish_dynamic(port, "gateway.filters: |\n  shadow: [access]\n"), 400, "REGISTRY_CONFIG_INVALID"));
  ASSERT_EQ(publish_dynamic(port, "gateway.filters: |\n  shadow: [access]\n", "test", "", false).status, 200);
  EXPECT_TRUE(eventually([&] {
    auto acks = http_request(port, "GET", "/api/registry/v1/configs/public/zhongtai/gateway.yaml/acks", "", staff_headers()).body;
    return acks.find("不能以影子模式运行") != std::string::npos;
  }, 5s));
  EXPECT_TRUE(refused(http_get(port, "/api/auth/v1/me"), 401, "GATEWAY_UNAUTHENTICATED")) << "the last good settings stay";
}

INSTANTIATE_TEST_SUITE_P(BothModes, GatewayFiltersModes, ::testing::Values(Mode::kAll, Mode::kSplit), mode_name);

}  // namespace
}  // namespace zt::test
