#include "gateway/gateway_component.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <random>

#include "core/app/listeners.hpp"
#include "core/config/dynamic.hpp"
#include "core/discovery/discovery.hpp"
#include "core/discovery/service_client.hpp"
#include "core/http/error.hpp"
#include "core/http/identity.hpp"
#include "core/http/router.hpp"
#include "core/observe/log.hpp"
#include "core/observe/metrics.hpp"
#include "core/resilience/resilience_component.hpp"
#include "core/util/time.hpp"
#include "core/net/notifier.hpp"
#include "core/net/runtime.hpp"
#include "core/util/files.hpp"
#include "gateway/api/gateway_api.hpp"
#include "gateway/filters/access/access.hpp"
#include "gateway/filters/authentication/authentication.hpp"
#include "gateway/filters/idempotency_key/idempotency_key.hpp"
#include "gateway/filters/internal_headers/internal_headers.hpp"
#include "gateway/filters/revocation/revocation.hpp"
#include "gateway/filters/settings.hpp"
#include "gateway/filters/static_files/static_files.hpp"
#include "gateway/filters/validation/openapi.hpp"
#include "gateway/routing/catalog.hpp"
#include "gateway/routing/routes.hpp"

std::span<const zt::core::EmbeddedFile> zt_gateway_openapi();

namespace zt::gateway {

// What an operator adds on top of the services' own declarations (canaries, rewrites, an
// upstream that is not one of ours). Empty by default: every service is routed by its
// declarations (routing/catalog.hpp).
const char* const kDefaultRoutes = "routes: []\n";

namespace {

using core::http::ApiError;

const core::config::DynamicKey<std::string> kRoutes{
    "gateway.routes", kDefaultRoutes, [](const std::string& text) -> std::optional<std::string> {
      try {
        RouteTable::parse(text);
      } catch (const RouteError& e) {
        return core::config::describe_problems("网关路由无效：", e.problems());
      }
      return std::nullopt;
    }};

const core::config::DynamicKey<std::string> kFilters{
    "gateway.filters", "", [](const std::string& text) -> std::optional<std::string> {
      try {
        filters::FilterSettings::parse(text);
      } catch (const RouteError& e) {
        return core::config::describe_problems("网关过滤器设置无效：", e.problems());
      }
      return std::nullopt;
    }};

std::uint64_t random_pick() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

class GatewayMiddleware final : public core::http::Middleware {
 public:
  GatewayMiddleware(core::discovery::Discovery& discovery, const core::http::Router& router, core::observe::Registry& metrics,
                    std::shared_ptr<core::http::Middleware> flow_rules, filters::TokenVerifier& tokens,
                    filters::JwksSource& jwks, filters::StaticFiles& static_files, const ServiceCatalog& catalog,
                    const filters::RevokedSessions& revoked)
      : discovery_(discovery), router_(router), metrics_(metrics),
        flow_rules_(std::move(flow_rules)), tokens_(tokens), jwks_(jwks), static_files_(static_files), catalog_(catalog),
        revoked_(revoked) {
    revoked_refused_ = &metrics.counter("zt_gateway_token_refused_total", "Bearer tokens refused, by reason", {{"reason", "revoked"}});
    for (const auto& [service, entry] : catalog_.entries())
      routed_by_service_[service] =
          &metrics.counter("zt_gateway_routed_total", "Requests routed, by route", {{"route", service}});
    invalid_ = &metrics.counter("zt_gateway_refused_total", "Requests the gateway refused", {{"reason", "validation"}});
    for (auto f : filters::kAllTokenFailures)
      token_refused_[static_cast<std::size_t>(f)] =
          &metrics.counter("zt_gateway_token_refused_total", "Bearer tokens refused, by reason", {{"reason", filters::failure_name(f)}});
    token_ok_ = &metrics.counter("zt_gateway_token_accepted_total", "Bearer tokens accepted");
    not_found_ = &metrics.counter("zt_gateway_refused_total", "Requests the gateway refused", {{"reason", "no_route"}});
    denied_ = &metrics.counter("zt_gateway_refused_total", "Requests the gateway refused", {{"reason", "access"}});
    no_key_ = &metrics.counter("zt_gateway_refused_total", "Requests the gateway refused", {{"reason", "idempotency_key"}});
    ip_denied_ = &metrics.counter("zt_gateway_refused_total", "Requests the gateway refused", {{"reason", "ip"}});
    too_large_ = &metrics.counter("zt_gateway_refused_total", "Requests the gateway refused", {{"reason", "body_size"}});
    preflights_ = &metrics.counter("zt_gateway_cors_preflights_total", "CORS preflights answered by the gateway");
  }

