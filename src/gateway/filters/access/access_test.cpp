#include "gateway/filters/access/access.hpp"

#include <gtest/gtest.h>

#include "gateway/filters/idempotency_key/idempotency_key.hpp"
#include "gateway/filters/internal_headers/internal_headers.hpp"

namespace zt::gateway::filters {
namespace {

using core::http::Caller;
using core::http::CallerKind;

Route route(Access a, std::vector<std::string> roles = {}) {
  Route r;
  r.id = "r";
  r.access = a;
  r.roles = std::move(roles);
  return r;
}

TEST(AccessFilter, EachAccessLevelAdmitsOnlyItsCallers) {
  const Caller anon{}, customer{CallerKind::kCustomer, "c1", {"trade"}}, staff{CallerKind::kStaff, "s1", {"reviewer"}};
  EXPECT_FALSE(check_access(route(Access::kAnonymous), anon));
  auto e = check_access(route(Access::kCustomer), anon);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status(), 401);
  EXPECT_EQ(e->code(), "GATEWAY_UNAUTHENTICATED");
  EXPECT_FALSE(check_access(route(Access::kCustomer), customer));
  auto c_on_staff = check_access(route(Access::kStaff), customer);
  ASSERT_TRUE(c_on_staff);
  EXPECT_EQ(c_on_staff->status(), 403);
  EXPECT_FALSE(check_access(route(Access::kStaff), staff));
  EXPECT_FALSE(check_access(route(Access::kCustomer, {"trade"}), customer));
  auto missing = check_access(route(Access::kStaff, {"admin"}), staff);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->code(), "GATEWAY_FORBIDDEN");
  const Caller service{CallerKind::kService, "mall", {}};
  EXPECT_TRUE(check_access(route(Access::kCustomer), service)) << "a service is not a customer";
}

TEST(AccessFilter, StaffRoutesNeedTheirPermission) {
  Route r = route(Access::kStaff);
  r.permission = "staff.manage";
  const Caller admin{CallerKind::kStaff, "S1", {"admin"}, "ses-1", {"staff.manage", "audit.read"}};
  const Caller reviewer{CallerKind::kStaff, "S2", {"reviewer"}, "ses-2", {"reviews.approve"}};
  const Caller customer{CallerKind::kCustomer, "C1", {}, "ses-3", {}};
  EXPECT_FALSE(check_access(r, admin));
  auto no = check_access(r, reviewer);
  ASSERT_TRUE(no);
  EXPECT_EQ(no->status(), 403);
  EXPECT_EQ(no->code(), "GATEWAY_FORBIDDEN");
  EXPECT_EQ(no->message(), "无权访问：缺少所需权限");
  auto c = check_access(r, customer);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->message(), "无权访问：仅限工作人员");
}

TEST(IdempotencyKeyFilter, MoneyMovingWritesNeedAWellFormedKey) {
  Route r = route(Access::kCustomer);
  r.money_moving = true;
  core::http::Request req;
  req.method = core::http::Method::kPost;
  EXPECT_TRUE(check_idempotency_key(r.money_moving, req));
  req.headers.set("Idempotency-Key", "short");
  EXPECT_TRUE(check_idempotency_key(r.money_moving, req));
  req.headers.set("Idempotency-Key", "order-2026-11-25-0001");
  EXPECT_FALSE(check_idempotency_key(r.money_moving, req));
  req.headers.set("Idempotency-Key", "bad key with spaces");
  EXPECT_TRUE(check_idempotency_key(r.money_moving, req));
  req.method = core::http::Method::kGet;
  EXPECT_FALSE(check_idempotency_key(r.money_moving, req)) << "reads need none";
  r.money_moving = false;
  req.method = core::http::Method::kPost;
  EXPECT_FALSE(check_idempotency_key(r.money_moving, req));
}

TEST(InternalHeadersFilter, ClientsCannotSendInternalHeaders) {
  core::http::Request req;
  req.headers.set("X-ZT-Identity", "v1.forged.00");
  req.headers.set("x-zt-deadline-ms", "999999");
  req.headers.set("x-ztx", "kept");
  req.headers.set("authorization", "Bearer t");
  EXPECT_EQ(strip_internal_headers(req), 2u);
  EXPECT_FALSE(req.headers.has("x-zt-identity"));
  EXPECT_FALSE(req.headers.has("x-zt-deadline-ms"));
  EXPECT_TRUE(req.headers.has("x-ztx"));
  EXPECT_TRUE(req.headers.has("authorization"));
}

}  // namespace
}  // namespace zt::gateway::filters
