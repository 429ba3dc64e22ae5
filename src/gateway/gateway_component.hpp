#pragma once
// The gateway (DESIGN §5, the Spring Cloud Gateway role): every external request on the public
// listener passes it first. In order: internal headers dropped, route matched (404/405 in the
// project's error shape), access checked (401/403), Idempotency-Key on money-moving routes, then
// the request goes to its service — in this process straight to the service's handler (one pass,
// no socket), elsewhere through the service client (discovery, balancing, retries, breakers).
// Routes come from the dynamic setting `gateway.routes` (config center), checked before they
// apply and swapped whole; requests in flight keep the table they matched on.
#include "core/app/component.hpp"

namespace zt::gateway {

core::ComponentSpec spec();

// The routes `make run` starts with: every API that exists, anonymous until the auth service
// brings sign-in.
extern const char* const kDefaultRoutes;

}  // namespace zt::gateway