  // Takes a table built off the request path; requests switch to it atomically.
  void install(RouteTable table) {
    auto next = std::make_shared<Installed>();
    next->table = std::move(table);
    for (const auto& r : next->table.routes())  // looked up once here, not per request
      next->routed.push_back(&metrics_.counter("zt_gateway_routed_total", "Requests routed, by route", {{"route", r.id}}));
    table_.store(std::move(next), std::memory_order_release);
  }

  void install(filters::FilterSettings settings) {
    filters_.store(std::make_shared<const filters::FilterSettings>(std::move(settings)), std::memory_order_release);
  }

  // The filters, in order: client address and IP rules; CORS; authentication; routing (404/405);
  // body limit; authorisation; Idempotency-Key; then the flow rules and the service. Refusals are
  // answered here in the error shape, so a cross-origin app can read them too.
  boost::asio::awaitable<core::http::Response> handle(core::http::Request& req, core::http::RequestContext& ctx,
                                                      const core::http::Handler& next) override {
    // A service calling another — in this process, or from another process with a verified
    // identity (core/http/identity.hpp, checked before this filter) — has passed a gateway
    // already. Anything else is outside traffic, and whatever internal headers it carries are
    // dropped unread.
    if (ctx.in_process || !ctx.calling_service.empty() || ctx.edge) co_return co_await next(req, ctx);
    filters::strip_internal_headers(req);
    const auto settings = filters_.load(std::memory_order_acquire);
    if (!settings->ip.trusted_proxies.empty())
      ctx.remote_address = settings->ip.client_address(ctx.remote_address, req.headers.combined("x-forwarded-for"));
    if (!settings->ip.admits(ctx.remote_address)) {
      ip_denied_->inc();
      co_return core::http::Response::json(403, core::http::error_body("GATEWAY_IP_DENIED", "您的网络地址不允许访问", ctx.trace_id));
    }
    const auto cors = filters::CorsPolicy::classify(req);
    if (cors == filters::CorsPolicy::Kind::kPreflight) {
      preflights_->inc();
      co_return settings->cors.preflight(req, ctx.trace_id);
    }
    const std::string origin = cors == filters::CorsPolicy::Kind::kCrossOrigin ? std::string(*req.headers.get("origin")) : "";
    // The web bundles answer what no route claims: a configured route (a vendor callback, say)
    // is never shadowed by the single-page apps' index.html.
    if (static_files_.enabled() && (req.method == core::http::Method::kGet || req.method == core::http::Method::kHead) &&
        table_.load(std::memory_order_acquire)->table.match(req, {}, 0).kind == MatchResult::Kind::kNotFound) {
      std::optional<core::http::Response> file = co_await static_files_.serve(req, ctx.trace_id);
      if (file) {
        ctx.gateway_route = "static";
        co_return std::move(*file);
      }
    }

    core::http::Response res;
    std::optional<ApiError> refused;
    try {
      res = co_await route(req, ctx, next);
    } catch (const ApiError& e) {
      refused = e;
    }
    if (refused) {
      res = core::http::Response::json(refused->status(), core::http::error_body(refused->code(), refused->message(), ctx.trace_id));
    }
    if (!origin.empty()) settings->cors.decorate(origin, res);
    filters::clean_response(res);
    co_return res;
  }

