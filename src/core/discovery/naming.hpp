#pragma once
// What discovery knows about a service: its instances and a version that changes with them.
// Shared by the registry (which keeps them) and the clients (which resolve and balance over them).
#include <boost/describe.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace zt::core::discovery {

struct Instance {
  std::string service;
  std::string id;  // unique within the service, e.g. "mall-7f9c@10.0.3.4:8080"
  std::string host;
  std::int64_t port = 0;
  std::int64_t weight = 100;  // 0..10000; 0 takes no traffic
  bool enabled = true;        // false: taken offline by an operator (draining)
  bool healthy = true;        // heartbeats arrive within the TTL
  std::map<std::string, std::string> metadata;  // version, zone, tag (canary), ...

  std::string tag() const {
    auto it = metadata.find("tag");
    return it == metadata.end() ? std::string() : it->second;
  }
  // Takes traffic: healthy, enabled and weighted.
  bool serving() const { return healthy && enabled && weight > 0; }
};
BOOST_DESCRIBE_STRUCT(Instance, (), (service, id, host, port, weight, enabled, healthy, metadata))

struct ServiceSnapshot {
  std::string service;
  std::int64_t version = 0;  // differs whenever anything about the instances changes
  // The healthy share fell under the protect threshold, so unhealthy instances are included
  // rather than overloading the few healthy ones.
  bool protect_applied = false;
  std::vector<Instance> instances;
};
BOOST_DESCRIBE_STRUCT(ServiceSnapshot, (), (service, version, protect_applied, instances))

// What an instance sends when it registers.
struct Registration {
  std::string service;
  std::string id;
  std::string host;
  std::int64_t port = 0;
  std::optional<std::int64_t> weight;
  std::map<std::string, std::string> metadata;
};
BOOST_DESCRIBE_STRUCT(Registration, (), (service, id, host, port, weight, metadata))

// Checks names, address and weight; returns the Chinese reason of the first problem, or nothing.
std::optional<std::string> validate(const Registration& r);
bool valid_name(std::string_view name);  // service names and instance ids: [A-Za-z0-9._:@-], 1..128

}  // namespace zt::core::discovery
