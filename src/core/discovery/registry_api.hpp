#pragma once
// What a process needs from the registry and config center. Two implementations with the same
// behaviour: the registry component itself when it runs in this process (`--target all`, no
// network hop), and HttpRegistryApi over the registry's HTTP API when split.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/discovery/config_types.hpp"
#include "core/discovery/naming.hpp"

namespace zt::core::discovery {

class RegistryApi {
 public:
  virtual ~RegistryApi() = default;
  virtual boost::asio::awaitable<void> register_instance(Registration r) = 0;
  // False when the registry does not know the instance (expired, or the registry restarted):
  // the caller registers again.
  virtual boost::asio::awaitable<bool> heartbeat(std::string service, std::string id) = 0;
  virtual boost::asio::awaitable<void> deregister(std::string service, std::string id) = 0;
  // The serving view of a service, once its version differs from known_version (at once when it
  // already does, or known_version < 0), or when `wait` has passed. `every_instance`: all of them,
  // taken offline and unhealthy ones included (a process reading an operator's decision about
  // its own instance), instead of those that take traffic.
  virtual boost::asio::awaitable<ServiceSnapshot> watch(std::string service, std::int64_t known_version,
                                                        std::chrono::milliseconds wait, bool every_instance) = 0;
  // The keys whose content for `tag` differs from the MD5 the caller holds; waits up to `wait`
  // for one to change when none differs yet.
  virtual boost::asio::awaitable<std::vector<ConfigKey>> listen(std::vector<ConfigWatch> watches, std::string tag,
                                                                std::chrono::milliseconds wait) = 0;
  // The content an instance with `tag` gets (the gray version when the tag matches), if any.
  virtual boost::asio::awaitable<std::optional<ConfigItem>> get_config(ConfigKey key, std::string tag) = 0;
  virtual boost::asio::awaitable<void> ack_config(ConfigAck ack) = 0;
};

// Implemented by the registry component, found by the discovery component in the same process.
class RegistryProvider {
 public:
  virtual ~RegistryProvider() = default;
  virtual RegistryApi& registry_api() = 0;
};

}  // namespace zt::core::discovery
