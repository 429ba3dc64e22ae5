#pragma once
// Components wire a piece of the platform: read their config section, find their dependencies,
// register routes, own their lifecycle. Business rules live in plain classes (STYLE: userver).
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config.hpp"
#include "core/util/embedded.hpp"

namespace zt::core::net {
class IoRuntime;
}
namespace zt::core::http {
class Router;
class ServiceKeys;
}
namespace zt::core::observe {
class Registry;
}
namespace zt::core::storage {
class Database;
}

namespace zt::core {

class Component {
 public:
  virtual ~Component() = default;
  // Called in dependency order after every component is constructed (routes are registered in
  // constructors, so no route is added while a listener runs).
  virtual void start() {}
  // Called in reverse order on shutdown. Listeners drain here.
  virtual void stop() {}
  virtual bool ready() const { return true; }
};

class ComponentContext;

struct ComponentSpec {
  std::string name;
  std::string description;
  std::vector<std::string> dependencies;
  // Started after these when they run in the same process, without requiring them (the discovery
  // client uses the in-process registry in `--target all`, the HTTP one when split).
  std::vector<std::string> after;
  // Runs in every process where all its dependencies run, without being asked for (the span
  // export runs wherever discovery does).
  bool follows_dependencies = false;
  // Registers in discovery under its name: a service other components and the gateway call.
  bool service = false;
  config::Schema schema;  // section == name; may have no fields
  std::span<const EmbeddedFile> (*migrations)() = nullptr;
  // The service's OpenAPI 3 document (openapi.yaml beside its code): the gateway validates
  // requests against it, the console renders it.
  std::span<const EmbeddedFile> (*openapi)() = nullptr;
  std::function<std::unique_ptr<Component>(ComponentContext&)> make;
};

// What a component may reach while it is constructed.
class ComponentContext {
 public:
  virtual ~ComponentContext() = default;
  virtual const std::string& name() const = 0;
  virtual const config::Section& config() const = 0;
  virtual const config::Config& full_config() const = 0;
  virtual net::IoRuntime& runtime() = 0;
  virtual http::Router& public_router() = 0;
  virtual http::Router& admin_router() = 0;
  virtual observe::Registry& metrics() = 0;
  // The component's own database (one SQLite file or PostgreSQL schema per component), migrated.
  virtual storage::Database& database() = 0;
  // A dependency that was constructed before this component.
  virtual Component& dependency(std::string_view name) = 0;
  // A component of this process constructed before this one (a dependency or an `after`), or null.
  virtual Component* find(std::string_view name) = 0;
  // The specs of every component in this process, in start order.
  virtual const std::vector<const ComponentSpec*>& specs() const = 0;
  // The specs of every component the binary has, whether it runs here or not (the gateway reads
  // every service's declarations).
  virtual const std::vector<ComponentSpec>& all_specs() const = 0;
  // The keys this process's services sign and verify calls with (core/http/identity.hpp):
  // node.service_keys, or keys derived from node.internal_secret; none when neither is set.
  virtual std::shared_ptr<const http::ServiceKeys> service_keys() = 0;
  // The names of every component in this process, in start order.
  virtual const std::vector<std::string>& components() const = 0;
  // Readiness of the whole process (every started component ready, not draining).
  virtual bool process_ready() const = 0;

  template <class T>
  T& get(std::string_view name) {
    return dynamic_cast<T&>(dependency(name));
  }
};

}  // namespace zt::core
