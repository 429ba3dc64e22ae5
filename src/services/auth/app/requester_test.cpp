// What the auth service records of who asked: the audit's actor and a session's device name.
#include "services/auth/app/requester.hpp"

#include <gtest/gtest.h>

namespace zt::services::auth {
namespace {

TEST(Requester, ADeviceNameIsCutBeforeACharacterNeverThroughIt) {
  EXPECT_EQ(device_name(std::nullopt), "未知设备");
  EXPECT_EQ(device_name(std::string()), "未知设备");
  EXPECT_EQ(device_name(std::string("iPhone 15")), "iPhone 15");
  EXPECT_EQ(device_name(std::string(70, 'a')), std::string(64, 'a'));
  // 22 three-byte characters are 66 bytes: 21 fit (63 bytes), the 22nd is left out whole.
  std::string chinese;
  for (int i = 0; i < 22; ++i) chinese += "华";
  const auto cut = device_name(chinese);
  EXPECT_EQ(cut.size(), 63u);
  EXPECT_EQ(cut, chinese.substr(0, 63));
  // One ASCII byte first: 1 + 21 × 3 = 64 bytes exactly.
  EXPECT_EQ(device_name("a" + chinese).size(), 64u);
}

TEST(Requester, TheAuditActorIsTheVerifiedCallerOrAnonymous) {
  core::http::RequestContext anonymous;
  anonymous.remote_address = "10.0.0.9";
  anonymous.trace_id = "t-1";
  const auto a = audit_of(anonymous);
  EXPECT_EQ(a.actor, "anonymous");
  EXPECT_EQ(a.ip, "10.0.0.9");
  EXPECT_EQ(a.trace_id, "t-1");
  core::http::RequestContext customer;
  customer.caller.kind = core::http::CallerKind::kCustomer;
  customer.caller.subject = "C100";
  EXPECT_EQ(audit_of(customer).actor, "C100");
}

// The guards the handlers run before reading a body, and the use cases run again: only a caller of
// the right kind with a session passes.
TEST(Requester, OnlyASignedInCallerOfTheRightKindWithASessionPasses) {
  auto status_of = [](auto guard, const core::http::RequestContext& ctx) -> std::string {
    try {
      guard(ctx);
      return "ok";
    } catch (const core::http::ApiError& e) {
      return std::to_string(e.status()) + " " + e.code();
    }
  };
  auto customer_guard = [](const core::http::RequestContext& c) { require_signed_in_customer(c); };
  auto staff_guard = [](const core::http::RequestContext& c) { require_signed_in_staff(c); };
  core::http::RequestContext anonymous;
  core::http::RequestContext customer;
  customer.caller.kind = core::http::CallerKind::kCustomer;
  customer.caller.subject = "C100";
  customer.caller.session = "s-1";
  core::http::RequestContext staff;
  staff.caller.kind = core::http::CallerKind::kStaff;
  staff.caller.subject = "S1";
  staff.caller.session = "s-2";
  core::http::RequestContext staff_without_session = staff;
  staff_without_session.caller.session.clear();
  core::http::RequestContext service;
  service.caller.kind = core::http::CallerKind::kService;
  service.caller.subject = "mall";

  EXPECT_EQ(status_of(customer_guard, customer), "ok");
  EXPECT_EQ(status_of(customer_guard, anonymous), "401 AUTH_SIGN_IN_REQUIRED");
  EXPECT_EQ(status_of(customer_guard, staff), "401 AUTH_SIGN_IN_REQUIRED");
  EXPECT_EQ(status_of(customer_guard, service), "401 AUTH_SIGN_IN_REQUIRED");
  EXPECT_EQ(status_of(staff_guard, staff), "ok");
  EXPECT_EQ(status_of(staff_guard, staff_without_session), "401 AUTH_STAFF_SIGN_IN_REQUIRED");
  EXPECT_EQ(status_of(staff_guard, anonymous), "401 AUTH_STAFF_SIGN_IN_REQUIRED");
  EXPECT_EQ(status_of(staff_guard, customer), "401 AUTH_STAFF_SIGN_IN_REQUIRED");
  EXPECT_EQ(status_of(staff_guard, service), "401 AUTH_STAFF_SIGN_IN_REQUIRED");
}

}  // namespace
}  // namespace zt::services::auth
