#pragma once
// The registry's instance table (framework-free): registration, heartbeats, TTL expiry, operator
// overrides (offline, weight) and the protect threshold. Time is passed in, so tests drive it.
//
// Liveness: an instance is unhealthy once `unhealthy_after` heartbeat intervals pass without a
// heartbeat (default 3 × 2 s = 6 s) and removed after `remove_after` intervals (20 s).
// Versions come from one revision counter that only grows (seeded from the wall clock at start),
// so a client holding a version from before a registry restart still sees a different one.
#include <boost/describe.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/discovery/naming.hpp"

namespace zt::platform::registry {

struct NamingPolicy {
  std::int64_t heartbeat_interval_ms = 2000;
  std::int64_t unhealthy_after = 3;  // missed heartbeats
  std::int64_t remove_after = 10;
  double protect_threshold = 0.0;  // 0 disables
};

// What an operator set on an instance; it outlives the instance's registration.
struct Override {
  std::optional<bool> enabled;
  std::optional<std::int64_t> weight;
};

struct ServiceSummary {
  std::string service;
  std::int64_t version = 0;
  std::int64_t instances = 0;
  std::int64_t healthy = 0;
  std::int64_t serving = 0;
};
BOOST_DESCRIBE_STRUCT(ServiceSummary, (), (service, version, instances, healthy, serving))

class NamingTable {
 public:
  NamingTable(NamingPolicy policy, std::int64_t first_revision);

  // Registers or refreshes; true when anything visible changed. Overrides win over the
  // registration's weight.
  bool register_instance(const core::discovery::Registration& r, std::int64_t now_ms);
  // False when the instance is unknown (expired or never registered).
  bool heartbeat(const std::string& service, const std::string& id, std::int64_t now_ms);
  bool deregister(const std::string& service, const std::string& id);
  // Operator actions; false when the instance is unknown. The override is kept for re-registration.
  bool apply_override(const std::string& service, const std::string& id, const Override& o);
  void load_override(const std::string& service, const std::string& id, const Override& o);
  Override override_of(const std::string& service, const std::string& id) const;

  // Liveness decided elsewhere (a shared store's leases): true when anything visible changed.
  bool set_healthy(const std::string& service, const std::string& id, bool healthy);
  // Keeps the override (replacing the kept one) and applies it to the instance if registered;
  // true when anything visible changed.
  bool put_override(const std::string& service, const std::string& id, const Override& o);

  // Marks instances unhealthy or removes them by elapsed time; returns the services that changed.
  std::vector<std::string> sweep(std::int64_t now_ms);

  // healthy_only: healthy and enabled instances — or every enabled one, flagged, when the healthy
  // share is under the protect threshold.
  core::discovery::ServiceSnapshot list(const std::string& service, bool healthy_only) const;
  std::int64_t version(const std::string& service) const;  // 0 for a service never seen
  std::vector<ServiceSummary> services() const;
  const NamingPolicy& policy() const { return policy_; }

 private:
  struct Entry {
    core::discovery::Instance instance;
    std::int64_t last_beat_ms = 0;
  };
  struct Service {
    std::int64_t version = 0;
    std::map<std::string, Entry> instances;
  };
  void touch(Service& s) { s.version = ++revision_; }
  static void apply(core::discovery::Instance& i, const Override& o);

  NamingPolicy policy_;
  mutable std::mutex mutex_;
  std::int64_t revision_;
  std::map<std::string, Service, std::less<>> services_;
  std::map<std::pair<std::string, std::string>, Override> overrides_;
};

}  // namespace zt::platform::registry
