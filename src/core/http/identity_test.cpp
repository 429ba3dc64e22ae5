#include "core/http/identity.hpp"

#include <gtest/gtest.h>

#include "core/util/digest.hpp"

namespace zt::core::http {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;
const std::string kMaster = "deployment master key for tests";
const std::vector<std::string> kServices{"gateway", "mall", "counter", "auth", "registry"};

ServiceKeys keys_of(std::vector<std::string> held) { return ServiceKeys::derive(kMaster, held, kServices); }

CallIdentity mall_for_customer() {
  CallIdentity id;
  id.from = "mall";
  id.to = "counter";
  id.caller = {CallerKind::kCustomer, "c-1001", {"trade"}, "ses-9"};
  id.address = "203.0.113.7";
  id.deadline = std::chrono::milliseconds(1500);
  return id;
}

const CallIdentity* ok(const std::variant<CallIdentity, IdentityFailure>& v) { return std::get_if<CallIdentity>(&v); }
IdentityFailure failure(const std::variant<CallIdentity, IdentityFailure>& v) {
  return std::holds_alternative<IdentityFailure>(v) ? std::get<IdentityFailure>(v) : IdentityFailure::kMalformed;
}

TEST(Identity, ASignedCallVerifiesForItsOwnRequestOnly) {
  const auto mall = keys_of({"mall"});
  const auto counter = keys_of({"counter"});
  const std::string body = R"({"amount":"100.00"})";
  const auto h = sign_call(mall_for_customer(), "POST", "/api/counter/v1/orders?x=1", body, mall, kNow);
  auto v = verify_call(h, "POST", "/api/counter/v1/orders?x=1", body, counter, kNow + 1000, nullptr);
  ASSERT_TRUE(ok(v)) << failure_name(failure(v));
  EXPECT_EQ(ok(v)->from, "mall");
  EXPECT_EQ(ok(v)->to, "counter");
  EXPECT_FALSE(ok(v)->edge);
  EXPECT_EQ(ok(v)->caller.kind, CallerKind::kCustomer);
  EXPECT_EQ(ok(v)->caller.subject, "c-1001");
  EXPECT_EQ(ok(v)->caller.session, "ses-9");
  EXPECT_EQ(ok(v)->address, "203.0.113.7");
  ASSERT_TRUE(ok(v)->deadline.has_value());
  EXPECT_EQ(ok(v)->deadline->count(), 1500);

  EXPECT_EQ(failure(verify_call(h, "PUT", "/api/counter/v1/orders?x=1", body, counter, kNow, nullptr)), IdentityFailure::kWrongCall)
      << "another method";
  EXPECT_EQ(failure(verify_call(h, "POST", "/api/counter/v1/orders?x=2", body, counter, kNow, nullptr)), IdentityFailure::kWrongCall)
      << "another query";
  EXPECT_EQ(failure(verify_call(h, "POST", "/api/counter/v1/orders?x=1", R"({"amount":"900.00"})", counter, kNow, nullptr)),
            IdentityFailure::kWrongCall)
      << "another body";
  EXPECT_EQ(failure(verify_call(h, "POST", "/api/counter/v1/orders?x=1", body, counter, kNow + 31'000, nullptr)), IdentityFailure::kStale);
  EXPECT_EQ(failure(verify_call(h, "POST", "/api/counter/v1/orders?x=1", body, counter, kNow - 31'000, nullptr)), IdentityFailure::kStale);
  EXPECT_EQ(failure(verify_call(h, "POST", "/api/counter/v1/orders?x=1", body, keys_of({"auth"}), kNow, nullptr)),
            IdentityFailure::kUnknownPair)
      << "a process that does not run the service called";
  EXPECT_EQ(failure(verify_call(h, "POST", "/api/counter/v1/orders?x=1", body, ServiceKeys(), kNow, nullptr)),
            IdentityFailure::kUnknownPair)
      << "no keys: nothing is trusted";
  const auto other_deployment = ServiceKeys::derive("another master", {"counter"}, kServices);
  EXPECT_EQ(failure(verify_call(h, "POST", "/api/counter/v1/orders?x=1", body, other_deployment, kNow, nullptr)),
            IdentityFailure::kBadSignature);
}

TEST(Identity, ACallIsAcceptedOnce) {
  const auto h = sign_call(mall_for_customer(), "POST", "/o", "{}", keys_of({"mall"}), kNow);
  ReplayGuard replay;
  EXPECT_TRUE(ok(verify_call(h, "POST", "/o", "{}", keys_of({"counter"}), kNow, &replay)));
  EXPECT_EQ(failure(verify_call(h, "POST", "/o", "{}", keys_of({"counter"}), kNow + 5, &replay)), IdentityFailure::kReplayed);
  // Two signatures of the same request are two calls (a retry is signed anew).
  const auto again = sign_call(mall_for_customer(), "POST", "/o", "{}", keys_of({"mall"}), kNow);
  EXPECT_NE(again, h);
  EXPECT_TRUE(ok(verify_call(again, "POST", "/o", "{}", keys_of({"counter"}), kNow, &replay)));
}

TEST(Identity, AServiceSignsOnlyAsItself) {
  // The mall process holds the mall's pair keys: it cannot sign as auth, and rewriting "from" in a
  // header it signed breaks the signature.
  const auto mall = keys_of({"mall"});
  CallIdentity as_auth = mall_for_customer();
  as_auth.from = "auth";
  EXPECT_THROW(sign_call(as_auth, "GET", "/", "", mall, kNow), std::invalid_argument);
  EXPECT_NE(derive_pair_key(kMaster, "mall", "counter"), derive_pair_key(kMaster, "auth", "counter"));
  EXPECT_EQ(derive_pair_key(kMaster, "mall", "counter"), derive_pair_key(kMaster, "counter", "mall")) << "one key per pair";

  const auto h = sign_call(mall_for_customer(), "GET", "/", "", mall, kNow);
  const auto dot1 = h.find('.'), dot2 = h.rfind('.');
  std::string claims = *base64url_decode(h.substr(dot1 + 1, dot2 - dot1 - 1));
  claims.replace(claims.find("\"mall\""), 6, "\"auth\"");
  const std::string forged = "v2." + base64url_encode(claims) + h.substr(dot2);
  EXPECT_EQ(failure(verify_call(forged, "GET", "/", "", keys_of({"counter"}), kNow, nullptr)), IdentityFailure::kBadSignature);
}

TEST(Identity, GarbageIsRefused) {
  const auto counter = keys_of({"counter"});
  for (const std::string& bad : std::vector<std::string>{"", "v2.", "v2..", "v1.abc.def", "v2.!!!.00", "v2.e30.AAAA",
                                                         std::string(9000, 'v')})
    EXPECT_FALSE(ok(verify_call(bad, "GET", "/p", "", counter, kNow, nullptr))) << bad.substr(0, 20);
}

TEST(Identity, EdgeCallersTravelWithTheirAddress) {
  CallIdentity id;
  id.from = "gateway";
  id.to = "auth";
  id.edge = true;
  id.caller = {CallerKind::kStaff, "S0001", {"operations"}, "ses-1", {"governance.read"}};
  id.address = "198.51.100.20";
  auto v = verify_call(sign_call(id, "GET", "/", "", keys_of({"gateway"}), kNow), "GET", "/", "", keys_of({"auth"}), kNow, nullptr);
  ASSERT_TRUE(ok(v));
  EXPECT_TRUE(ok(v)->edge);
  EXPECT_EQ(ok(v)->caller.kind, CallerKind::kStaff);
  EXPECT_EQ(ok(v)->caller.permissions, std::vector<std::string>{"governance.read"});
  EXPECT_EQ(ok(v)->address, "198.51.100.20");
  id.caller = {};  // an anonymous outside client is still the edge, never a service
  auto anon = verify_call(sign_call(id, "GET", "/", "", keys_of({"gateway"}), kNow), "GET", "/", "", keys_of({"auth"}), kNow, nullptr);
  ASSERT_TRUE(ok(anon));
  EXPECT_TRUE(ok(anon)->edge);
  EXPECT_EQ(ok(anon)->caller.kind, CallerKind::kAnonymous);
}

TEST(Identity, AKeyFileHoldsOnlyItsServicesPairs) {
  const auto mall = keys_of({"mall"});
  const auto text = mall.serialize();
  const auto back = ServiceKeys::parse(text, "mall.keys");
  EXPECT_TRUE(back.holds("mall"));
  EXPECT_FALSE(back.holds("counter"));
  ASSERT_TRUE(back.key("mall", "counter").has_value());
  EXPECT_EQ(*back.key("mall", "counter"), derive_pair_key(kMaster, "mall", "counter"));
  EXPECT_FALSE(back.key("auth", "counter").has_value()) << "no pair without the mall";
  EXPECT_EQ(back.pairs(), mall.pairs());
  EXPECT_THROW(ServiceKeys::parse("", "x"), std::runtime_error);
  EXPECT_THROW(ServiceKeys::parse("zhongtai-service-keys v1\nholds mall\npair auth counter AAAA\n", "x"), std::runtime_error);
  EXPECT_THROW(ServiceKeys::parse("zhongtai-service-keys v1\npair mall counter " + std::string(43, 'A') + "\n", "x"), std::runtime_error)
      << "names no service";
  EXPECT_THROW(ServiceKeys::parse("zhongtai-service-keys v1\nholds mall\npair auth counter " + std::string(43, 'A') + "\n", "x"),
               std::runtime_error)
      << "a pair it has no business holding";
}

TEST(Identity, TheReplayGuardForgetsAfterTheWindowAndStaysBounded) {
  ReplayGuard replay(std::chrono::milliseconds(1000), 16 * 4);
  EXPECT_TRUE(replay.first_use("nonce-aaaaaaaaaaaaaa", kNow));
  EXPECT_FALSE(replay.first_use("nonce-aaaaaaaaaaaaaa", kNow + 999));
  EXPECT_FALSE(replay.first_use("nonce-aaaaaaaaaaaaaa", kNow + 1500)) << "known for two windows at least";
  EXPECT_TRUE(replay.first_use("nonce-aaaaaaaaaaaaaa", kNow + 5000)) << "forgotten once no call with it could be fresh";
  for (int i = 0; i < 10000; ++i) replay.first_use("n-" + std::to_string(i) + "-padding-padding", kNow + 6000);
  EXPECT_LE(replay.size(), 16u * 4u) << "bounded";
}

}  // namespace
}  // namespace zt::core::http
