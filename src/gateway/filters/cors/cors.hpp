#pragma once
// Filter: CORS (cross-origin requests from browsers).
//
//   cors:
//     allow_origins: ["https://h5.example.com", "https://*.example.com"]   # "*": any origin
//     allow_methods: [GET, POST, PUT, PATCH, DELETE]
//     allow_headers: [authorization, content-type, idempotency-key, x-request-id]
//     expose_headers: [x-request-id]
//     allow_credentials: false
//     max_age_s: 600
//
// A request from the gateway's own origin (Origin matches Host) is not cross-origin. A preflight
// (OPTIONS with Access-Control-Request-Method) is answered here, 204 when the origin, method and
// headers are allowed and 403 GATEWAY_CORS_REFUSED otherwise; it never reaches a service or needs
// a token. Other cross-origin requests go on, and an allowed origin gets the CORS headers on the
// answer — refusals included, so the app can show the Chinese message. Without a `cors` section no
// other origin is allowed.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/config/yaml_reader.hpp"
#include "core/http/message.hpp"

namespace zt::gateway::filters {

struct CorsPolicy {
  std::vector<std::string> origins;  // lower case; "*" any; "https://*.x.com" a suffix
  std::vector<std::string> methods{"GET", "POST", "PUT", "PATCH", "DELETE"};
  std::vector<std::string> headers{"authorization", "content-type", "idempotency-key", "x-request-id"};
  std::vector<std::string> expose{"x-request-id"};
  bool credentials = false;
  int max_age_s = 600;

  static CorsPolicy parse(core::config::YamlReader& r, const YAML::Node& node, const std::string& path);

  enum class Kind { kNotCors, kPreflight, kCrossOrigin };
  static Kind classify(const core::http::Request& req);
  bool origin_allowed(std::string_view origin) const;
  // The answer to a preflight: 204 with the grants, or 403 in the error shape.
  core::http::Response preflight(const core::http::Request& req, std::string_view trace_id) const;
  // Adds the grant for an allowed origin to the answer of a cross-origin request.
  void decorate(std::string_view origin, core::http::Response& res) const;
};

}  // namespace zt::gateway::filters
