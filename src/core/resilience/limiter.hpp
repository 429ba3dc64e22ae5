#pragma once
// Exact token buckets, keyed limiters with bounded memory, hot-parameter limits and bulkheads.
#include <atomic>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/resilience/decision.hpp"

namespace zt::core::observe {
class Counter;
}

namespace zt::core::resilience {

struct BucketSpec {
  std::int64_t tokens_per_period = 1;  // e.g. 100 per second, or 30 per minute
  Nanos period = kSecond;
  std::int64_t burst = 1;  // capacity; a fresh bucket starts full

  friend bool operator==(const BucketSpec&, const BucketSpec&) = default;
};

// A token bucket in exact integer arithmetic: tokens are kept in units of 1/period_ns of a token,
// so refills never round and a bucket never admits more than burst + rate * elapsed.
class TokenBucket {
 public:
  TokenBucket() = default;
  TokenBucket(const BucketSpec& spec, Nanos now);
  bool try_acquire(const BucketSpec& spec, std::int64_t n, Nanos now);
  // Time until n tokens are available (0 when they are).
  Nanos time_until(const BucketSpec& spec, std::int64_t n, Nanos now) const;

 private:
  void refill(const BucketSpec& spec, Nanos now);
  __int128 scaled_ = 0;  // tokens * period
  Nanos last_ = 0;
};

// Token buckets per key (customer, API key, IP, parameter value) with an LRU cap. Evicting a key
// forgets its usage: size max_keys above the number of keys active within one refill period.
class KeyedLimiter {
 public:
  KeyedLimiter(std::string id, BucketSpec spec, std::size_t max_keys, std::map<std::string, BucketSpec> overrides = {},
               bool shadow = false);
  Decision try_acquire(std::string_view key, std::int64_t n, Nanos now);
  std::size_t size() const;
  std::uint64_t evictions() const { return evictions_.load(std::memory_order_relaxed); }
  std::uint64_t shadow_blocks() const { return shadow_blocks_.load(std::memory_order_relaxed); }
  const std::string& id() const { return id_; }
  void set_eviction_counter(observe::Counter* c) { eviction_metric_ = c; }

 private:
  static constexpr std::size_t kShards = 16;
  struct Entry {
    std::string key;
    TokenBucket bucket;
  };
  struct Shard {
    mutable std::mutex mutex;
    std::list<Entry> lru;  // most recent first
    std::unordered_map<std::string_view, std::list<Entry>::iterator> index;
  };
  const BucketSpec& spec_for(std::string_view key) const;

  std::string id_;
  BucketSpec spec_;
  std::size_t per_shard_cap_;
  std::map<std::string, BucketSpec, std::less<>> overrides_;
  bool shadow_;
  std::vector<Shard> shards_;
  std::atomic<std::uint64_t> evictions_{0};
  std::atomic<std::uint64_t> shadow_blocks_{0};
  observe::Counter* eviction_metric_ = nullptr;
};

// A concurrency limit per dependency: a slow vendor cannot take every worker.
class Bulkhead {
 public:
  Bulkhead(std::string id, std::int64_t max_concurrent) : id_(std::move(id)), max_(max_concurrent) {}
  bool try_acquire() {
    std::int64_t cur = in_use_.load(std::memory_order_relaxed);
    do {
      if (cur >= max_) return false;
    } while (!in_use_.compare_exchange_weak(cur, cur + 1, std::memory_order_acq_rel));
    return true;
  }
  void release() { in_use_.fetch_sub(1, std::memory_order_acq_rel); }
  std::int64_t in_use() const { return in_use_.load(std::memory_order_relaxed); }
  std::int64_t max() const { return max_; }
  const std::string& id() const { return id_; }

 private:
  std::string id_;
  std::int64_t max_;
  std::atomic<std::int64_t> in_use_{0};
};

}  // namespace zt::core::resilience
