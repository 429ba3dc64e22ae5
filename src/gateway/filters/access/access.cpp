#include "gateway/filters/access/access.hpp"

#include <algorithm>

namespace zt::gateway::filters {

using core::http::ApiError;
using core::http::CallerKind;

std::optional<ApiError> check_access(const Route& route, const core::http::Caller& caller) {
  if (route.access == Access::kAnonymous) return std::nullopt;
  if (caller.kind == CallerKind::kAnonymous) return ApiError(401, "GATEWAY_UNAUTHENTICATED", "请先登录");
  if (route.access == Access::kStaff && caller.kind != CallerKind::kStaff)
    return ApiError(403, "GATEWAY_FORBIDDEN", "无权访问：仅限工作人员");
  if (route.access == Access::kCustomer && caller.kind != CallerKind::kCustomer && caller.kind != CallerKind::kStaff)
    return ApiError(403, "GATEWAY_FORBIDDEN", "无权访问");
  if (!route.roles.empty() &&
      std::none_of(route.roles.begin(), route.roles.end(), [&](const std::string& r) {
        return std::find(caller.roles.begin(), caller.roles.end(), r) != caller.roles.end();
      }))
    return ApiError(403, "GATEWAY_FORBIDDEN", "无权访问：缺少所需权限");
  if (!route.permission.empty() && !caller.has_permission(route.permission))
    return ApiError(403, "GATEWAY_FORBIDDEN", "无权访问：缺少所需权限");
  return std::nullopt;
}

std::optional<ApiError> check_declared_access(const core::http::OperationDeclaration& op, std::string_view code_prefix,
                                              const core::http::Caller& caller) {
  return core::http::declared_access_refusal(op, code_prefix, caller);
}

}  // namespace zt::gateway::filters
