#include "core/observe/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

namespace zt::core::observe {
namespace {

constexpr double kLatencyBuckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                      0.1,    0.25,  0.5,    1.0,   2.5,  5.0,   10.0};

std::string escape_label(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string label_text(const Labels& labels, const std::string& extra = {}) {
  if (labels.empty() && extra.empty()) return {};
  std::string s = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) s += ',';
    first = false;
    s += k + "=\"" + escape_label(v) + "\"";
  }
  if (!extra.empty()) {
    if (!first) s += ',';
    s += extra;
  }
  return s + "}";
}

std::string format_double(double v) {
  if (v == static_cast<double>(static_cast<long long>(v)) && v < 1e15) return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);
}

}  // namespace

std::span<const double> default_latency_buckets() { return kLatencyBuckets; }

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds.begin(), bounds.end()), buckets_(new std::atomic<std::uint64_t>[bounds.size() + 1]) {
  if (!std::is_sorted(bounds_.begin(), bounds_.end())) throw std::invalid_argument("histogram bounds must ascend");
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe_seconds(double seconds) {
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), seconds);
  buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<std::uint64_t>(std::max(0.0, seconds) * 1e6), std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::cumulative_counts() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1);
  std::uint64_t acc = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    acc += buckets_[i].load(std::memory_order_relaxed);
    out[i] = acc;
  }
  return out;
}

Registry::Family& Registry::family(const std::string& name, const std::string& help, Kind kind) {
  auto [it, inserted] = families_.try_emplace(name);
  if (inserted) {
    it->second.help = help;
    it->second.kind = kind;
  } else if (it->second.kind != kind) {
    throw std::logic_error(fmt::format("metric {} registered with two types", name));
  }
  return it->second;
}

Counter& Registry::counter(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = family(name, help, Kind::kCounter).counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Registry::gauge(const std::string& name, const std::string& help, const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& slot = family(name, help, Kind::kGauge).gauges[labels];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Registry::histogram(const std::string& name, const std::string& help, const Labels& labels,
                               std::span<const double> bounds) {
  std::lock_guard lock(mutex_);
  auto& slot = family(name, help, Kind::kHistogram).histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>(bounds);
  return *slot;
}

std::uint64_t Registry::add_collector(std::function<void()> fn) {
  std::lock_guard lock(collectors_mutex_);
  collectors_.emplace(next_collector_, std::move(fn));
  return next_collector_++;
}

void Registry::remove_collector(std::uint64_t id) {
  std::lock_guard lock(collectors_mutex_);
  collectors_.erase(id);
}

std::string Registry::render() const {
  {
    std::lock_guard collecting(collectors_mutex_);
    for (const auto& [id, fn] : collectors_) fn();
  }
  std::lock_guard lock(mutex_);
  std::string out;
  for (const auto& [name, f] : families_) {
    const char* type = f.kind == Kind::kCounter ? "counter" : f.kind == Kind::kGauge ? "gauge" : "histogram";
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, f.help, name, type);
    for (const auto& [labels, c] : f.counters) out += fmt::format("{}{} {}\n", name, label_text(labels), c->value());
    for (const auto& [labels, g] : f.gauges) out += fmt::format("{}{} {}\n", name, label_text(labels), g->value());
    for (const auto& [labels, h] : f.histograms) {
      auto counts = h->cumulative_counts();
      for (std::size_t i = 0; i < h->bounds().size(); ++i)
        out += fmt::format("{}_bucket{} {}\n", name,
                           label_text(labels, "le=\"" + format_double(h->bounds()[i]) + "\""), counts[i]);
      out += fmt::format("{}_bucket{} {}\n", name, label_text(labels, "le=\"+Inf\""), counts.back());
      out += fmt::format("{}_sum{} {}\n", name, label_text(labels), h->sum_seconds());
      out += fmt::format("{}_count{} {}\n", name, label_text(labels), counts.back());
    }
  }
  return out;
}

}  // namespace zt::core::observe
