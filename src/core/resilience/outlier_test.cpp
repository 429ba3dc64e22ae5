#include "core/resilience/outlier.hpp"

#include <gtest/gtest.h>

namespace zt::core::resilience {
namespace {

constexpr Nanos kT0 = 1000 * kSecond;

TEST(OutlierDetector, EjectsAfterConsecutiveFailuresForAGrowingTime) {
  OutlierDetector d({3, 10 * kSecond, 25 * kSecond, 0.5});
  EXPECT_FALSE(d.record("a", true, kT0, 4));
  EXPECT_FALSE(d.record("a", true, kT0, 4));
  EXPECT_FALSE(d.record("a", false, kT0, 4)) << "a success resets the streak";
  EXPECT_FALSE(d.record("a", true, kT0, 4));
  EXPECT_FALSE(d.record("a", true, kT0, 4));
  EXPECT_TRUE(d.record("a", true, kT0, 4));
  EXPECT_TRUE(d.ejected("a", kT0 + 9 * kSecond));
  EXPECT_FALSE(d.ejected("a", kT0 + 10 * kSecond)) << "first ejection: 10 s";
  EXPECT_FALSE(d.ejected("b", kT0));

  const Nanos t1 = kT0 + 11 * kSecond;
  for (int i = 0; i < 2; ++i) EXPECT_FALSE(d.record("a", true, t1, 4));
  EXPECT_TRUE(d.record("a", true, t1, 4));
  EXPECT_TRUE(d.ejected("a", t1 + 19 * kSecond)) << "second ejection: 20 s";
  EXPECT_FALSE(d.ejected("a", t1 + 20 * kSecond));

  const Nanos t2 = t1 + 21 * kSecond;
  for (int i = 0; i < 3; ++i) d.record("a", true, t2, 4);
  EXPECT_EQ(d.times_ejected("a"), 3);
  EXPECT_TRUE(d.ejected("a", t2 + 24 * kSecond));
  EXPECT_FALSE(d.ejected("a", t2 + 25 * kSecond)) << "capped at max_ejection";

  // A long healthy stretch forgives.
  d.record("a", false, t2 + 60 * kSecond, 4);
  EXPECT_EQ(d.times_ejected("a"), 0);
}

TEST(OutlierDetector, NeverEjectsMoreThanItsShareNorTheLastInstance) {
  OutlierDetector d({1, 10 * kSecond, 100 * kSecond, 0.5});
  EXPECT_TRUE(d.record("a", true, kT0, 4));
  EXPECT_TRUE(d.record("b", true, kT0, 4));
  EXPECT_FALSE(d.record("c", true, kT0, 4)) << "half of four is out already";
  EXPECT_EQ(d.ejected_count(kT0), 2u);
  OutlierDetector single({1, 10 * kSecond, 100 * kSecond, 1.0});
  EXPECT_FALSE(single.record("only", true, kT0, 1)) << "the last instance stays";
  OutlierDetector pair({1, 10 * kSecond, 100 * kSecond, 1.0});
  EXPECT_TRUE(pair.record("a", true, kT0, 2));
  EXPECT_FALSE(pair.record("b", true, kT0, 2));
}

TEST(RetryBudget, AllowsAShareOfCallsPlusAFloorAndRefillsWithTime) {
  RetryBudget b(0.2, 1.0);  // cap: 10 retries
  int allowed = 0;
  for (int i = 0; i < 100; ++i)
    if (b.try_retry(kT0)) ++allowed;
  EXPECT_EQ(allowed, 10) << "the initial balance is the cap";
  EXPECT_FALSE(b.try_retry(kT0));
  for (int i = 0; i < 10; ++i) b.on_call(kT0);  // 10 calls deposit 2 retries
  EXPECT_TRUE(b.try_retry(kT0));
  EXPECT_TRUE(b.try_retry(kT0));
  EXPECT_FALSE(b.try_retry(kT0));
  EXPECT_TRUE(b.try_retry(kT0 + kSecond)) << "one per second from the floor";
  EXPECT_FALSE(b.try_retry(kT0 + kSecond));
  RetryBudget none(0.0, 0.0);
  EXPECT_TRUE(none.try_retry(kT0)) << "cap is at least one";
  EXPECT_FALSE(none.try_retry(kT0 + 100 * kSecond));
}

}  // namespace
}  // namespace zt::core::resilience
