#include "core/resilience/limiter.hpp"

#include <functional>
#include <stdexcept>

#include "core/observe/metrics.hpp"

namespace zt::core::resilience {

namespace {
void validate(const BucketSpec& s) {
  if (s.tokens_per_period < 1 || s.period <= 0 || s.burst < 1)
    throw std::invalid_argument("a token bucket needs tokens_per_period >= 1, period > 0 and burst >= 1");
}
}  // namespace

TokenBucket::TokenBucket(const BucketSpec& spec, Nanos now) : scaled_(static_cast<__int128>(spec.burst) * spec.period), last_(now) {}

void TokenBucket::refill(const BucketSpec& spec, Nanos now) {
  if (now <= last_) return;
  const __int128 cap = static_cast<__int128>(spec.burst) * spec.period;
  const __int128 added = static_cast<__int128>(now - last_) * spec.tokens_per_period;
  scaled_ = scaled_ + added > cap ? cap : scaled_ + added;
  last_ = now;
}

bool TokenBucket::try_acquire(const BucketSpec& spec, std::int64_t n, Nanos now) {
  refill(spec, now);
  const __int128 need = static_cast<__int128>(n) * spec.period;
  if (scaled_ < need) return false;
  scaled_ -= need;
  return true;
}

Nanos TokenBucket::time_until(const BucketSpec& spec, std::int64_t n, Nanos now) const {
  TokenBucket copy = *this;
  copy.refill(spec, now);
  const __int128 need = static_cast<__int128>(n) * spec.period - copy.scaled_;
  if (need <= 0) return 0;
  return static_cast<Nanos>((need + spec.tokens_per_period - 1) / spec.tokens_per_period);
}

KeyedLimiter::KeyedLimiter(std::string id, BucketSpec spec, std::size_t max_keys,
                           std::map<std::string, BucketSpec> overrides, bool shadow)
    : id_(std::move(id)), spec_(spec), per_shard_cap_(std::max<std::size_t>(1, max_keys / kShards)),
      overrides_(overrides.begin(), overrides.end()), shadow_(shadow), shards_(kShards) {
  validate(spec_);
  for (const auto& [k, s] : overrides_) validate(s);
}

const BucketSpec& KeyedLimiter::spec_for(std::string_view key) const {
  if (overrides_.empty()) return spec_;
  auto it = overrides_.find(key);
  return it == overrides_.end() ? spec_ : it->second;
}

Decision KeyedLimiter::try_acquire(std::string_view key, std::int64_t n, Nanos now) {
  const BucketSpec& spec = spec_for(key);
  Shard& shard = shards_[std::hash<std::string_view>{}(key) % kShards];
  bool ok;
  Nanos retry = 0;
  {
    std::lock_guard lock(shard.mutex);
    auto it = shard.index.find(key);
    if (it == shard.index.end()) {
      if (shard.lru.size() >= per_shard_cap_) {
        shard.index.erase(shard.lru.back().key);
        shard.lru.pop_back();
        evictions_.fetch_add(1, std::memory_order_relaxed);
        if (eviction_metric_) eviction_metric_->inc();
      }
      shard.lru.push_front(Entry{std::string(key), TokenBucket(spec, now)});
      it = shard.index.emplace(shard.lru.front().key, shard.lru.begin()).first;
    } else if (it->second != shard.lru.begin()) {
      shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
    }
    TokenBucket& bucket = it->second->bucket;
    ok = bucket.try_acquire(spec, n, now);
    if (!ok) retry = bucket.time_until(spec, n, now);
  }
  if (ok) return Decision::admit();
  if (shadow_) {
    shadow_blocks_.fetch_add(1, std::memory_order_relaxed);
    Decision d = Decision::admit();
    d.shadow_hit = true;
    d.rule = &id_;
    return d;
  }
  return Decision::refuse(Refusal::kHotParam, &id_, retry);
}

std::size_t KeyedLimiter::size() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.lru.size();
  }
  return n;
}

}  // namespace zt::core::resilience
