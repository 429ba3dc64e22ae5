#include "platform/observer/domain/resources.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "core/observe/resources.hpp"

namespace zt::platform::observer {
namespace {

using core::observe::Metric;
using core::observe::MetricBatch;
using core::observe::MetricKind;
using core::observe::NumberPoint;
namespace rm = core::observe::resource_metric;

Metric metric(std::string_view name, std::vector<double> values, MetricKind kind = MetricKind::kGauge) {
  Metric m;
  m.name = std::string(name);
  m.kind = kind;
  for (const double v : values) m.points.push_back(NumberPoint{0, 1, v, {}});
  return m;
}

MetricBatch batch(std::string service, std::string instance, std::vector<Metric> metrics) {
  return MetricBatch{core::observe::SpanSource{std::move(service), std::move(instance), {}, "zhongtai", ""},
                     std::move(metrics)};
}

TEST(ResourceSamples, EachServiceAndInstanceGetsTheHighestOfEachFigureItSent) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Metric rss = metric(rm::kMemoryUsage, {}, MetricKind::kSum);
  rss.points.push_back(NumberPoint{0, 1, std::int64_t{52'428'800}, {}});
  const std::vector<MetricBatch> batches{
      batch(
          "mall", "node-1@pid7",
          {metric(rm::kCpuCores, {0.25}), rss, metric(rm::kIoBusy, {0.2, 0.6, 1.5}), metric(rm::kBlockingQueued, {2})}),
      // The same resource in another scope: merged, the highest kept.
      batch("mall", "node-1@pid7", {metric(rm::kCpuCores, {0.75}), metric(rm::kOpenFds, {33, nan})}),
      batch("counter", "", {metric(rm::kThreads, {12}), metric(rm::kFdLimit, {1024})}),
      // Nothing the observer keeps: no sample.
      batch("quotes", "q-1",
            {metric("http.server.active_requests", {3}), metric(rm::kCpuCores, {nan, -1}),
             Metric{"process.memory.usage", "", "By", MetricKind::kOther, false, {}}}),
  };
  const auto got = resource_samples(batches, "mall", 6'000'123, 10);
  ASSERT_TRUE(got.has_value());
  const auto& samples = *got;
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].sender, "mall");
  const auto& counter = samples[0];
  EXPECT_EQ(counter.service, "counter");
  EXPECT_EQ(counter.instance, "unknown_instance");
  EXPECT_EQ(counter.threads, 12);
  EXPECT_EQ(counter.max_fds, 1024);
  EXPECT_FALSE(counter.cpu_cores.has_value());
  const auto& mall = samples[1];
  EXPECT_EQ(mall.instance, "node-1@pid7");
  EXPECT_EQ(mall.minute, 100) << "the minute of receipt";
  EXPECT_EQ(mall.at_ms, 6'000'123);
  EXPECT_EQ(mall.cpu_cores, 0.75);
  EXPECT_EQ(mall.rss_bytes, 52'428'800);
  EXPECT_EQ(mall.open_fds, 33) << "NaN left";
  EXPECT_EQ(mall.blocking_queued, 2);
  ASSERT_TRUE(mall.io_busy_avg.has_value());
  EXPECT_DOUBLE_EQ(*mall.io_busy_avg, 0.6) << "a share over 1 counts as 1";
  EXPECT_EQ(mall.io_busy_max, 1.0);
}

TEST(ResourceSamples, NamesAreCutTo256BytesAndTooManyInstancesAreRefused) {
  std::vector<MetricBatch> batches{
      batch(std::string(300, 's'), "实" + std::string(299, 'i'), {metric(rm::kThreads, {3})})};
  const auto cut = resource_samples(batches, "token:x", 0, 2);
  ASSERT_TRUE(cut.has_value());
  ASSERT_EQ(cut->size(), 1u);
  EXPECT_EQ((*cut)[0].service, std::string(256, 's'));
  EXPECT_EQ((*cut)[0].instance.size(), 256u);
  EXPECT_TRUE((*cut)[0].instance.starts_with("实"));
  // Three instances where two may come: refused whole.
  batches.push_back(batch("mall", "m-1", {metric(rm::kThreads, {3})}));
  EXPECT_TRUE(resource_samples(batches, "token:x", 0, 2).has_value());
  batches.push_back(batch("mall", "m-2", {metric(rm::kThreads, {3})}));
  EXPECT_FALSE(resource_samples(batches, "token:x", 0, 2).has_value());
  // What holds nothing kept does not count.
  batches.back().metrics = {metric("other", {1})};
  EXPECT_TRUE(resource_samples(batches, "token:x", 0, 2).has_value());
}

}  // namespace
}  // namespace zt::platform::observer
