#include "core/http/identity.hpp"

#include <gtest/gtest.h>

namespace zt::core::http {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

ForwardedIdentity customer() {
  ForwardedIdentity id;
  id.service = "mall";
  id.caller = {CallerKind::kCustomer, "c-1001", {"trade"}};
  id.deadline = std::chrono::milliseconds(1500);
  return id;
}

TEST(Identity, ASignedIdentityVerifiesForItsOwnCallOnly) {
  const auto h = sign_identity(customer(), "GET", "/api/mall/v1/orders", "s3cret", kNow);
  auto v = verify_identity(h, "GET", "/api/mall/v1/orders", "s3cret", kNow + 1000);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->service, "mall");
  EXPECT_EQ(v->caller.kind, CallerKind::kCustomer);
  EXPECT_EQ(v->caller.subject, "c-1001");
  EXPECT_EQ(v->caller.roles, std::vector<std::string>{"trade"});
  ASSERT_TRUE(v->deadline.has_value());
  EXPECT_EQ(v->deadline->count(), 1500);

  EXPECT_FALSE(verify_identity(h, "POST", "/api/mall/v1/orders", "s3cret", kNow)) << "another method";
  EXPECT_FALSE(verify_identity(h, "GET", "/api/mall/v1/holdings", "s3cret", kNow)) << "another path";
  EXPECT_FALSE(verify_identity(h, "GET", "/api/mall/v1/orders", "other", kNow)) << "another key";
  EXPECT_FALSE(verify_identity(h, "GET", "/api/mall/v1/orders", "", kNow)) << "no key: nothing is trusted";
  EXPECT_FALSE(verify_identity(h, "GET", "/api/mall/v1/orders", "s3cret", kNow + 61'000)) << "expired";
}

TEST(Identity, TamperingAndGarbageAreRefused) {
  const auto h = sign_identity(customer(), "GET", "/p", "k", kNow);
  // Swap the payload for one naming staff, keep the MAC.
  ForwardedIdentity staff = customer();
  staff.caller = {CallerKind::kStaff, "admin", {"admin"}};
  const auto forged_payload = sign_identity(staff, "GET", "/p", "k", kNow);
  const auto mixed = forged_payload.substr(0, forged_payload.rfind('.')) + h.substr(h.rfind('.'));
  EXPECT_FALSE(verify_identity(mixed, "GET", "/p", "k", kNow));
  for (const std::string& bad : std::vector<std::string>{"", "v1.", "v1..", "v2.abc.def", "v1.!!!.00", "v1.e30=." + std::string(64, '0')})
    EXPECT_FALSE(verify_identity(bad, "GET", "/p", "k", kNow)) << bad;
}

TEST(Identity, StaffPermissionsAndSessionTravel) {
  ForwardedIdentity id;
  id.service = "gateway";
  id.caller = {CallerKind::kStaff, "S0001", {"operations"}, "ses-1", {"governance.read", "governance.write"}};
  auto v = verify_identity(sign_identity(id, "GET", "/", "k", kNow), "GET", "/", "k", kNow);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->caller.permissions, (std::vector<std::string>{"governance.read", "governance.write"}));
  EXPECT_TRUE(v->caller.has_permission("governance.write"));
  EXPECT_FALSE(v->caller.has_permission("staff.manage"));
  EXPECT_EQ(v->caller.session, "ses-1");
}

TEST(Identity, KindsRoundTrip) {
  for (auto k : {CallerKind::kAnonymous, CallerKind::kCustomer, CallerKind::kStaff, CallerKind::kService}) {
    ForwardedIdentity id;
    id.service = "a";
    id.caller.kind = k;
    auto v = verify_identity(sign_identity(id, "GET", "/", "k", kNow), "GET", "/", "k", kNow);
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->caller.kind, k);
    EXPECT_FALSE(v->deadline.has_value());
  }
}

}  // namespace
}  // namespace zt::core::http
