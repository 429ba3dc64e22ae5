#include "core/observe/resources.hpp"

#include <gtest/gtest.h>

namespace zt::core::observe {
namespace {

const Metric* find(const std::vector<Metric>& metrics, std::string_view name) {
  for (const auto& m : metrics)
    if (m.name == name) return &m;
  return nullptr;
}

ResourceReading reading(std::uint64_t at_s, double cpu, std::vector<double> io, std::size_t queued) {
  ResourceReading r;
  r.time_unix_nano = at_s * 1'000'000'000ull;
  r.steady_nanos = at_s * 1'000'000'000ull;
  ProcessFigures p;
  p.cpu_seconds = cpu;
  p.resident_bytes = 50u << 20;
  p.open_fds = 40;
  p.max_fds = 1024;
  p.threads = 9;
  p.start_time_seconds = 100;
  r.process = p;
  r.io_thread_cpu_seconds = std::move(io);
  r.blocking_queued = queued;
  return r;
}

TEST(ResourceMeter, TheFirstReadingHasNoRatesTheNextHasThemOverTheInterval) {
  namespace rm = resource_metric;
  ResourceMeter meter;
  EXPECT_FALSE(meter.primed());
  const auto first = meter.take(reading(1000, 10.0, {1.0, 2.0}, 3));
  EXPECT_TRUE(meter.primed());
  EXPECT_EQ(find(first, rm::kCpuCores), nullptr);
  EXPECT_EQ(find(first, rm::kIoBusy), nullptr);
  ASSERT_NE(find(first, rm::kCpuTime), nullptr);
  EXPECT_TRUE(find(first, rm::kCpuTime)->monotonic);
  EXPECT_EQ(find(first, rm::kCpuTime)->points[0].start_time_unix_nano, 100'000'000'000u);
  EXPECT_EQ(std::get<std::int64_t>(find(first, rm::kMemoryUsage)->points[0].value), 50 << 20);
  EXPECT_EQ(std::get<std::int64_t>(find(first, rm::kOpenFds)->points[0].value), 40);
  EXPECT_EQ(std::get<std::int64_t>(find(first, rm::kFdLimit)->points[0].value), 1024);
  EXPECT_EQ(std::get<std::int64_t>(find(first, rm::kThreads)->points[0].value), 9);
  EXPECT_EQ(std::get<std::int64_t>(find(first, rm::kBlockingQueued)->points[0].value), 3);

  // 10 s later: 5 CPU seconds used (half a core); io thread 0 busy 2.5 s of 10, thread 1 ended.
  const auto second = meter.take(reading(1010, 15.0, {3.5, -1.0}, 0));
  ASSERT_NE(find(second, rm::kCpuCores), nullptr);
  EXPECT_DOUBLE_EQ(find(second, rm::kCpuCores)->points[0].number(), 0.5);
  const auto* busy = find(second, rm::kIoBusy);
  ASSERT_NE(busy, nullptr);
  ASSERT_EQ(busy->points.size(), 1u);
  EXPECT_DOUBLE_EQ(busy->points[0].number(), 0.25);
  EXPECT_EQ(std::get<std::int64_t>(busy->points[0].attributes[0].value), 0);

  // The interval is the monotonic clock's: a wall clock stepped back moves no rate.
  auto stepped = reading(1020, 16.0, {4.0, 1.0}, 0);
  stepped.time_unix_nano -= 3'600'000'000'000ull;
  const auto after_step = meter.take(stepped);
  ASSERT_NE(find(after_step, rm::kCpuCores), nullptr);
  EXPECT_DOUBLE_EQ(find(after_step, rm::kCpuCores)->points[0].number(), 0.1);
  // A reading no later than the last, or whose CPU went back, gives no rates.
  EXPECT_EQ(find(meter.take(reading(1020, 16.5, {4.0, 1.0}, 0)), rm::kCpuCores), nullptr);
  EXPECT_EQ(find(meter.take(reading(1030, 1.0, {5.0, 1.0}, 0)), rm::kCpuCores), nullptr);
  // Without /proc: the queue only (and the io threads' shares once there are two readings).
  ResourceMeter blind;
  auto hidden = reading(1, 0, {0.0}, 7);
  hidden.process.reset();
  const auto only = blind.take(hidden);
  ASSERT_EQ(only.size(), 1u);
  EXPECT_EQ(only[0].name, rm::kBlockingQueued);
}

TEST(ResourceMeter, ABodyHoldsTheFiguresUnderEachServiceOfTheProcess) {
  ResourceMeter meter;
  const auto metrics = meter.take(reading(1000, 1.0, {}, 0));
  const auto decoded =
      decode_otlp_metrics_protobuf(otlp_metrics_body(metrics, {"mall", "counter"}, "node-1@pid7", "0.1.0"));
  ASSERT_EQ(decoded.error, "");
  ASSERT_EQ(decoded.batches.size(), 2u);
  EXPECT_EQ(decoded.batches[0].source.service_name, "mall");
  EXPECT_EQ(decoded.batches[1].source.service_name, "counter");
  for (const auto& b : decoded.batches) {
    EXPECT_EQ(b.source.service_instance_id, "node-1@pid7");
    EXPECT_EQ(b.metrics.size(), metrics.size());
  }
}

}  // namespace
}  // namespace zt::core::observe
