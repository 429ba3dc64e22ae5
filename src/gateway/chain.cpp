#include "gateway/chain.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/asio/awaitable.hpp>
#include <random>

#include "core/discovery/discovery.hpp"
#include "core/discovery/service_client.hpp"
#include "core/http/error.hpp"
#include "core/http/middleware.hpp"
#include "core/http/router.hpp"
#include "core/net/work_executor.hpp"
#include "core/observe/log.hpp"
#include "core/observe/metrics.hpp"
#include "core/observe/tracer.hpp"
#include "core/util/time.hpp"
#include "gateway/filters/access/access.hpp"
#include "gateway/filters/authentication/authentication.hpp"
#include "gateway/filters/idempotency_key/idempotency_key.hpp"
#include "gateway/filters/internal_headers/internal_headers.hpp"
#include "gateway/filters/revocation/revocation.hpp"
#include "gateway/filters/static_files/static_files.hpp"
#include "gateway/filters/validation/openapi.hpp"

namespace zt::gateway {

using core::http::ApiError;
using core::http::Response;
using filters::Exchange;
using filters::Verdict;
using Awaitable = boost::asio::awaitable<Verdict>;

namespace {

std::uint64_t random_pick() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

// The reasons refusals are counted under (zt_gateway_refused_total{reason}).
const char* const kReasons[] = {"internal", "ip", "token", "no_route", "body_size", "access", "validation", "idempotency_key"};

// filters/internal_headers
class InternalHeaders final : public filters::Filter {
 public:
  std::string_view name() const override { return "internal_headers"; }
  bool shadowable() const override { return false; }
  Awaitable on_request(Exchange& ex) override {
    filters::strip_internal_headers(ex.req);
    // The client's hop-by-hop fields (and what its Connection names) end here, in both modes: a
    // handler in this process sees what one behind a socket would.
    core::http::strip_hop_by_hop(ex.req.headers);
    co_return Verdict::next();
  }
  void on_response(Exchange&, Response& res) override { filters::clean_response(res); }
};

// filters/ip_rules
class ClientAddress final : public filters::Filter {
 public:
  std::string_view name() const override { return "client_address"; }
  bool shadowable() const override { return true; }
  Awaitable on_request(Exchange& ex) override {
    const auto& ip = ex.settings->ip;
    if (!ip.trusted_proxies.empty())
      ex.ctx.remote_address = ip.client_address(ex.ctx.remote_address, ex.req.headers.combined("x-forwarded-for"));
    if (!ip.admits(ex.ctx.remote_address))
      co_return Verdict::refuse("ip", ApiError(403, "GATEWAY_IP_DENIED", "您的网络地址不允许访问"), ex.ctx.trace_id);
    co_return Verdict::next();
  }
};

// A Host header's or an origin's host, lower-case, without the port.
std::string host_only(std::string_view authority) {
  std::string host(authority);
  if (const auto colon = host.rfind(':'); colon != std::string::npos && host.find(']') == std::string::npos) host.resize(colon);
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return host;
}

// filters/cors
class Cors final : public filters::Filter {
 public:
  Cors(core::observe::Counter& preflights, std::string console_host) : preflights_(preflights), console_host_(std::move(console_host)) {}
  std::string_view name() const override { return "cors"; }
  bool shadowable() const override { return false; }
  Awaitable on_request(Exchange& ex) override {
    // Staff's refresh cookie is asked for only where the console lives (when it has a host of its
    // own) and only by the console's own origin: not from another site, and not from another
    // origin of the same site either (SameSite=Strict lets same-site requests carry the cookie),
    // so a script on the customers' origin cannot mint a staff token with it.
    if (ex.req.headers.get("x-refresh-cookie") == std::optional<std::string_view>("staff")) {
      const std::string host = host_only(ex.req.headers.get("host").value_or(""));
      const auto site = ex.req.headers.get("sec-fetch-site");
      const bool other_origin = site && *site != "same-origin";
      bool origin_differs = false;
      if (const auto origin = ex.req.headers.get("origin")) {
        const auto scheme = origin->find("://");
        origin_differs = scheme == std::string_view::npos || host_only(origin->substr(scheme + 3)) != host;
      }
      if (other_origin || origin_differs || (!console_host_.empty() && host != console_host_))
        co_return Verdict::refuse("access", ApiError(403, "GATEWAY_FORBIDDEN", "员工登录凭证只能在员工控制台使用"), ex.ctx.trace_id);
    }
    const auto kind = filters::CorsPolicy::classify(ex.req);
    if (kind == filters::CorsPolicy::Kind::kPreflight) {
      preflights_.inc();
      co_return Verdict::answer(ex.settings->cors.preflight(ex.req, ex.ctx.trace_id));
    }
    if (kind == filters::CorsPolicy::Kind::kCrossOrigin) ex.origin = std::string(*ex.req.headers.get("origin"));
    co_return Verdict::next();
  }
  // Grants on answers and refusals alike, so a cross-origin app can read the Chinese message.
  void on_response(Exchange& ex, Response& res) override {
    if (!ex.origin.empty()) ex.settings->cors.decorate(ex.origin, res);
  }

