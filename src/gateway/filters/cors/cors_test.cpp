#include "gateway/filters/cors/cors.hpp"

#include <gtest/gtest.h>

#include "gateway/filters/settings.hpp"

namespace zt::gateway::filters {
namespace {

using core::http::Method;
using core::http::Request;

CorsPolicy policy() {
  return FilterSettings::parse(
             "cors:\n  allow_origins: ['https://h5.example.com', 'https://*.broker.cn']\n  allow_credentials: true\n")
      .cors;
}

Request preflight_request(const std::string& origin, const std::string& method, const std::string& headers = "") {
  Request r;
  r.method = Method::kOptions;
  r.target = "/api/mall/v1/orders";
  r.headers.set("host", "api.example.com");
  r.headers.set("origin", origin);
  r.headers.set("access-control-request-method", method);
  if (!headers.empty()) r.headers.set("access-control-request-headers", headers);
  return r;
}

TEST(Cors, ClassifiesSameOriginPreflightAndCrossOrigin) {
  Request r;
  r.headers.set("host", "api.example.com");
  EXPECT_EQ(CorsPolicy::classify(r), CorsPolicy::Kind::kNotCors);
  r.headers.set("origin", "https://API.example.com");
  EXPECT_EQ(CorsPolicy::classify(r), CorsPolicy::Kind::kNotCors) << "our own origin";
  r.headers.set("origin", "https://h5.example.com");
  EXPECT_EQ(CorsPolicy::classify(r), CorsPolicy::Kind::kCrossOrigin);
  EXPECT_EQ(CorsPolicy::classify(preflight_request("https://h5.example.com", "POST")), CorsPolicy::Kind::kPreflight);
}

TEST(Cors, GrantsAllowedPreflightsAndRefusesTheRest) {
  const auto p = policy();
  auto ok = p.preflight(preflight_request("https://h5.example.com", "post", "Authorization, Idempotency-Key"), "t");
  EXPECT_EQ(ok.status, 204);
  EXPECT_EQ(*ok.headers.get("access-control-allow-origin"), "https://h5.example.com") << "echoed, never *";
  EXPECT_EQ(*ok.headers.get("access-control-allow-credentials"), "true");
  EXPECT_NE(ok.headers.get("access-control-allow-methods")->find("POST"), std::string_view::npos);
  EXPECT_EQ(*ok.headers.get("access-control-max-age"), "600");
  EXPECT_EQ(p.preflight(preflight_request("https://app.broker.cn", "GET"), "t").status, 204) << "a subdomain wildcard";
  EXPECT_EQ(p.preflight(preflight_request("https://broker.cn", "GET"), "t").status, 403) << "the wildcard needs a subdomain";
  EXPECT_EQ(p.preflight(preflight_request("http://app.broker.cn", "GET"), "t").status, 403) << "the scheme counts";
  EXPECT_EQ(p.preflight(preflight_request("https://evil.example.com", "GET"), "t").status, 403);
  EXPECT_EQ(p.preflight(preflight_request("https://h5.example.com", "TRACE"), "t").status, 403);
  auto bad_header = p.preflight(preflight_request("https://h5.example.com", "GET", "x-zt-identity"), "trace-1");
  EXPECT_EQ(bad_header.status, 403);
  EXPECT_NE(bad_header.body.find("GATEWAY_CORS_REFUSED"), std::string::npos);
  EXPECT_NE(bad_header.body.find("trace-1"), std::string::npos);
  EXPECT_FALSE(bad_header.headers.get("access-control-allow-origin"));
  // No cors section: nobody else.
  EXPECT_EQ(CorsPolicy{}.preflight(preflight_request("https://h5.example.com", "GET"), "t").status, 403);
}

TEST(Cors, DecoratesAnswersForAllowedOriginsOnly) {
  const auto p = policy();
  core::http::Response res;
  res.headers.set("vary", "Accept-Encoding");
  p.decorate("https://h5.example.com", res);
  EXPECT_EQ(*res.headers.get("access-control-allow-origin"), "https://h5.example.com");
  EXPECT_EQ(*res.headers.get("vary"), "Accept-Encoding, Origin");
  EXPECT_EQ(*res.headers.get("access-control-expose-headers"), "x-request-id");
  core::http::Response other;
  p.decorate("https://evil.example.com", other);
  EXPECT_FALSE(other.headers.get("access-control-allow-origin"));
  EXPECT_EQ(*other.headers.get("vary"), "Origin");
}

}  // namespace
}  // namespace zt::gateway::filters
