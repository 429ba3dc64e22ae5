#pragma once
// The discovery client (DESIGN §5): this process's services register themselves, heartbeat and
// deregister on stop; a resolved service is a live snapshot kept current by a watch and saved on
// disk, so a registry outage — or a restart while the registry is down — still resolves; the
// dynamic settings follow a config-center item, validated, applied atomically and acknowledged.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "core/app/component.hpp"
#include "core/discovery/naming.hpp"
#include "core/http/handler.hpp"

namespace zt::core::discovery {

class ServiceClient;

class Discovery {
 public:
  virtual ~Discovery() = default;
  // The last known serving instances of a service, or null before the first answer. The first
  // call starts following the service.
  virtual std::shared_ptr<const ServiceSnapshot> snapshot(const std::string& service) = 0;
  // Like snapshot(), waiting up to `wait` for the first answer about a service not yet known.
  virtual boost::asio::awaitable<std::shared_ptr<const ServiceSnapshot>> resolve(std::string service,
                                                                                 std::chrono::milliseconds wait) = 0;
  // Whether `service` runs in this process (then calls to it stay in-process).
  virtual bool local(std::string_view service) const = 0;
  // The in-process request chain, for local calls.
  virtual const http::Handler& local_handler() const = 0;
  // Calls to other services by name (in-process or over HTTP): see service_client.hpp.
  virtual ServiceClient& client() = 0;
};

ComponentSpec discovery_spec(std::string version);

}  // namespace zt::core::discovery