 private:
  core::observe::Counter& preflights_;
  std::string console_host_;
};

// filters/static_files
class StaticFilesFilter final : public filters::Filter {
 public:
  StaticFilesFilter(filters::StaticFiles& files, const std::atomic<std::shared_ptr<const InstalledRoutes>>& routes)
      : files_(files), routes_(routes) {}
  std::string_view name() const override { return "static_files"; }
  bool shadowable() const override { return false; }
  Awaitable on_request(Exchange& ex) override {
    using core::http::Method;
    if (!files_.enabled() || (ex.req.method != Method::kGet && ex.req.method != Method::kHead)) co_return Verdict::next();
    // The web bundles answer what no route claims: a configured route (a vendor callback, say)
    // is never shadowed by the single-page apps' index.html.
    if (routes_.load(std::memory_order_acquire)->table.match(ex.req, {}, 0).kind != MatchResult::Kind::kNotFound)
      co_return Verdict::next();
    std::optional<Response> file = co_await files_.serve(ex.req, ex.ctx.trace_id);
    if (!file) co_return Verdict::next();
    ex.ctx.gateway_route = "static";
    co_return Verdict::answer(std::move(*file));
  }

 private:
  filters::StaticFiles& files_;
  const std::atomic<std::shared_ptr<const InstalledRoutes>>& routes_;
};

// filters/authentication (+ filters/revocation)
class Authentication final : public filters::Filter {
 public:
  Authentication(filters::TokenVerifier& tokens, filters::JwksSource& jwks, const filters::RevokedSessions& revoked,
                 core::observe::Registry& metrics)
      : tokens_(tokens), jwks_(jwks), revoked_(revoked) {
    for (auto f : filters::kAllTokenFailures)
      refused_[static_cast<std::size_t>(f)] =
          &metrics.counter("zt_gateway_token_refused_total", "Bearer tokens refused, by reason", {{"reason", filters::failure_name(f)}});
    revoked_refused_ = &metrics.counter("zt_gateway_token_refused_total", "Bearer tokens refused, by reason", {{"reason", "revoked"}});
    accepted_ = &metrics.counter("zt_gateway_token_accepted_total", "Bearer tokens accepted");
  }
  std::string_view name() const override { return "authentication"; }
  bool shadowable() const override { return false; }  // an unverified caller never goes on as anyone
  Awaitable on_request(Exchange& ex) override {
    auto token = filters::bearer_token(ex.req.headers.get("authorization"));
    if (!token) co_return Verdict::next();
    const std::string held(*token);  // the header goes below; the token stays while this waits
    auto seen = tokens_.keys();
    auto result = tokens_.verify(held, core::unix_millis() / 1000);
    if (std::holds_alternative<filters::TokenFailure>(result) &&
        std::get<filters::TokenFailure>(result) == filters::TokenFailure::kUnknownKey) {
      // A key rotated in since the last fetch: one refetch (rate-limited, shared), then once more.
      if (co_await jwks_.refetch_for_unknown_kid(seen)) result = tokens_.verify(held, core::unix_millis() / 1000);
    }
    ex.req.headers.remove("authorization");  // services get the verified identity, never the token
    if (auto* ok = std::get_if<filters::VerifiedToken>(&result)) {
      if (revoked_.revoked(ok->caller.session)) {
        revoked_refused_->inc();
        ex.ctx.log().info("gateway: a token of an ended session refused");
        auto res = Response::json(401, core::http::error_body("GATEWAY_TOKEN_REVOKED", "登录已失效，请重新登录", ex.ctx.trace_id));
        res.headers.set("www-authenticate", R"(Bearer error="invalid_token", error_description="revoked")");
        co_return Verdict::refuse("token", std::move(res));
      }
      accepted_->inc();
      ex.ctx.caller = std::move(ok->caller);
      co_return Verdict::next();
    }
    const auto failure = std::get<filters::TokenFailure>(result);
    refused_[static_cast<std::size_t>(failure)]->inc();
    ex.ctx.log().info("gateway: bearer token refused ({})", filters::failure_name(failure));
    const bool expired = failure == filters::TokenFailure::kExpired;
    auto res = Response::json(401, core::http::error_body(expired ? "GATEWAY_TOKEN_EXPIRED" : "GATEWAY_TOKEN_INVALID",
                                                          expired ? "登录已过期，请重新登录" : "登录凭证无效，请重新登录", ex.ctx.trace_id));
    res.headers.set("www-authenticate", expired ? R"(Bearer error="invalid_token", error_description="expired")"
                                                : R"(Bearer error="invalid_token")");
    co_return Verdict::refuse("token", std::move(res));
  }

