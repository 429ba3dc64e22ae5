#pragma once
// Middleware every listener uses: request metrics and the access log.
#include <memory>
#include <string>

#include "core/http/handler.hpp"

namespace zt::core::observe {
class Registry;
}
namespace zt::core::log {
class LineWriter;
}

namespace zt::core::http {

// zt_http_requests_total and zt_http_request_duration_seconds by server, route template, method
// and status class. Unmatched paths share the route label "unmatched" so labels stay bounded.
std::shared_ptr<Middleware> metrics_middleware(observe::Registry& registry, std::string server);

// One JSON line per request, written off the request path. The query string is not logged: it
// may carry personal data.
std::shared_ptr<Middleware> access_log_middleware(std::shared_ptr<log::LineWriter> writer, std::string server);

// 400 PATH_NOT_CANONICAL for a path that is not in its one spelling (canonical_path), before any
// router, gateway or handler reads it.
std::shared_ptr<Middleware> canonical_path_middleware();

}  // namespace zt::core::http
