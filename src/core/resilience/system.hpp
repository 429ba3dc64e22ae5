#pragma once
// System adaptive protection (Sentinel's system rule) over all inbound traffic of the process:
// limits on inbound QPS, concurrency and average response time, and — when CPU usage or the load
// average is above its threshold — the BBR-style check: admit only while
//   concurrency <= max successful QPS (per second, over the last 10 s) x minimum RT,
// the throughput the process has shown it can sustain (Little's law), so an overloaded process
// sheds just the excess instead of collapsing.
#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "core/resilience/decision.hpp"
#include "core/resilience/window.hpp"

namespace zt::core::resilience {

struct SystemRule {
  std::string id = "system";
  std::optional<double> max_qps;
  std::optional<std::int64_t> max_concurrency;
  std::optional<Nanos> max_avg_rt;
  std::optional<double> max_cpu;   // 0..1 of the whole machine
  std::optional<double> max_load;  // 1-minute load average
  bool shadow = false;
};

struct SystemReadings {
  double cpu = 0;   // 0..1
  double load = 0;  // load1
};

// Reads /proc/stat and /proc/loadavg at most once per second.
class HostSampler {
 public:
  SystemReadings read(Nanos now);

 private:
  std::atomic_flag busy_ = ATOMIC_FLAG_INIT;
  std::atomic<Nanos> last_{-1};
  std::atomic<double> cpu_{0};
  std::atomic<double> load_{0};
  unsigned long long prev_total_ = 0, prev_idle_ = 0;
};

class SystemGuard {
 public:
  using Readings = std::function<SystemReadings(Nanos)>;
  // `readings` defaults to the host sampler; tests pass their own.
  explicit SystemGuard(Readings readings = {});

  Decision check(const SystemRule& rule, Nanos now);
  void on_enter(Nanos now);
  void on_exit(Nanos rt, bool failed, Nanos now);
  void on_cancel() { concurrency_.fetch_sub(1, std::memory_order_relaxed); }

  double qps(Nanos now) const { return second_.rate(Metric::kPass, now); }
  std::int64_t concurrency() const { return concurrency_.load(std::memory_order_relaxed); }
  double avg_rt_ms(Nanos now) const;
  // Little's-law capacity: max successes in one second over the last 10 s times the min RT.
  double capacity(Nanos now) const;

 private:
  Readings readings_;
  HostSampler sampler_;
  SlidingWindow second_{2, kSecond};
  SlidingWindow ten_{10, 10 * kSecond};
  std::atomic<std::int64_t> concurrency_{0};
};

}  // namespace zt::core::resilience
