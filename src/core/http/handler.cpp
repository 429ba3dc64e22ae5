#include "core/http/handler.hpp"

#include "core/http/error.hpp"

namespace zt::core::http {

namespace {

// Every layer sees a Response, never an exception: a refusal thrown deep inside still passes
// through the metrics and access-log layers with its final status.
boost::asio::awaitable<Response> guarded(const Handler& h, Request& req, RequestContext& ctx) {
  try {
    co_return co_await h(req, ctx);
  } catch (const ApiError& e) {
    auto answer = Response::json(e.status(), error_body(e.code(), e.message(), ctx.trace_id));
    if (e.from_upstream()) answer.headers.set(kFailureOriginHeader, "upstream");
    co_return answer;
  } catch (const std::exception& e) {
    ctx.log().error("unhandled exception in {} {}: {}", method_name(req.method), ctx.route, e.what());
    co_return Response::json(500, error_body(codes::kInternal, "系统内部错误，请稍后再试", ctx.trace_id));
  }
}

}  // namespace

Handler compose(const std::vector<std::shared_ptr<Middleware>>& chain, Handler final_handler) {
  Handler next = [h = std::move(final_handler)](Request& req, RequestContext& ctx) { return guarded(h, req, ctx); };
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    Handler layer = [mw = *it, inner = std::move(next)](Request& req, RequestContext& ctx) {
      return mw->handle(req, ctx, inner);
    };
    next = [layer = std::move(layer)](Request& req, RequestContext& ctx) { return guarded(layer, req, ctx); };
  }
  return next;
}

}  // namespace zt::core::http
