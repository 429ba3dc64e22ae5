#include "core/http/middleware.hpp"

#include <fmt/format.h>

#include <array>
#include <atomic>
#include <map>
#include <mutex>

#include "core/http/error.hpp"
#include "core/http/identity.hpp"
#include "core/net/work_executor.hpp"
#include "core/observe/log.hpp"
#include "core/observe/metrics.hpp"
#include "core/observe/tracer.hpp"

namespace zt::core::http {

namespace {

using Clock = std::chrono::steady_clock;

const char* status_class(int status) {
  static constexpr const char* kClasses[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  int i = status / 100 - 1;
  return i >= 0 && i < 5 ? kClasses[i] : "5xx";
}

class MetricsMiddleware final : public Middleware {
 public:
  MetricsMiddleware(observe::Registry& r, std::string server)
      : registry_(r), server_(std::move(server)), id_(next_id_.fetch_add(1)) {}

  boost::asio::awaitable<Response> handle(Request& req, RequestContext& ctx, const Handler& next) override {
    Response res = co_await next(req, ctx);
    auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - ctx.received_at);
    Series& s = series(ctx.route.empty() ? std::string_view("unmatched") : ctx.route,
                       ctx.route.empty() ? Method::kOther : req.method, res.status);
    s.count->inc();
    s.duration->observe_micros(static_cast<std::uint64_t>(elapsed.count()));
    co_return res;
  }

 private:
  struct Series {
    observe::Counter* count;
    observe::Histogram* duration;
  };
  Series& series(std::string_view route, Method method, int status) {
    // A thread-local cache keeps the hot path lock-free. It owns its route names (a gateway's
    // route table is swapped and freed while the cache lives on), is found by a view, and is
    // keyed by an instance id, never by address: a later middleware at a reused address must not
    // find the series of a registry that is gone.
    using Owned = std::tuple<std::uint64_t, std::string, Method, int>;
    thread_local std::map<Owned, Series, std::less<>> cache;
    int cls = status / 100;
    if (auto it = cache.find(std::tuple<std::uint64_t, std::string_view, Method, int>{id_, route, method, cls}); it != cache.end())
      return it->second;
    observe::Labels labels{{"server", server_},
                           {"route", std::string(route)},
                           {"method", std::string(method == Method::kOther ? "OTHER" : method_name(method))},
                           {"status_class", status_class(status)}};
    Series s{&registry_.counter("zt_http_requests_total", "HTTP requests handled", labels),
             &registry_.histogram("zt_http_request_duration_seconds", "HTTP request latency", labels)};
    return cache.emplace(Owned{id_, std::string(route), method, cls}, s).first->second;
  }

  observe::Registry& registry_;
  std::string server_;
  std::uint64_t id_;
  static inline std::atomic<std::uint64_t> next_id_{1};
};

class AccessLogMiddleware final : public Middleware {
 public:
  AccessLogMiddleware(std::shared_ptr<log::LineWriter> w, std::string server)
      : writer_(std::move(w)), server_(std::move(server)) {}

  boost::asio::awaitable<Response> handle(Request& req, RequestContext& ctx, const Handler& next) override {
    // What the client sent, read before the handler runs: a gateway rewrites the path and hands
    // the request itself on to the service client (moved out, empty afterwards).
    const std::string path(req.path().substr(0, 512));
    const std::size_t bytes_in = req.body.size();
    const std::string method(req.method == Method::kOther ? std::string_view(req.method_text) : method_name(req.method));
    Response res = co_await next(req, ctx);
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - ctx.received_at).count();
    std::string line;
    line.reserve(256);
    line += "{\"time\":";
    line += std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count());
    line += ",\"server\":\"";
    line += server_;
    line += "\",\"method\":\"";
    log::append_json_escaped(line, method);
    line += "\",\"path\":\"";
    log::append_json_escaped(line, path);
    line += "\",\"route\":\"";
    log::append_json_escaped(line, ctx.route);
    if (!ctx.gateway_route.empty()) {
      line += "\",\"route_id\":\"";
      log::append_json_escaped(line, ctx.gateway_route);
      line += "\",\"upstream\":\"";
      log::append_json_escaped(line, ctx.upstream);
    }
    line += "\",\"status\":";
    line += std::to_string(res.status);
    line += ",\"bytes_in\":";
    line += std::to_string(bytes_in);
    line += ",\"bytes_out\":";
    line += std::to_string(res.body.size());
    line += ",\"duration_us\":";
    line += std::to_string(micros);
    if (ctx.upstream_us >= 0) {
      line += ",\"upstream_us\":";
      line += std::to_string(ctx.upstream_us);
    }
    line += ",\"remote\":\"";
    log::append_json_escaped(line, ctx.remote_address);
    line += "\",\"request_id\":\"";
    log::append_json_escaped(line, ctx.request_id);
    line += "\",\"trace_id\":\"";
    line += ctx.trace_id;
    line += "\",\"caller_kind\":\"";
    line += caller_kind_name(ctx.caller.kind);
    line += "\",\"caller\":\"";
    log::append_json_escaped(line, ctx.caller.subject);
    line += "\"}";
    writer_->write(std::move(line));
    co_return res;
  }

