// The trust boundaries (docs/security.md), attacked as an outsider would: through the gateway in
// both run modes (one process, and the split layout with each process holding only its own
// service keys), and straight at the split processes. Every attack is refused, no answer carries
// another request's data, and both modes answer alike.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <thread>

#include "harness/business.hpp"
#include "harness/http.hpp"
#include "harness/platform.hpp"
#include "harness/zhongtai.hpp"

namespace zt::test {
namespace {

using namespace std::chrono_literals;

std::string f(const std::string& body, const std::string& name) { return json_field(body, name); }

const Env kSecurityEnv{{"ZT_AUTH__CODES_PER_IP", "1000"},
                       {"ZT_AUTH__RESEND_COOLDOWN", "1s"},
                       // Behind a trusted proxy (loopback): the client address is what it forwards.
                       {"ZT_DYNAMIC__GATEWAY__FILTERS", "ip:\n  trusted_proxies: [127.0.0.0/8]\n  deny: [203.0.113.0/24]\n"}};

std::string bearer(const std::string& token) { return "Bearer " + token; }

// The cases share a platform per mode (each uses numbers and connections of its own).
class Security : public ::testing::TestWithParam<Mode> {
 protected:
  Platform& platform{Platform::shared(GetParam(), kSecurityEnv)};
  int port() { return platform.port(); }
};

// A raw request on a kept-alive connection.
std::string raw(const std::string& method, const std::string& target, const std::map<std::string, std::string>& headers,
                const std::string& body = "") {
  std::string out = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [k, v] : headers) out += k + ": " + v + "\r\n";
  if (!body.empty()) out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return out + "\r\n" + body;
}

TEST_P(Security, ExpectAndLargeBodiesNeverDesyncAnUpstreamConnection) {
  // For every service behind the gateway: a request carrying "Expect: 100-continue" and a body over
  // 16 KiB, then — on the same client connection, so through the same gateway and upstream
  // connection pool — another request to that service. Each answer must be its own.
  const std::string customer = customer_token("C-desync-1");
  const std::string staff = staff_token({"governance.read", "customers.read", "sandbox.manage"});
  struct Probe {
    std::string service;
    std::string first, second;  // GET targets
    std::string token;
    std::string second_marker;  // in the second answer only
  };
  const std::vector<Probe> probes{
      {"calendar", "/api/calendar/v1/years/2026", "/api/calendar/v1/days/2026-03-02", "", "\"date\":\"2026-03-02\""},
      {"mall", "/api/mall/v1/products", "/api/mall/v1/products/NOPE0001", "", "MALL_PRODUCT_NOT_FOUND"},
      {"suitability", "/api/suitability/v1/questionnaire", "/api/suitability/v1/me", customer, "\"customer_id\":\"C-desync-1\""},
      {"auth", "/api/auth/v1/jwks", "/api/auth/v1/me", customer, "AUTH_CUSTOMER_NOT_FOUND"},
      {"notify", "/api/notify/v1/outbox?recipient=13800000001", "/api/notify/v1/outbox?recipient=123", staff, "NOTIFY_BAD"},
      {"counter", "/api/counter/v1/instruments", "/api/counter/v1/customers/9999999999", staff, "COUNTER_"},
      {"registry", "/api/registry/v1/services", "/api/registry/v1/configs/public/zhongtai/nope.yaml", staff, "REGISTRY_CONFIG_NOT_FOUND"},
  };
  const std::string big(20 * 1024, 'x');
  for (const auto& p : probes) {
    SCOPED_TRACE(p.service);
    for (int round = 0; round < 3; ++round) {
      RawConnection c("127.0.0.1", port());
      std::map<std::string, std::string> h{{"Expect", "100-continue"}};
      if (!p.token.empty()) h["Authorization"] = bearer(p.token);
      ASSERT_TRUE(c.send(raw("GET", p.first, h, big)));
      auto first = c.read_response(10s);
      ASSERT_TRUE(first.has_value()) << "no answer to the request with Expect";
      EXPECT_GE(first->status, 200) << "an interim answer is never the final one";
      EXPECT_EQ(first->body.find(p.second_marker), std::string::npos) << first->body.substr(0, 200);
      std::map<std::string, std::string> h2;
      if (!p.token.empty()) h2["Authorization"] = bearer(p.token);
      ASSERT_TRUE(c.send(raw("GET", p.second, h2)));
      auto second = c.read_response(10s);
      ASSERT_TRUE(second.has_value()) << "the connection must still work";
      EXPECT_NE(second->body.find(p.second_marker), std::string::npos) << "the second answer is its own: " << second->body.substr(0, 300);
    }
  }
}

TEST_P(Security, TheGatewayIsACorrectProxy) {
  // Transfer-Encoding other than a single final chunked: refused, never read as an empty body.
  for (const std::string te : {"gzip", "gzip, chunked", "chunked, gzip", "identity"}) {
    RawConnection c("127.0.0.1", port());
    ASSERT_TRUE(c.send("POST /api/auth/v1/sms-codes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + te +
                       "\r\nContent-Type: application/json\r\n\r\n1e\r\n{\"mobile\": \"13800138000\"}    \r\n0\r\n\r\n"));
    auto r = c.read_response(5s);
    ASSERT_TRUE(r.has_value()) << te;
    EXPECT_EQ(r->status, 400) << te << ": " << r->body;
    EXPECT_EQ(f(r->body, "code"), "BAD_REQUEST") << te;
  }
  {
    RawConnection c("127.0.0.1", port());
    ASSERT_TRUE(c.send("POST /api/auth/v1/sms-codes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n"));
    auto r = c.read_response(5s);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 400) << "both framings at once: " << r->body;
  }
  // HEAD: answered at once, with the length a GET would have.
  const auto get = http_get(port(), "/api/calendar/v1/years/2026");
  ASSERT_EQ(get.status, 200);
  {
    RawConnection c("127.0.0.1", port());
    ASSERT_TRUE(c.send(raw("HEAD", "/api/calendar/v1/years/2026", {})));
    auto head = c.read_response(5s, true);
    ASSERT_TRUE(head.has_value()) << "a HEAD through the gateway does not hang";
    EXPECT_EQ(head->status, 200);
    EXPECT_EQ(head->headers["content-length"], std::to_string(get.body.size()));
    EXPECT_TRUE(head->body.empty());
    ASSERT_TRUE(c.send(raw("GET", "/api/calendar/v1/days/2026-03-02", {})));
    auto after = c.read_response(5s);
    ASSERT_TRUE(after.has_value());
    EXPECT_NE(after->body.find("2026-03-02"), std::string::npos) << "nothing of the HEAD is left on the wire: " << after->body;
  }
  // Paths in any spelling but the canonical one: refused before routing.
  for (const std::string path : {"/api/system/../auth/v1/jwks", "/api//auth/v1/jwks", "/api/auth/v1/%2e%2e/v1/jwks",
                                  "/api/auth%2fv1/jwks", "/api/auth/v1/./jwks", "/api/auth/v1/jwks%00", "/api\\auth/v1/jwks"}) {
    auto r = http_get(port(), path);
    EXPECT_EQ(r.status, 400) << path << ": " << r.body;
    EXPECT_EQ(f(r.body, "code"), "PATH_NOT_CANONICAL") << path;
  }
  // Every X-Forwarded-For line counts, in order: the proxy's own line names the client.
  {
    RawConnection c("127.0.0.1", port());
    ASSERT_TRUE(c.send("GET /api/calendar/v1/years/2026 HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 198.51.100.1\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n"));
    auto r = c.read_response(5s);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, 403) << "the proxy saw 203.0.113.9 (denied): " << r->body;
    EXPECT_EQ(f(r->body, "code"), "GATEWAY_IP_DENIED");
  }
  // Hop-by-hop headers of the client never reach a service; an upstream's never reach the client.
  auto hop = http_request(port(), "GET", "/api/calendar/v1/years/2026", "",
                          {{"Connection", "keep-alive, X-Secret-Hop"}, {"X-Secret-Hop", "1"}, {"Upgrade", "h2c"}, {"TE", "trailers"}});
  EXPECT_EQ(hop.status, 200) << hop.body;
  EXPECT_EQ(hop.headers.count("upgrade"), 0u);
  EXPECT_EQ(hop.headers.count("keep-alive"), 0u);
}

