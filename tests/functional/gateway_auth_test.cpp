// Gateway authentication on the real binary: bearer tokens verified against the JWKS of the
// "auth" service found through the registry (here a stand-in serving keys the test made), local
// HS256 keys from a file, every refusal a 401 in the error shape; identities reach services in
// one process and, signed, in another.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <fstream>
#include <mutex>
#include <regex>
#include <thread>

#include "core/crypto/jwt.hpp"
#include "core/util/digest.hpp"
#include "harness/fake_server.hpp"
#include "harness/http.hpp"
#include "harness/process.hpp"
#include "harness/tokens.hpp"
#include "harness/zhongtai.hpp"

namespace zt::test {
namespace {

const std::string kSuiteMaster = "gateway-auth-suite-master-0123456789";

using namespace std::chrono_literals;
using core::crypto::Jwk;
using core::crypto::JwtAlg;

boost::json::object claims(const std::string& sub, const std::string& typ = "customer") { return token_claims(sub, typ); }

// The auth service's JWKS as the test publishes it.
class FakeAuth {
 public:
  FakeAuth() : server_([this](const FakeRequest& r) { return answer(r); }) {}
  void publish(std::vector<const Jwk*> keys) {
    std::lock_guard lock(mutex_);
    boost::json::array out;
    for (const auto* k : keys) out.push_back(k->public_json());
    jwks_ = boost::json::serialize(boost::json::object{{"keys", out}});
  }
  int port() const { return server_.port(); }
  int jwks_fetches() const { return fetches_.load(); }

 private:
  FakeReply answer(const FakeRequest& r) {
    if (r.method != "GET" || r.target != "/api/auth/v1/jwks") return {404, R"({"code":"NOT_FOUND"})"};
    fetches_.fetch_add(1);
    std::lock_guard lock(mutex_);
    return {200, jwks_};
  }
  std::mutex mutex_;
  std::string jwks_ = R"({"keys":[]})";
  std::atomic<int> fetches_{0};
  FakeServer server_;
};

HttpResponse get_with(int port, const std::string& path, const std::string& token) {
  return http_request(port, "GET", path, "", {{"authorization", "Bearer " + token}});
}

std::string field(const std::string& body, const std::string& name) { return json_field(body, name); }

const std::string kConfig = "/api/registry/v1/configs/public/zhongtai/gateway.yaml";
const char* kPublish = R"({"content": "gateway.routes: |\n  routes:\n    - {id: info, path: /api/system/v1/info, match: exact, service: system, access: staff, roles: [admin]}\n    - {id: me, path: /api/system/v1/whoami, match: exact, service: system, access: customer}\n    - {id: re, path: '/api/re/(a+)+b', match: regex, service: system, rewrite: /api/system/v1/ping}\n    - {id: system, path: /api/system/, service: system}\n    - {id: registry, path: /api/registry/, service: registry, timeout_ms: 40000}\n", "format": "yaml", "author": "ops-zhao", "comment": "auth routes"})";

class GatewayAuth : public ::testing::Test {
 protected:
  Jwk es = Jwk::generate(JwtAlg::kES256, "es-1");
  Jwk rs = Jwk::generate(JwtAlg::kRS256, "rs-1");
  Jwk ed = Jwk::generate(JwtAlg::kEdDSA, "ed-1");
  Jwk hs = Jwk::generate(JwtAlg::kHS256, "hs-local");
  TempDir dir{"zt-auth"};
  FakeAuth auth;

