#pragma once
// The gateway's route table (framework-free): which service a request goes to, under which path,
// with which access rule. Built off the request path from the `gateway.routes` YAML and swapped
// whole; matching reads it without locks.
//
//   routes:
//     - id: mall-orders
//       path: /api/mall/v1/orders         # with match: exact | prefix (default) | regex (RE2, full match)
//       methods: [GET, POST]              # default: any
//       host: "*.example.com"             # default: any; exact or a "*." suffix
//       headers: {x-app: h5, x-debug: "*"} # a value, or "*" for present
//       query: {channel: app}
//       rewrite: /api/mall/v1/orders      # prefix: replaces the matched prefix; regex: RE2 rewrite (\1)
//       service: mall                     # or splits: [{service: mall, weight: 90}, {service: mall-v2, weight: 10}]
//       canary: {header: x-canary, value: "1", tag: canary}   # or {customer_percent: 10, tag: canary}
//       timeout_ms: 3000
//       access: customer                  # anonymous (default) | customer | staff
//       roles: [trade]                    # any one of them, when given
//       permission: governance.write      # staff only: the caller's roles must grant it
//       money_moving: true                # Idempotency-Key required
//       max_body_bytes: 65536             # 413 above (0, the default: the server's own limit only)
//
// The first route that matches wins, in the order written. A path that only other methods'
// routes match is a 405 with their methods.
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/yaml_problem.hpp"
#include "core/http/message.hpp"

namespace re2 {
class RE2;
}

namespace zt::gateway {

enum class PathKind { kExact, kPrefix, kRegex };
enum class Access { kAnonymous, kCustomer, kStaff };
const char* access_name(Access a);

struct NameValue {
  std::string name;
  std::optional<std::string> value;  // nullopt: present with any value
};

struct Split {
  std::string service;
  std::int64_t weight = 100;
};

struct Canary {
  std::optional<NameValue> header;    // requests carrying this header (and value) …
  std::int64_t customer_percent = 0;  // … or this share of customers, stable per customer
  std::string service;                // where canary traffic goes; "" keeps the route's service
  std::string tag;                    // instances carrying this tag (gray release)
};

struct Route {
  std::string id;
  PathKind kind = PathKind::kPrefix;
  std::string path;
  std::shared_ptr<const re2::RE2> regex;  // kRegex
  std::vector<std::string> methods;       // upper case; empty: any
  std::string host;                       // lower case; "" any; "*.x.com" a suffix
  std::vector<NameValue> headers;         // names lower case
  std::vector<NameValue> query;
  std::optional<std::string> rewrite;
  std::vector<Split> splits;
  std::int64_t total_weight = 0;
  std::optional<Canary> canary;
  std::int64_t timeout_ms = 5000;
  Access access = Access::kAnonymous;
  std::vector<std::string> roles;
  std::string permission;  // staff routes: required permission, "" for none
  bool money_moving = false;
  std::int64_t max_body_bytes = 0;
};

class RouteError : public std::runtime_error {
 public:
  explicit RouteError(std::vector<core::config::YamlProblem> problems);
  const std::vector<core::config::YamlProblem>& problems() const { return problems_; }

 private:
  std::vector<core::config::YamlProblem> problems_;
};

// Where a matched request goes.
struct Target {
  const Route* route = nullptr;
  std::string service;
  std::string path;  // after rewriting, with the original query string
  std::string tag;   // prefer instances with this tag ("" none)
  bool canary = false;
};

struct MatchResult {
  enum class Kind { kFound, kNotFound, kMethodNotAllowed } kind = Kind::kNotFound;
  Target target;
  std::string allow;  // kMethodNotAllowed: "GET, POST"
};

class RouteTable {
 public:
  RouteTable() = default;
  // Throws RouteError naming every problem with its line.
  static RouteTable parse(std::string_view yaml);

  // customer: the verified customer id ("" when none) for percentage canaries; pick: a uniform
  // random number for weighted splits (the caller's, so tests choose it).
  MatchResult match(const core::http::Request& req, std::string_view customer, std::uint64_t pick) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  bool matches_except_method(const Route& r, const core::http::Request& req, std::string_view path,
                             std::string_view host) const;
  std::vector<Route> routes_;
};

}  // namespace zt::gateway
