#include "core/http/pipeline.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "core/http/declarations.hpp"
#include "core/http/error.hpp"
#include "core/http/identity.hpp"
#include "core/observe/tracer.hpp"

namespace zt::core::http {

namespace {

bool acceptable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
          c == '.'))
      return false;
  return true;
}

}  // namespace

void check_caller(const OperationDeclaration& op, std::string_view code_prefix, RequestContext& ctx) {
  if (!ctx.calling_service.empty()) {
    // Another of our services: one the operation names, acting for whom it says.
    if (op.service_may_call(ctx.calling_service)) return;
    // Anyone may read what is anonymous — but a service the operation does not name acts for
    // nobody: it cannot pass itself off as a customer or a staff member.
    if (op.access == EdgeAccess::kAnonymous) {
      ctx.caller = {CallerKind::kService, ctx.calling_service, {}};
      return;
    }
    throw ApiError(403, "CALLER_NOT_ALLOWED", fmt::format("服务 {} 无权调用该接口", ctx.calling_service));
  }
  // The edge, or outside traffic: the declared access, here as at the gateway (both modes alike,
  // and whatever the gateway's filters were told).
  if (auto refused = declared_access_refusal(op, code_prefix, ctx.caller)) throw *refused;
}

bool restart_outside_trace(RequestContext& ctx) {
  const bool continued = std::any_of(ctx.trace.parent_span_id.begin(), ctx.trace.parent_span_id.end(),
                                     [](std::uint8_t b) { return b != 0; });
  if (!continued) return false;
  ctx.client_traceparent = "00-" + ctx.trace_id + "-" + ctx.trace.parent_span_id_hex() + "-";
  ctx.client_traceparent += ctx.trace.flags & 0x01 ? "01" : "00";
  ctx.trace = observe::new_root_trace();
  ctx.trace_id = ctx.trace.trace_id_hex();
  ctx.span_id = ctx.trace.span_id_hex();
  return true;
}

void prepare_context(const Request& req, RequestContext& ctx, const PipelineOptions& options) {
  const auto now = std::chrono::steady_clock::now();
  if (ctx.received_at == std::chrono::steady_clock::time_point{}) ctx.received_at = now;
  auto rid = req.headers.get("x-request-id");
  ctx.request_id = rid && acceptable_request_id(*rid) ? std::string(*rid) : observe::random_hex_id(8);
  std::optional<observe::TraceContext> parent;
  if (auto tp = req.headers.get("traceparent")) parent = observe::TraceContext::parse(*tp);
  ctx.trace = parent ? *parent : observe::new_root_trace();
  ctx.trace_id = ctx.trace.trace_id_hex();
  ctx.span_id = ctx.trace.span_id_hex();
  // Without even a claim of a service's identity it is outside traffic, whatever refuses it first
  // (a path not in its one spelling, the admin listener): a trace of ours from the start. A claim
  // that does not verify is restarted by the identity middleware.
  if (parent && !ctx.in_process && !req.headers.get(kIdentityHeader)) restart_outside_trace(ctx);
  // A deadline set before the pipeline runs (an in-process call carrying its caller's budget) is
  // kept when it is the tighter one.
  const auto preset = ctx.deadline;
  ctx.deadline = ctx.received_at + options.default_deadline;
  if (preset != std::chrono::steady_clock::time_point{}) ctx.deadline = std::min(ctx.deadline, preset);
  if (options.trust_deadline_header) {
    if (auto d = req.headers.get(kDeadlineHeader)) {
      long long ms = 0;
      auto [p, ec] = std::from_chars(d->data(), d->data() + d->size(), ms);
      if (ec == std::errc() && p == d->data() + d->size() && ms >= 0)
        ctx.deadline = std::min(ctx.deadline, now + std::chrono::milliseconds(ms));
    }
  }
}

Pipeline::Pipeline(std::shared_ptr<const Router> router, std::vector<std::shared_ptr<Middleware>> chain,
                   PipelineOptions options)
    : router_(std::move(router)), options_(options) {
  chain_ = compose(chain, [](Request& req, RequestContext& ctx) -> boost::asio::awaitable<Response> {
    if (ctx.matched_route) {
      if (const auto& d = ctx.matched_route->declared) check_caller(*d, ctx.matched_route->code_prefix, ctx);
      co_return co_await ctx.matched_route->handler(req, ctx);
    }
    if (!ctx.allow.empty()) {
      Response r = Response::json(405, error_body(codes::kMethodNotAllowed, "不支持该请求方法", ctx.trace_id));
      r.headers.set("allow", ctx.allow);
      co_return r;
    }
    throw ApiError(404, codes::kNotFound, "请求的资源不存在");
  });
}

boost::asio::awaitable<Response> Pipeline::handle(Request& req, RequestContext& ctx) const {
  prepare_context(req, ctx, options_);
  RouteMatch m = router_->match(req.method, req.path());
  if (m.kind == RouteMatch::Kind::kFound) {
    ctx.matched_route = m.route;
    ctx.route = m.route->pattern;
    ctx.path_params = std::move(m.params);
  } else if (m.kind == RouteMatch::Kind::kMethodNotAllowed) {
    ctx.allow = std::move(m.allow);
  }
  Response res = co_await chain_(req, ctx);
  res.headers.set("x-request-id", ctx.request_id);
  // W3C Trace Context level 2: the trace this request became (the id to look up).
  res.headers.set("traceresponse", "00-" + ctx.trace_id + "-" + ctx.span_id + (ctx.trace.flags & 0x01 ? "-01" : "-00"));
  co_return res;
}

Handler Pipeline::handler() const {
  return [this](Request& req, RequestContext& ctx) { return handle(req, ctx); };
}

}  // namespace zt::core::http
