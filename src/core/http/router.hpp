#pragma once
// Routes by method and path template ("/api/mall/v1/products/{code}"). A path that matches no
// template is 404; a path that matches only with other methods is 405 with an Allow header.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/http/handler.hpp"

namespace zt::core::http {

struct OperationDeclaration;
struct ServiceDeclarations;

struct Route {
  Method method;
  std::string pattern;  // the template, used as the metrics label
  Handler handler;
  // What its service declares about it (core/http/declarations.hpp); null for none (the admin
  // listener's routes). The pipeline refuses a call the declaration does not allow.
  std::shared_ptr<const OperationDeclaration> declared;
  std::string code_prefix;  // the service's refusal-code prefix
};

struct RouteMatch {
  enum class Kind { kFound, kNotFound, kMethodNotAllowed } kind = Kind::kNotFound;
  const Route* route = nullptr;
  std::vector<std::pair<std::string_view, std::string>> params;  // names point into the Route
  std::string allow;  // for kMethodNotAllowed: "GET, POST"
};

class Router {
 public:
  Router();
  ~Router();
  Router(Router&&) noexcept;
  Router& operator=(Router&&) noexcept;

  // Throws std::invalid_argument on a malformed template or a duplicate (method, template).
  void add(Method method, std::string_view pattern, Handler handler);
  // Matches a raw (percent-encoded) path; path parameters are returned decoded. A parameter that
  // does not decode makes the path not match.
  RouteMatch match(Method method, std::string_view path) const;
  const std::vector<std::unique_ptr<Route>>& routes() const;
  // Attaches a service's declarations to its routes; returns the declared operations no route
  // serves ("GET /api/x/v1/y"), which a start treats as an error.
  std::vector<std::string> declare(const ServiceDeclarations& declarations);

 private:
  struct Node;
  std::unique_ptr<Node> root_;
  std::vector<std::unique_ptr<Route>> routes_;
};

}  // namespace zt::core::http
