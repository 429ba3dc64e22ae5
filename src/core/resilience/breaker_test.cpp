#include "core/resilience/breaker.hpp"

#include <gtest/gtest.h>

#include <random>

namespace zt::core::resilience {
namespace {

BreakerRule rule(BreakerStrategy s, double threshold) {
  BreakerRule r;
  r.id = "b1";
  r.resource = "vendor";
  r.strategy = s;
  r.threshold = threshold;
  r.min_requests = 5;
  r.stat_interval = kSecond;
  r.recovery = 10 * kSecond;
  r.max_rt = 200 * kMilli;
  return r;
}

void call(CircuitBreaker& b, FakeClock& c, bool error, Nanos rt = kMilli) {
  Permit p = b.try_pass(c.now());
  b.on_complete(p, rt, error, c.now());
}

TEST(Breaker, ErrorRatioOpensAboveTheThreshold) {
  CircuitBreaker b(rule(BreakerStrategy::kErrorRatio, 0.5));
  FakeClock c;
  for (int i = 0; i < 5; ++i) call(b, c, i < 2);  // 2/5 = 40%
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  call(b, c, true);  // 3/6 = 50%: not above
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  call(b, c, true);  // 4/7
  EXPECT_EQ(b.state(), BreakerState::kOpen);
  EXPECT_FALSE(b.try_pass(c.now()).pass);
}

TEST(Breaker, MinimumRequestsGuardsAgainstTinySamples) {
  CircuitBreaker b(rule(BreakerStrategy::kErrorRatio, 0.1));
  FakeClock c;
  for (int i = 0; i < 4; ++i) call(b, c, true);  // 100% errors, but only 4 calls
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  call(b, c, true);
  EXPECT_EQ(b.state(), BreakerState::kOpen);
}

TEST(Breaker, ErrorCountOpensWhenErrorsExceedTheCount) {
  CircuitBreaker b(rule(BreakerStrategy::kErrorCount, 3));
  FakeClock c;
  for (int i = 0; i < 10; ++i) call(b, c, false);
  for (int i = 0; i < 3; ++i) call(b, c, true);
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  call(b, c, true);
  EXPECT_EQ(b.state(), BreakerState::kOpen);
}

TEST(Breaker, ErrorsOutsideTheStatIntervalDoNotCount) {
  CircuitBreaker b(rule(BreakerStrategy::kErrorCount, 3));
  FakeClock c;
  for (int i = 0; i < 3; ++i) call(b, c, true);
  c.advance(2 * kSecond);
  for (int i = 0; i < 3; ++i) call(b, c, true);
  EXPECT_EQ(b.state(), BreakerState::kClosed);
}

TEST(Breaker, SlowRatioUsesTheMaxResponseTime) {
  CircuitBreaker b(rule(BreakerStrategy::kSlowRatio, 0.5));
  FakeClock c;
  for (int i = 0; i < 5; ++i) call(b, c, false, 100 * kMilli);
  for (int i = 0; i < 5; ++i) call(b, c, false, 300 * kMilli);  // 5/10 slow: not above
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  call(b, c, true, 100 * kMilli);  // an error that is fast does not count as slow
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  call(b, c, false, 201 * kMilli);  // 6/12: still not above
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  call(b, c, false, 201 * kMilli);  // 7/13
  EXPECT_EQ(b.state(), BreakerState::kOpen);
}

TEST(Breaker, HalfOpenProbeSuccessCloses) {
  std::vector<std::pair<BreakerState, BreakerState>> events;
  CircuitBreaker b(rule(BreakerStrategy::kErrorCount, 0),
                   [&](const BreakerRule&, BreakerState from, BreakerState to, Nanos) { events.emplace_back(from, to); });
  FakeClock c;
  for (int i = 0; i < 5; ++i) call(b, c, true);
  ASSERT_EQ(b.state(), BreakerState::kOpen);
  c.advance(9 * kSecond);
  EXPECT_FALSE(b.try_pass(c.now()).pass) << "still recovering";
  c.advance(kSecond);
  Permit probe = b.try_pass(c.now());
  EXPECT_TRUE(probe.pass);
  EXPECT_TRUE(probe.probe);
  EXPECT_EQ(b.state(), BreakerState::kHalfOpen);
  EXPECT_FALSE(b.try_pass(c.now()).pass) << "one probe at a time";
  b.on_complete(probe, kMilli, false, c.now());
  EXPECT_EQ(b.state(), BreakerState::kClosed);
  EXPECT_TRUE(b.try_pass(c.now()).pass);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].second, BreakerState::kOpen);
  EXPECT_EQ(events[1].second, BreakerState::kHalfOpen);
  EXPECT_EQ(events[2].second, BreakerState::kClosed);
}

