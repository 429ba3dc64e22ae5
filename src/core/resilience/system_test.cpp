#include "core/resilience/system.hpp"

#include <gtest/gtest.h>

#include "core/resilience/engine.hpp"

namespace zt::core::resilience {
namespace {

TEST(SystemGuard, InboundQpsAndConcurrencyLimits) {
  SystemGuard g([](Nanos) { return SystemReadings{}; });
  FakeClock c;
  SystemRule qps;
  qps.max_qps = 10;
  int admitted = 0;
  for (int i = 0; i < 30; ++i)
    if (g.check(qps, c.now()).pass) {
      g.on_enter(c.now());
      ++admitted;
    }
  EXPECT_EQ(admitted, 10);
  SystemRule conc;
  conc.max_concurrency = 10;
  EXPECT_FALSE(g.check(conc, c.now()).pass) << "10 still in flight";
  g.on_exit(kMilli, false, c.now());
  EXPECT_TRUE(g.check(conc, c.now()).pass);
}

TEST(SystemGuard, AverageResponseTime) {
  SystemGuard g([](Nanos) { return SystemReadings{}; });
  FakeClock c;
  SystemRule rt;
  rt.max_avg_rt = 100 * kMilli;
  for (int i = 0; i < 4; ++i) {
    g.on_enter(c.now());
    g.on_exit(150 * kMilli, false, c.now());
  }
  Decision d = g.check(rt, c.now());
  EXPECT_FALSE(d.pass);
  EXPECT_EQ(d.refusal, Refusal::kSystem);
  EXPECT_EQ(refusal_http_status(d.refusal), 503);
}

TEST(SystemGuard, HighCpuAdmitsOnlyUpToLittlesLawCapacity) {
  double cpu = 0.5;
  SystemGuard g([&](Nanos) { return SystemReadings{cpu, 0}; });
  FakeClock c;
  // One second with 100 successes of 50 ms each: capacity = 100/s x 0.05 s = 5 in flight.
  for (int i = 0; i < 100; ++i) {
    g.on_enter(c.now());
    g.on_exit(50 * kMilli, false, c.now());
  }
  EXPECT_DOUBLE_EQ(g.capacity(c.now()), 5.0);
  SystemRule rule;
  rule.max_cpu = 0.8;
  for (int i = 0; i < 8; ++i) g.on_enter(c.now());  // 8 in flight
  EXPECT_TRUE(g.check(rule, c.now()).pass) << "CPU below the threshold: no check";
  cpu = 0.95;
  EXPECT_FALSE(g.check(rule, c.now()).pass) << "hot and above capacity";
  for (int i = 0; i < 4; ++i) g.on_exit(50 * kMilli, false, c.now());  // 4 in flight
  EXPECT_TRUE(g.check(rule, c.now()).pass) << "hot but within what the process sustains";
}

TEST(SystemGuard, ShadowCountsOnly) {
  SystemGuard g([](Nanos) { return SystemReadings{}; });
  FakeClock c;
  SystemRule r;
  r.max_concurrency = 1;
  r.shadow = true;
  g.on_enter(c.now());
  Decision d = g.check(r, c.now());
  EXPECT_TRUE(d.pass);
  EXPECT_TRUE(d.shadow_hit);
}

TEST(SystemGuard, HostSamplerReadsPlausibleValues) {
  HostSampler s;
  FakeClock c;
  s.read(c.now());
  c.advance(2 * kSecond);
  volatile double x = 0;
  for (int i = 0; i < 10'000'000; ++i) x = x + i;  // some CPU between the samples
  SystemReadings r = s.read(c.now());
  EXPECT_GE(r.cpu, 0.0);
  EXPECT_LE(r.cpu, 1.0);
  EXPECT_GE(r.load, 0.0);
}

TEST(Engine, SystemRuleRefusesWith503AndStatsSurviveSwaps) {
  FakeClock clock;
  Engine e(nullptr, clock, [](Nanos) { return SystemReadings{}; });
  e.apply(parse_rules("system: {max_concurrency: 2}\n"));
  struct NoKeys final : KeySource {
    std::optional<std::string> value(std::string_view) const override { return std::nullopt; }
  } keys;
  Engine::Ticket a, b, c;
  EXPECT_TRUE(e.enter("GET /x", keys, a).pass);
  EXPECT_TRUE(e.enter("GET /y", keys, b).pass);
  e.apply(parse_rules("system: {max_concurrency: 2}\n"));
  Decision d = e.enter("GET /z", keys, c);
  EXPECT_FALSE(d.pass) << "in-flight requests still count after a rule swap";
  EXPECT_STREQ(refusal_code(d.refusal), "SYSTEM_OVERLOADED");
  e.exit(a, false);
  EXPECT_TRUE(e.enter("GET /z", keys, c).pass);
}

}  // namespace
}  // namespace zt::core::resilience

namespace zt::core::resilience {
namespace {

TEST(Engine, CancelledTicketsAreNeitherSuccessesNorResponseTimes) {
  FakeClock clock;
  Engine e(nullptr, clock, [](Nanos) { return SystemReadings{}; });
  e.apply(parse_rules("flow:\n  - {id: c, resource: 'GET /a', grade: concurrency, count: 1}\n"));
  struct NoKeys final : KeySource {
    std::optional<std::string> value(std::string_view) const override { return std::nullopt; }
  } keys;
  // One real call of 50 ms sets the minimum response time.
  Engine::Ticket real;
  ASSERT_TRUE(e.enter("GET /a", keys, real).pass);
  clock.advance(50 * kMilli);
  e.exit(real, false);
  const double capacity = e.system().capacity(clock.now());
  // A request refused after local admission (as by a cluster rule) is cancelled, not exited.
  Engine::Ticket refused;
  ASSERT_TRUE(e.enter("GET /a", keys, refused).pass);
  e.cancel(refused);
  EXPECT_EQ(e.system().concurrency(), 0);
  EXPECT_DOUBLE_EQ(e.system().capacity(clock.now()), capacity) << "a 0 ms 'success' would collapse capacity";
  Engine::Ticket next;
  EXPECT_TRUE(e.enter("GET /a", keys, next).pass) << "the concurrency slot came back";
}

}  // namespace
}  // namespace zt::core::resilience
