#pragma once
// Outlier ejection per upstream instance (Envoy's outlier detection, reduced to what callers
// need): after `consecutive_failures` failures in a row (5xx answers or connect failures) an
// instance is left out of balancing for base_ejection × (times ejected before + 1), capped at
// max_ejection. Never more than max_ejected_share of a pool is ejected at once, and never its last
// instance — better a struggling instance than none.
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/resilience/clock.hpp"

namespace zt::core::resilience {

struct OutlierOptions {
  int consecutive_failures = 5;
  Nanos base_ejection = 10 * kSecond;
  Nanos max_ejection = 300 * kSecond;
  double max_ejected_share = 0.5;
};

class OutlierDetector {
 public:
  explicit OutlierDetector(OutlierOptions options = {});

  // Records one call's outcome for instance `id` of a pool of `pool_size` instances; true when
  // this failure ejected it.
  bool record(const std::string& id, bool failure, Nanos now, std::size_t pool_size);
  bool ejected(const std::string& id, Nanos now) const;
  std::size_t ejected_count(Nanos now) const;
  // How many times `id` has been ejected (the multiplier of its next ejection).
  int times_ejected(const std::string& id) const;
  const OutlierOptions& options() const { return options_; }

 private:
  struct State {
    int consecutive = 0;
    int times_ejected = 0;
    Nanos ejected_until = 0;
  };
  std::size_t ejected_locked(Nanos now) const;

  OutlierOptions options_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, State> states_;
};

// Retries allowed as a share of calls (Finagle's retry budget): each call deposits `ratio` of a
// retry, each second deposits `min_per_second`, a retry withdraws one; the balance is capped at
// ten seconds' worth, so a burst of failures cannot turn into a retry storm.
class RetryBudget {
 public:
  explicit RetryBudget(double ratio = 0.2, double min_per_second = 10.0);
  void on_call(Nanos now);
  bool try_retry(Nanos now);  // true and withdrawn, or false: no retry

 private:
  void refill(Nanos now);
  // In thousandths of a retry, so that five calls at 0.2 make exactly one.
  std::int64_t per_call_;
  std::int64_t per_second_;
  std::int64_t cap_;
  std::mutex mutex_;
  std::int64_t balance_;
  Nanos last_ = 0;
};

}  // namespace zt::core::resilience