TEST(Breaker, FailedProbeReopens) {
  CircuitBreaker b(rule(BreakerStrategy::kErrorCount, 0));
  FakeClock c;
  for (int i = 0; i < 5; ++i) call(b, c, true);
  c.advance(10 * kSecond);
  Permit probe = b.try_pass(c.now());
  ASSERT_TRUE(probe.probe);
  b.on_complete(probe, kMilli, true, c.now());
  EXPECT_EQ(b.state(), BreakerState::kOpen);
  EXPECT_FALSE(b.try_pass(c.now()).pass);
  c.advance(10 * kSecond);
  EXPECT_TRUE(b.try_pass(c.now()).probe) << "a new recovery period, a new probe";
}

TEST(Breaker, LostProbeDoesNotLeaveItHalfOpen) {
  CircuitBreaker b(rule(BreakerStrategy::kErrorCount, 0));
  FakeClock c;
  for (int i = 0; i < 5; ++i) call(b, c, true);
  c.advance(10 * kSecond);
  ASSERT_TRUE(b.try_pass(c.now()).probe);  // never completed
  c.advance(10 * kSecond);
  EXPECT_FALSE(b.try_pass(c.now()).pass);
  EXPECT_EQ(b.state(), BreakerState::kOpen) << "an unanswered probe counts as failed";
  c.advance(10 * kSecond);
  Permit p = b.try_pass(c.now());
  EXPECT_TRUE(p.probe);
  b.on_complete(p, kMilli, false, c.now());
  EXPECT_EQ(b.state(), BreakerState::kClosed);
}

TEST(Breaker, SeveralProbesMustAllSucceed) {
  BreakerRule r = rule(BreakerStrategy::kErrorCount, 0);
  r.probes = 3;
  CircuitBreaker b(r);
  FakeClock c;
  for (int i = 0; i < 5; ++i) call(b, c, true);
  c.advance(10 * kSecond);
  Permit p1 = b.try_pass(c.now()), p2 = b.try_pass(c.now()), p3 = b.try_pass(c.now());
  EXPECT_TRUE(p1.probe && p2.probe && p3.probe);
  EXPECT_FALSE(b.try_pass(c.now()).pass);
  b.on_complete(p1, kMilli, false, c.now());
  b.on_complete(p2, kMilli, false, c.now());
  EXPECT_EQ(b.state(), BreakerState::kHalfOpen);
  b.on_complete(p3, kMilli, false, c.now());
  EXPECT_EQ(b.state(), BreakerState::kClosed);
}

// 200 seeds x 2000 random steps of calls, completions (some lost) and time, over every strategy:
// the breaker is never found open or half-open for a full recovery period when a call arrives.
TEST(Breaker, RandomisedNeverStuckOpenOrHalfOpen) {
  for (int seed = 0; seed < 200; ++seed) {
    std::mt19937 rng(static_cast<unsigned>(seed));
    BreakerRule r = rule(static_cast<BreakerStrategy>(seed % 3), seed % 3 == 2 ? 2 : 0.3);
    r.probes = 1 + seed % 3;
    r.recovery = (1 + seed % 5) * kSecond;
    FakeClock c;
    Nanos entered_at = c.now();
    BreakerState last = BreakerState::kClosed;
    CircuitBreaker b(r, [&](const BreakerRule&, BreakerState, BreakerState to, Nanos at) {
      last = to;
      entered_at = at;
    });
    std::vector<Permit> outstanding;
    for (int step = 0; step < 2000; ++step) {
      int action = static_cast<int>(rng() % 10);
      if (action < 5) {
        Permit p = b.try_pass(c.now());
        if (p.pass) outstanding.push_back(p);
        // Whenever a call arrives, an open or half-open breaker has been so for less than the
        // recovery period: it moved on (probe, or re-open after a lost probe) otherwise.
        if (last != BreakerState::kClosed) {
          EXPECT_LT(c.now() - entered_at, r.recovery)
              << "seed " << seed << " step " << step << " state " << breaker_state_name(last);
        }
      } else if (action < 8 && !outstanding.empty()) {
        std::size_t i = rng() % outstanding.size();
        bool lose = rng() % 50 == 0;  // now and then a call never reports back
        if (!lose) b.on_complete(outstanding[i], (rng() % 400) * kMilli, rng() % 3 == 0, c.now());
        outstanding.erase(outstanding.begin() + static_cast<long>(i));
      } else {
        c.advance(static_cast<Nanos>(rng() % 500) * kMilli);
      }
    }
  }
}

}  // namespace
}  // namespace zt::core::resilience
