#include "core/discovery/naming.hpp"

#include <fmt/format.h>

namespace zt::core::discovery {

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-' || c == ':' || c == '@';
    if (!ok) return false;
  }
  return true;
}

std::optional<std::string> validate(const Registration& r) {
  if (!valid_name(r.service)) return "服务名应为1到128位的字母、数字或 . _ - : @";
  if (!valid_name(r.id)) return "实例ID应为1到128位的字母、数字或 . _ - : @";
  if (r.host.empty() || r.host.size() > 253) return "实例地址不能为空";
  for (char c : r.host)
    if (c <= ' ' || c == '/' || c == '?' || c == '#') return "实例地址含有非法字符";
  if (r.port < 1 || r.port > 65535) return "端口应在1到65535之间";
  if (r.weight && (*r.weight < 0 || *r.weight > 10000)) return "权重应在0到10000之间";
  if (r.metadata.size() > 32) return "元数据最多32项";
  for (const auto& [k, v] : r.metadata)
    if (k.empty() || k.size() > 64 || v.size() > 256) return fmt::format("元数据 {} 的键或值过长", k);
  return std::nullopt;
}

}  // namespace zt::core::discovery
