#pragma once
// Sliding-window statistics: a ring of time buckets with atomic counters, combined on read.
// Writers touch one bucket with relaxed atomic adds; a bucket whose time has passed is reset by
// the first writer that sees it (others wait for that reset, which is rare and short).
#include <atomic>
#include <cstdint>
#include <memory>

#include "core/resilience/clock.hpp"

namespace zt::core::resilience {

enum class Metric : int { kPass = 0, kBlock, kSuccess, kFailure, kRtSumMicros, kSlow, kCount };

class SlidingWindow {
 public:
  // `buckets` buckets covering `interval` nanoseconds (interval must divide evenly).
  SlidingWindow(int buckets, Nanos interval);

  void add(Metric m, std::int64_t n, Nanos now);
  void add_rt(Nanos rt, Nanos now);  // response time: sum and minimum
  std::int64_t sum(Metric m, Nanos now) const;
  // Minimum response time over the window in microseconds; -1 when no call completed.
  std::int64_t min_rt_micros(Nanos now) const;
  // Counts per second over the window.
  double rate(Metric m, Nanos now) const;
  Nanos interval() const { return interval_; }
  int buckets() const { return count_; }
  // The largest count of one bucket in the window.
  std::int64_t max_bucket(Metric m, Nanos now) const;
  // Forgets everything counted so far (a breaker closing starts afresh).
  void reset();

 private:
  struct alignas(64) Bucket {
    std::atomic<Nanos> start{-1};
    std::atomic<std::int64_t> values[static_cast<int>(Metric::kCount)] = {};
    std::atomic<std::int64_t> min_rt{INT64_MAX};
  };
  Bucket& current(Nanos now);
  bool valid(const Bucket& b, Nanos now) const;

  int count_;
  Nanos interval_;
  Nanos bucket_len_;
  std::unique_ptr<Bucket[]> buckets_;
  std::atomic_flag resetting_ = ATOMIC_FLAG_INIT;
};

}  // namespace zt::core::resilience
