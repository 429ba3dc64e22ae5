#pragma once
// The registry API over HTTP, for processes that do not run the registry themselves. Several
// registry addresses may be given; a failing one is skipped for the next.
#include <memory>
#include <string>
#include <vector>

#include "core/discovery/registry_api.hpp"
#include "core/http/identity.hpp"

namespace zt::core::discovery {

struct RegistryAddress {
  std::string host;
  std::uint16_t port = 0;
};

// Parses "host:port"; throws std::invalid_argument naming the entry.
RegistryAddress parse_address(const std::string& text);

// Each request carries a service identity signed with `keys` (core/http/identity.hpp): a
// registration, heartbeat or deregistration as the service it is for, anything else as the
// process's first service. The registry refuses unsigned calls and any for a service the signer
// is not.
std::unique_ptr<RegistryApi> make_http_registry(std::vector<RegistryAddress> addresses,
                                                std::shared_ptr<const http::ServiceKeys> keys);

}  // namespace zt::core::discovery
