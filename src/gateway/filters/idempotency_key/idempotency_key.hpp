#pragma once
// Filter: a route marked money_moving needs an Idempotency-Key header (8 to 128 of
// [A-Za-z0-9_-]); the service behind it keeps the first result per key (DESIGN §3). Missing or
// malformed -> 400 GATEWAY_IDEMPOTENCY_KEY_REQUIRED.
#include <optional>

#include "core/http/error.hpp"
#include "core/http/message.hpp"
#include "gateway/routing/routes.hpp"

namespace zt::gateway::filters {

std::optional<core::http::ApiError> check_idempotency_key(bool money_moving, const core::http::Request& req);

}  // namespace zt::gateway::filters
