#pragma once
// What a service declares about each of its operations, beside its OpenAPI document
// (openapi.yaml, DESIGN §3): who may reach it and how. One declaration serves the gateway, which
// composes its routes from every service's (never a compiled-in list), and the service itself,
// which refuses a service-only operation to anyone but the services it names — in both run modes
// alike.
//
//   info:
//     x-zt-code-prefix: MALL                 # refusals: MALL_SERVICE_ONLY
//     x-zt-area: {title: 金融商城, path: /mall, order: 3}   # a business area on the H5 home
//   paths:
//     /api/mall/v1/orders:
//       post:
//         x-zt-access: customer              # anonymous | customer | staff | service
//         x-zt-money-moving: true            # the gateway requires an Idempotency-Key
//     /api/counter/v1/orders:
//       post:
//         x-zt-access: service               # never routed for outside clients
//         x-zt-callers: [mall]               # the services that may call it ("*": any of ours)
//     /api/registry/v1/services:
//       get:
//         x-zt-access: staff
//         x-zt-permission: governance.read   # what the gateway requires of staff
//         x-zt-callers: ["*"]
//         x-zt-timeout-ms: 40000             # the gateway's timeout (default 5000)
//         x-zt-max-body-bytes: 65536         # 413 above, at the gateway
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/http/context.hpp"
#include "core/http/error.hpp"
#include "core/http/message.hpp"

namespace zt::core::http {

enum class EdgeAccess { kService, kAnonymous, kCustomer, kStaff };
const char* edge_access_name(EdgeAccess a);

struct OperationDeclaration {
  Method method = Method::kGet;
  std::string path_template;  // "/api/mall/v1/orders/{id}"
  EdgeAccess access = EdgeAccess::kService;
  std::string permission;            // staff operations: what the gateway requires
  std::vector<std::string> callers;  // services allowed to call it ("*": any of ours)
  bool money_moving = false;
  std::int64_t timeout_ms = 0;       // 0: the gateway's default
  std::int64_t max_body_bytes = 0;   // 0: the server's own limit only

  bool service_may_call(std::string_view service) const;
};

struct AreaDeclaration {
  std::string title;
  std::string path;
  std::int64_t order = 100;
};

struct ServiceDeclarations {
  std::string service;
  std::string code_prefix;  // "MALL"
  std::optional<AreaDeclaration> area;
  std::vector<OperationDeclaration> operations;

  // The operation a request (method and raw path) is for, or nullptr.
  const OperationDeclaration* find(Method method, std::string_view path) const;
  // The methods declared for a path ("GET, POST"), "" when none.
  std::string methods_for(std::string_view path) const;
};

class DeclarationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads a service's declarations from its OpenAPI document. Every operation must declare its
// access; throws DeclarationError naming the first problem (a shipped document with one is a
// build error: the unit tests read every one).
ServiceDeclarations read_declarations(std::string_view service, std::string_view openapi_yaml);

// Whether a template ("/a/{id}/b") matches a raw path ("/a/42/b"): literal segments equal,
// parameters non-empty.
bool template_matches(std::string_view path_template, std::string_view path);

// The declared access for a caller from outside (the edge), in the gateway and again in the
// service, in both run modes alike:
//   service-only operation                          -> 403 <PREFIX>_SERVICE_ONLY
//   anonymous caller on a customer/staff operation  -> 401 GATEWAY_UNAUTHENTICATED
//   not staff, or without the declared permission   -> 403 GATEWAY_FORBIDDEN
std::optional<ApiError> declared_access_refusal(const OperationDeclaration& op, std::string_view code_prefix, const Caller& caller);

}  // namespace zt::core::http
