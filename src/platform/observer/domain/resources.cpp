#include "platform/observer/domain/resources.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/observe/resources.hpp"

namespace zt::platform::observer {

namespace {

template <class T>
void keep_highest(std::optional<T>& into, T v) {
  if (!into || v > *into) into = v;
}

std::int64_t whole(double v) { return v >= 9.2e18 ? INT64_MAX : static_cast<std::int64_t>(std::llround(v)); }

}  // namespace

std::optional<std::vector<ResourceSample>> resource_samples(const std::vector<core::observe::MetricBatch>& batches,
                                                            const std::string& sender, std::int64_t now_ms,
                                                            std::size_t most) {
  namespace rm = core::observe::resource_metric;
  std::map<std::pair<std::string, std::string>, ResourceSample> by_instance;
  for (const auto& batch : batches) {
    // Names as the rollup keeps them: at most 256 bytes.
    const std::string service = core::observe::valid_utf8(batch.source.service_name, 256);
    const std::string instance = batch.source.service_instance_id.empty()
                                     ? std::string("unknown_instance")
                                     : core::observe::valid_utf8(batch.source.service_instance_id, 256);
    ResourceSample* s = nullptr;
    for (const auto& m : batch.metrics) {
      if (m.kind == core::observe::MetricKind::kOther) continue;
      // A figure is a number at least 0 (a busy share at most 1): anything else is left.
      std::vector<double> values;
      for (const auto& p : m.points)
        if (const double v = p.number(); std::isfinite(v) && v >= 0) values.push_back(v);
      if (values.empty()) continue;
      const double highest = *std::max_element(values.begin(), values.end());
      const auto sample = [&]() -> ResourceSample& {
        if (!s) {
          s = &by_instance[{service, instance}];
          s->service = service;
          s->instance = instance;
          s->sender = sender;
          s->minute = now_ms / 60'000;
          s->at_ms = now_ms;
        }
        return *s;
      };
      if (m.name == rm::kCpuCores) {
        keep_highest(sample().cpu_cores, highest);
      } else if (m.name == rm::kMemoryUsage) {
        keep_highest(sample().rss_bytes, whole(highest));
      } else if (m.name == rm::kOpenFds) {
        keep_highest(sample().open_fds, whole(highest));
      } else if (m.name == rm::kFdLimit) {
        keep_highest(sample().max_fds, whole(highest));
      } else if (m.name == rm::kThreads) {
        keep_highest(sample().threads, whole(highest));
      } else if (m.name == rm::kBlockingQueued) {
        keep_highest(sample().blocking_queued, whole(highest));
      } else if (m.name == rm::kIoBusy) {
        double sum = 0;
        for (auto& v : values) sum += (v = std::min(v, 1.0));
        keep_highest(sample().io_busy_avg, sum / static_cast<double>(values.size()));
        keep_highest(sample().io_busy_max, std::min(highest, 1.0));
      }
    }
  }
  if (by_instance.size() > most) return std::nullopt;
  // A sample is made only once a figure is kept: none is empty.
  std::vector<ResourceSample> out;
  for (auto& [key, s] : by_instance) out.push_back(std::move(s));
  return out;
}

}  // namespace zt::platform::observer
