#include "gateway/filters/ip_rules/ip_rules.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace zt::gateway::filters {

namespace {
bool any_contains(const std::vector<Cidr>& list, const std::array<std::uint8_t, 16>& ip) {
  return std::any_of(list.begin(), list.end(), [&](const Cidr& c) { return c.contains(ip); });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
}  // namespace

std::optional<std::array<std::uint8_t, 16>> parse_ip(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string s(text);
  std::array<std::uint8_t, 16> out{};
  in_addr v4{};
  if (::inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out[10] = 0xff;
    out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return out;
  }
  return std::nullopt;
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
  const auto slash = text.find('/');
  auto ip = parse_ip(text.substr(0, slash));
  if (!ip) return std::nullopt;
  const bool v4 = text.substr(0, slash).find(':') == std::string_view::npos;
  Cidr c;
  c.addr = *ip;
  c.prefix = 128;
  if (slash != std::string_view::npos) {
    const auto bits = text.substr(slash + 1);
    if (bits.empty() || bits.size() > 3 || !std::all_of(bits.begin(), bits.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
      return std::nullopt;
    const int n = std::stoi(std::string(bits));
    if (n > (v4 ? 32 : 128)) return std::nullopt;
    c.prefix = v4 ? 96 + n : n;
  }
  // Host bits are cleared: "10.1.2.3/8" means 10.0.0.0/8.
  for (int i = 0; i < 16; ++i) {
    const int keep = std::clamp(c.prefix - i * 8, 0, 8);
    c.addr[i] &= static_cast<std::uint8_t>(keep == 0 ? 0 : 0xff << (8 - keep));
  }
  return c;
}

bool Cidr::contains(const std::array<std::uint8_t, 16>& ip) const {
  for (int i = 0; i < 16; ++i) {
    const int keep = std::clamp(prefix - i * 8, 0, 8);
    if (keep == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xff << (8 - keep));
    if ((ip[i] & mask) != addr[i]) return false;
  }
  return true;
}

std::string IpRules::client_address(std::string_view peer, std::string_view forwarded_for) const {
  if (trusted_proxies.empty() || forwarded_for.empty()) return std::string(peer);
  auto peer_ip = parse_ip(peer);
  if (!peer_ip || !any_contains(trusted_proxies, *peer_ip)) return std::string(peer);
  // From the right: each hop appended the address it saw; the first untrusted one is the client.
  std::string_view rest = forwarded_for;
  std::string_view last_good = peer;
  while (!rest.empty()) {
    const auto comma = rest.rfind(',');
    const auto item = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    auto ip = parse_ip(item);
    if (!ip) return std::string(last_good);  // garbage in the chain: stop at the last address we could read
    if (!any_contains(trusted_proxies, *ip)) return std::string(item);
    last_good = item;
  }
  return std::string(last_good);
}

bool IpRules::admits(std::string_view client) const {
  if (allow.empty() && deny.empty()) return true;
  auto ip = parse_ip(client);
  if (!ip) return allow.empty();
  if (any_contains(deny, *ip)) return false;
  return allow.empty() || any_contains(allow, *ip);
}

IpRules IpRules::parse(core::config::YamlReader& r, const YAML::Node& node, const std::string& path) {
  IpRules out;
  if (!node) return out;
  if (!node.IsMap()) {
    r.problem(node, path, "应为映射");
    return out;
  }
  r.known_keys(node, path, {"trusted_proxies", "allow", "deny"});
  const auto list = [&](const char* key, std::vector<Cidr>& into) {
    const YAML::Node n = node[key];
    if (!n) return;
    if (!n.IsSequence()) {
      r.problem(n, path + "." + key, "应为 CIDR 列表");
      return;
    }
    for (std::size_t i = 0; i < n.size(); ++i) {
      const auto text = n[i].IsScalar() ? n[i].Scalar() : std::string();
      auto c = Cidr::parse(text);
      if (!c) r.problem(n[i], path + "." + key + "[" + std::to_string(i) + "]", "不是有效的 IP 地址或 CIDR：" + text);
      else into.push_back(*c);
    }
  };
  list("trusted_proxies", out.trusted_proxies);
  list("allow", out.allow);
  list("deny", out.deny);
  return out;
}

}  // namespace zt::gateway::filters
