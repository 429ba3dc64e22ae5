#include "core/resilience/limiter.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace zt::core::resilience {
namespace {

TEST(TokenBucket, BurstThenExactlyTheRate) {
  BucketSpec spec{10, kSecond, 5};
  FakeClock c;
  TokenBucket b(spec, c.now());
  int first = 0;
  while (b.try_acquire(spec, 1, c.now())) ++first;
  EXPECT_EQ(first, 5) << "a fresh bucket holds its burst";
  int admitted = 0;
  for (int ms = 0; ms < 10'000; ++ms) {
    c.advance(kMilli);
    admitted += b.try_acquire(spec, 1, c.now());
  }
  EXPECT_EQ(admitted, 100) << "10 per second for 10 seconds, no rounding drift";
}

TEST(TokenBucket, SlowRatesAreExact) {
  BucketSpec spec{30, 60 * kSecond, 1};  // 30 per minute: one every 2 s
  FakeClock c;
  TokenBucket b(spec, c.now());
  EXPECT_TRUE(b.try_acquire(spec, 1, c.now()));
  EXPECT_FALSE(b.try_acquire(spec, 1, c.now()));
  EXPECT_EQ(b.time_until(spec, 1, c.now()), 2 * kSecond);
  c.advance(2 * kSecond - 1);
  EXPECT_FALSE(b.try_acquire(spec, 1, c.now()));
  c.advance(1);
  EXPECT_TRUE(b.try_acquire(spec, 1, c.now()));
}

TEST(KeyedLimiter, KeysAreIndependent) {
  KeyedLimiter l("per-customer", {2, kSecond, 2}, 1000);
  FakeClock c;
  EXPECT_TRUE(l.try_acquire("c1", 1, c.now()).pass);
  EXPECT_TRUE(l.try_acquire("c1", 1, c.now()).pass);
  Decision d = l.try_acquire("c1", 1, c.now());
  EXPECT_FALSE(d.pass);
  EXPECT_EQ(*d.rule, "per-customer");
  EXPECT_EQ(d.retry_after, kSecond / 2);
  EXPECT_TRUE(l.try_acquire("c2", 1, c.now()).pass);
}

TEST(KeyedLimiter, MemoryIsBoundedAndEvictionsCounted) {
  KeyedLimiter l("per-ip", {1, kSecond, 1}, 160);  // 10 keys per shard
  FakeClock c;
  for (int i = 0; i < 10'000; ++i) l.try_acquire("ip" + std::to_string(i), 1, c.now());
  EXPECT_LE(l.size(), 160u);
  EXPECT_GE(l.evictions(), 10'000u - 160u);
}

TEST(KeyedLimiter, RecentlyUsedKeysSurviveEviction) {
  KeyedLimiter l("k", {1, kSecond, 1}, 16);  // one key per shard
  FakeClock c;
  EXPECT_TRUE(l.try_acquire("hot", 1, c.now()).pass);
  EXPECT_FALSE(l.try_acquire("hot", 1, c.now()).pass);
  EXPECT_EQ(l.size(), 1u);
}

TEST(KeyedLimiter, HotParameterOverridesPerValue) {
  KeyedLimiter l("product-code", {1, kSecond, 1}, 1000, {{"F0001", {100, kSecond, 100}}});
  FakeClock c;
  int hot = 0, normal = 0;
  for (int i = 0; i < 200; ++i) {
    hot += l.try_acquire("F0001", 1, c.now()).pass;
    normal += l.try_acquire("F0002", 1, c.now()).pass;
  }
  EXPECT_EQ(hot, 100);
  EXPECT_EQ(normal, 1);
}

TEST(KeyedLimiter, ShadowModeCountsOnly) {
  KeyedLimiter l("k", {1, kSecond, 1}, 100, {}, true);
  FakeClock c;
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(l.try_acquire("a", 1, c.now()).pass);
  EXPECT_EQ(l.shadow_blocks(), 4u);
}

TEST(KeyedLimiter, ExactUnderConcurrency) {
  KeyedLimiter l("k", {1, kSecond, 500}, 100);
  FakeClock c;
  std::atomic<int> admitted{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) admitted += l.try_acquire("shared", 1, c.now()).pass;
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(admitted.load(), 500);
}

TEST(KeyedLimiter, InvalidSpecsAreRefused) {
  EXPECT_THROW(KeyedLimiter("k", {0, kSecond, 1}, 10), std::invalid_argument);
  EXPECT_THROW(KeyedLimiter("k", {1, kSecond, 0}, 10), std::invalid_argument);
}

TEST(Bulkhead, CapsConcurrentCalls) {
  Bulkhead b("counter", 2);
  EXPECT_TRUE(b.try_acquire());
  EXPECT_TRUE(b.try_acquire());
  EXPECT_FALSE(b.try_acquire());
  b.release();
  EXPECT_TRUE(b.try_acquire());
  EXPECT_EQ(b.in_use(), 2);
}

}  // namespace
}  // namespace zt::core::resilience
