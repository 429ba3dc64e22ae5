#include "core/http/router.hpp"

#include "core/http/declarations.hpp"

#include <fmt/format.h>

#include <map>
#include <stdexcept>

namespace zt::core::http {

// A trie over path segments; "{name}" segments match any one non-empty segment.
struct Router::Node {
  std::map<std::string, std::unique_ptr<Node>, std::less<>> literal;
  std::unique_ptr<Node> param;
  std::string param_name;
  std::vector<const Route*> routes;  // by method at this exact path
};

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

void Router::add(Method method, std::string_view pattern, Handler handler) {
  if (pattern.empty() || pattern.front() != '/')
    throw std::invalid_argument(fmt::format("route '{}' must start with '/'", pattern));
  Node* node = root_.get();
  for (std::string_view seg : path_segments(pattern)) {
    if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
      std::string name(seg.substr(1, seg.size() - 2));
      if (name.empty() || name.find_first_of("{}/") != std::string::npos)
        throw std::invalid_argument(fmt::format("route '{}' has a malformed parameter", pattern));
      if (!node->param) {
        node->param = std::make_unique<Node>();
        node->param_name = name;
      } else if (node->param_name != name) {
        throw std::invalid_argument(fmt::format("route '{}' names parameter '{}' where another route names '{}'",
                                                pattern, name, node->param_name));
      }
      node = node->param.get();
    } else {
      if (seg.find_first_of("{}") != std::string_view::npos)
        throw std::invalid_argument(fmt::format("route '{}' has a malformed segment '{}'", pattern, seg));
      auto it = node->literal.find(seg);
      if (it == node->literal.end()) it = node->literal.emplace(std::string(seg), std::make_unique<Node>()).first;
      node = it->second.get();
    }
  }
  for (const Route* r : node->routes)
    if (r->method == method)
      throw std::invalid_argument(fmt::format("route {} {} is registered twice", method_name(method), pattern));
  routes_.push_back(std::make_unique<Route>(Route{method, std::string(pattern), std::move(handler)}));
  node->routes.push_back(routes_.back().get());
}

RouteMatch Router::match(Method method, std::string_view path) const {
  RouteMatch m;
  const Node* node = root_.get();
  std::vector<std::pair<const Node*, std::string_view>> captured;  // param owner node, raw value
  if (path.empty() || path.front() != '/') return m;
  for (std::string_view seg : path_segments(path)) {
    if (auto it = node->literal.find(seg); it != node->literal.end()) {
      node = it->second.get();
    } else if (node->param && !seg.empty()) {
      captured.emplace_back(node, seg);
      node = node->param.get();
    } else {
      return m;
    }
  }
  if (node->routes.empty()) return m;
  const Route* found = nullptr;
  for (const Route* r : node->routes) {
    if (r->method == method || (method == Method::kHead && r->method == Method::kGet && !found)) found = r;
    if (r->method == method) break;
  }
  if (!found) {
    m.kind = RouteMatch::Kind::kMethodNotAllowed;
    for (const Route* r : node->routes) {
      if (!m.allow.empty()) m.allow += ", ";
      m.allow += method_name(r->method);
    }
    return m;
  }
  for (const auto& [owner, raw] : captured) {
    auto decoded = percent_decode(raw, false);
    if (!decoded || decoded->find('/') != std::string::npos) return RouteMatch{};
    m.params.emplace_back(owner->param_name, std::move(*decoded));
  }
  m.kind = RouteMatch::Kind::kFound;
  m.route = found;
  return m;
}

const std::vector<std::unique_ptr<Route>>& Router::routes() const { return routes_; }

std::vector<std::string> Router::declare(const ServiceDeclarations& declarations) {
  std::vector<std::string> unserved;
  for (const auto& op : declarations.operations) {
    Route* route = nullptr;
    for (auto& r : routes_)
      if (r->method == op.method && r->pattern == op.path_template) route = r.get();
    if (!route) {
      unserved.push_back(fmt::format("{} {}", method_name(op.method), op.path_template));
      continue;
    }
    route->declared = std::make_shared<const OperationDeclaration>(op);
    route->code_prefix = declarations.code_prefix;
  }
  return unserved;
}

}  // namespace zt::core::http