TEST_P(Security, OutsideTrafficIsNeverAServiceCall) {
  // Service-only operations, through the gateway, anonymous, as a customer and as staff: 403 with
  // the service's own code — the same in both modes.
  struct Attack {
    std::string method, target, body, code;
  };
  const std::vector<Attack> attacks{
      {"PUT", "/api/auth/v1/customers/C100000000001/account", R"({"fund_account": "FA0001"})", "AUTH_SERVICE_ONLY"},
      {"POST", "/api/counter/v1/transfers", "{}", "COUNTER_SERVICE_ONLY"},
      {"POST", "/api/suitability/v1/match", "{}", "SUIT_SERVICE_ONLY"},
      {"POST", "/api/notify/v1/messages", R"({"channel": "sms", "recipient": "13800138000", "template_id": "login_code", "params": {"code": "123456"}})",
       "NOTIFY_SERVICE_ONLY"},
      {"POST", "/api/registry/v1/instances", R"({"service": "auth", "id": "evil", "host": "198.51.100.66", "port": 443, "metadata": {}})",
       "REGISTRY_SERVICE_ONLY"},
      {"POST", "/api/registry/v1/configs/listen", R"({"instance": "evil", "tag": "", "wait_ms": 0, "watches": []})", "REGISTRY_SERVICE_ONLY"},
      {"GET", "/api/auth/v1/sessions/revoked", "", "AUTH_SERVICE_ONLY"},
  };
  const std::vector<std::map<std::string, std::string>> callers{
      {}, customer_headers("C100000000001"), {{"authorization", "Bearer " + staff_token({"governance.read", "governance.write", "staff.manage",
                                                                                        "sandbox.manage", "customers.read"})}}};
  for (const auto& a : attacks)
    for (const auto& who : callers) {
      auto r = http_request(port(), a.method, a.target, a.body, who);
      EXPECT_EQ(r.status, 403) << a.method << " " << a.target << ": " << r.body;
      EXPECT_EQ(f(r.body, "code"), a.code) << a.method << " " << a.target;
    }
  // The sandbox outbox: staff running the sandbox only.
  EXPECT_TRUE(refused(http_get(port(), "/api/notify/v1/outbox"), 401, "GATEWAY_UNAUTHENTICATED"));
  EXPECT_EQ(f(http_request(port(), "GET", "/api/notify/v1/outbox", "", customer_headers("C1")).body, "code"), "GATEWAY_FORBIDDEN");
  // What a service does not declare is not routed.
  auto undeclared = http_request(port(), "DELETE", "/api/mall/v1/products", "");
  EXPECT_EQ(undeclared.status, 405) << undeclared.body;
  EXPECT_EQ(f(http_get(port(), "/api/mall/v1/secret-admin").body, "code"), "NOT_FOUND");
}

