#pragma once
// Load balancers picked by name (STYLE: brpc): round_robin, weighted_round_robin, p2c
// (power-of-two-choices on in-flight requests) and consistent_hash (on a request key).
// A balancer sees only the candidates the caller passes (already filtered to serving instances)
// and keeps its per-instance state by instance id, so a snapshot change never resets the others.
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/discovery/naming.hpp"

namespace zt::core::discovery {

class Balancer {
 public:
  virtual ~Balancer() = default;
  // Index into candidates (never empty). `key` is used by consistent_hash only.
  virtual std::size_t pick(std::span<const Instance> candidates, std::string_view key) = 0;
  // In-flight accounting for p2c; others ignore it.
  virtual void on_start(const Instance&) {}
  virtual void on_finish(const Instance&) {}
};

// Throws std::invalid_argument listing the valid names.
std::unique_ptr<Balancer> make_balancer(std::string_view name);
std::vector<std::string> balancer_names();

// FNV-1a 64: stable across processes and builds, so replicas agree on a consistent-hash ring.
std::uint64_t stable_hash(std::string_view s);

}  // namespace zt::core::discovery