 private:
  std::shared_ptr<log::LineWriter> writer_;
  std::string server_;
};

// The service a server span belongs to: the gateway's for what reached this process from outside
// when the gateway runs here (whatever it answered: routed, refused or not found), else the one
// whose route answered ("/api/<service>/…"), else the process's.
std::string span_service(const RequestContext& ctx, const std::string& fallback) {
  if (!ctx.gateway_route.empty() || (fallback == "gateway" && !ctx.in_process)) return "gateway";
  if (const auto service = ctx.route_service(); !service.empty()) return std::string(service);
  return fallback;
}

class TracingMiddleware final : public Middleware {
 public:
  explicit TracingMiddleware(std::string fallback_service) : fallback_(std::move(fallback_service)) {}

  boost::asio::awaitable<Response> handle(Request& req, RequestContext& ctx, const Handler& next) override {
    if (!observe::tracer().recording()) co_return co_await next(req, ctx);
    const Method method = req.method;
    // This request is the parent of the spans of what its code calls (a transaction, a Redis
    // command) while it runs: they are its children, under the service it is routed to (routed
    // before the chain runs; the gateway puts the service it serves in-process in its own scope).
    net::WorkSlot* slot = co_await net::current_work_slot();
    const net::SpanParentScope scope(
        slot, slot ? observe::SpanOrigin{ctx.trace, span_service(ctx, fallback_)} : observe::SpanOrigin{});
    Response res = co_await next(req, ctx);
    // Built only when it is kept (sampled, failed or slow).
    if (observe::tracer().wanted(ctx.trace.flags, res.status >= 500, Clock::now() - ctx.received_at))
      record_server_span(span_service(ctx, fallback_), server_span(method, ctx, res, ctx.received_at));
    co_return res;
  }

 private:
  std::string fallback_;
};

}  // namespace

std::shared_ptr<Middleware> metrics_middleware(observe::Registry& registry, std::string server) {
  return std::make_shared<MetricsMiddleware>(registry, std::move(server));
}

std::shared_ptr<Middleware> access_log_middleware(std::shared_ptr<log::LineWriter> writer, std::string server) {
  return std::make_shared<AccessLogMiddleware>(std::move(writer), std::move(server));
}

namespace {

class CanonicalPathMiddleware final : public Middleware {
 public:
  boost::asio::awaitable<Response> handle(Request& req, RequestContext& ctx, const Handler& next) override {
    if (!canonical_path(req.path())) throw ApiError(400, "PATH_NOT_CANONICAL", "请求路径不规范");
    co_return co_await next(req, ctx);
  }
};

}  // namespace

std::uint64_t unix_nanos_now() { return observe::unix_nanos(); }

