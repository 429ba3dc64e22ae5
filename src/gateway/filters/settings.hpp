#pragma once
// The gateway's filter settings: the dynamic setting `gateway.filters`, one YAML document read
// whole, checked before it applies and swapped atomically like the routes.
//
//   cors: {...}        see filters/cors/cors.hpp
//   ip: {...}          see filters/ip_rules/ip_rules.hpp
//   shadow: [validation]  filters that count and log what they would refuse, and let it through
//                         (client_address, validation, idempotency_key)
//
// Rate limits are the resilience rules' keyed and cluster limits (per customer, per IP, per
// route), which see the verified customer and the client address the gateway settles here.
#include <set>
#include <string>
#include <string_view>

#include "gateway/filters/cors/cors.hpp"
#include "gateway/filters/ip_rules/ip_rules.hpp"

namespace zt::gateway::filters {

struct FilterSettings {
  CorsPolicy cors;
  IpRules ip;
  std::set<std::string> shadow;

  // Throws RouteError (the routes' error type: problems with lines) when anything is wrong.
  static FilterSettings parse(std::string_view yaml);
};

}  // namespace zt::gateway::filters
