#pragma once
// Prometheus metrics: counters, gauges and histograms with bounded label sets.
// Series are created once (at route registration, component start) and updated lock-free.
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace zt::core::observe {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void inc(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

class Gauge {
 public:
  void set(std::int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void add(std::int64_t d) { value_.fetch_add(d, std::memory_order_relaxed); }
  std::int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> value_{0};
};

class Histogram {
 public:
  // Upper bounds in seconds, ascending; +Inf is implicit.
  explicit Histogram(std::span<const double> bounds);
  void observe_seconds(double seconds);
  void observe_micros(std::uint64_t micros) { observe_seconds(static_cast<double>(micros) / 1e6); }
  std::uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  double sum_seconds() const { return static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6; }
  std::vector<std::uint64_t> cumulative_counts() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::uint64_t> sum_micros_{0};
};

// Latency buckets for request handling, 0.5 ms .. 10 s.
std::span<const double> default_latency_buckets();

class Registry {
 public:
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help, const Labels& labels = {},
                       std::span<const double> bounds = default_latency_buckets());
  // Prometheus text exposition format 0.0.4. Collectors run first (outside the registry lock),
  // so gauges of sizes and states are read when scraped rather than kept up on every change.
  std::string render() const;
  std::uint64_t add_collector(std::function<void()> fn);
  void remove_collector(std::uint64_t id);

 private:
  enum class Kind { kCounter, kGauge, kHistogram };
  struct Family {
    std::string help;
    Kind kind;
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
    std::map<Labels, std::unique_ptr<Histogram>> histograms;
  };
  Family& family(const std::string& name, const std::string& help, Kind kind);
  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
  mutable std::mutex collectors_mutex_;  // held while collectors run: removal waits for a running one
  std::map<std::uint64_t, std::function<void()>> collectors_;
  std::uint64_t next_collector_ = 1;
};

}  // namespace zt::core::observe
