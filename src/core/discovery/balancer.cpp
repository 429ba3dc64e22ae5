#include "core/discovery/balancer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>
#include <unordered_map>

namespace zt::core::discovery {

std::uint64_t stable_hash(std::string_view s) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  // FNV alone mixes the last bytes poorly; a final avalanche (splitmix64) spreads ring points.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

namespace {

class RoundRobin final : public Balancer {
 public:
  std::size_t pick(std::span<const Instance> c, std::string_view) override {
    return next_.fetch_add(1, std::memory_order_relaxed) % c.size();
  }

 private:
  std::atomic<std::size_t> next_{0};
};

// Smooth weighted round robin (the nginx algorithm): every pick adds each weight to its current
// value, picks the largest and subtracts the total from it. Over any window of sum(weights) picks
// each instance is chosen exactly weight times, evenly interleaved.
class WeightedRoundRobin final : public Balancer {
 public:
  std::size_t pick(std::span<const Instance> c, std::string_view) override {
    std::lock_guard lock(mutex_);
    std::int64_t total = 0;
    std::size_t best = 0;
    std::int64_t best_value = std::numeric_limits<std::int64_t>::min();
    for (std::size_t i = 0; i < c.size(); ++i) {
      std::int64_t w = std::max<std::int64_t>(c[i].weight, 0);
      total += w;
      std::int64_t& cur = current_[c[i].id];
      cur += w;
      if (cur > best_value) {
        best_value = cur;
        best = i;
      }
    }
    current_[c[best].id] -= total;
    if (current_.size() > 4 * c.size() + 64) prune(c);
    return best;
  }

 private:
  void prune(std::span<const Instance> c) {
    std::unordered_map<std::string, std::int64_t> kept;
    for (const auto& i : c) kept[i.id] = current_[i.id];
    current_.swap(kept);
  }
  std::mutex mutex_;
  std::unordered_map<std::string, std::int64_t> current_;
};

// Power of two choices: two distinct random candidates, the one with fewer requests in flight
// (ties to the higher weight). Avoids herding onto one "least loaded" instance.
class PowerOfTwo final : public Balancer {
 public:
  std::size_t pick(std::span<const Instance> c, std::string_view) override {
    if (c.size() == 1) return 0;
    std::size_t a, b;
    {
      std::lock_guard lock(mutex_);
      a = std::uniform_int_distribution<std::size_t>(0, c.size() - 1)(rng_);
      b = std::uniform_int_distribution<std::size_t>(0, c.size() - 2)(rng_);
    }
    if (b >= a) ++b;
    auto la = load(c[a].id), lb = load(c[b].id);
    if (la != lb) return la < lb ? a : b;
    return c[a].weight >= c[b].weight ? a : b;
  }
  void on_start(const Instance& i) override { counter(i.id).fetch_add(1, std::memory_order_relaxed); }
  void on_finish(const Instance& i) override { counter(i.id).fetch_sub(1, std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t>& counter(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto& slot = inflight_[id];
    if (!slot) slot = std::make_unique<std::atomic<std::int64_t>>(0);
    return *slot;
  }
  std::int64_t load(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto it = inflight_.find(id);
    return it == inflight_.end() ? 0 : it->second->load(std::memory_order_relaxed);
  }
  std::mutex mutex_;
  std::mt19937_64 rng_{std::random_device{}()};
  std::unordered_map<std::string, std::unique_ptr<std::atomic<std::int64_t>>> inflight_;
};

// Consistent hash ring with virtual nodes in proportion to weight (160 per weight 100), rebuilt
// only when the candidate set changes. Removing an instance moves only the keys it owned.
class ConsistentHash final : public Balancer {
 public:
  std::size_t pick(std::span<const Instance> c, std::string_view key) override {
    std::string signature;
    for (const auto& i : c) signature += fmt::format("{}#{};", i.id, i.weight);
    std::lock_guard lock(mutex_);
    if (signature != signature_) rebuild(c, std::move(signature));
    if (ring_.empty()) return 0;
    auto it = ring_.lower_bound(stable_hash(key));
    if (it == ring_.end()) it = ring_.begin();
    const std::string& id = it->second;
    for (std::size_t i = 0; i < c.size(); ++i)
      if (c[i].id == id) return i;
    return 0;
  }

 private:
  void rebuild(std::span<const Instance> c, std::string signature) {
    ring_.clear();
    for (const auto& i : c) {
      std::int64_t points = std::max<std::int64_t>(1, i.weight * 160 / 100);
      if (i.weight <= 0) continue;
      for (std::int64_t p = 0; p < points; ++p) ring_.emplace(stable_hash(fmt::format("{}-{}", i.id, p)), i.id);
    }
    signature_ = std::move(signature);
  }
  std::mutex mutex_;
  std::string signature_;
  std::map<std::uint64_t, std::string> ring_;
};

struct Entry {
  const char* name;
  std::unique_ptr<Balancer> (*make)();
};

const Entry kBalancers[] = {
    {"round_robin", []() -> std::unique_ptr<Balancer> { return std::make_unique<RoundRobin>(); }},
    {"weighted_round_robin", []() -> std::unique_ptr<Balancer> { return std::make_unique<WeightedRoundRobin>(); }},
    {"p2c", []() -> std::unique_ptr<Balancer> { return std::make_unique<PowerOfTwo>(); }},
    {"consistent_hash", []() -> std::unique_ptr<Balancer> { return std::make_unique<ConsistentHash>(); }},
};

}  // namespace

std::vector<std::string> balancer_names() {
  std::vector<std::string> out;
  for (const auto& e : kBalancers) out.emplace_back(e.name);
  return out;
}

std::unique_ptr<Balancer> make_balancer(std::string_view name) {
  for (const auto& e : kBalancers)
    if (name == e.name) return e.make();
  std::string valid;
  for (const auto& e : kBalancers) valid += (valid.empty() ? "" : ", ") + std::string(e.name);
  throw std::invalid_argument(fmt::format("unknown load balancer '{}'; valid: {}", name, valid));
}

}  // namespace zt::core::discovery
