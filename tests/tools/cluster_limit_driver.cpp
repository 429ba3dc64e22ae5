// Test driver: hammers one cluster-wide limit from 32 coroutines for N seconds and prints
// {"admitted":..,"refused":..,"redis_failures":..}. Functional tests run two of these at once.
// Usage: cluster_limit_driver <redis-port> <seconds> <rate> <burst> <open|closed> [fallback-rate]


#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "core/net/runtime.hpp"
#include "core/resilience/cluster.hpp"

using namespace zt::core;

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: %s port seconds rate burst open|closed [fallback-rate]\n", argv[0]);
    return 2;
  }
  net::RedisOptions ro;
  ro.port = static_cast<std::uint16_t>(std::stoi(argv[1]));
  const int seconds = std::stoi(argv[2]);
  resilience::ClusterLimitRule rule;
  rule.id = "driver";
  rule.spec = {std::stoll(argv[3]), resilience::kSecond, std::stoll(argv[4])};
  rule.fail_mode = std::string(argv[5]) == "closed" ? resilience::FailMode::kClosed : resilience::FailMode::kOpen;
  // The fallback's burst of 20 absorbs scheduling stalls of a loaded test machine.
  if (argc > 6) rule.local_fallback = resilience::BucketSpec{std::stoll(argv[6]), resilience::kSecond, 20};
  auto redis = std::make_shared<net::RedisClient>(ro);
  resilience::ClusterLimiter limiter(rule, redis);

  net::IoRuntime rt(1);
  std::atomic<long> admitted{0}, refused{0};
  std::atomic<int> running{32};
  const auto wall_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  };
  const long long start_ms = static_cast<long long>(wall_ms());
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  for (int i = 0; i < 32; ++i) {
    rt.spawn(0, [&]() -> boost::asio::awaitable<void> {
      while (std::chrono::steady_clock::now() < until) {
        auto d = co_await limiter.try_acquire("shared");
        (d.pass ? admitted : refused).fetch_add(1);
      }
      running.fetch_sub(1);
    });
  }
  rt.start();
  while (running.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  rt.stop();
  // The wall-clock span this process took tokens in: two runs side by side share a limit over the
  // union of their spans, which is a little over `seconds` when they start apart.
  std::printf("{\"admitted\":%ld,\"refused\":%ld,\"redis_failures\":%llu,\"start_ms\":%lld,\"end_ms\":%lld}\n", admitted.load(),
              refused.load(), static_cast<unsigned long long>(limiter.redis_failures()), start_ms, static_cast<long long>(wall_ms()));
  return 0;
}
