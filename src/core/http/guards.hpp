#pragma once
// The request guards every service's handlers share, each refusing in the service's own codes:
//
//   const Guards kGuard{"<PREFIX>"};
//   const std::string customer = kGuard.customer(ctx);  // 401 <PREFIX>_LOGIN_REQUIRED 请先登录
//   kGuard.service(ctx);                                 // 403 <PREFIX>_SERVICE_ONLY 仅限内部服务调用
//   kGuard.staff(ctx, "products.manage", "管理产品与净值"); // 403 <PREFIX>_FORBIDDEN 需要管理产品与净值权限（products.manage）
//
// (scripts/unasserted-codes reads each `Guards kGuard{…}` and the calls beside it as the codes
// they define.)
//
// Who is asking always comes from the verified identity (the gateway's signed headers, a service's
// signature, or this process), never from the request body. The gateway refuses most of these at
// the edge already (x-zt-access in openapi.yaml); the guards keep the handler safe on its own.
#include <string>
#include <string_view>

#include "core/http/context.hpp"

namespace zt::core::http {

class Guards {
 public:
  // prefix: the service's code prefix; login_code: the code of a missing sign-in, when the
  // service published another one before (auth: AUTH_SIGN_IN_REQUIRED).
  explicit Guards(std::string prefix, std::string login_code = "");

  // The signed-in customer's id.
  std::string customer(const RequestContext& ctx) const;
  // A call from one of the platform's services (signed, or in this process).
  void service(const RequestContext& ctx) const;
  // A staff member holding `permission` (`what` names it for the message).
  void staff(const RequestContext& ctx, std::string_view permission, std::string_view what) const;
  // The same, or one of the platform's services.
  void staff_or_service(const RequestContext& ctx, std::string_view permission, std::string_view what) const;

 private:
  std::string prefix_, login_code_;
};

}  // namespace zt::core::http
