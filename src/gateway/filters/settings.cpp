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
  r.known_keys(root, "(filters)", {"cors", "ip"});
  out.cors = CorsPolicy::parse(r, root["cors"], "cors");
  out.ip = IpRules::parse(r, root["ip"], "ip");
  if (!r.problems.empty()) throw RouteError(std::move(r.problems));
  return out;
}

}  // namespace zt::gateway::filters
