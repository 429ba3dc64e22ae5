#pragma once
// Circuit breakers on slow-call ratio, error ratio or error count (Sentinel's degrade rules).
//
// closed --(threshold exceeded over stat_interval, with at least min_requests calls)--> open
// open --(recovery elapsed, next call)--> half-open: up to `probes` calls pass as probes
// half-open --(a probe fails or is slow)--> open;  --(all probes succeed)--> closed
// half-open --(probes not all back within `recovery`)--> open   (never stuck half-open)
//
// Thresholds follow Sentinel: a ratio opens when it exceeds the threshold (or equals it at 1.0);
// an error count opens when the errors in the interval exceed the threshold.
#include <atomic>
#include <functional>
#include <mutex>
#include <string>

#include "core/resilience/decision.hpp"
#include "core/resilience/window.hpp"

namespace zt::core::resilience {

enum class BreakerStrategy { kSlowRatio, kErrorRatio, kErrorCount };
enum class BreakerState { kClosed, kOpen, kHalfOpen };

const char* breaker_state_name(BreakerState s);

struct BreakerRule {
  std::string id;
  std::string resource;
  BreakerStrategy strategy = BreakerStrategy::kErrorRatio;
  double threshold = 0.5;  // ratio in [0, 1] or an error count
  Nanos max_rt = 1 * kSecond;  // slow-call limit, for kSlowRatio
  Nanos stat_interval = 1 * kSecond;
  int min_requests = 5;
  Nanos recovery = 10 * kSecond;
  int probes = 1;
  bool shadow = false;

  friend bool operator==(const BreakerRule&, const BreakerRule&) = default;
};

// What a caller holds for one call: pass it back to on_complete.
struct Permit {
  bool pass = false;
  bool probe = false;
};

class CircuitBreaker {
 public:
  using Listener = std::function<void(const BreakerRule&, BreakerState from, BreakerState to, Nanos at)>;

  explicit CircuitBreaker(BreakerRule rule, Listener listener = {});

  Permit try_pass(Nanos now);
  void on_complete(const Permit& permit, Nanos rt, bool error, Nanos now);
  BreakerState state() const { return state_.load(std::memory_order_acquire); }
  const BreakerRule& rule() const { return rule_; }

 private:
  bool bad(Nanos rt, bool error) const;
  void transition(BreakerState to, Nanos now);  // mutex held
  void check_threshold(Nanos now);

  BreakerRule rule_;
  Listener listener_;
  std::atomic<BreakerState> state_{BreakerState::kClosed};
  SlidingWindow window_;
  std::mutex mutex_;
  Nanos opened_at_ = 0;
  Nanos half_open_at_ = 0;
  int probes_issued_ = 0;
  int probes_succeeded_ = 0;
};

}  // namespace zt::core::resilience
