#pragma once
// The registry API over HTTP, for processes that do not run the registry themselves. Several
// registry addresses may be given; a failing one is skipped for the next.
#include <memory>
#include <string>
#include <vector>

#include "core/discovery/registry_api.hpp"

namespace zt::core::discovery {

struct RegistryAddress {
  std::string host;
  std::uint16_t port = 0;
};

// Parses "host:port"; throws std::invalid_argument naming the entry.
RegistryAddress parse_address(const std::string& text);

// With an internal secret, each request carries this process's signed service identity, so a
// registry reached through a gateway (an all-mode node) takes it for one of ours — the gateway
// admits only staff to the registry otherwise.
std::unique_ptr<RegistryApi> make_http_registry(std::vector<RegistryAddress> addresses, std::string internal_secret = "",
                                                std::string service = "");

}  // namespace zt::core::discovery
