#include "core/resilience/middleware.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/http/error.hpp"

namespace zt::core::resilience {

namespace {

class RequestKeys final : public KeySource {
 public:
  RequestKeys(const http::Request& req, const http::RequestContext& ctx) : req_(req), ctx_(ctx) {}
  std::optional<std::string> value(std::string_view spec) const override {
    if (spec == "customer") {
      if (ctx_.caller.kind != http::CallerKind::kCustomer || ctx_.caller.subject.empty()) return std::nullopt;
      return ctx_.caller.subject;
    }
    if (spec == "ip") return ctx_.remote_address.empty() ? std::nullopt : std::optional<std::string>(ctx_.remote_address);
    if (spec.rfind("header:", 0) == 0) {
      auto v = req_.headers.get(spec.substr(7));
      return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
    }
    if (spec.rfind("query:", 0) == 0) return req_.query_param(spec.substr(6));
    if (spec.rfind("path:", 0) == 0) {
      auto v = ctx_.param(spec.substr(5));
      return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
    }
    return std::nullopt;
  }

 private:
  const http::Request& req_;
  const http::RequestContext& ctx_;
};

http::Response refusal(const Decision& d, const http::RequestContext& ctx) {
  http::Response r = http::Response::json(refusal_http_status(d.refusal),
                                          http::error_body(refusal_code(d.refusal), refusal_message(d.refusal), ctx.trace_id));
  const Nanos retry = std::max<Nanos>(d.retry_after, kSecond);
  r.headers.set("retry-after", std::to_string((retry + kSecond - 1) / kSecond));
  return r;
}

class InboundMiddleware final : public http::Middleware {
 public:
  explicit InboundMiddleware(Engine& e) : engine_(e) {}

  boost::asio::awaitable<http::Response> handle(http::Request& req, http::RequestContext& ctx,
                                                const http::Handler& next) override {
    std::string resource;
    resource.reserve(8 + ctx.route.size());
    resource += http::method_name(req.method);
    resource += ' ';
    resource += ctx.route.empty() ? std::string_view("unmatched") : ctx.route;
    RequestKeys keys(req, ctx);
    Engine::Ticket ticket;
    Decision d = engine_.enter(resource, keys, ticket);
    if (!d.pass) co_return refusal(d, ctx);
    if (engine_.has_cluster_rules(resource)) {
      Decision c = co_await engine_.enter_cluster(resource, keys, ticket);
      if (!c.pass) {
        engine_.cancel(ticket);
        co_return refusal(c, ctx);
      }
    }
    if (d.wait > 0) {
      if (std::chrono::nanoseconds(d.wait) >= ctx.remaining()) {
        engine_.cancel(ticket);
        co_return refusal(Decision::refuse(Refusal::kFlow, d.rule, d.wait), ctx);
      }
      boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, std::chrono::nanoseconds(d.wait));
      boost::system::error_code ec;
      co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    }
    http::Response res = co_await next(req, ctx);
    engine_.exit(ticket, res.status >= 500);
    co_return res;
  }

 private:
  Engine& engine_;
};

}  // namespace

std::shared_ptr<http::Middleware> inbound_middleware(Engine& engine) { return std::make_shared<InboundMiddleware>(engine); }

}  // namespace zt::core::resilience
