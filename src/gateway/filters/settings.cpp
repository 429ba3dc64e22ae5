#include "gateway/filters/settings.hpp"

#include <fmt/format.h>

#include "gateway/routing/routes.hpp"

namespace zt::gateway::filters {

FilterSettings FilterSettings::parse(std::string_view yaml) {
  FilterSettings out;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::ParserException& e) {
    throw RouteError({{e.mark.line + 1, "(filters)", fmt::format("语法错误：{}", e.msg)}});
  }
  if (!root || root.IsNull()) return out;
  if (!root.IsMap()) throw RouteError({{1, "(filters)", "顶层应为映射（cors: …, ip: …）"}});
  core::config::YamlReader r;
  r.known_keys(root, "(filters)", {"cors", "ip", "shadow"});
  out.cors = CorsPolicy::parse(r, root["cors"], "cors");
  out.ip = IpRules::parse(r, root["ip"], "ip");
  if (const auto shadow = root["shadow"]) {
    // Never authentication, routing or access: a caller goes on as nobody else, and access is
    // checked by the services again anyway.
    static const std::set<std::string> kShadowable{"client_address", "validation", "idempotency_key"};
    if (!shadow.IsSequence()) r.problem(shadow, "shadow", "应为过滤器名称的列表");
    for (std::size_t i = 0; shadow.IsSequence() && i < shadow.size(); ++i) {
      const std::string name = shadow[i].IsScalar() ? shadow[i].Scalar() : "";
      if (!kShadowable.contains(name))
        r.problem(shadow[i], fmt::format("shadow[{}]", i), fmt::format("过滤器 '{}' 不能以影子模式运行（可选：client_address、validation、idempotency_key）", name));
      else out.shadow.insert(name);
    }
  }
  if (!r.problems.empty()) throw RouteError(std::move(r.problems));
  return out;
}

}  // namespace zt::gateway::filters
