#include "core/http/guards.hpp"

#include <fmt/format.h>

#include "core/http/error.hpp"

namespace zt::core::http {

Guards::Guards(std::string prefix, std::string login_code)
    : prefix_(std::move(prefix)), login_code_(login_code.empty() ? prefix_ + "_LOGIN_REQUIRED" : std::move(login_code)) {}

std::string Guards::customer(const RequestContext& ctx) const {
  if (ctx.caller.kind != CallerKind::kCustomer || ctx.caller.subject.empty()) throw ApiError(401, login_code_, "请先登录");
  return ctx.caller.subject;
}

void Guards::service(const RequestContext& ctx) const {
  if (ctx.calling_service.empty()) throw ApiError(403, prefix_ + "_SERVICE_ONLY", "仅限内部服务调用");
}

void Guards::staff(const RequestContext& ctx, std::string_view permission, std::string_view what) const {
  if (ctx.caller.kind == CallerKind::kStaff && ctx.caller.has_permission(permission)) return;
  throw ApiError(403, prefix_ + "_FORBIDDEN", fmt::format("需要{}权限（{}）", what, permission));
}

void Guards::staff_or_service(const RequestContext& ctx, std::string_view permission, std::string_view what) const {
  if (!ctx.calling_service.empty()) return;
  staff(ctx, permission, what);
}

}  // namespace zt::core::http