 private:
  filters::TokenVerifier& tokens_;
  filters::JwksSource& jwks_;
  const filters::RevokedSessions& revoked_;
  std::array<core::observe::Counter*, filters::kAllTokenFailures.size()> refused_{};
  core::observe::Counter* revoked_refused_ = nullptr;
  core::observe::Counter* accepted_ = nullptr;
};

std::int64_t smallest_limit(std::int64_t a, std::int64_t b) {
  if (a <= 0) return b;
  if (b <= 0) return a;
  return std::min(a, b);
}

Response method_not_allowed(const std::string& allow, std::string_view trace_id) {
  auto res = Response::json(405, core::http::error_body(core::http::codes::kMethodNotAllowed, "不支持该请求方法", trace_id));
  res.headers.set("allow", allow);
  return res;
}

// routing/: an operator's route (gateway.routes) first; otherwise the service a path names by its
// prefix, as that service declares its operations (routing/catalog.hpp).
class Routing final : public filters::Filter {
 public:
  Routing(const std::atomic<std::shared_ptr<const InstalledRoutes>>& routes, const ServiceCatalog& catalog)
      : routes_(routes), catalog_(catalog) {}
  std::string_view name() const override { return "routing"; }
  bool shadowable() const override { return false; }  // the rest of the chain needs where it goes
  Awaitable on_request(Exchange& ex) override {
    const auto installed = routes_.load(std::memory_order_acquire);
    ex.table = installed;
    ex.ctx.route_owner = installed;  // ctx.route may point into it; the access log reads it after us
    const std::string_view customer =
        ex.ctx.caller.kind == core::http::CallerKind::kCustomer ? std::string_view(ex.ctx.caller.subject) : std::string_view();
    MatchResult m = installed->table.match(ex.req, customer, random_pick());
    if (m.kind == MatchResult::Kind::kMethodNotAllowed) co_return Verdict::refuse("no_route", method_not_allowed(m.allow, ex.ctx.trace_id));
    if (m.kind == MatchResult::Kind::kFound) {
      ex.configured = m.target.route;
      ex.target = std::move(m.target);
    } else {
      const CatalogEntry* named = catalog_.by_path(ex.req.path());
      if (!named) co_return Verdict::refuse("no_route", ApiError(404, core::http::codes::kNotFound, "请求的资源不存在"), ex.ctx.trace_id);
      ex.target.service = named->declarations.service;
      ex.target.path = ex.req.target;
    }
    // What the service declares about the operation: the target's, or — for an operator's split
    // to an upstream the catalogue does not know — that of the service the path names.
    ex.entry = catalog_.find(ex.target.service);
    if (!ex.entry) ex.entry = catalog_.by_path(ex.req.path());
    const std::string_view target_path = std::string_view(ex.target.path).substr(0, ex.target.path.find('?'));
    if (ex.entry) {
      const auto method = ex.req.method == core::http::Method::kHead ? core::http::Method::kGet : ex.req.method;
      ex.op = ex.entry->declarations.find(method, target_path);
      if (!ex.op) {
        if (auto allow = ex.entry->declarations.methods_for(target_path); !allow.empty())
          co_return Verdict::refuse("no_route", method_not_allowed(allow, ex.ctx.trace_id));
        co_return Verdict::refuse("no_route", ApiError(404, core::http::codes::kNotFound, "请求的资源不存在"), ex.ctx.trace_id);
      }
    }
    ex.ctx.gateway_route = ex.configured ? ex.configured->id : ex.target.service;
    // The service knows its long polls: a declared timeout wins over a configured route's.
    ex.timeout = std::chrono::milliseconds(ex.op && ex.op->timeout_ms > 0 ? ex.op->timeout_ms
                                           : ex.configured                  ? ex.configured->timeout_ms
                                                                            : 5000);
    const std::int64_t max_body = smallest_limit(ex.configured ? ex.configured->max_body_bytes : 0, ex.op ? ex.op->max_body_bytes : 0);
    if (max_body > 0 && static_cast<std::int64_t>(ex.req.body.size()) > max_body)
      co_return Verdict::refuse("body_size", ApiError(413, "GATEWAY_BODY_TOO_LARGE", fmt::format("请求体过大：本接口最多接受 {} 字节", max_body)),
                                ex.ctx.trace_id);
    co_return Verdict::next();
  }