TEST_P(Security, TheStaffRefreshCookieAnswersOnlyTheConsolesOwnOrigin) {
  // SameSite=Strict still sends the staff cookie from another origin of the same site (the H5
  // app's, say): the gateway lets only the console's own origin ask for it.
  const std::string target = "/api/auth/v1/tokens/refresh";
  const auto ask = [&](const std::map<std::string, std::string>& extra) {
    std::map<std::string, std::string> h{{"x-refresh-cookie", "staff"}, {"cookie", "zt_staff_refresh=made-up-token"}};
    for (const auto& [k, v] : extra) h[k] = v;
    return http_request(port(), "POST", target, "{}", h);
  };
  const std::string own = "http://127.0.0.1:" + std::to_string(port());
  EXPECT_TRUE(refused(ask({{"sec-fetch-site", "same-origin"}, {"origin", own}}), 401, "AUTH_REFRESH_INVALID"))
      << "the console's own origin reaches auth (which refuses the made-up token)";
  EXPECT_TRUE(refused(ask({}), 401, "AUTH_REFRESH_INVALID")) << "a client that is no browser sends neither header";
  const std::string message = "员工登录凭证只能在员工控制台使用";
  EXPECT_TRUE(refused(ask({{"sec-fetch-site", "same-site"}, {"origin", "http://m.broker.example"}}), 403, "GATEWAY_FORBIDDEN", message));
  EXPECT_TRUE(refused(ask({{"sec-fetch-site", "same-site"}}), 403, "GATEWAY_FORBIDDEN", message));
  EXPECT_TRUE(refused(ask({{"sec-fetch-site", "cross-site"}}), 403, "GATEWAY_FORBIDDEN", message));
  EXPECT_TRUE(refused(ask({{"origin", "http://m.broker.example"}}), 403, "GATEWAY_FORBIDDEN", message));
  EXPECT_TRUE(refused(ask({{"origin", "null"}}), 403, "GATEWAY_FORBIDDEN", message));
  EXPECT_TRUE(refused(ask({{"sec-fetch-site", "same-origin"}, {"origin", "http://127.0.0.1.evil.example"}}), 403, "GATEWAY_FORBIDDEN", message));
}