observe::Span server_span(Method method, const RequestContext& ctx, const Response& res,
                          std::chrono::steady_clock::time_point started) {
  const std::string verb(method == Method::kOther ? std::string_view("OTHER") : method_name(method));
  observe::Span span;
  span.trace_id = ctx.trace.trace_id;
  span.span_id = ctx.trace.span_id;
  span.parent_span_id = ctx.trace.parent_span_id;
  span.trace_flags = ctx.trace.flags;
  span.kind = observe::SpanKind::kServer;
  const std::string route(ctx.route.empty() ? std::string_view("unmatched") : ctx.route);
  span.name = verb + " " + route;
  span.end_unix_nano = unix_nanos_now();
  const auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - started).count();
  span.start_unix_nano = span.end_unix_nano - static_cast<std::uint64_t>(std::max<std::int64_t>(elapsed, 0));
  span.attributes.reserve(8);
  span.attributes.push_back({"http.request.method", verb});
  span.attributes.push_back({"http.route", route});
  span.attributes.push_back({"http.response.status_code", static_cast<std::int64_t>(res.status)});
  // Who called, by kind and (for our services) by name: never who the customer is.
  span.attributes.push_back({"zt.caller_kind", std::string(caller_kind_name(ctx.caller.kind))});
  if (!ctx.calling_service.empty()) span.attributes.push_back({"zt.calling_service", ctx.calling_service});
  if (ctx.edge) span.attributes.push_back({"zt.edge", true});
  span.attributes.push_back({"zt.request_id", ctx.request_id});
  if (!ctx.client_traceparent.empty()) span.attributes.push_back({"zt.client_traceparent", ctx.client_traceparent});
  if (!ctx.gateway_route.empty()) {
    span.attributes.push_back({"zt.gateway.route_id", ctx.gateway_route});
    span.attributes.push_back({"zt.gateway.upstream", ctx.upstream});
  }
  if (res.status >= 500) {
    span.status = observe::SpanStatus::kError;
    span.status_message = "HTTP " + std::to_string(res.status);
  }
  return span;
}

void record_server_span(std::string service, observe::Span span) {
  auto& tracer = observe::tracer();
  if (tracer.request_logs()) {
    observe::RecordedLog line{service, {}};
    auto& r = line.record;
    r.time_unix_nano = span.end_unix_nano;
    r.observed_time_unix_nano = span.end_unix_nano;
    const bool failed = span.status == observe::SpanStatus::kError;
    r.severity_number = static_cast<int>(failed ? observe::Severity::kError : observe::Severity::kInfo);
    r.severity_text = failed ? "error" : "info";
    std::int64_t status = 0;
    for (const auto& a : span.attributes) {
      if (a.key == "http.response.status_code") status = std::get<std::int64_t>(a.value);
      if (a.key == "http.route" || a.key == "http.response.status_code" || a.key == "zt.request_id" ||
          a.key == "zt.caller_kind" || a.key == "zt.calling_service")
        r.attributes.push_back(a);
    }
    const double ms = static_cast<double>(span.end_unix_nano - span.start_unix_nano) / 1e6;
    r.attributes.push_back({"zt.duration_ms", ms});
    r.attributes.push_back({"zt.log_kind", std::string("request")});
    r.body = fmt::format("{} {} {:.1f} ms", span.name, status, ms);
    r.trace_id = span.trace_id;
    r.span_id = span.span_id;
    tracer.record_log(std::move(line));
  }
  tracer.record(std::move(service), std::move(span));
}

observe::Span client_span(std::string_view peer, Method method, const observe::TraceContext& trace,
                          std::uint64_t start_unix_nano, const Response* answer, const ApiError* failure,
                          std::string_view address, int attempt) {
  observe::Span span;
  span.trace_id = trace.trace_id;
  span.span_id = trace.span_id;
  span.parent_span_id = trace.parent_span_id;
  span.trace_flags = trace.flags;
  span.kind = observe::SpanKind::kClient;
  const std::string verb(method == Method::kOther ? std::string_view("OTHER") : method_name(method));
  span.name = verb + " " + std::string(peer);
  span.start_unix_nano = start_unix_nano;
  span.end_unix_nano = std::max(start_unix_nano, unix_nanos_now());
  span.attributes.push_back({"peer.service", std::string(peer)});
  span.attributes.push_back({"http.request.method", verb});
  if (!address.empty()) span.attributes.push_back({"server.address", std::string(address)});
  if (attempt > 1) span.attributes.push_back({"http.request.resend_count", static_cast<std::int64_t>(attempt - 1)});
  if (answer) {
    span.attributes.push_back({"http.response.status_code", static_cast<std::int64_t>(answer->status)});
    if (answer->status >= 500) {
      span.status = observe::SpanStatus::kError;
      span.status_message = "HTTP " + std::to_string(answer->status);
    }
  } else if (failure) {
    span.status = observe::SpanStatus::kError;
    span.status_message = failure->code() + ": " + failure->what();
    span.attributes.push_back({"error.type", failure->code()});
  }
  return span;
}

std::shared_ptr<Middleware> tracing_middleware(std::string fallback_service) {
  return std::make_shared<TracingMiddleware>(std::move(fallback_service));
}

std::shared_ptr<Middleware> canonical_path_middleware() { return std::make_shared<CanonicalPathMiddleware>(); }

}  // namespace zt::core::http
