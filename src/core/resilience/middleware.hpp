#pragma once
// Inbound resilience for an HTTP listener: the resource of a request is "<METHOD> <route
// template>"; a refusal answers 429 (flow) or 503 (bulkhead) with Retry-After and the error
// shape; a queueing rule's wait happens on a timer inside the coroutine.
#include <memory>

#include "core/http/handler.hpp"
#include "core/resilience/engine.hpp"

namespace zt::core::resilience {

std::shared_ptr<http::Middleware> inbound_middleware(Engine& engine);

}  // namespace zt::core::resilience