TEST_P(Security, TheClientAddressReachesTheServices) {
  // Through a trusted proxy the client is 198.51.100.77: the auth service records that address
  // with the session (and its audit and per-address caps use it), not the gateway's — in the
  // split layout too.
  const std::string mobile = "13700137077";
  auto sent = http_request(port(), "POST", "/api/auth/v1/sms-codes", R"({"mobile": ")" + mobile + R"("})",
                           {{"x-forwarded-for", "198.51.100.77"}});
  ASSERT_EQ(sent.status, 200) << sent.body;
  auto box = http_request(port(), "GET", "/api/notify/v1/outbox?recipient=" + mobile + "&limit=1", "", sandbox_staff_headers());
  std::smatch m;
  ASSERT_TRUE(std::regex_search(box.body, m, std::regex("验证码为([0-9]{6})"))) << box.body;
  auto in = http_request(port(), "POST", "/api/auth/v1/sessions", R"({"mobile": ")" + mobile + R"(", "code": ")" + std::string(m[1]) +
                             R"(", "agreements": )" + agreements_accepted(port()) + "}",
                         {{"x-forwarded-for", "198.51.100.77"}});
  ASSERT_EQ(in.status, 200) << in.body;
  auto sessions = http_request(port(), "GET", "/api/auth/v1/me/sessions", "", {{"authorization", bearer(f(in.body, "access_token"))}});
  EXPECT_NE(sessions.body.find("\"ip\":\"198.51.100.77\""), std::string::npos) << sessions.body;
}

INSTANTIATE_TEST_SUITE_P(BothModes, Security, ::testing::Values(Mode::kAll, Mode::kSplit), mode_name);

// ---- straight at the split processes

class SplitProcesses : public ::testing::Test {
 protected:
  Platform platform{Mode::kSplit, kSecurityEnv};
  // A request signed with a service's key file, as a compromised process of that service could.
  std::map<std::string, std::string> signed_with(const std::string& key_file_service, core::http::CallIdentity id,
                                                 const std::string& method, const std::string& target, const std::string& body) {
    const auto keys = core::http::ServiceKeys::parse(read_file(platform.key_file(key_file_service)), "test");
    if (id.to.empty()) id.to = service_of(target);
    return {{"x-zt-identity", core::http::sign_call(id, method, target, body, keys, now_ms())}};
  }
};

