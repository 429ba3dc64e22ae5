#pragma once
// Flow rules (the Sentinel role) by QPS or by concurrency, with three behaviours:
// - reject: admit while the last second's passes (or the current concurrency) stay within count;
// - warm-up: Guava/Sentinel token-bucket warm-up — a cold resource starts at count / cold_factor
//   per second and rises to count over warm_up_seconds while traffic keeps it warm;
// - queue: admissions spaced by 1/count; a request waits (on a timer, never blocking a thread)
//   up to max_queueing, and is refused when its wait would exceed that.
//
// All rules of a resource are checked and the pass recorded under one short lock, so a limit of
// N admits exactly N per window however many threads race (Sentinel's check-then-add can
// over-admit under concurrency).
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/resilience/decision.hpp"
#include "core/resilience/window.hpp"

namespace zt::core::resilience {

enum class FlowGrade { kQps, kConcurrency };
enum class FlowBehavior { kReject, kWarmUp, kQueue };

struct FlowRule {
  std::string id;
  std::string resource;
  FlowGrade grade = FlowGrade::kQps;
  double count = 0;
  FlowBehavior behavior = FlowBehavior::kReject;
  int warm_up_seconds = 10;
  int cold_factor = 3;
  Nanos max_queueing = 500 * kMilli;
  bool shadow = false;

  friend bool operator==(const FlowRule&, const FlowRule&) = default;
};

// Live statistics of one resource.
class ResourceStats {
 public:
  explicit ResourceStats(int buckets = 2, Nanos interval = kSecond) : window(buckets, interval) {}
  SlidingWindow window;
  std::atomic<std::int64_t> concurrency{0};

  // Passes in the previous whole second (for warm-up); kept under the resource lock.
  std::int64_t previous_second_pass(Nanos now) {
    roll(now);
    return previous_second_;
  }
  void count_second_pass(int n, Nanos now) {
    roll(now);
    this_second_ += n;
  }

 private:
  void roll(Nanos now) {
    const Nanos second = now - now % kSecond;
    if (second == second_) return;
    previous_second_ = second == second_ + kSecond ? this_second_ : 0;
    this_second_ = 0;
    second_ = second;
  }
  Nanos second_ = -1;
  std::int64_t this_second_ = 0;
  std::int64_t previous_second_ = 0;
};

class FlowController {
 public:
  virtual ~FlowController() = default;
  // Called with the resource lock held: may keep plain state.
  virtual Decision check(ResourceStats& stats, int acquire, Nanos now) = 0;
};

std::unique_ptr<FlowController> make_controller(const FlowRule& rule);

// A resource's flow rules and statistics. enter() decides and records the pass; exit() records
// the completion (response time, success or failure) and releases concurrency.
class FlowResource {
 public:
  explicit FlowResource(std::vector<FlowRule> rules, int buckets = 2, Nanos interval = kSecond);
  Decision enter(int acquire, Nanos now);
  void exit(int acquire, Nanos rt, bool failed, Nanos now);
  // Gives back the concurrency of an admission that a later rule refused (no completion recorded).
  void release(int acquire) { stats_.concurrency.fetch_sub(acquire, std::memory_order_relaxed); }
  const ResourceStats& stats() const { return stats_; }
  const std::vector<FlowRule>& rules() const { return rules_; }
  std::int64_t shadow_blocks() const { return shadow_blocks_.load(std::memory_order_relaxed); }

 private:
  std::vector<FlowRule> rules_;
  std::vector<std::unique_ptr<FlowController>> controllers_;
  ResourceStats stats_;
  std::atomic_flag lock_ = ATOMIC_FLAG_INIT;
  std::atomic<std::int64_t> shadow_blocks_{0};
};

}  // namespace zt::core::resilience
