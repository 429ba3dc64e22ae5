#include "gateway/routing/routes.hpp"

#include <gtest/gtest.h>

#include <map>

namespace zt::gateway {
namespace {

core::http::Request request(core::http::Method m, std::string target, std::map<std::string, std::string> headers = {}) {
  core::http::Request r;
  r.method = m;
  r.target = std::move(target);
  for (const auto& [k, v] : headers) r.headers.set(k, v);
  return r;
}

using core::http::Method;

TEST(Routes, FirstMatchWinsAcrossExactPrefixAndRegex) {
  auto t = RouteTable::parse(R"Y(
routes:
  - {id: health, path: /api/mall/v1/health, match: exact, service: mall-health}
  - {id: product, path: "/api/mall/v1/products/[0-9]+", match: regex, service: catalog}
  - {id: mall, path: /api/mall/, service: mall}
)Y");
  EXPECT_EQ(t.match(request(Method::kGet, "/api/mall/v1/health"), "", 0).target.service, "mall-health");
  EXPECT_EQ(t.match(request(Method::kGet, "/api/mall/v1/health/x"), "", 0).target.service, "mall");
  EXPECT_EQ(t.match(request(Method::kGet, "/api/mall/v1/products/42"), "", 0).target.service, "catalog");
  EXPECT_EQ(t.match(request(Method::kGet, "/api/mall/v1/products/42x"), "", 0).target.service, "mall")
      << "a regex matches the whole path";
  auto none = t.match(request(Method::kGet, "/api/other/v1/x"), "", 0);
  EXPECT_EQ(none.kind, MatchResult::Kind::kNotFound);
}

TEST(Routes, MethodsHostHeadersAndQueryNarrowAMatch) {
  auto t = RouteTable::parse(R"Y(
routes:
  - id: orders
    path: /api/mall/v1/orders
    methods: [get, POST]
    host: "*.example.com"
    headers: {X-App: h5, x-trace: "*"}
    query: {channel: app}
    service: mall
)Y");
  std::map<std::string, std::string> h{{"host", "api.example.com:8443"}, {"x-app", "h5"}, {"x-trace", "1"}};
  EXPECT_EQ(t.match(request(Method::kPost, "/api/mall/v1/orders?channel=app", h), "", 0).kind, MatchResult::Kind::kFound);
  auto wrong_method = t.match(request(Method::kDelete, "/api/mall/v1/orders?channel=app", h), "", 0);
  EXPECT_EQ(wrong_method.kind, MatchResult::Kind::kMethodNotAllowed);
  EXPECT_EQ(wrong_method.allow, "GET, POST");
  auto other_host = h;
  other_host["host"] = "example.com";
  EXPECT_EQ(t.match(request(Method::kGet, "/api/mall/v1/orders?channel=app", other_host), "", 0).kind,
            MatchResult::Kind::kNotFound) << "*.example.com needs a subdomain";
  auto no_header = h;
  no_header.erase("x-trace");
  EXPECT_EQ(t.match(request(Method::kGet, "/api/mall/v1/orders?channel=app", no_header), "", 0).kind,
            MatchResult::Kind::kNotFound);
  EXPECT_EQ(t.match(request(Method::kGet, "/api/mall/v1/orders?channel=web", h), "", 0).kind, MatchResult::Kind::kNotFound);
}

TEST(Routes, RewritesKeepTheQueryString) {
  auto t = RouteTable::parse(R"Y(
routes:
  - {id: v2, path: "/api/mall/v2/(.*)", match: regex, rewrite: "/api/mall/v1/\\1", service: mall}
  - {id: old, path: /legacy/mall/, rewrite: /api/mall/v1/, service: mall}
)Y");
  EXPECT_EQ(t.match(request(Method::kGet, "/api/mall/v2/orders/7?x=1"), "", 0).target.path, "/api/mall/v1/orders/7?x=1");
  EXPECT_EQ(t.match(request(Method::kGet, "/legacy/mall/products"), "", 0).target.path, "/api/mall/v1/products");
}

TEST(Routes, WeightedSplitsFollowThePick) {
  auto t = RouteTable::parse(R"Y(
routes:
  - {id: s, path: /api/mall/, splits: [{service: mall, weight: 90}, {service: mall-v2, weight: 10}]}
)Y");
  int v2 = 0;
  for (std::uint64_t pick = 0; pick < 1000; ++pick)
    if (t.match(request(Method::kGet, "/api/mall/x"), "", pick).target.service == "mall-v2") ++v2;
  EXPECT_EQ(v2, 100);
}

TEST(Routes, CanaryByHeaderOrByAStableShareOfCustomers) {
  auto t = RouteTable::parse(R"Y(
routes:
  - id: mall
    path: /api/mall/
    service: mall
    canary: {header: x-canary, value: "1", customer_percent: 20, tag: canary}
)Y");
  auto by_header = t.match(request(Method::kGet, "/api/mall/x", {{"x-canary", "1"}}), "", 0).target;
  EXPECT_TRUE(by_header.canary);
  EXPECT_EQ(by_header.tag, "canary");
  EXPECT_EQ(by_header.service, "mall");
  EXPECT_FALSE(t.match(request(Method::kGet, "/api/mall/x", {{"x-canary", "0"}}), "", 0).target.canary);
  int chosen = 0;
  for (int c = 0; c < 2000; ++c) {
    const std::string customer = "c" + std::to_string(c);
    const bool first = t.match(request(Method::kGet, "/api/mall/x"), customer, 0).target.canary;
    EXPECT_EQ(first, t.match(request(Method::kGet, "/api/mall/y"), customer, 7).target.canary) << "stable per customer";
    if (first) ++chosen;
  }
  EXPECT_NEAR(chosen, 400, 80);
  EXPECT_FALSE(t.match(request(Method::kGet, "/api/mall/x"), "", 0).target.canary) << "no customer: no share";
}

TEST(Routes, EveryMistakeIsNamedWithItsLine) {
  try {
    RouteTable::parse(R"Y(
routes:
  - {id: a, path: api/no-slash, service: mall}
  - {id: a, path: /x, service: "bad name"}
  - {id: c, path: "([", match: regex, service: s}
  - {id: d, path: /d, service: s, splits: [{service: t, weight: 1}]}
  - {id: e, path: /e, methods: [FETCH], service: s, access: root, timeout_ms: 0}
  - {id: f, path: /f, splits: [{service: s, weight: 0}]}
  - {id: g, path: /g, service: s, roles: [trade]}
  - {id: h, path: /h, service: s, canary: {tag: c}, unknown: 1}
  - {id: i, path: /i, service: s, access: customer, permission: staff.manage}
)Y");
    FAIL() << "expected a RouteError";
  } catch (const RouteError& e) {
    std::string all;
    for (const auto& p : e.problems()) all += std::to_string(p.line) + " " + p.path + ": " + p.message + "\n";
    for (const char* expected :
         {"3 routes[0].path: 路径应以 / 开头", "4 routes[1].id: 路由 id 'a' 重复", "4 routes[1].service: 服务名无效",
          "5 routes[2].path: 正则表达式无效", "6 routes[3]: service 与 splits 须且只须给出一个",
          "7 routes[4].methods[0]: 请求方法 'FETCH' 无效", "7 routes[4].access: 取值 'root' 无效",
          "7 routes[4].timeout_ms: 取值 0 超出范围", "8 routes[5].splits: 权重之和应大于0",
          "9 routes[6].roles: 匿名路由不能要求角色", "10 routes[7].canary: 请给出 header 或 customer_percent",
          "10 routes[7].unknown: 未知的字段", "11 routes[8].permission: 仅工作人员路由可要求权限（access: staff）"})
      EXPECT_NE(all.find(expected), std::string::npos) << expected << "\n" << all;
  }
  EXPECT_THROW(RouteTable::parse("routes: [\n"), RouteError);
  EXPECT_TRUE(RouteTable::parse("").routes().empty());
}

TEST(Routes, APathologicalRegexStaysLinear) {
  auto t = RouteTable::parse(R"Y(
routes:
  - {id: evil, path: "/api/(a+)+b", match: regex, service: s}
)Y");
  const std::string path = "/api/" + std::string(100000, 'a');
  // RE2 does not backtrack: this returns at once, where a backtracking engine would not finish
  // within the test's timeout.
  EXPECT_EQ(t.match(request(Method::kGet, path), "", 0).kind, MatchResult::Kind::kNotFound);
  EXPECT_EQ(t.match(request(Method::kGet, "/api/aaab"), "", 0).kind, MatchResult::Kind::kFound);
}

}  // namespace
}  // namespace zt::gateway
