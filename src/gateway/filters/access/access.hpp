#pragma once
// Filter: authorisation. A route is for anyone, for signed-in customers, or for staff, and may
// ask for one of some roles (staff roles or token scopes).
//   anonymous caller on a customer/staff route   -> 401 GATEWAY_UNAUTHENTICATED
//   customer on a staff route, or a missing role  -> 403 GATEWAY_FORBIDDEN
#include <optional>

#include "core/http/context.hpp"
#include "core/http/declarations.hpp"
#include "core/http/error.hpp"
#include "gateway/routing/routes.hpp"

namespace zt::gateway::filters {

std::optional<core::http::ApiError> check_access(const Route& route, const core::http::Caller& caller);

// The access a service declares for the operation (core/http/declarations.hpp):
//   service-only operation                          -> 403 <PREFIX>_SERVICE_ONLY
//   anonymous caller on a customer/staff operation  -> 401 GATEWAY_UNAUTHENTICATED
//   not staff, or without the declared permission   -> 403 GATEWAY_FORBIDDEN
std::optional<core::http::ApiError> check_declared_access(const core::http::OperationDeclaration& op,
                                                          std::string_view code_prefix, const core::http::Caller& caller);

}  // namespace zt::gateway::filters
