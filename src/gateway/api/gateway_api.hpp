#pragma once
// The gateway's own API (service "gateway", OpenAPI in src/gateway/openapi.yaml), answered by the
// gateway process itself:
//   GET  /api/gateway/v1/features    what the apps may show: sandbox or not, the business areas
//                                    whose services run (anyone)
//   GET  /api/gateway/v1/flow        this gateway's resilience rules with their live counts
//                                    (staff, governance.read)
//   POST /api/gateway/v1/flow/check  whether a rule set would be accepted, with the reasons: its
//                                    syntax, and that every inbound resource is "*" or an
//                                    operation some service declares ("GET /api/mall/v1/products")
#include <functional>
#include <string>
#include <vector>

namespace zt::core::http {
class Router;
}
namespace zt::core::discovery {
class Discovery;
}
namespace zt::core::resilience {
class Engine;
}

namespace zt::gateway {

class ServiceCatalog;

// A business area on the H5 home, as its service declares it (info.x-zt-area in openapi.yaml).
struct AreaOfService {
  std::string service;
  std::string title;
  std::string path;
};

struct GatewayApiDeps {
  core::discovery::Discovery& discovery;
  core::resilience::Engine& engine;
  const ServiceCatalog& catalog;  // the operations the services declare
  std::function<std::vector<std::string>()> route_paths;  // the configured routes' paths, now
  std::string node;
  bool sandbox = true;
  std::vector<AreaOfService> areas;  // in the order the H5 home lists them
};

void add_gateway_api(core::http::Router& router, GatewayApiDeps deps);

}  // namespace zt::gateway