 private:
  boost::asio::awaitable<core::http::Response> route(core::http::Request& req, core::http::RequestContext& ctx,
                                                     const core::http::Handler& next) {
    if (auto token = filters::bearer_token(req.headers.get("authorization"))) {
      std::optional<core::http::Response> refused = co_await authenticate(*token, ctx);
      if (refused) co_return std::move(*refused);
      req.headers.remove("authorization");  // services get the verified identity, never the token
    }
    const auto installed = table_.load(std::memory_order_acquire);
    ctx.route_owner = installed;  // ctx.route points into it; the access log reads it after us
    const RouteTable* table = &installed->table;
    const std::string_view customer =
        ctx.caller.kind == core::http::CallerKind::kCustomer ? std::string_view(ctx.caller.subject) : std::string_view();
    // An operator's route (gateway.routes) first; otherwise the service a path names by its
    // prefix, as that service declares its operations.
    MatchResult m = table->match(req, customer, random_pick());
    if (m.kind == MatchResult::Kind::kMethodNotAllowed) co_return method_not_allowed(m.allow, ctx);
    const Route* configured = nullptr;
    Target target;
    if (m.kind == MatchResult::Kind::kFound) {
      configured = m.target.route;
      target = std::move(m.target);
    } else {
      const CatalogEntry* entry = catalog_.by_path(req.path());
      if (!entry) {
        not_found_->inc();
        throw ApiError(404, core::http::codes::kNotFound, "请求的资源不存在");
      }
      target.service = entry->declarations.service;
      target.path = req.target;
    }
    // What the service declares about the operation (for a service the catalogue knows).
    const CatalogEntry* entry = catalog_.find(target.service);
    const core::http::OperationDeclaration* op = nullptr;
    const std::string_view target_path = std::string_view(target.path).substr(0, target.path.find('?'));
    if (entry) {
      const auto method = req.method == core::http::Method::kHead ? core::http::Method::kGet : req.method;
      op = entry->declarations.find(method, target_path);
      if (!op) {
        not_found_->inc();
        if (auto allow = entry->declarations.methods_for(target_path); !allow.empty()) co_return method_not_allowed(allow, ctx);
        throw ApiError(404, core::http::codes::kNotFound, "请求的资源不存在");
      }
    }
    ctx.gateway_route = configured ? configured->id : target.service;
    const std::int64_t max_body = smallest_limit(configured ? configured->max_body_bytes : 0, op ? op->max_body_bytes : 0);
    if (max_body > 0 && static_cast<std::int64_t>(req.body.size()) > max_body) {
      too_large_->inc();
      throw ApiError(413, "GATEWAY_BODY_TOO_LARGE", fmt::format("请求体过大：本接口最多接受 {} 字节", max_body));
    }
    // A configured route may only add to what the service declares, never loosen it.
    std::optional<ApiError> refused;
    if (configured) refused = filters::check_access(*configured, ctx.caller);
    if (!refused && op) refused = filters::check_declared_access(*op, entry->declarations.code_prefix, ctx.caller);
    if (refused) {
      denied_->inc();
      throw *refused;
    }
    req.target = target.path;
    if (entry && entry->document) {
      if (auto problem = entry->document->validate(req, req.path())) {
        invalid_->inc();
        throw ApiError(400, "GATEWAY_INVALID_REQUEST", "请求参数不合法：" + problem->text());
      }
    }
    if (auto no_key = filters::check_idempotency_key((configured && configured->money_moving) || (op && op->money_moving), req)) {
      no_key_->inc();
      throw *no_key;
    }
    if (configured) installed->routed[static_cast<std::size_t>(configured - table->routes().data())]->inc();
    else routed(target.service).inc();
    // The service knows its long polls: a declared timeout wins over a configured route's.
    const auto timeout = std::chrono::milliseconds(op && op->timeout_ms > 0 ? op->timeout_ms : configured ? configured->timeout_ms : 5000);

    if (discovery_.local(target.service)) {
      // Here: the service's own handler, matched on the rewritten path, in this same pass.
      auto local = router_.match(req.method, req.path());
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
      ctx.deadline = std::min(ctx.deadline, std::chrono::steady_clock::now() + timeout);
      ctx.upstream = "local";
      ctx.edge = true;  // an outside client's request: never a service call, here as when split
      co_return co_await next(req, ctx);
    }
    // Elsewhere: the flow rules see the operation ("<METHOD> <template>", as the service itself
    // would), or the configured route's path; then the service client carries the request.
    ctx.matched_route = nullptr;
    ctx.route = op ? std::string_view(op->path_template) : std::string_view(configured->path);  // both outlive the request
    core::discovery::CallOptions options;
    options.timeout = timeout;
    options.tag = target.tag;
    options.prefer_local = false;
    options.as = "gateway";
    options.edge = true;  // signed as what it is: an outside client's request, never a service call
    const std::string service = target.service;
    core::http::Handler forward = [this, &service, &options](core::http::Request& r,
                                                             core::http::RequestContext& c) -> boost::asio::awaitable<core::http::Response> {
      const auto started = std::chrono::steady_clock::now();
      auto result = co_await discovery_.client().call(service, std::move(r), &c, options);
      c.upstream = std::move(result.instance);
      c.upstream_us =
          std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
      co_return std::move(result.response);
    };
    co_return co_await flow_rules_->handle(req, ctx, forward);
  }

