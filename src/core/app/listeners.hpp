#pragma once
// The two listeners every process has (DESIGN §2): the public HTTP listener and the admin
// listener (/metrics, /healthz, /readyz, /config), never exposed publicly.
#include <cstdint>
#include <memory>

#include "core/app/component.hpp"
#include "core/http/handler.hpp"

namespace zt::core {

// What other components may ask of a listener once it has started.
class Listener : public Component {
 public:
  virtual std::uint16_t port() const = 0;  // the bound port (meaningful after start)
  // The whole request chain (middleware + router): in-process calls go through the same filters.
  virtual http::Handler handler() const = 0;
  // Installs the middleware that sees every request first, after metrics and the access log (the
  // gateway, when this process runs one). Swapped atomically; null removes it.
  virtual void set_front(std::shared_ptr<http::Middleware> front) = 0;
};

// The service what this process records belongs to when nothing else says (an unmatched path, a
// log line of no service): the gateway when it runs here, else the process's first service.
std::string process_service(ComponentContext& ctx);

ComponentSpec admin_listener_spec();
ComponentSpec public_listener_spec();

}  // namespace zt::core
