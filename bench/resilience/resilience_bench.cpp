// ns per resilience decision. The caller passes the time it already took for the request (the
// gateway stamps each request once), so these figures are the decision itself; each iteration
// advances that time by 1 µs so window buckets roll as they would under load.
#include <benchmark/benchmark.h>


#include "core/resilience/breaker.hpp"
#include "core/resilience/flow.hpp"
#include "core/resilience/limiter.hpp"

using namespace zt::core::resilience;

namespace {

// Per-thread time, so the benchmark's own clock is not a shared cache line.
Nanos tick() {
  thread_local Nanos now = 1'000 * kSecond;
  return now += 1000;
}

FlowResource& flow_resource() {
  static FlowResource r([] {
    FlowRule rule;
    rule.id = "bench";
    rule.resource = "bench";
    rule.count = 1e12;
    return std::vector<FlowRule>{rule};
  }());
  return r;
}

KeyedLimiter& keyed() {
  static KeyedLimiter l("bench", BucketSpec{1'000'000'000, kSecond, 1'000'000'000}, 100'000);
  return l;
}

CircuitBreaker& breaker() {
  static CircuitBreaker b([] {
    BreakerRule r;
    r.id = "bench";
    r.strategy = BreakerStrategy::kErrorRatio;
    r.threshold = 0.5;
    return r;
  }());
  return b;
}

void BM_SlidingWindowPass(benchmark::State& state) {
  auto& r = flow_resource();
  for (auto _ : state) {
    Nanos now = tick();
    benchmark::DoNotOptimize(r.enter(1, now));
  }
}
BENCHMARK(BM_SlidingWindowPass)->Threads(1)->Threads(2)->UseRealTime();

void BM_KeyedBucketHit(benchmark::State& state) {
  auto& l = keyed();
  const std::string key = "customer-" + std::to_string(state.thread_index());
  for (auto _ : state) {
    Nanos now = tick();
    benchmark::DoNotOptimize(l.try_acquire(key, 1, now));
  }
}
BENCHMARK(BM_KeyedBucketHit)->Threads(1)->Threads(2)->UseRealTime();

void BM_BreakerCheck(benchmark::State& state) {
  auto& b = breaker();
  for (auto _ : state) {
    Nanos now = tick();
    Permit p = b.try_pass(now);
    b.on_complete(p, kMilli, false, now);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_BreakerCheck)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