  core::http::Response method_not_allowed(const std::string& allow, const core::http::RequestContext& ctx) {
    not_found_->inc();
    auto res = core::http::Response::json(405, core::http::error_body(core::http::codes::kMethodNotAllowed, "不支持该请求方法", ctx.trace_id));
    res.headers.set("allow", allow);
    return res;
  }

  static std::int64_t smallest_limit(std::int64_t a, std::int64_t b) {
    if (a <= 0) return b;
    if (b <= 0) return a;
    return std::min(a, b);
  }

  core::observe::Counter& routed(const std::string& service) {
    const auto it = routed_by_service_.find(service);
    return *it->second;  // one per catalogue entry, made at construction
  }

  // Sets ctx.caller from a valid token; the 401 to send otherwise.
  boost::asio::awaitable<std::optional<core::http::Response>> authenticate(std::string_view token,
                                                                           core::http::RequestContext& ctx) {
    const std::string held(token);  // the header may move while this coroutine waits
    auto seen = tokens_.keys();
    auto result = tokens_.verify(held, core::unix_millis() / 1000);
    if (std::holds_alternative<filters::TokenFailure>(result) &&
        std::get<filters::TokenFailure>(result) == filters::TokenFailure::kUnknownKey) {
      // A key rotated in since the last fetch: one refetch (rate-limited, shared), then once more.
      if (co_await jwks_.refetch_for_unknown_kid(seen)) result = tokens_.verify(held, core::unix_millis() / 1000);
    }
    if (auto* ok = std::get_if<filters::VerifiedToken>(&result)) {
      if (revoked_.revoked(ok->caller.session)) {
        revoked_refused_->inc();
        ctx.log().info("gateway: a token of an ended session refused");
        auto res = core::http::Response::json(401, core::http::error_body("GATEWAY_TOKEN_REVOKED", "登录已失效，请重新登录", ctx.trace_id));
        res.headers.set("www-authenticate", R"(Bearer error="invalid_token", error_description="revoked")");
        co_return res;
      }
      token_ok_->inc();
      ctx.caller = std::move(ok->caller);
      co_return std::nullopt;
    }
    const auto failure = std::get<filters::TokenFailure>(result);
    token_refused_[static_cast<std::size_t>(failure)]->inc();
    ctx.log().info("gateway: bearer token refused ({})", filters::failure_name(failure));
    const bool expired = failure == filters::TokenFailure::kExpired;
    auto res = core::http::Response::json(
        401, core::http::error_body(expired ? "GATEWAY_TOKEN_EXPIRED" : "GATEWAY_TOKEN_INVALID",
                                    expired ? "登录已过期，请重新登录" : "登录凭证无效，请重新登录", ctx.trace_id));
    res.headers.set("www-authenticate", expired ? R"(Bearer error="invalid_token", error_description="expired")"
                                                : R"(Bearer error="invalid_token")");
    co_return res;
  }