TEST_F(SplitProcesses, EveryProcessServesOnlySignedCallsAndEachServiceSignsOnlyAsItself) {
  // Unsigned, at every process: refused.
  for (const std::string target : {"registry", "notify", "auth", "counter", "suitability", "calendar", "mall", "system"}) {
    auto* p = platform.process_of(target);
    ASSERT_NE(p, nullptr) << target;
    auto r = http_get(p->port, "/api/" + target + "/v1/nothing");
    EXPECT_EQ(r.status, 401) << target << ": " << r.body;
    EXPECT_EQ(f(r.body, "code"), "INTERNAL_IDENTITY_REQUIRED") << target;
    auto canonical = http_get(p->port, "/api/" + target + "/v1/../x");
    EXPECT_EQ(f(canonical.body, "code"), "PATH_NOT_CANONICAL") << target << " checks paths too";
  }
  auto* registry = platform.process_of("registry");
  auto* auth = platform.process_of("auth");

  // A fake instance: the mall's keys register only the mall.
  const std::string fake = R"({"service": "auth", "id": "auth-evil", "host": "198.51.100.66", "port": 443, "metadata": {}})";
  core::http::CallIdentity as_mall;
  as_mall.from = "mall";
  auto r = http_request(registry->port, "POST", "/api/registry/v1/instances", fake,
                        signed_with("mall", as_mall, "POST", "/api/registry/v1/instances", fake));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(f(r.body, "code"), "REGISTRY_NOT_YOUR_SERVICE");
  core::http::CallIdentity as_auth;
  as_auth.from = "auth";
  EXPECT_THROW(signed_with("mall", as_auth, "POST", "/api/registry/v1/instances", fake), std::invalid_argument)
      << "the mall's key file holds no key to sign as auth";
  // Rewriting the caller in a header the mall signed breaks the signature.
  auto h = signed_with("mall", as_mall, "POST", "/api/registry/v1/instances", fake);
  std::string header = h["x-zt-identity"];
  const auto dot1 = header.find('.'), dot2 = header.rfind('.');
  std::string claims = *core::base64url_decode(header.substr(dot1 + 1, dot2 - dot1 - 1));
  claims.replace(claims.find("\"mall\""), 6, "\"auth\"");
  r = http_request(registry->port, "POST", "/api/registry/v1/instances", fake,
                   {{"x-zt-identity", "v2." + core::base64url_encode(claims) + header.substr(dot2)}});
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(f(r.body, "code"), "INTERNAL_IDENTITY_INVALID");
  // The registry lists no such instance.
  auto listed = http_request(platform.port(), "GET", "/api/registry/v1/services/auth/instances?wait_ms=0", "", staff_headers());
  EXPECT_EQ(listed.body.find("198.51.100.66"), std::string::npos) << listed.body;

  // A service the operation does not name: refused, whatever it signs.
  const std::string bind = R"({"fund_account": "FA000123"})";
  r = http_request(auth->port, "PUT", "/api/auth/v1/customers/C100000000001/account", bind,
                   signed_with("mall", as_mall, "PUT", "/api/auth/v1/customers/C100000000001/account", bind));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(f(r.body, "code"), "CALLER_NOT_ALLOWED");

  // The signature covers the query and the body: a captured call replayed with another query,
  // another body, or as it was, is refused.
  core::http::CallIdentity edge;
  edge.from = "gateway";
  edge.edge = true;
  edge.caller = staff_caller({"sandbox.manage"});
  const std::string outbox = "/api/notify/v1/outbox?recipient=13800000001";
  auto captured = signed_with("gateway", edge, "GET", outbox, "");
  auto* notify = platform.process_of("notify");
  EXPECT_EQ(http_request(notify->port, "GET", outbox, "", captured).status, 200);
  r = http_request(notify->port, "GET", outbox, "", captured);
  EXPECT_EQ(r.status, 401) << "accepted once: " << r.body;
  EXPECT_EQ(f(r.body, "code"), "INTERNAL_IDENTITY_INVALID");
  auto another = signed_with("gateway", edge, "GET", outbox, "");
  EXPECT_TRUE(refused(http_request(notify->port, "GET", "/api/notify/v1/outbox?recipient=13800000002", "", another), 401, "INTERNAL_IDENTITY_INVALID"))
      << "another query";
  const std::string msg = R"({"channel": "sms", "recipient": "13800138000", "template_id": "login_code", "params": {"code": "123456"}})";
  core::http::CallIdentity as_auth_service;
  as_auth_service.from = "auth";
  auto send = signed_with("auth", as_auth_service, "POST", "/api/notify/v1/messages", msg);
  const std::string other_msg = R"({"channel": "sms", "recipient": "13900139000", "template_id": "login_code", "params": {"code": "123456"}})";
  EXPECT_TRUE(refused(http_request(notify->port, "POST", "/api/notify/v1/messages", other_msg, send), 401, "INTERNAL_IDENTITY_INVALID")) << "another body";
  // Only the gateway forwards outside callers: the mall cannot pass itself off as one.
  core::http::CallIdentity mall_as_edge = as_mall;
  mall_as_edge.edge = true;
  mall_as_edge.caller = staff_caller({"sandbox.manage"});
  r = http_request(notify->port, "GET", outbox, "", signed_with("mall", mall_as_edge, "GET", outbox, ""));
  EXPECT_EQ(r.status, 401) << r.body;
}

// ---- one process at a time

