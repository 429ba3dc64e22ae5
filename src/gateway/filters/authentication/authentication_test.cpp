#include "gateway/filters/authentication/authentication.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <future>

#include "core/net/runtime.hpp"
#include "core/util/digest.hpp"

namespace zt::gateway::filters {
namespace {

using core::crypto::Jwk;
using core::crypto::JwtAlg;
using core::http::CallerKind;

constexpr std::int64_t kNow = 1'800'000'000;

boost::json::object good_claims() {
  return {{"iss", "zhongtai"}, {"aud", "zhongtai-api"}, {"sub", "C1001"}, {"typ", "customer"},
          {"sid", "s-9"},      {"iat", kNow - 10},      {"nbf", kNow - 10}, {"exp", kNow + 600}};
}

std::shared_ptr<const KeySet> keys_of(std::initializer_list<const Jwk*> keys) {
  auto set = std::make_shared<KeySet>();
  for (const auto* k : keys) set->add(*k);
  return set;
}

TokenFailure failure_of(TokenVerifier& v, const std::string& token, std::int64_t now = kNow) {
  auto r = v.verify(token, now);
  if (std::holds_alternative<VerifiedToken>(r)) {
    ADD_FAILURE() << "accepted";
    return TokenFailure::kClaims;
  }
  return std::get<TokenFailure>(r);
}

std::string with_claim(const Jwk& key, const char* name, boost::json::value v) {
  auto c = good_claims();
  c[name] = std::move(v);
  return core::crypto::jwt_sign(key, c);
}

std::string without_claim(const Jwk& key, const char* name) {
  auto c = good_claims();
  c.erase(name);
  return core::crypto::jwt_sign(key, c);
}

class Verifier : public ::testing::Test {
 protected:
  Jwk es = Jwk::generate(JwtAlg::kES256, "es-1");
  Jwk rs = Jwk::generate(JwtAlg::kRS256, "rs-1");
  Jwk ed = Jwk::generate(JwtAlg::kEdDSA, "ed-1");
  Jwk hs = Jwk::generate(JwtAlg::kHS256, "hs-1");
  TokenVerifier v{JwtSettings{}};
  void SetUp() override {
    // What the gateway holds: the public halves from the JWKS, the HS secret from a local file.
    auto set = std::make_shared<KeySet>();
    for (const auto* k : {&es, &rs, &ed}) set->add(Jwk::from_json(k->public_json()));
    set->add(Jwk::from_json(hs.private_json()));
    v.set_keys(set);
  }
};

TEST_F(Verifier, AcceptsEachAlgorithmAndNamesTheCaller) {
  for (const auto* key : {&es, &rs, &ed, &hs}) {
    SCOPED_TRACE(key->kid());
    auto r = v.verify(core::crypto::jwt_sign(*key, good_claims()), kNow);
    ASSERT_TRUE(std::holds_alternative<VerifiedToken>(r)) << failure_name(std::get<TokenFailure>(r));
    const auto& t = std::get<VerifiedToken>(r);
    EXPECT_EQ(t.caller.kind, CallerKind::kCustomer);
    EXPECT_EQ(t.caller.subject, "C1001");
    EXPECT_EQ(t.caller.session, "s-9");
    EXPECT_EQ(t.expires_at, kNow + 600);
  }
  auto c = good_claims();
  c["typ"] = "staff";
  c["roles"] = boost::json::array{"reviewer"};
  c["scope"] = "config:read  audit:read";
  c["aud"] = boost::json::array{"other", "zhongtai-api"};
  auto r = v.verify(core::crypto::jwt_sign(es, c), kNow);
  ASSERT_TRUE(std::holds_alternative<VerifiedToken>(r));
  const auto& staff = std::get<VerifiedToken>(r).caller;
  EXPECT_EQ(staff.kind, CallerKind::kStaff);
  EXPECT_EQ(staff.roles, (std::vector<std::string>{"reviewer", "config:read", "audit:read"}));
}

TEST_F(Verifier, RefusesForgedAndConfusedTokens) {
  const std::string good = core::crypto::jwt_sign(es, good_claims());
  // Tampered signature: one bit of the last signature byte.
  auto sig = *core::base64url_decode(good.substr(good.rfind('.') + 1));
  sig[10] = static_cast<char>(sig[10] ^ 0x01);
  EXPECT_EQ(failure_of(v, good.substr(0, good.rfind('.') + 1) + core::base64url_encode(sig)), TokenFailure::kSignature);
  // Tampered payload under the original signature.
  const auto dot1 = good.find('.'), dot2 = good.rfind('.');
  auto c = good_claims();
  c["sub"] = "C9999";
  EXPECT_EQ(failure_of(v, good.substr(0, dot1 + 1) + core::base64url_encode(boost::json::serialize(c)) + good.substr(dot2)),
            TokenFailure::kSignature);

  // alg none, with the kid of a real key and no signature.
  const std::string payload = core::base64url_encode(boost::json::serialize(good_claims()));
  EXPECT_EQ(failure_of(v, core::base64url_encode(R"({"alg":"none","kid":"es-1"})") + "." + payload + "."),
            TokenFailure::kAlgorithm);
  // HS256 "signed" with the RSA public key (the classic confusion): the key is RS256, full stop.
  const std::string rs_public = boost::json::serialize(rs.public_json());
  boost::json::object fake_secret{{"kty", "oct"}, {"k", core::base64url_encode(rs_public)}, {"kid", "rs-1"}};
  const auto confused = core::crypto::jwt_sign(Jwk::from_json(fake_secret), good_claims());
  EXPECT_EQ(failure_of(v, confused), TokenFailure::kAlgorithm);
  // An RS key's token relabelled ES256, and an ES token naming the RS key.
  const std::string rs_token = core::crypto::jwt_sign(rs, good_claims());
  EXPECT_EQ(failure_of(v, core::base64url_encode(R"({"alg":"ES256","kid":"rs-1"})") + rs_token.substr(rs_token.find('.'))),
            TokenFailure::kAlgorithm);

  EXPECT_EQ(failure_of(v, core::crypto::jwt_sign(Jwk::generate(JwtAlg::kES256, "stranger"), good_claims())),
            TokenFailure::kUnknownKey);
  EXPECT_EQ(failure_of(v, core::crypto::jwt_sign(Jwk::generate(JwtAlg::kES256, "es-1"), good_claims())),
            TokenFailure::kSignature)
      << "right kid, wrong key";
  EXPECT_EQ(failure_of(v, "not-a-token"), TokenFailure::kMalformed);
  EXPECT_EQ(failure_of(v, ""), TokenFailure::kMalformed);
}

TEST_F(Verifier, ChecksTimeIssuerAudienceAndClaims) {
  const auto skew = JwtSettings{}.clock_skew.count();
  EXPECT_EQ(failure_of(v, with_claim(es, "exp", kNow - skew - 1)), TokenFailure::kExpired);
  EXPECT_TRUE(std::holds_alternative<VerifiedToken>(v.verify(with_claim(es, "exp", kNow - skew), kNow))) << "within skew";
  EXPECT_EQ(failure_of(v, with_claim(es, "nbf", kNow + skew + 1)), TokenFailure::kNotYetValid);
  EXPECT_TRUE(std::holds_alternative<VerifiedToken>(v.verify(with_claim(es, "nbf", kNow + skew), kNow)));
  EXPECT_EQ(failure_of(v, with_claim(es, "iat", kNow + skew + 60)), TokenFailure::kNotYetValid);
  EXPECT_EQ(failure_of(v, without_claim(es, "exp")), TokenFailure::kClaims) << "exp is required";
  EXPECT_EQ(failure_of(v, with_claim(es, "exp", "tomorrow")), TokenFailure::kClaims);
  EXPECT_EQ(failure_of(v, with_claim(es, "iss", "someone-else")), TokenFailure::kIssuer);
  EXPECT_EQ(failure_of(v, without_claim(es, "iss")), TokenFailure::kIssuer);
  EXPECT_EQ(failure_of(v, with_claim(es, "aud", "zhongtai-console")), TokenFailure::kAudience);
  EXPECT_EQ(failure_of(v, with_claim(es, "aud", boost::json::array{"a", "b"})), TokenFailure::kAudience);
  EXPECT_EQ(failure_of(v, without_claim(es, "aud")), TokenFailure::kAudience);
  EXPECT_EQ(failure_of(v, without_claim(es, "sub")), TokenFailure::kClaims);
  EXPECT_EQ(failure_of(v, with_claim(es, "sub", "")), TokenFailure::kClaims);
  EXPECT_EQ(failure_of(v, with_claim(es, "sub", "a\nb")), TokenFailure::kClaims) << "no control characters";
  EXPECT_EQ(failure_of(v, with_claim(es, "typ", "service")), TokenFailure::kClaims) << "tokens never make a service";
  EXPECT_EQ(failure_of(v, without_claim(es, "typ")), TokenFailure::kClaims);
  EXPECT_EQ(failure_of(v, with_claim(es, "roles", "admin")), TokenFailure::kClaims);
  EXPECT_EQ(failure_of(v, with_claim(es, "roles", boost::json::array{1})), TokenFailure::kClaims);
  EXPECT_EQ(failure_of(v, with_claim(es, "scope", 7)), TokenFailure::kClaims);
}

TEST_F(Verifier, CachesVerifiedTokensUntilExpiryAndForgetsThemWhenKeysChange) {
  const auto token = core::crypto::jwt_sign(es, good_claims());
  ASSERT_TRUE(std::holds_alternative<VerifiedToken>(v.verify(token, kNow)));
  ASSERT_TRUE(std::holds_alternative<VerifiedToken>(v.verify(token, kNow)));
  EXPECT_EQ(v.stats().hits, 1u);
  EXPECT_EQ(v.stats().entries, 1u);
  // A cached token still expires.
  EXPECT_EQ(failure_of(v, token, kNow + 600 + JwtSettings{}.clock_skew.count() + 1), TokenFailure::kExpired);
  // The key is withdrawn: the cached verdict goes with it.
  ASSERT_TRUE(std::holds_alternative<VerifiedToken>(v.verify(token, kNow)));
  v.set_keys(keys_of({&rs}));
  EXPECT_EQ(v.stats().entries, 0u);
  EXPECT_EQ(failure_of(v, token), TokenFailure::kUnknownKey);
  // Refusals are never cached.
  EXPECT_EQ(v.stats().entries, 0u);
}

TEST(TokenCache, StaysWithinItsCapAndCanBeOff) {
  const auto key = Jwk::generate(JwtAlg::kHS256, "h");
  JwtSettings s;
  s.cache_entries = 160;
  TokenVerifier v(s);
  v.set_keys(keys_of({&key}));
  for (int i = 0; i < 2000; ++i) {
    auto c = good_claims();
    c["sub"] = "C" + std::to_string(i);
    ASSERT_TRUE(std::holds_alternative<VerifiedToken>(v.verify(core::crypto::jwt_sign(key, c), kNow)));
  }
  EXPECT_LE(v.stats().entries, 160u);
  EXPECT_GE(v.stats().entries, 100u) << "the cache is used";

  s.cache_entries = 0;
  TokenVerifier off(s);
  off.set_keys(keys_of({&key}));
  const auto token = core::crypto::jwt_sign(key, good_claims());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(std::holds_alternative<VerifiedToken>(off.verify(token, kNow)));
  EXPECT_EQ(off.stats().entries, 0u);
  EXPECT_EQ(off.stats().hits, 0u);
}

TEST(KeySet, ReadsAJwksSkippingKeysThatDoNotHold) {
  const auto a = Jwk::generate(JwtAlg::kES256, "a");
  const auto b = Jwk::generate(JwtAlg::kEdDSA, "b");
  auto no_kid = Jwk::generate(JwtAlg::kES256, "").public_json();
  boost::json::object bad{{"kty", "EC"}, {"crv", "P-521"}, {"kid", "c"}};
  boost::json::object doc{{"keys", boost::json::array{a.public_json(), bad, b.public_json(), no_kid, "x"}}};
  std::vector<std::string> problems;
  auto set = KeySet::from_jwks(boost::json::serialize(doc), &problems);
  EXPECT_EQ(set.kids(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(problems.size(), 3u);
  EXPECT_THROW(KeySet::from_jwks("[]"), std::invalid_argument);
  EXPECT_THROW(KeySet::from_jwks("{\"keys\": 1}"), std::invalid_argument);
  EXPECT_THROW(KeySet::from_jwks("nonsense"), std::invalid_argument);
}

TEST(BearerToken, ReadsTheSchemeCaseInsensitively) {
  EXPECT_FALSE(bearer_token(std::nullopt));
  EXPECT_EQ(*bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(*bearer_token("bearer  abc "), "abc");
  EXPECT_EQ(*bearer_token("BEARER abc"), "abc");
  EXPECT_EQ(*bearer_token("Basic dXNlcjpwYXNz"), "") << "present but not a bearer token: refused as malformed";
  EXPECT_EQ(*bearer_token("Bearer"), "");
}

TEST(JwksSource, RefetchesForAnUnknownKidAtMostOncePerInterval) {
  const auto first = Jwk::generate(JwtAlg::kES256, "first");
  const auto second = Jwk::generate(JwtAlg::kES256, "second");
  const auto local = Jwk::generate(JwtAlg::kHS256, "local");
  std::vector<const Jwk*> published{&first};
  int fetches = 0;
  bool fail = false;
  TokenVerifier v{JwtSettings{}};
  KeySet locals;
  locals.add(local);
  JwksSource source(
      v,
      [&]() -> boost::asio::awaitable<std::string> {
        ++fetches;
        if (fail) throw std::runtime_error("auth is down");
        boost::json::array keys;
        for (const auto* k : published) keys.push_back(k->public_json());
        co_return boost::json::serialize(boost::json::object{{"keys", keys}});
      },
      locals, std::chrono::hours(1));
  EXPECT_EQ(v.keys()->kids(), (std::vector<std::string>{"local"})) << "local keys work before any fetch";

  // Each step runs to its end on an io thread of the runtime (the heavy Asio headers stay in core/net).
  core::net::IoRuntime rt(1);
  rt.start();
  auto run = [&](std::function<boost::asio::awaitable<void>()> fn) {
    std::promise<void> done;
    rt.spawn(0, [&]() -> boost::asio::awaitable<void> {
      co_await fn();
      done.set_value();
    });
    done.get_future().wait();
  };
  bool ok = false;
  run([&]() -> boost::asio::awaitable<void> { ok = co_await source.refresh(); });
  EXPECT_TRUE(ok);
  EXPECT_EQ(v.keys()->kids(), (std::vector<std::string>{"first", "local"}));

  // The issuer rotates in a second key. The first request naming it may refetch; the interval
  // has not passed since the refresh, so it may not.
  published.push_back(&second);
  bool changed = true;
  run([&]() -> boost::asio::awaitable<void> { changed = co_await source.refetch_for_unknown_kid(v.keys()); });
  EXPECT_FALSE(changed);
  EXPECT_EQ(fetches, 1) << "rate-limited: no fetch";

  // With no interval, one fetch brings the new key; an unchanged document installs nothing.
  JwksSource eager(v, [&]() -> boost::asio::awaitable<std::string> {
    ++fetches;
    if (fail) throw std::runtime_error("auth is down");
    boost::json::array keys;
    for (const auto* k : published) keys.push_back(k->public_json());
    co_return boost::json::serialize(boost::json::object{{"keys", keys}});
  }, locals, std::chrono::milliseconds(0));
  run([&]() -> boost::asio::awaitable<void> { changed = co_await eager.refetch_for_unknown_kid(v.keys()); });
  EXPECT_TRUE(changed);
  EXPECT_EQ(v.keys()->kids(), (std::vector<std::string>{"first", "local", "second"}));
  auto token = core::crypto::jwt_sign(second, good_claims());
  EXPECT_TRUE(std::holds_alternative<VerifiedToken>(v.verify(token, kNow)));

  // The JWKS cannot be fetched: the keys stay as they were.
  fail = true;
  run([&]() -> boost::asio::awaitable<void> { ok = co_await eager.refresh(); });
  EXPECT_FALSE(ok);
  EXPECT_EQ(eager.failures(), 1u);
  EXPECT_EQ(v.keys()->size(), 3u);
}

}  // namespace
}  // namespace zt::gateway::filters