  Env env() {
    const std::string keys = dir.path() + "/local-keys.json";
    std::ofstream(keys) << keys_file_json({hs.private_json()});
    // The stand-in, not the real auth service that `--target all` also runs.
    return {{"ZT_GATEWAY__JWT_KEYS_FILE", keys}, {"ZT_GATEWAY__JWKS_REFETCH_MIN", "100ms"}, {"ZT_GATEWAY__JWKS_SERVICE", "auth-fake"},
            {"ZT_NODE__INTERNAL_SECRET", kSuiteMaster}};
  }
};

TEST_F(GatewayAuth, VerifiesTokensAndRefusesEveryBadOneWith401) {
  auth.publish({&es, &rs, &ed});
  Zhongtai z(env());
  RegisteredInstance fake(z.port, "auth-fake", "auth-fake-1", auth.port(), kSuiteMaster);
  ASSERT_EQ(http_request(z.port, "PUT", kConfig, kPublish, staff_headers()).status, 200);
  ASSERT_TRUE(eventually([&] { return http_get(z.port, "/api/system/v1/whoami").status == 401; }, 5s))
      << "the customer route needs a sign-in once the routes apply";

  // Each algorithm: keys from the JWKS (ES256, RS256, EdDSA) and the local file (HS256).
  ASSERT_TRUE(eventually([&] { return get_with(z.port, "/api/system/v1/whoami", jwt_sign(es, claims("C1001"))).status == 200; }, 10s))
      << get_with(z.port, "/api/system/v1/whoami", jwt_sign(es, claims("C1001"))).body;
  for (const auto* key : {&es, &rs, &ed, &hs}) {
    auto me = get_with(z.port, "/api/system/v1/whoami", jwt_sign(*key, claims("C1001")));
    ASSERT_EQ(me.status, 200) << key->kid() << ": " << me.body;
    EXPECT_EQ(field(me.body, "caller_kind"), "customer");
    EXPECT_EQ(field(me.body, "caller"), "C1001");
    EXPECT_EQ(field(me.body, "session"), "sess-C1001");
  }

  // Authorisation on the verified identity.
  EXPECT_TRUE(refused(http_get(z.port, "/api/system/v1/info"), 401, "GATEWAY_UNAUTHENTICATED"));
  auto customer_on_staff = get_with(z.port, "/api/system/v1/info", jwt_sign(es, claims("C1001")));
  EXPECT_EQ(customer_on_staff.status, 403);
  EXPECT_NE(customer_on_staff.body.find("GATEWAY_FORBIDDEN"), std::string::npos);
  auto reviewer = claims("S07", "staff");
  reviewer["roles"] = boost::json::array{"reviewer"};
  EXPECT_TRUE(refused(get_with(z.port, "/api/system/v1/info", jwt_sign(es, reviewer)), 403, "GATEWAY_FORBIDDEN")) << "role admin required";
  auto admin = claims("S01", "staff");
  admin["roles"] = boost::json::array{"admin"};
  EXPECT_EQ(get_with(z.port, "/api/system/v1/info", jwt_sign(es, admin)).status, 200);

  // The refusals. Each: 401, the error shape, a trace id, a WWW-Authenticate challenge.
  const std::string good = jwt_sign(es, claims("C1001"));
  auto sig = *core::base64url_decode(good.substr(good.rfind('.') + 1));
  sig[5] = static_cast<char>(sig[5] ^ 0x20);
  auto with = [&](const char* name, boost::json::value v) {
    auto c = claims("C1001");
    c[name] = std::move(v);
    return jwt_sign(es, c);
  };
  const std::string payload = core::base64url_encode(boost::json::serialize(claims("C1001")));
  boost::json::object rs_as_secret{{"kty", "oct"}, {"kid", "rs-1"},
                                   {"k", core::base64url_encode(boost::json::serialize(rs.public_json()))}};
  const std::map<std::string, std::pair<std::string, std::string>> bad = {
      {"tampered signature", {good.substr(0, good.rfind('.') + 1) + core::base64url_encode(sig), "GATEWAY_TOKEN_INVALID"}},
      {"expired", {with("exp", now_s() - 3600), "GATEWAY_TOKEN_EXPIRED"}},
      {"not yet valid", {with("nbf", now_s() + 3600), "GATEWAY_TOKEN_INVALID"}},
      {"wrong aud", {with("aud", "another-api"), "GATEWAY_TOKEN_INVALID"}},
      {"wrong iss", {with("iss", "https://evil.example"), "GATEWAY_TOKEN_INVALID"}},
      {"alg none", {core::base64url_encode(R"({"alg":"none","kid":"es-1"})") + "." + payload + ".", "GATEWAY_TOKEN_INVALID"}},
      {"HS256 with the RS public key", {jwt_sign(Jwk::from_json(rs_as_secret), claims("C1001")), "GATEWAY_TOKEN_INVALID"}},
      {"unknown kid", {jwt_sign(Jwk::generate(JwtAlg::kES256, "nobody-knows"), claims("C1001")), "GATEWAY_TOKEN_INVALID"}},
      {"garbage", {"abc.def", "GATEWAY_TOKEN_INVALID"}},
  };
  for (const auto& [what, tc] : bad) {
    auto r = get_with(z.port, "/api/system/v1/ping", tc.first);  // an anonymous route: a bad token is still refused
    EXPECT_EQ(r.status, 401) << what << ": " << r.body;
    EXPECT_EQ(field(r.body, "code"), tc.second) << what;
    EXPECT_NE(r.body.find("请重新登录"), std::string::npos) << what << ": " << r.body;
    EXPECT_EQ(field(r.body, "trace_id").size(), 32u) << what;
    EXPECT_NE(r.headers["www-authenticate"].find("Bearer"), std::string::npos) << what;
  }
  auto basic = http_request(z.port, "GET", "/api/system/v1/ping", "", {{"authorization", "Basic dXNlcjpwYXNz"}});
  EXPECT_EQ(basic.status, 401) << "an Authorization header that is not a bearer token";

  // The issuer rotates in a new key: tokens signed with it work at once (an unknown kid fetches the
  // JWKS again), and tokens of the old key keep working while it is published.
  const Jwk es2 = Jwk::generate(JwtAlg::kES256, "es-2");
  auth.publish({&es, &es2, &rs, &ed});
  std::this_thread::sleep_for(150ms);  // past the refetch interval since the "unknown kid" case above
  const int fetches_before = auth.jwks_fetches();
  auto rotated = get_with(z.port, "/api/system/v1/whoami", jwt_sign(es2, claims("C2002")));
  EXPECT_EQ(rotated.status, 200) << rotated.body;
  EXPECT_EQ(field(rotated.body, "caller"), "C2002");
  EXPECT_GT(auth.jwks_fetches(), fetches_before);
  EXPECT_EQ(get_with(z.port, "/api/system/v1/whoami", good).status, 200);
  // An unknown kid cannot make the gateway hammer the auth service: at most one fetch per 100 ms.
  const int before_storm = auth.jwks_fetches();
  const auto storm_start = std::chrono::steady_clock::now();
  for (int i = 0; i < 30; ++i)
    EXPECT_TRUE(refused(get_with(z.port, "/api/system/v1/ping", jwt_sign(Jwk::generate(JwtAlg::kHS256, "x" + std::to_string(i)), claims("C1"))), 401, "GATEWAY_TOKEN_INVALID"));
  const auto storm_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - storm_start).count();
  EXPECT_LE(auth.jwks_fetches() - before_storm, storm_ms / 100 + 1);

