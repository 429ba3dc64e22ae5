#include "core/http/declarations.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "core/http/context.hpp"
#include "core/http/error.hpp"

namespace zt::core::http {

const char* edge_access_name(EdgeAccess a) {
  switch (a) {
    case EdgeAccess::kService: return "service";
    case EdgeAccess::kAnonymous: return "anonymous";
    case EdgeAccess::kCustomer: return "customer";
    case EdgeAccess::kStaff: return "staff";
  }
  return "service";
}

bool OperationDeclaration::service_may_call(std::string_view service) const {
  if (service.empty()) return false;
  for (const auto& c : callers)
    if (c == "*" || c == service) return true;
  return false;
}

bool template_matches(std::string_view tpl, std::string_view path) {
  const auto t = path_segments(tpl);
  const auto p = path_segments(path);
  if (t.size() != p.size()) return false;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i].size() >= 2 && t[i].front() == '{' && t[i].back() == '}') {
      if (p[i].empty()) return false;
      continue;
    }
    if (t[i] != p[i]) return false;
  }
  return true;
}

const OperationDeclaration* ServiceDeclarations::find(Method method, std::string_view path) const {
  // A literal segment beats a parameter: the operation with the most literal segments wins.
  const OperationDeclaration* best = nullptr;
  int best_literals = -1;
  for (const auto& op : operations) {
    if (op.method != method || !template_matches(op.path_template, path)) continue;
    int literals = 0;
    for (auto seg : path_segments(op.path_template))
      if (!(seg.size() >= 2 && seg.front() == '{')) ++literals;
    if (literals > best_literals) {
      best = &op;
      best_literals = literals;
    }
  }
  return best;
}

std::optional<ApiError> declared_access_refusal(const OperationDeclaration& op, std::string_view code_prefix, const Caller& caller) {
  switch (op.access) {
    case EdgeAccess::kService: return ApiError(403, std::string(code_prefix) + "_SERVICE_ONLY", "仅限内部服务调用");
    case EdgeAccess::kAnonymous: return std::nullopt;
    case EdgeAccess::kCustomer:
      if (caller.kind == CallerKind::kAnonymous) return ApiError(401, "GATEWAY_UNAUTHENTICATED", "请先登录");
      if (caller.kind != CallerKind::kCustomer && caller.kind != CallerKind::kStaff) return ApiError(403, "GATEWAY_FORBIDDEN", "无权访问");
      return std::nullopt;
    case EdgeAccess::kStaff:
      if (caller.kind == CallerKind::kAnonymous) return ApiError(401, "GATEWAY_UNAUTHENTICATED", "请先登录");
      if (caller.kind != CallerKind::kStaff) return ApiError(403, "GATEWAY_FORBIDDEN", "无权访问：仅限工作人员");
      if (!op.permission.empty() && !caller.has_permission(op.permission)) return ApiError(403, "GATEWAY_FORBIDDEN", "无权访问：缺少所需权限");
      return std::nullopt;
  }
  return std::nullopt;
}

std::string ServiceDeclarations::methods_for(std::string_view path) const {
  std::vector<std::string_view> methods;
  for (const auto& op : operations)
    if (template_matches(op.path_template, path)) {
      const auto m = method_name(op.method);
      if (std::find(methods.begin(), methods.end(), m) == methods.end()) methods.push_back(m);
    }
  std::string out;
  for (auto m : methods) out += (out.empty() ? "" : ", ") + std::string(m);
  return out;
}

namespace {

std::optional<EdgeAccess> access_from(const std::string& s) {
  if (s == "service") return EdgeAccess::kService;
  if (s == "anonymous") return EdgeAccess::kAnonymous;
  if (s == "customer") return EdgeAccess::kCustomer;
  if (s == "staff") return EdgeAccess::kStaff;
  return std::nullopt;
}

}  // namespace

namespace {
ServiceDeclarations read(std::string_view service, std::string_view yaml);
}

ServiceDeclarations read_declarations(std::string_view service, std::string_view yaml) {
  try {
    return read(service, yaml);
  } catch (const YAML::Exception& e) {
    throw DeclarationError(fmt::format("{}: openapi.yaml: {}", service, e.what()));
  }
}

namespace {

ServiceDeclarations read(std::string_view service, std::string_view yaml) {
  ServiceDeclarations out;
  out.service = std::string(service);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    throw DeclarationError(fmt::format("{}: openapi.yaml does not read: {}", service, e.what()));
  }
  auto fail = [&](const std::string& where, const std::string& why) -> void {
    throw DeclarationError(fmt::format("{}: openapi.yaml {}: {}", service, where, why));
  };
  if (const auto info = root["info"]) {
    if (const auto p = info["x-zt-code-prefix"]) out.code_prefix = p.as<std::string>();
    if (const auto a = info["x-zt-area"]) {
      AreaDeclaration area;
      area.title = a["title"].as<std::string>("");
      area.path = a["path"].as<std::string>("");
      area.order = a["order"].as<std::int64_t>(100);
      if (area.title.empty() || area.path.empty()) fail("info.x-zt-area", "needs a title and a path");
      out.area = area;
    }
  }
  if (out.code_prefix.empty()) fail("info", "x-zt-code-prefix is missing");
  const auto paths = root["paths"];
  if (!paths || !paths.IsMap()) fail("paths", "missing or not a mapping");
  for (const auto& p : paths) {
    const auto tpl = p.first.as<std::string>();
    if (!p.second.IsMap()) fail("paths." + tpl, "not a mapping");
    for (const auto& m : p.second) {
      const auto name = m.first.as<std::string>();
      if (name == "parameters" || name == "summary" || name == "description" || name.starts_with("x-")) continue;
      std::string upper = name;
      std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
      const Method method = parse_method(upper);
      const std::string where = "paths." + tpl + "." + name;
      if (method == Method::kOther) fail(where, "unknown method");
      OperationDeclaration op;
      op.method = method;
      op.path_template = tpl;
      const auto& n = m.second;
      const auto access = n["x-zt-access"];
      if (!access) fail(where, "x-zt-access is missing (anonymous, customer, staff or service)");
      auto a = access_from(access.as<std::string>());
      if (!a) fail(where + ".x-zt-access", "should be anonymous, customer, staff or service");
      op.access = *a;
      if (const auto perm = n["x-zt-permission"]) {
        op.permission = perm.as<std::string>();
        if (op.access != EdgeAccess::kStaff) fail(where + ".x-zt-permission", "only staff operations name a permission");
      }
      if (const auto callers = n["x-zt-callers"]) {
        if (!callers.IsSequence()) fail(where + ".x-zt-callers", "should be a list of services");
        for (const auto& c : callers) op.callers.push_back(c.as<std::string>());
      }
      if (op.access == EdgeAccess::kService && op.callers.empty())
        fail(where, "a service-only operation names the services that may call it (x-zt-callers)");
      if (const auto mm = n["x-zt-money-moving"]) op.money_moving = mm.as<bool>();
      if (const auto t = n["x-zt-timeout-ms"]) op.timeout_ms = t.as<std::int64_t>();
      if (const auto b = n["x-zt-max-body-bytes"]) op.max_body_bytes = b.as<std::int64_t>();
      out.operations.push_back(std::move(op));
    }
  }
  return out;
}

}  // namespace

}  // namespace zt::core::http
