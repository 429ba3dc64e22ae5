// The shared request guards (guards.hpp): who may call is read from the verified identity only,
// and each refusal is in the service's own codes.
#include "core/http/guards.hpp"

#include <gtest/gtest.h>

#include "core/http/error.hpp"

namespace zt::core::http {
namespace {

RequestContext as(CallerKind kind, const std::string& subject, std::vector<std::string> permissions = {},
                  const std::string& service = "") {
  RequestContext ctx;
  ctx.caller.kind = kind;
  ctx.caller.subject = subject;
  ctx.caller.permissions = std::move(permissions);
  ctx.calling_service = service;
  return ctx;
}

// "<status> <code> <message>" of what `call` throws ("" when it lets the request through).
template <class F>
std::string refusal(F call) {
  try {
    call();
    return "";
  } catch (const ApiError& e) {
    return std::to_string(e.status()) + " " + e.code() + " " + e.message();
  }
}

TEST(Guards, EachRefusesInTheServicesOwnCodes) {
  const Guards mall{"SHOP"};
  const auto customer = as(CallerKind::kCustomer, "C1001");
  const auto staff = as(CallerKind::kStaff, "S1", {"orders.read"});
  const auto service = as(CallerKind::kService, "mall", {}, "mall");
  const auto nobody = as(CallerKind::kAnonymous, "");

  EXPECT_EQ(mall.customer(customer), "C1001");
  EXPECT_EQ(refusal([&] { mall.customer(staff); }), "401 SHOP_LOGIN_REQUIRED 请先登录") << "a staff member is no customer";
  EXPECT_EQ(refusal([&] { mall.customer(nobody); }), "401 SHOP_LOGIN_REQUIRED 请先登录");
  EXPECT_EQ(refusal([&] { mall.customer(as(CallerKind::kCustomer, "")); }), "401 SHOP_LOGIN_REQUIRED 请先登录");

  EXPECT_EQ(refusal([&] { mall.service(service); }), "");
  EXPECT_EQ(refusal([&] { mall.service(staff); }), "403 SHOP_SERVICE_ONLY 仅限内部服务调用");
  EXPECT_EQ(refusal([&] { mall.service(customer); }), "403 SHOP_SERVICE_ONLY 仅限内部服务调用");

  EXPECT_EQ(refusal([&] { mall.staff(staff, "orders.read", "查询订单"); }), "");
  EXPECT_EQ(refusal([&] { mall.staff(staff, "products.manage", "管理产品"); }),
            "403 SHOP_FORBIDDEN 需要管理产品权限（products.manage）");
  EXPECT_EQ(refusal([&] { mall.staff(customer, "orders.read", "查询订单"); }), "403 SHOP_FORBIDDEN 需要查询订单权限（orders.read）");
  EXPECT_EQ(refusal([&] { mall.staff(service, "orders.read", "查询订单"); }), "403 SHOP_FORBIDDEN 需要查询订单权限（orders.read）")
      << "staff only: a service is not let through";
  EXPECT_EQ(refusal([&] { mall.staff_or_service(service, "orders.read", "查询订单"); }), "");
  EXPECT_EQ(refusal([&] { mall.staff_or_service(customer, "orders.read", "查询订单"); }),
            "403 SHOP_FORBIDDEN 需要查询订单权限（orders.read）");

  const Guards auth{"IDP", "IDP_SIGN_IN_REQUIRED"};
  EXPECT_EQ(refusal([&] { auth.customer(nobody); }), "401 IDP_SIGN_IN_REQUIRED 请先登录") << "a code published before stays";
}

}  // namespace
}  // namespace zt::core::http
