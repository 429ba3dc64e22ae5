#pragma once
// The resilience engine: the live rule set, swapped atomically, and the per-request decision.
// A request keeps the snapshot it entered with until it exits, so a rule change never splits
// one request's accounting across two rule sets.
#include <boost/asio/awaitable.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/resilience/rules.hpp"

namespace zt::core::observe {
class Registry;
}

namespace zt::core::resilience {

// Where keyed rules read their key from (customer, ip, header:x, query:x, path:x).
class KeySource {
 public:
  virtual ~KeySource() = default;
  virtual std::optional<std::string> value(std::string_view key_spec) const = 0;
};

class Engine {
 public:
  struct Snapshot;
  struct Ticket {
    std::shared_ptr<Snapshot> snapshot;
    FlowResource* flows[2] = {nullptr, nullptr};  // the resource's own rules, then "*"
    Bulkhead* bulkhead = nullptr;
    Nanos entered = 0;
    bool admitted = false;
  };

  explicit Engine(observe::Registry* metrics = nullptr, const Clock& clock = SteadyClock::instance(),
                  SystemGuard::Readings host_readings = {});
  ~Engine();

  // Replaces every rule at once, off the request path; requests switch atomically. A rule whose
  // content is unchanged keeps its statistics, buckets, breaker state and bulkhead occupancy;
  // changed and new rules start afresh.
  void apply(RuleSet rules);
  RuleSet rules() const;

  // Where cluster rules keep their buckets; without it, a rule set with cluster rules is refused.
  void set_redis(std::shared_ptr<net::RedisClient> redis) { redis_ = std::move(redis); }

  // Inbound: system rule, flow rules of the resource and of "*", keyed rules, bulkhead.
  Decision enter(std::string_view resource, const KeySource& keys, Ticket& ticket);
  // Then the cluster-wide rules of the resource (a Redis round trip), for an admitted ticket.
  boost::asio::awaitable<Decision> enter_cluster(std::string resource, const KeySource& keys, Ticket& ticket);
  bool has_cluster_rules(std::string_view resource) const;
  void exit(Ticket& ticket, bool failed);
  // Gives back what an admitted ticket holds when the request is refused before it runs (a
  // cluster rule, or a queue wait past its deadline): no completion and no response time are
  // recorded, so refusals cannot pass for fast successes in the statistics.
  void cancel(Ticket& ticket);

  // Outbound: the breaker guarding a dependency, if a rule names it (empty otherwise). The pointer
  // keeps its rule set alive across apply().
  std::shared_ptr<CircuitBreaker> breaker(std::string_view resource);

  // What the console shows of this process's rules: each rule's refusals (and shadow refusals)
  // since the process started, and admissions per resource with flow rules. Read from the metrics
  // counters, so counts survive rule changes; all zero without a metrics registry.
  struct RuleStats {
    std::string id;
    std::string kind;  // flow, keyed, breaker, bulkhead, cluster, system
    std::string resource;
    bool shadow = false;
    std::uint64_t blocked = 0;
    std::uint64_t shadow_blocked = 0;
    std::uint64_t passed = 0;  // flow rules: admissions on their resource
    std::string state;         // breakers: closed, open, half_open
  };
  struct Stats {
    std::uint64_t passed = 0;
    std::vector<RuleStats> rules;
  };
  Stats stats() const;

  Nanos now() const { return clock_.now(); }
  const SystemGuard& system() const { return system_; }

 private:
  std::shared_ptr<Snapshot> current() const;
  std::shared_ptr<Snapshot> build(RuleSet rules, const Snapshot* previous);

  observe::Registry* metrics_;
  std::uint64_t collector_ = 0;
  const Clock& clock_;
  std::shared_ptr<net::RedisClient> redis_;
  SystemGuard system_;  // inbound statistics outlive rule swaps
  std::atomic<std::shared_ptr<Snapshot>> snapshot_;
};

}  // namespace zt::core::resilience
