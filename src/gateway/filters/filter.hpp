#pragma once
// One interface for every step of the gateway's chain (DESIGN §5, STYLE: one filter, one folder).
// A filter sees the request and lets it go on, answers it (a preflight, a file), or refuses it;
// a refusal carries the reason it is counted under (zt_gateway_refused_total{reason}). A filter in
// shadow mode (the dynamic setting gateway.filters, `shadow: [<filter name>, …]`) counts and logs
// what it would have refused (zt_gateway_shadowed_total{filter}) and lets the request go on — how a
// new rule reaches production safely. The chain order is one list (gateway/chain.cpp).
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "core/http/context.hpp"
#include "core/http/declarations.hpp"
#include "core/http/error.hpp"
#include "core/http/message.hpp"
#include "gateway/routing/catalog.hpp"
#include "gateway/routing/routes.hpp"

namespace zt::gateway::filters {

struct FilterSettings;

// What the filters learn about one request as it passes them; each fills its part.
struct Exchange {
  core::http::Request& req;
  core::http::RequestContext& ctx;
  std::shared_ptr<const FilterSettings> settings;
  std::string origin;  // cors: a cross-origin caller's Origin, for the answer's grant
  // routing: where the request goes and what its service declares about it
  std::shared_ptr<const void> table;  // keeps `configured` alive
  const Route* configured = nullptr;  // an operator's route, when one matched
  Target target;
  const CatalogEntry* entry = nullptr;
  const core::http::OperationDeclaration* op = nullptr;
  std::chrono::milliseconds timeout{5000};
};

struct Verdict {
  enum class Kind { kContinue, kAnswer, kRefuse } kind = Kind::kContinue;
  core::http::Response response;
  std::string reason;  // a refusal's reason label

  static Verdict next() { return {}; }
  static Verdict answer(core::http::Response r) { return {Kind::kAnswer, std::move(r), {}}; }
  static Verdict refuse(std::string reason, core::http::Response r) { return {Kind::kRefuse, std::move(r), std::move(reason)}; }
  static Verdict refuse(std::string reason, const core::http::ApiError& e, std::string_view trace_id) {
    return refuse(std::move(reason), core::http::Response::json(e.status(), core::http::error_body(e.code(), e.message(), trace_id)));
  }
};

class Filter {
 public:
  virtual ~Filter() = default;
  virtual std::string_view name() const = 0;
  // Whether shadow mode may apply. Off unless a filter says so: never to what guards the trust
  // boundary (identity, access) or what later filters depend on (routing).
  virtual bool shadowable() const { return false; }
  virtual boost::asio::awaitable<Verdict> on_request(Exchange& ex) = 0;
  // Every filter the request reached sees the answer on its way out, last first.
  virtual void on_response(Exchange&, core::http::Response&) {}
};

}  // namespace zt::gateway::filters
