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

}  // namespace
}  // namespace zt::services::auth
