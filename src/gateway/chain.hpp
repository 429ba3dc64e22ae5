#pragma once
// The gateway's chain: the filters in one ordered list (filters/filter.hpp), then the service —
// in this process straight to its handler (one pass, no socket), elsewhere through the flow rules
// and the service client. Outside traffic only: a call one of our services makes has passed a
// gateway already (its identity was verified before the chain).
//
//   internal_headers  x-zt-* from outside dropped unread; an upstream's internals never leave
//   client_address    X-Forwarded-For from trusted proxies; IP allow/deny (403)
//   cors              preflights answered; the grant on answers and refusals; the console's
//                     refresh cookie only on the console's own host
//   static_files      the web bundles, for what no configured route claims
//   authentication    a bearer token verified (401), an ended session's refused
//   routing           an operator's route, else the service the path names (404/405), body limit
//   access            the declared access, and what a configured route adds (401/403)
//   validation        the request against the service's OpenAPI document (400)
//   idempotency_key   money-moving operations need a key (400)
#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/http/handler.hpp"
#include "gateway/filters/filter.hpp"
#include "gateway/filters/settings.hpp"
#include "gateway/routing/catalog.hpp"
#include "gateway/routing/routes.hpp"

namespace zt::core::discovery {
class Discovery;
}
namespace zt::core::http {
class Router;
}
namespace zt::core::observe {
class Registry;
class Counter;
}

namespace zt::gateway {

namespace filters {
class TokenVerifier;
class JwksSource;
class StaticFiles;
class RevokedSessions;
}  // namespace filters

// The route table and its per-route counters, swapped together.
struct InstalledRoutes {
  RouteTable table;
  std::vector<core::observe::Counter*> routed;
};

struct ChainDeps {
  core::discovery::Discovery& discovery;
  const core::http::Router& router;
  core::observe::Registry& metrics;
  std::shared_ptr<core::http::Middleware> flow_rules;
  filters::TokenVerifier& tokens;
  filters::JwksSource& jwks;
  filters::StaticFiles& static_files;
  const ServiceCatalog& catalog;
  const filters::RevokedSessions& revoked;
  std::string console_host;  // gateway.console_host: the staff console's own origin ("" shared)
};

class GatewayChain final : public core::http::Middleware {
 public:
  explicit GatewayChain(ChainDeps deps);
  ~GatewayChain() override;

  // Swapped atomically; requests in flight keep what they started with.
  void install(RouteTable table);
  // The installed routes' paths: what the flow rules count a request under when no declared
  // operation answers it ("<METHOD> <path>").
  std::vector<std::string> route_paths() const;
  void install(filters::FilterSettings settings);
  // The filters' names, in order.
  std::vector<std::string> order() const;

  boost::asio::awaitable<core::http::Response> handle(core::http::Request& req, core::http::RequestContext& ctx,
                                                      const core::http::Handler& next) override;

 private:
  boost::asio::awaitable<core::http::Response> dispatch(filters::Exchange& ex, const core::http::Handler& next);
  core::observe::Counter& refused(const std::string& reason);

  ChainDeps d_;
  std::atomic<std::shared_ptr<const InstalledRoutes>> routes_;
  std::atomic<std::shared_ptr<const filters::FilterSettings>> settings_;
  std::vector<std::unique_ptr<filters::Filter>> chain_;
  std::map<std::string, core::observe::Counter*, std::less<>> refused_;  // by reason, made up front
  std::map<std::string, core::observe::Counter*, std::less<>> shadowed_;  // by filter
  std::map<std::string, core::observe::Counter*, std::less<>> routed_by_service_;
};

}  // namespace zt::gateway
