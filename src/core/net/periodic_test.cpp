// The background-job helper: first step at once or after a period, steps every period, a failed
// step logged and the schedule kept, stop() ending the wait at once.
#include "core/net/periodic.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "core/net/runtime.hpp"

namespace zt::core::net {
namespace {

using namespace std::chrono_literals;

// Waits (up to 20 s) for `done`; false if it never held.
template <class F>
bool within(F done) {
  for (int i = 0; i < 2000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

TEST(Periodic, StepsEveryPeriodGoOnAfterAFailedStepAndStopWhenStopped) {
  IoRuntime rt(1);
  rt.start();
  std::atomic<int> steps{0};
  Periodic job("periodic test");
  job.start(rt, 5ms, Periodic::First::kNow, [&]() -> boost::asio::awaitable<void> {
    if (++steps == 2) throw std::runtime_error("the second step fails");
    co_return;
  });
  EXPECT_TRUE(within([&] { return steps.load() >= 5; })) << "steps after the failed one: " << steps.load();
  job.stop();
  EXPECT_TRUE(job.stopping());
  const int at_stop = steps.load();
  std::this_thread::sleep_for(200ms);  // forty periods
  EXPECT_LE(steps.load(), at_stop + 1) << "at most the step in progress ends after stop()";
  rt.stop();
}

TEST(Periodic, AfterPeriodWaitsAWholePeriodBeforeItsFirstStepAndAStoppedJobNeverSteps) {
  IoRuntime rt(1);
  rt.start();
  std::atomic<int> later{0}, now{0};
  Periodic waits("periodic test: after a period"), starts("periodic test: at once");
  waits.start(rt, std::chrono::hours(1), Periodic::First::kAfterPeriod, [&]() -> boost::asio::awaitable<void> {
    ++later;
    co_return;
  });
  starts.start(rt, std::chrono::hours(1), Periodic::First::kNow, [&]() -> boost::asio::awaitable<void> {
    ++now;
    co_return;
  });
  EXPECT_TRUE(within([&] { return now.load() == 1; })) << "First::kNow steps at once";
  EXPECT_EQ(later.load(), 0) << "First::kAfterPeriod waits its hour";
  waits.stop();  // wakes its wait: it ends without a step
  starts.stop();
  std::this_thread::sleep_for(100ms);
  rt.stop();
  EXPECT_EQ(later.load(), 0) << "stopped, it never steps";
  EXPECT_EQ(now.load(), 1);
}

}  // namespace
}  // namespace zt::core::net
