#pragma once
// Middleware every listener uses: request metrics, server spans and the access log.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/http/error.hpp"
#include "core/http/handler.hpp"
#include "core/observe/otlp.hpp"

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

// A server span for each request (core/observe/tracer.hpp), while the process's tracer records:
// named by method and route template, with the status, the caller's kind and calling service,
// the request id (and what an outside caller sent as traceparent); an error at 500 or above. Its
// service is the gateway's for outside traffic where the gateway runs (`fallback_service` is
// "gateway" there), else the route's ("/api/<service>/…"), else `fallback_service`.
std::shared_ptr<Middleware> tracing_middleware(std::string fallback_service);

// The spans the tracing middleware, the service client and the gateway's in-process dispatch
// record. A server span: the request's context (ids, route template, caller) and its answer,
// timed from `started`. A client span: a call to `peer` under `trace` (its own span), with the
// answer or the failure that came instead, the instance's address when it went over the network.
observe::Span server_span(Method method, const RequestContext& ctx, const Response& res,
                          std::chrono::steady_clock::time_point started);
observe::Span client_span(std::string_view peer, Method method, const observe::TraceContext& trace,
                          std::uint64_t start_unix_nano, const Response* answer, const ApiError* failure,
                          std::string_view address, int attempt);
std::uint64_t unix_nanos_now();
// Records a server span of `service`'s and, when the tracer takes request logs, its log record
// ("POST /api/mall/v1/orders 201 12.3 ms", in the span's trace, an error at 500 or above): one
// search by trace id finds a line of every process the request went through.
void record_server_span(std::string service, observe::Span span);

// 400 PATH_NOT_CANONICAL for a path that is not in its one spelling (canonical_path), before any
// router, gateway or handler reads it.
std::shared_ptr<Middleware> canonical_path_middleware();

}  // namespace zt::core::http