 private:
  const std::atomic<std::shared_ptr<const InstalledRoutes>>& routes_;
  const ServiceCatalog& catalog_;
};

// filters/access: the declared access; a configured route may only add to it, never loosen it.
class AccessFilter final : public filters::Filter {
 public:
  std::string_view name() const override { return "access"; }
  Awaitable on_request(Exchange& ex) override {
    std::optional<ApiError> refused;
    if (ex.configured) refused = filters::check_access(*ex.configured, ex.ctx.caller);
    if (!refused && ex.op) refused = filters::check_declared_access(*ex.op, ex.entry->declarations.code_prefix, ex.ctx.caller);
    if (refused) co_return Verdict::refuse("access", *refused, ex.ctx.trace_id);
    co_return Verdict::next();
  }
};

// filters/validation: the request as the service will see it (the rewritten path).
class Validation final : public filters::Filter {
 public:
  std::string_view name() const override { return "validation"; }
  bool shadowable() const override { return true; }
  Awaitable on_request(Exchange& ex) override {
    ex.req.target = ex.target.path;
    if (ex.entry && ex.entry->document)
      if (auto problem = ex.entry->document->validate(ex.req, ex.req.path()))
        co_return Verdict::refuse("validation", ApiError(400, "GATEWAY_INVALID_REQUEST", "请求参数不合法：" + problem->text()),
                                  ex.ctx.trace_id);
    co_return Verdict::next();
  }
};

// filters/idempotency_key
class IdempotencyKey final : public filters::Filter {
 public:
  std::string_view name() const override { return "idempotency_key"; }
  bool shadowable() const override { return true; }
  Awaitable on_request(Exchange& ex) override {
    const bool money = (ex.configured && ex.configured->money_moving) || (ex.op && ex.op->money_moving);
    if (auto refused = filters::check_idempotency_key(money, ex.req)) co_return Verdict::refuse("idempotency_key", *refused, ex.ctx.trace_id);
    co_return Verdict::next();
  }
};

}  // namespace

GatewayChain::GatewayChain(ChainDeps deps) : d_(std::move(deps)) {
  settings_.store(std::make_shared<const filters::FilterSettings>());
  routes_.store(std::make_shared<const InstalledRoutes>());
  for (const char* reason : kReasons)
    refused_[reason] = &d_.metrics.counter("zt_gateway_refused_total", "Requests the gateway refused", {{"reason", reason}});
  for (const auto& [service, entry] : d_.catalog.entries())
    routed_by_service_[service] = &d_.metrics.counter("zt_gateway_routed_total", "Requests routed, by route", {{"route", service}});
  // The chain, in order: one list.
  chain_.push_back(std::make_unique<InternalHeaders>());
  chain_.push_back(std::make_unique<ClientAddress>());
  chain_.push_back(std::make_unique<Cors>(d_.metrics.counter("zt_gateway_cors_preflights_total", "CORS preflights answered by the gateway"),
                                          d_.console_host));
  chain_.push_back(std::make_unique<StaticFilesFilter>(d_.static_files, routes_));
  chain_.push_back(std::make_unique<Authentication>(d_.tokens, d_.jwks, d_.revoked, d_.metrics));
  chain_.push_back(std::make_unique<Routing>(routes_, d_.catalog));
  chain_.push_back(std::make_unique<AccessFilter>());
  chain_.push_back(std::make_unique<Validation>());
  chain_.push_back(std::make_unique<IdempotencyKey>());
  for (const auto& f : chain_)
    shadowed_[std::string(f->name())] =
        &d_.metrics.counter("zt_gateway_shadowed_total", "Refusals a filter in shadow mode counted and let through", {{"filter", std::string(f->name())}});
}

GatewayChain::~GatewayChain() = default;

std::vector<std::string> GatewayChain::order() const {
  std::vector<std::string> out;
  for (const auto& f : chain_) out.emplace_back(f->name());
  return out;
}

std::vector<std::string> GatewayChain::route_paths() const {
  std::vector<std::string> out;
  for (const auto& r : routes_.load(std::memory_order_acquire)->table.routes()) out.push_back(r.path);
  return out;
}

void GatewayChain::install(RouteTable table) {
  auto next = std::make_shared<InstalledRoutes>();
  next->table = std::move(table);
  for (const auto& r : next->table.routes())  // looked up once here, not per request
    next->routed.push_back(&d_.metrics.counter("zt_gateway_routed_total", "Requests routed, by route", {{"route", r.id}}));
  routes_.store(std::move(next), std::memory_order_release);
}

void GatewayChain::install(filters::FilterSettings settings) {
  settings_.store(std::make_shared<const filters::FilterSettings>(std::move(settings)), std::memory_order_release);
}

core::observe::Counter& GatewayChain::refused(const std::string& reason) {
  auto it = refused_.find(reason);
  return it != refused_.end() ? *it->second : *refused_.at("internal");
}

boost::asio::awaitable<Response> GatewayChain::handle(core::http::Request& req, core::http::RequestContext& ctx,
                                                      const core::http::Handler& next) {
  // A service calling another — in this process, or from another process with a verified
  // identity (core/http/identity.hpp, checked before the chain) — has passed a gateway already.
  if (ctx.in_process || !ctx.calling_service.empty() || ctx.edge) co_return co_await next(req, ctx);
  Exchange ex{req, ctx, settings_.load(std::memory_order_acquire)};
  std::size_t reached = 0;
  std::optional<Response> answer;
  for (; reached < chain_.size() && !answer; ++reached) {
    auto& f = *chain_[reached];
    Verdict v;
    try {
      v = co_await f.on_request(ex);
    } catch (const ApiError& e) {
      v = Verdict::refuse("internal", e, ctx.trace_id);
    }
    if (v.kind == Verdict::Kind::kContinue) continue;
    if (v.kind == Verdict::Kind::kRefuse) {
      if (f.shadowable() && ex.settings->shadow.contains(std::string(f.name()))) {
        shadowed_.at(std::string(f.name()))->inc();
        ctx.log().info("gateway: {} would refuse ({} {}); shadow mode lets it through", f.name(), v.response.status, v.reason);
        continue;
      }
      refused(v.reason).inc();
    }
    answer = std::move(v.response);
  }
  Response res;
  if (answer) {
    res = std::move(*answer);
  } else {
    try {
      res = co_await dispatch(ex, next);
    } catch (const ApiError& e) {
      res = Response::json(e.status(), core::http::error_body(e.code(), e.message(), ctx.trace_id));
    }
  }
  for (std::size_t i = reached; i-- > 0;) chain_[i]->on_response(ex, res);
  co_return res;
}

boost::asio::awaitable<Response> GatewayChain::dispatch(Exchange& ex, const core::http::Handler& next) {
  auto& req = ex.req;
  auto& ctx = ex.ctx;
  const auto installed = std::static_pointer_cast<const InstalledRoutes>(ex.table);
  if (ex.configured) installed->routed[static_cast<std::size_t>(ex.configured - installed->table.routes().data())]->inc();
  else if (auto it = routed_by_service_.find(ex.target.service); it != routed_by_service_.end()) it->second->inc();

  if (d_.discovery.local(ex.target.service)) {
    // Here: the service's own handler, matched on the rewritten path, in this same pass.
    auto local = d_.router.match(req.method, req.path());
    ctx.matched_route = nullptr;
    ctx.route = {};
    ctx.allow.clear();
    ctx.path_params.clear();
    if (local.kind == core::http::RouteMatch::Kind::kFound) {
      ctx.matched_route = local.route;
      ctx.route = local.route->pattern;
      ctx.path_params = std::move(local.params);
    } else if (local.kind == core::http::RouteMatch::Kind::kMethodNotAllowed) {
      ctx.allow = std::move(local.allow);
    }
    ctx.deadline = std::min(ctx.deadline, std::chrono::steady_clock::now() + ex.timeout);
    ctx.upstream = "local";
    ctx.edge = true;  // an outside client's request: never a service call, here as when split
    if (!core::observe::tracer().recording()) co_return co_await next(req, ctx);
    // The same spans as when split: the gateway's call to the service, and the service's own
    // span under it, which the handler's calls and logs continue.
    const auto outer = ctx.trace;
    const auto call = outer.child(), served = call.child();
    const auto method = req.method;
    const auto started = std::chrono::steady_clock::now();
    const auto started_unix = core::http::unix_nanos_now();
    ctx.trace = served;
    ctx.span_id = served.span_id_hex();
    Response res;
    {
      // What the service's handler calls (a transaction, a Redis command) is under its span and
      // its name, not the gateway's.
      core::net::WorkSlot* slot = co_await core::net::current_work_slot();
      const core::net::SpanParentScope scope(
          slot, slot ? core::observe::SpanOrigin{served, ex.target.service} : core::observe::SpanOrigin{});
      res = co_await next(req, ctx);
    }
    ctx.trace = outer;
    ctx.span_id = outer.span_id_hex();
    // Built only when kept (sampled, failed or slow), as the tracing middleware's own.
    if (!core::observe::tracer().wanted(outer.flags, res.status >= 500, std::chrono::steady_clock::now() - started))
      co_return res;
    {
      core::http::RequestContext as_served;  // what the service's span shows: not the gateway's route
      as_served.trace = served;
      as_served.route = ctx.route;
      as_served.caller = ctx.caller;
      as_served.edge = true;
      as_served.request_id = ctx.request_id;
      core::http::record_server_span(ex.target.service, core::http::server_span(method, as_served, res, started));
    }
    core::observe::tracer().record("gateway", core::http::client_span(ex.target.service, method, call, started_unix, &res,
                                                                      nullptr, std::string_view(), 1));
    co_return res;
  }
  // Elsewhere: the flow rules see the operation ("<METHOD> <template>", as the service itself
  // would), or the configured route's path; then the service client carries the request.
  ctx.matched_route = nullptr;
  ctx.route = ex.op ? std::string_view(ex.op->path_template) : std::string_view(ex.configured->path);  // both outlive the request
  core::discovery::CallOptions options;
  options.timeout = ex.timeout;
  options.tag = ex.target.tag;
  options.prefer_local = false;
  options.as = "gateway";
  options.edge = true;  // signed as what it is: an outside client's request, never a service call
  const std::string service = ex.target.service;
  core::http::Handler forward = [this, &service, &options](core::http::Request& r,
                                                           core::http::RequestContext& c) -> boost::asio::awaitable<Response> {
    const auto started = std::chrono::steady_clock::now();
    auto result = co_await d_.discovery.client().call(service, std::move(r), &c, options);
    c.upstream = std::move(result.instance);
    c.upstream_us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
    co_return std::move(result.response);
  };
  co_return co_await d_.flow_rules->handle(req, ctx, forward);
}

}  // namespace zt::gateway