  // A client's own internal headers never make it an identity.
  auto forged = http_request(z.port, "GET", "/api/system/v1/whoami", "",
                             {{"x-zt-identity", "v1.eyJraW5kIjoic3RhZmYifQ==.00"}, {"authorization", "Bearer " + good}});
  EXPECT_EQ(field(forged.body, "caller"), "C1001");

  // RE2: a pattern that makes a backtracking engine take exponential time answers at once here.
  for (int i = 0; i < 50; ++i) {
    auto r = http_get(z.port, "/api/re/" + std::string(3000, 'a') + "!");
    ASSERT_EQ(r.status, 404);
  }
  EXPECT_EQ(http_get(z.port, "/api/re/aaab").status, 200) << "the regex route itself works";

  auto metrics = http_get(z.admin, "/metrics").body;
  for (const char* reason : {"signature", "expired", "not_yet_valid", "audience", "issuer", "algorithm", "unknown_key", "malformed"})
    EXPECT_NE(metrics.find(std::string("zt_gateway_token_refused_total{reason=\"") + reason + "\"} "), std::string::npos) << reason;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(metrics, m, std::regex("zt_gateway_token_refused_total\\{reason=\"signature\"\\} (\\d+)")));
  EXPECT_GE(std::stoi(m[1]), 1);
  // No token ever reaches the log (which is this test's: it holds the JWKS the fake auth served).
  const std::string log = z.process->log_text();
  ASSERT_NE(log.find("gateway: JWKS now has"), std::string::npos) << "a positive control";
  EXPECT_EQ(log.find(good.substr(good.rfind('.') + 1)), std::string::npos);
}

TEST_F(GatewayAuth, ASplitGatewayForwardsTheVerifiedIdentitySigned) {
  auth.publish({&es});
  const std::string secret = "split-secret-0123456789abcdef0123";
  Zhongtai reg({{"ZT_NODE__INTERNAL_SECRET", secret}}, "registry");
  const Env to_registry{{"ZT_DISCOVERY__REGISTRY", "127.0.0.1:" + std::to_string(reg.port)},
                        {"ZT_NODE__INTERNAL_SECRET", secret}};
  Zhongtai instance(to_registry, "system");
  RegisteredInstance fake(reg.port, "auth-fake", "auth-fake-1", auth.port(), secret);
  Env gw_env = env();
  for (const auto& [k, v] : to_registry) gw_env[k] = v;  // this deployment's key
  Zhongtai gateway(gw_env, "gateway");
  auto staff = claims("S01", "staff");
  staff["roles"] = boost::json::array{"admin", "reviewer"};
  HttpResponse me;
  ASSERT_TRUE(eventually([&] {
    me = get_with(gateway.port, "/api/system/v1/whoami", jwt_sign(es, staff));
    return me.status == 200;
  }, 15s)) << me.body;
  EXPECT_EQ(field(me.body, "caller_kind"), "staff") << "the system process trusts the gateway's signed identity";
  EXPECT_EQ(field(me.body, "caller"), "S01");
  EXPECT_EQ(field(me.body, "session"), "sess-S01");
  EXPECT_NE(me.body.find(R"("roles":["admin","reviewer"])"), std::string::npos) << me.body;
  // The same token sent to the service directly, past the gateway, is not an identity there: a
  // process without a gateway serves only signed calls.
  auto direct = get_with(instance.port, "/api/system/v1/whoami", jwt_sign(es, staff));
  EXPECT_EQ(direct.status, 401) << direct.body;
  EXPECT_EQ(field(direct.body, "code"), "INTERNAL_IDENTITY_REQUIRED") << direct.body;
}

}  // namespace
}  // namespace zt::test
