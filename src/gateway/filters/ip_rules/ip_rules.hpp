#pragma once
// Filter: client address — who the client is, and whether it may come in.
//
//   ip:
//     trusted_proxies: [10.0.0.0/8]    # peers whose X-Forwarded-For is believed
//     allow: [192.168.0.0/16]          # when given, only these (CIDR, IPv4 or IPv6)
//     deny:  [203.0.113.7/32]          # never these; deny wins over allow
//
// The client address is the peer's, unless the peer is a trusted proxy: then X-Forwarded-For is
// read from the right, skipping trusted proxies, and the first other address is the client (a
// client cannot forge its way past by prepending addresses). A denied client gets 403
// GATEWAY_IP_DENIED before anything else reads the request.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/config/yaml_reader.hpp"

namespace zt::gateway::filters {

// An IPv4 or IPv6 network; IPv4 is kept as IPv4-mapped IPv6 so one comparison serves both.
struct Cidr {
  std::array<std::uint8_t, 16> addr{};
  int prefix = 128;  // over the 128-bit form
  static std::optional<Cidr> parse(std::string_view text);  // "10.0.0.0/8", "::1", "192.0.2.1"
  bool contains(const std::array<std::uint8_t, 16>& ip) const;
};

std::optional<std::array<std::uint8_t, 16>> parse_ip(std::string_view text);  // v4 or v6, no port

struct IpRules {
  std::vector<Cidr> trusted_proxies;
  std::vector<Cidr> allow;
  std::vector<Cidr> deny;

  bool empty() const { return trusted_proxies.empty() && allow.empty() && deny.empty(); }
  // The client address for a request from `peer` carrying these X-Forwarded-For values.
  std::string client_address(std::string_view peer, std::string_view forwarded_for) const;
  bool admits(std::string_view client) const;  // an unparsable address is admitted only when no allow list is set

  static IpRules parse(core::config::YamlReader& r, const YAML::Node& node, const std::string& path);
};

}  // namespace zt::gateway::filters