  core::discovery::Discovery& discovery_;
  const core::http::Router& router_;
  core::observe::Registry& metrics_;
  std::shared_ptr<core::http::Middleware> flow_rules_;
  // The table and its per-route counters, swapped together.
  struct Installed {
    RouteTable table;
    std::vector<core::observe::Counter*> routed;
  };
  std::atomic<std::shared_ptr<const Installed>> table_;
  std::atomic<std::shared_ptr<const filters::FilterSettings>> filters_{std::make_shared<const filters::FilterSettings>()};
  core::observe::Counter* ip_denied_ = nullptr;
  core::observe::Counter* preflights_ = nullptr;
  core::observe::Counter* too_large_ = nullptr;
  core::observe::Counter* not_found_ = nullptr;
  core::observe::Counter* denied_ = nullptr;
  core::observe::Counter* no_key_ = nullptr;
  filters::TokenVerifier& tokens_;
  filters::JwksSource& jwks_;
  filters::StaticFiles& static_files_;
  const ServiceCatalog& catalog_;
  std::map<std::string, core::observe::Counter*, std::less<>> routed_by_service_;
  const filters::RevokedSessions& revoked_;
  core::observe::Counter* revoked_refused_ = nullptr;
  core::observe::Counter* invalid_ = nullptr;
  std::array<core::observe::Counter*, filters::kAllTokenFailures.size()> token_refused_{};
  core::observe::Counter* token_ok_ = nullptr;
};

// Every service's declarations and OpenAPI document, whether or not it runs in this process: one
// binary carries them all. A document that does not read stops the start (a build error, caught
// by unit tests).
ServiceCatalog catalog(core::ComponentContext& ctx) {
  ServiceCatalog out;
  const bool validate = ctx.config().get_bool("validate_requests");
  for (const auto& spec : ctx.all_specs()) {
    if (!spec.service || !spec.openapi) continue;
    const auto files = spec.openapi();
    if (files.empty()) continue;
    CatalogEntry e{core::http::read_declarations(spec.name, files.front().content), nullptr};
    if (validate) e.document = filters::ApiDocument::parse(files.front().content);
    out.add(std::move(e));
  }
  return out;
}

filters::StaticPolicy static_policy(const core::config::Section& c) {
  filters::StaticPolicy p;
  p.content_security_policy = c.get_string("content_security_policy");
  p.console_host = c.get_string("console_host");
  std::transform(p.console_host.begin(), p.console_host.end(), p.console_host.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (p.console_host.empty())
    core::log::info("gateway: the staff console shares the H5 app's origin (gateway.console_host is unset); set it to serve "
                    "the console on a host name of its own");
  return p;
}

filters::JwtSettings jwt_settings(const core::config::Section& c) {
  filters::JwtSettings s;
  s.issuer = c.get_string("jwt_issuer");
  s.audience = c.get_string("jwt_audience");
  s.clock_skew = std::chrono::duration_cast<std::chrono::seconds>(c.get_duration("jwt_clock_skew"));
  s.cache_entries = static_cast<std::size_t>(c.get_int("token_cache_entries"));
  return s;
}

// Keys configured locally (HS256 secrets, or keys of an issuer without a JWKS endpoint).
filters::KeySet local_keys(const core::config::Section& c) {
  const auto path = c.get_string("jwt_keys_file");
  if (path.empty()) return {};
  auto text = core::read_text_file(path);
  if (!text) throw std::runtime_error("gateway.jwt_keys_file: cannot read " + path);
  std::vector<std::string> problems;
  auto keys = filters::KeySet::from_jwks(*text, &problems);
  if (!problems.empty()) throw std::runtime_error("gateway.jwt_keys_file " + path + ": " + problems.front());
  return keys;
}

class GatewayComponent final : public core::Component {
 public:
  explicit GatewayComponent(core::ComponentContext& ctx)
      : listener_(ctx.get<core::Listener>("server")),
        runtime_(ctx.runtime()),
        discovery_(ctx.get<core::discovery::Discovery>("discovery")),
        jwks_service_(ctx.config().get_string("jwks_service")),
        jwks_path_(ctx.config().get_string("jwks_path")),
        jwks_refresh_(ctx.config().get_duration("jwks_refresh")),
        tokens_(jwt_settings(ctx.config())),
        jwks_(tokens_, [this]() { return fetch_jwks(); }, local_keys(ctx.config()), ctx.config().get_duration("jwks_refetch_min")),
        static_files_(ctx.config().get_string("static_root"), static_cast<std::size_t>(ctx.config().get_int("static_cache_bytes")),
                      static_policy(ctx.config())),
        catalog_(catalog(ctx)),
        revocation_service_(ctx.config().get_string("revocation_service")),
        revocation_poll_(ctx.config().get_duration("revocation_poll")),
        revoked_(ctx.config().get_duration("revocation_window")),
        gateway_(std::make_shared<GatewayMiddleware>(discovery_, ctx.public_router(), ctx.metrics(),
                                                     ctx.get<core::resilience::ResilienceComponent>("resilience").inbound(),
                                                     tokens_, jwks_, static_files_, catalog_, revoked_)) {
    std::vector<AreaOfService> areas;
    for (const auto& a : catalog_.areas()) areas.push_back({a.service, a.area.title, a.area.path});
    add_gateway_api(ctx.public_router(), GatewayApiDeps{discovery_, ctx.get<core::resilience::ResilienceComponent>("resilience").engine(),
                                                        ctx.full_config().section("node").get_string("name"),
                                                        ctx.full_config().section("node").get_bool("sandbox"), std::move(areas)});
    apply(kRoutes.get(), "gateway.routes");
    subscription_ = core::config::DynamicSettings::global().subscribe(kRoutes.name(), [this](const auto&) {
      try {
        apply(kRoutes.get(), "dynamic gateway.routes");
      } catch (const std::exception& e) {
        core::log::error("gateway: routes refused: {}", e.what());  // validated before; kept for safety
      }
    });
    metrics_ = &ctx.metrics();
    collector_ = metrics_->add_collector([this] {
      const auto stats = tokens_.stats();
      metrics_->gauge("zt_gateway_token_cache_entries", "Verified tokens cached (at most gateway.token_cache_entries)")
          .set(static_cast<std::int64_t>(stats.entries));
      metrics_->gauge("zt_gateway_jwks_keys", "Token signing keys known").set(static_cast<std::int64_t>(tokens_.keys()->size()));
      metrics_->gauge("zt_gateway_revoked_sessions", "Ended sessions whose tokens are refused").set(static_cast<std::int64_t>(revoked_.size()));
    });
    gateway_->install(filters::FilterSettings::parse(kFilters.get()));
    filters_subscription_ = core::config::DynamicSettings::global().subscribe(kFilters.name(), [this](const auto&) {
      try {
        gateway_->install(filters::FilterSettings::parse(kFilters.get()));
        core::log::info("gateway: filter settings from dynamic gateway.filters");
      } catch (const std::exception& e) {
        core::log::error("gateway: filter settings refused: {}", e.what());
      }
    });
  }
  ~GatewayComponent() override {
    metrics_->remove_collector(collector_);
    core::config::DynamicSettings::global().unsubscribe(subscription_);
    core::config::DynamicSettings::global().unsubscribe(filters_subscription_);
  }

  void start() override {
    listener_.set_front(gateway_);
    // Keys: fetched now, then every jwks_refresh (sooner while fetches fail).
    runtime_.spawn(0, [this]() -> boost::asio::awaitable<void> {
      while (!stopping_.load()) {
        const bool ok = co_await jwks_.refresh();
        const auto wait = ok ? jwks_refresh_ : std::min(jwks_refresh_, std::chrono::milliseconds(2000));
        co_await stop_signal_.wait(stop_signal_.generation(), wait);
      }
    });
    if (!revocation_service_.empty()) runtime_.spawn(0, [this]() -> boost::asio::awaitable<void> { co_await follow_revocations(); });
  }
  void stop() override {
    stopping_ = true;
    stop_signal_.notify_all();
  }

  // Follows the auth service's feed of ended sessions (filters/revocation).
  boost::asio::awaitable<void> follow_revocations() {
    std::string cursor;
    bool warned = false;
    while (!stopping_.load()) {
      try {
        core::http::Request req;
        req.method = core::http::Method::kGet;
        req.target = cursor.empty()
                         ? fmt::format("/api/auth/v1/sessions/revoked?since_ms={}", core::unix_millis() - revoked_.window().count())
                         : "/api/auth/v1/sessions/revoked?after=" + cursor;
        core::discovery::CallOptions options;
        options.as = "gateway";
        options.timeout = std::chrono::milliseconds(3000);
        auto result = co_await discovery_.client().call(revocation_service_, std::move(req), nullptr, options);
        if (result.response.status != 200) throw std::runtime_error(fmt::format("answered {}", result.response.status));
        const auto page = boost::json::parse(result.response.body).as_object();
        std::vector<std::pair<std::string, std::int64_t>> ended;
        for (const auto& item : page.at("items").as_array())
          ended.emplace_back(std::string(item.at("session_id").as_string()), item.at("at_ms").as_int64());
        revoked_.add(ended, core::unix_millis());
        cursor = std::string(page.at("cursor").as_string());
        if (warned) core::log::info("gateway: following ended sessions again");
        warned = false;
        if (ended.size() >= 1000) continue;  // more behind: read on at once
      } catch (const std::exception& e) {
        if (!warned) core::log::warn("gateway: cannot follow ended sessions from {} ({}); retrying", revocation_service_, e.what());
        warned = true;
      }
      co_await stop_signal_.wait(stop_signal_.generation(), revocation_poll_);
    }
  }

 private:
  // Parsed and built here, off the request path; requests switch to it atomically.
  void apply(const std::string& text, const std::string& origin) {
    RouteTable table = RouteTable::parse(text);
    const auto n = table.routes().size();
    gateway_->install(std::move(table));
    core::log::info("gateway: {} routes from {}", n, origin);
  }

  boost::asio::awaitable<std::string> fetch_jwks() {
    core::http::Request req;
    req.method = core::http::Method::kGet;
    req.target = jwks_path_;
    core::discovery::CallOptions options;
    options.as = "gateway";
    options.timeout = std::chrono::milliseconds(3000);
    auto result = co_await discovery_.client().call(jwks_service_, std::move(req), nullptr, options);
    if (result.response.status != 200)
      throw std::runtime_error(fmt::format("{} {} answered {}", jwks_service_, jwks_path_, result.response.status));
    co_return std::move(result.response.body);
  }

  core::Listener& listener_;
  core::net::IoRuntime& runtime_;
  core::discovery::Discovery& discovery_;
  std::string jwks_service_;
  std::string jwks_path_;
  std::chrono::milliseconds jwks_refresh_;
  filters::TokenVerifier tokens_;
  filters::JwksSource jwks_;
  filters::StaticFiles static_files_;
  ServiceCatalog catalog_;
  std::string revocation_service_;
  std::chrono::milliseconds revocation_poll_;
  filters::RevokedSessions revoked_;
  std::atomic<bool> stopping_{false};
  core::net::Notifier stop_signal_;
  std::shared_ptr<GatewayMiddleware> gateway_;
  std::uint64_t subscription_ = 0;
  std::uint64_t filters_subscription_ = 0;
  core::observe::Registry* metrics_ = nullptr;
  std::uint64_t collector_ = 0;
};

}  // namespace

core::ComponentSpec spec() {
  core::ComponentSpec s;
  s.name = "gateway";
  s.description = "the single entry: routing, access, idempotency keys, dispatch to services";
  s.dependencies = {"server", "discovery", "resilience"};
  s.service = true;  // its own API (api/gateway_api.hpp), and its instances show in the registry
  s.openapi = &zt_gateway_openapi;
  using namespace core::config;
  s.schema = {"gateway",
              {string("jwks_service", "auth").describe("service whose JWKS lists the token signing keys"),
               string("jwks_path", "/api/auth/v1/jwks").describe("path of the JWKS on that service"),
               duration("jwks_refresh", std::chrono::milliseconds(300000)).range(1000, 86400000)
                   .describe("how often the JWKS is fetched again"),
               duration("jwks_refetch_min", std::chrono::milliseconds(5000)).range(0, 3600000)
                   .describe("least time between fetches caused by tokens naming an unknown kid"),
               string("jwt_keys_file", "").describe("a local JWKS file with more keys (HS256 secrets); mode 0600"),
               string("revocation_service", "auth").describe("service whose feed of ended sessions the gateway follows (empty: none)"),
               duration("revocation_poll", std::chrono::milliseconds(1000)).range(100, 60000)
                   .describe("how often that feed is read: a token of an ended session is refused within about this long"),
               duration("revocation_window", std::chrono::milliseconds(1800000)).range(60000, 86400000)
                   .describe("how long an ended session is remembered (longer than any access token lives)"),
               string("jwt_issuer", "zhongtai").describe("required iss of tokens (empty: not checked)"),
               string("jwt_audience", "zhongtai-api").describe("required aud of tokens (empty: not checked)"),
               duration("jwt_clock_skew", std::chrono::milliseconds(30000)).range(0, 300000)
                   .describe("tolerance on exp, nbf and iat"),
               boolean("validate_requests", true).describe("check requests against the target service's OpenAPI document"),
               string("static_root", "web").describe("web bundles: <root>/h5/dist at /, <root>/console/dist at /console"),
               string("content_security_policy", filters::StaticPolicy{}.content_security_policy)
                   .describe("Content-Security-Policy of the web apps' files"),
               string("console_host", "").describe("a host name of its own for the staff console (its own origin); empty: "
                                                   "both apps on every host"),
               integer("static_cache_bytes", 64LL * 1024 * 1024).range(0, 1LL << 32)
                   .describe("memory for static files and their compressed forms"),
               integer("token_cache_entries", 100000).range(0, 10000000)
                   .describe("verified tokens kept until they expire (0: verify every request)")},
              "API gateway (routes: dynamic setting gateway.routes)"};
  s.make = [](core::ComponentContext& ctx) -> std::unique_ptr<core::Component> {
    return std::make_unique<GatewayComponent>(ctx);
  };
  return s;
}

}  // namespace zt::gateway
