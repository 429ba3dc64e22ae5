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
#include "core/app/resilience_component.hpp"
#include "core/util/time.hpp"
#include "core/net/notifier.hpp"
#include "core/net/runtime.hpp"
#include "core/util/files.hpp"
#include "gateway/api/gateway_api.hpp"
#include "gateway/chain.hpp"
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
#include "services/auth/client/auth_client.hpp"

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
        jwks_refresh_(ctx.config().get_duration("jwks_refresh")),
        issuer_(discovery_.client(), "gateway", jwks_service_),
        tokens_(jwt_settings(ctx.config())),
        jwks_(tokens_, [this]() { return fetch_jwks(); }, local_keys(ctx.config()), ctx.config().get_duration("jwks_refetch_min")),
        static_files_(ctx.config().get_string("static_root"), static_cast<std::size_t>(ctx.config().get_int("static_cache_bytes")),
                      static_policy(ctx.config())),
        catalog_(catalog(ctx)),
        revocation_service_(ctx.config().get_string("revocation_service")),
        revocation_poll_(ctx.config().get_duration("revocation_poll")),
        sessions_(discovery_.client(), "gateway", revocation_service_),
        revoked_(ctx.config().get_duration("revocation_window")),
        gateway_(std::make_shared<GatewayChain>(ChainDeps{discovery_, ctx.public_router(), ctx.metrics(),
                                                          ctx.get<core::resilience::ResilienceComponent>("resilience").inbound(),
                                                          tokens_, jwks_, static_files_, catalog_, revoked_,
                                                          static_policy(ctx.config()).console_host})) {
    issuer_.set_timeout(std::chrono::milliseconds(3000));
    sessions_.set_timeout(std::chrono::milliseconds(3000));
    std::vector<AreaOfService> areas;
    for (const auto& a : catalog_.areas()) areas.push_back({a.service, a.area.title, a.area.path});
    add_gateway_api(ctx.public_router(), GatewayApiDeps{discovery_, ctx.get<core::resilience::ResilienceComponent>("resilience").engine(), catalog_,
                                                        [this] { return gateway_->route_paths(); },
                                                        ctx.full_config().section("node").get_string("name"),
                                                        ctx.full_config().section("node").get_bool("sandbox"), std::move(areas)});
    if (static_policy(ctx.config()).console_host.empty())
      core::log::info("gateway: the staff console shares the H5 app's origin (gateway.console_host is unset); set it to serve "
                      "the console on a host name of its own");
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

  // Follows the auth service's feed of ended sessions (filters/revocation). Each poll reads again
  // the last 30 s it has seen: a revocation whose time was taken before a slower transaction
  // committed (or on an auth instance whose clock lags) still arrives; the set keeps one entry each.
  boost::asio::awaitable<void> follow_revocations() {
    constexpr std::int64_t kOverlapMs = 30000;
    std::int64_t since = core::unix_millis() - revoked_.window().count();
    std::string after;  // paging on within one poll, when a page came back full
    bool warned = false;
    while (!stopping_.load()) {
      bool more = false;
      try {
        const std::int64_t from = std::max<std::int64_t>(0, since);
        // (Not one `?:` over two co_awaits: g++ 12 destroys the wrong temporary there.)
        core::discovery::Outcome<services::auth::RevocationPage> read;
        if (after.empty()) {
          read = co_await sessions_.revocations_since(from);
        } else {
          read = co_await sessions_.revocations_after(after);
        }
        auto* page = std::get_if<services::auth::RevocationPage>(&read);
        if (!page) throw std::runtime_error(failure_of(read));
        std::vector<std::pair<std::string, std::int64_t>> ended;
        std::int64_t newest = 0;
        for (const auto& item : page->items) {
          ended.emplace_back(item.session_id, item.at_ms);
          newest = std::max(newest, item.at_ms);
        }
        revoked_.add(ended, core::unix_millis());
        more = ended.size() >= 1000;
        after = more ? page->cursor : std::string();
        if (newest > 0) since = std::max(since, newest - kOverlapMs);
        if (warned) core::log::info("gateway: following ended sessions again");
        warned = false;
      } catch (const std::exception& e) {
        if (!warned) core::log::warn("gateway: cannot follow ended sessions from {} ({}); retrying", revocation_service_, e.what());
        warned = true;
        after.clear();
      }
      if (more) continue;  // more behind: read on at once
      co_await stop_signal_.wait(stop_signal_.generation(), revocation_poll_);
    }
  }

  // Parsed and built here, off the request path; requests switch to it atomically.
  void apply(const std::string& text, const std::string& origin) {
    RouteTable table = RouteTable::parse(text);
    const auto n = table.routes().size();
    gateway_->install(std::move(table));
    core::log::info("gateway: {} routes from {}", n, origin);
  }

  boost::asio::awaitable<std::string> fetch_jwks() {
    auto read = co_await issuer_.jwks();
    if (auto* text = std::get_if<std::string>(&read)) co_return std::move(*text);
    throw std::runtime_error(fmt::format("the JWKS from {}: {}", jwks_service_, failure_of(read)));
  }

  // What a call that did not answer as asked met, for the log.
  template <class T>
  static std::string failure_of(const core::discovery::Outcome<T>& outcome) {
    if (auto* no = std::get_if<core::Refusal>(&outcome)) return fmt::format("refused {} {}", no->status, no->code);
    const auto& u = std::get<core::discovery::Unknown>(outcome);
    return u.status == 0 ? fmt::format("no answer ({})", u.code.empty() ? u.message : u.code)
                         : fmt::format("answered {} {}", u.status, u.code);
  }

  core::Listener& listener_;
  core::net::IoRuntime& runtime_;
  core::discovery::Discovery& discovery_;
  std::string jwks_service_;
  std::chrono::milliseconds jwks_refresh_;
  services::auth::AuthClient issuer_;  // the JWKS
  filters::TokenVerifier tokens_;
  filters::JwksSource jwks_;
  filters::StaticFiles static_files_;
  ServiceCatalog catalog_;
  std::string revocation_service_;
  std::chrono::milliseconds revocation_poll_;
  services::auth::AuthClient sessions_;  // the feed of ended sessions (when revocation_service is set)
  filters::RevokedSessions revoked_;
  std::atomic<bool> stopping_{false};
  core::net::Notifier stop_signal_;
  std::shared_ptr<GatewayChain> gateway_;
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
              {string("jwks_service", "auth").describe("service whose JWKS (at /api/auth/v1/jwks) lists the token signing keys"),
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