TEST(SecurityProcess, TheAdminListenerWantsItsTokenAndALocalHost) {
  Zhongtai z(Env{{"ZT_NOTIFY__SMTP_URL", "smtp://mailer:s3cr3t-pw@mail.example.com:587"}});
  auto anyone = [&](const std::string& path, std::map<std::string, std::string> h = {}) {
    h.emplace("authorization", "Bearer wrong-token");
    return http_request(z.admin, "GET", path, "", h);
  };
  EXPECT_EQ(http_request(z.admin, "GET", "/metrics", "", {{"authorization", "Bearer wrong"}}).status, 200) << "Prometheus needs no token";
  EXPECT_EQ(anyone("/healthz").status, 200);
  EXPECT_EQ(anyone("/readyz").status, 200);
  for (const std::string path : {"/config", "/resilience/rules", "/discovery/services/system"}) {
    auto r = anyone(path);
    EXPECT_EQ(r.status, 401) << path << ": " << r.body;
    EXPECT_EQ(f(r.body, "code"), "ADMIN_TOKEN_REQUIRED") << path;
  }
  auto probe = http_request(z.admin, "POST", "/discovery/services/auth/probe?calls=1&path=/api/auth/v1/sessions/revoked", "",
                            {{"authorization", "Bearer wrong"}});
  EXPECT_EQ(probe.status, 401) << "a POST without the token (a cross-site form) does nothing";
  // With the token: a rebinding page's Host is refused; the probe reads only what anyone may.
  RawConnection c("127.0.0.1", z.admin);
  ASSERT_TRUE(c.send("GET /config HTTP/1.1\r\nHost: evil.example:9090\r\nAuthorization: Bearer " + kHarnessAdminToken + "\r\n\r\n"));
  auto rebound = c.read_response(5s);
  ASSERT_TRUE(rebound.has_value());
  EXPECT_EQ(rebound->status, 403);
  EXPECT_EQ(f(rebound->body, "code"), "ADMIN_HOST_REFUSED");
  auto service_only = http_request(z.admin, "POST", "/discovery/services/auth/probe?calls=1&path=/api/auth/v1/sessions/revoked", "");
  EXPECT_EQ(service_only.status, 403) << service_only.body;
  EXPECT_EQ(f(service_only.body, "code"), "DISCOVERY_PROBE_REFUSED");
  EXPECT_EQ(http_request(z.admin, "POST", "/discovery/services/system/probe?calls=1&path=/api/system/v1/ping", "").status, 200);
  // The config dump hides credentials, inside URLs too.
  auto config = http_get(z.admin, "/config");
  ASSERT_EQ(config.status, 200);
  EXPECT_EQ(config.body.find("s3cr3t-pw"), std::string::npos) << config.body;
  EXPECT_NE(config.body.find("smtp://mailer:******@mail.example.com:587"), std::string::npos) << config.body;
  EXPECT_EQ(config.body.find(kHarnessAdminToken), std::string::npos) << "nor the admin token";
}

TEST(SecurityProcess, AProcessRefusesAKeyRingThatDoesNotOpenItsData) {
  TempDir root{"zt-keyring"};
  {
    // No resend cooldown: the second sign-up below may come within a second of this one.
    Zhongtai z(Env{{"ZT_AUTH__RESEND_COOLDOWN", "0s"}}, "all", root.path());
    sign_up(z.port, "13500135077");  // a sealed mobile number, a keyed hash to find it by
  }
  const std::string keys = root.path() + "/data/data.keys";
  ASSERT_TRUE(std::filesystem::exists(keys));
  std::filesystem::rename(keys, keys + ".moved");
  try {
    Zhongtai again(Env{}, "all", root.path());
    FAIL() << "a process with a new key ring must not start on data sealed with another";
  } catch (const std::runtime_error& e) {
    const std::string log = e.what();
    EXPECT_NE(log.find("does not open this component's data"), std::string::npos) << log;
    EXPECT_NE(log.find(keys), std::string::npos) << "names the key ring's file: " << log;
  }
  // With its own key ring back, it starts and finds the customer.
  std::filesystem::remove(keys);
  std::filesystem::rename(keys + ".moved", keys);
  Zhongtai back(Env{{"ZT_AUTH__RESEND_COOLDOWN", "0s"}}, "all", root.path());
  auto in = sign_up(back.port, "13500135077");
  EXPECT_FALSE(in.id.empty());
}

TEST(SecurityProcess, ASandboxOutboxNeverRunsWhereCustomersAreReal) {
  try {
    Zhongtai z(Env{{"ZT_NODE__SANDBOX", "false"}}, "notify");
    FAIL() << "notify.provider sandbox with node.sandbox off must not start";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("notify.provider is sandbox but node.sandbox is off"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace zt::test
