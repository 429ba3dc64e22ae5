#pragma once
// Resilience rules as data (YAML or JSON), validated with errors naming the field and line.
//
//   flow:
//     - {id: orders-qps, resource: "POST /api/mall/v1/orders", grade: qps, count: 100,
//        behavior: reject | warm_up | queue, warm_up_seconds: 10, cold_factor: 3,
//        max_queueing_ms: 500, shadow: false}
//   keyed:
//     - {id: per-customer, resource: "*", key: customer | ip | header:<name> | query:<name> | path:<name>,
//        rate: 10, period_ms: 1000, burst: 20, max_keys: 100000,
//        overrides: {"F0001": {rate: 100, burst: 100}}, shadow: false}
//   breakers:
//     - {id: counter-errors, resource: counter, strategy: error_ratio | slow_ratio | error_count,
//        threshold: 0.5, max_rt_ms: 1000, stat_interval_ms: 1000, min_requests: 5,
//        recovery_ms: 10000, probes: 1, shadow: false}
//   bulkheads:
//     - {id: counter, resource: counter, max_concurrent: 50}
//   cluster:   # needs resilience.redis_host
//     - {id: orders-global, resource: "POST /api/mall/v1/orders", key: customer (optional),
//        rate: 1000, period_ms: 1000, burst: 10, fail_mode: open | closed,
//        fallback_rate: 100, fallback_burst: 10}
//   system: {max_qps: 20000, max_concurrency: 2000, max_avg_rt_ms: 500, max_cpu: 0.9,
//            max_load: 8, shadow: false}
//
// A resource is "<METHOD> <route template>" for inbound HTTP, "*" for every route, or a
// dependency name for outbound calls (breakers, bulkheads).
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/yaml_problem.hpp"
#include "core/resilience/breaker.hpp"
#include "core/resilience/cluster.hpp"
#include "core/resilience/flow.hpp"
#include "core/resilience/limiter.hpp"
#include "core/resilience/system.hpp"

namespace zt::core::resilience {

struct KeyedRule {
  std::string id;
  std::string resource;
  std::string key;  // customer | ip | header:<name> | query:<name> | path:<name>
  BucketSpec spec;
  std::size_t max_keys = 100'000;
  std::map<std::string, BucketSpec> overrides;
  bool shadow = false;

  friend bool operator==(const KeyedRule&, const KeyedRule&) = default;
};

struct ClusterRule {
  std::string resource;
  std::string key;  // as for keyed rules; empty: one bucket for the whole resource
  ClusterLimitRule limit;

  friend bool operator==(const ClusterRule&, const ClusterRule&) = default;
};

struct BulkheadRule {
  std::string id;
  std::string resource;
  std::int64_t max_concurrent = 0;

  friend bool operator==(const BulkheadRule&, const BulkheadRule&) = default;
};

struct RuleSet {
  std::vector<FlowRule> flow;
  std::vector<KeyedRule> keyed;
  std::vector<BreakerRule> breakers;
  std::vector<BulkheadRule> bulkheads;
  std::vector<ClusterRule> cluster;
  std::optional<SystemRule> system;
};

using RuleProblem = config::YamlProblem;

class RuleError : public std::runtime_error {
 public:
  explicit RuleError(std::vector<RuleProblem> problems);
  const std::vector<RuleProblem>& problems() const { return problems_; }

 private:
  std::vector<RuleProblem> problems_;
};

RuleSet parse_rules(std::string_view text);
std::string serialize_rules(const RuleSet& rules);  // YAML that parse_rules reads back

}  // namespace zt::core::resilience
