#include "core/resilience/window.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace zt::core::resilience {

SlidingWindow::SlidingWindow(int buckets, Nanos interval)
    : count_(buckets), interval_(interval), bucket_len_(buckets > 0 ? interval / buckets : 0),
      buckets_(new Bucket[static_cast<std::size_t>(buckets > 0 ? buckets : 1)]) {
  if (buckets < 1 || interval <= 0 || interval % buckets != 0)
    throw std::invalid_argument("window interval must be positive and divisible by the bucket count");
}

SlidingWindow::Bucket& SlidingWindow::current(Nanos now) {
  const Nanos start = now - now % bucket_len_;
  Bucket& b = buckets_[static_cast<std::size_t>((now / bucket_len_) % count_)];
  for (;;) {
    Nanos seen = b.start.load(std::memory_order_acquire);
    if (seen == start) return b;
    if (seen > start) return b;  // a clock that went back: count into the newer bucket
    if (!resetting_.test_and_set(std::memory_order_acquire)) {
      if (b.start.load(std::memory_order_relaxed) == seen) {
        for (auto& v : b.values) v.store(0, std::memory_order_relaxed);
        b.min_rt.store(INT64_MAX, std::memory_order_relaxed);
        b.start.store(start, std::memory_order_release);
      }
      resetting_.clear(std::memory_order_release);
    } else {
      std::this_thread::yield();
    }
  }
}

std::int64_t SlidingWindow::max_bucket(Metric m, Nanos now) const {
  std::int64_t best = 0;
  for (int i = 0; i < count_; ++i)
    if (valid(buckets_[i], now)) best = std::max(best, buckets_[i].values[static_cast<int>(m)].load(std::memory_order_relaxed));
  return best;
}

void SlidingWindow::reset() {
  for (int i = 0; i < count_; ++i) buckets_[i].start.store(-1, std::memory_order_release);
}

bool SlidingWindow::valid(const Bucket& b, Nanos now) const {
  Nanos s = b.start.load(std::memory_order_acquire);
  return s >= 0 && s > now - interval_ && s <= now;
}

void SlidingWindow::add(Metric m, std::int64_t n, Nanos now) {
  current(now).values[static_cast<int>(m)].fetch_add(n, std::memory_order_relaxed);
}

void SlidingWindow::add_rt(Nanos rt, Nanos now) {
  Bucket& b = current(now);
  std::int64_t micros = rt / 1000;
  b.values[static_cast<int>(Metric::kRtSumMicros)].fetch_add(micros, std::memory_order_relaxed);
  std::int64_t prev = b.min_rt.load(std::memory_order_relaxed);
  while (micros < prev && !b.min_rt.compare_exchange_weak(prev, micros, std::memory_order_relaxed)) {
  }
}

std::int64_t SlidingWindow::sum(Metric m, Nanos now) const {
  std::int64_t total = 0;
  for (int i = 0; i < count_; ++i)
    if (valid(buckets_[i], now)) total += buckets_[i].values[static_cast<int>(m)].load(std::memory_order_relaxed);
  return total;
}

std::int64_t SlidingWindow::min_rt_micros(Nanos now) const {
  std::int64_t best = INT64_MAX;
  for (int i = 0; i < count_; ++i)
    if (valid(buckets_[i], now)) best = std::min(best, buckets_[i].min_rt.load(std::memory_order_relaxed));
  return best == INT64_MAX ? -1 : best;
}

double SlidingWindow::rate(Metric m, Nanos now) const {
  return static_cast<double>(sum(m, now)) * static_cast<double>(kSecond) / static_cast<double>(interval_);
}

}  // namespace zt::core::resilience
