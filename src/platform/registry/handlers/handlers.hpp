#pragma once
// The registry's HTTP API (openapi.yaml beside the component), one file per side.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/http/context.hpp"
#include "core/http/message.hpp"
#include "platform/registry/config_center.hpp"
#include "platform/registry/naming_service.hpp"

namespace zt::core::http {
class Router;
}

namespace zt::platform::registry {

void add_naming_routes(core::http::Router& r, NamingService& naming);
void add_config_routes(core::http::Router& r, ConfigCenter& config);

// An integer query parameter within [min, max]; 400 REGISTRY_BAD_PARAM naming it otherwise.
std::int64_t int_param(const core::http::Request& req, std::string_view name, std::int64_t fallback, std::int64_t min,
                       std::int64_t max);
bool bool_param(const core::http::Request& req, std::string_view name, bool fallback);
// Who acts: the signed-in caller, else the named operator (required: every change is audited).
Actor actor_of(const core::http::RequestContext& ctx, const std::string& named);
// How long a long-poll may hold: what was asked, at most 30 s, and inside the request deadline.
std::chrono::milliseconds hold_time(const core::http::RequestContext& ctx, std::int64_t asked_ms);

}  // namespace zt::platform::registry
