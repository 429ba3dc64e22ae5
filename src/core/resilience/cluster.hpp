#pragma once
// Cluster-wide token buckets in Redis, for limits that must hold across gateway replicas.
// One Lua script refills and takes atomically, on the Redis server's clock (replicas' clocks
// never matter). When Redis cannot be reached the limiter falls back to a local bucket with its
// own limit if one is configured, else fails open or closed as configured; after a failure it
// stays on the fallback for `retry_after_failure` instead of paying a timeout on every request.
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "core/net/redis.hpp"
#include "core/resilience/limiter.hpp"

namespace zt::core::resilience {

enum class FailMode { kOpen, kClosed };

struct ClusterLimitRule {
  std::string id;
  BucketSpec spec;
  FailMode fail_mode = FailMode::kOpen;
  std::optional<BucketSpec> local_fallback;  // per process, while Redis is unreachable
  Nanos retry_after_failure = kSecond;
  std::string key_prefix = "zt:limit:";

  friend bool operator==(const ClusterLimitRule&, const ClusterLimitRule&) = default;
};

class ClusterLimiter {
 public:
  ClusterLimiter(ClusterLimitRule rule, std::shared_ptr<net::RedisClient> redis, const Clock& clock = SteadyClock::instance());
  boost::asio::awaitable<Decision> try_acquire(std::string key, std::int64_t n = 1);

  std::uint64_t redis_failures() const { return failures_.load(std::memory_order_relaxed); }
  bool using_fallback() const;
  static const std::string& script();

 private:
  Decision fallback(const std::string& key, std::int64_t n);

  ClusterLimitRule rule_;
  std::shared_ptr<net::RedisClient> redis_;
  const Clock& clock_;
  std::string script_sha_;
  std::atomic<Nanos> down_until_{0};
  std::atomic<std::uint64_t> failures_{0};
  std::unique_ptr<KeyedLimiter> local_;
};

}  // namespace zt::core::resilience
