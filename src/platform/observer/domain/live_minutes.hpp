#pragma once
// The minutes the observer is still counting (issue 19): the rollup of what arrives, behind one
// lock — ingest adds, the flush loop takes the closed minutes to store, and queries add the open
// ones to what is stored, so a dashboard shows the current minute.
#include <mutex>
#include <optional>
#include <string>

#include "core/observe/rollup.hpp"
#include "platform/observer/store/metric_store.hpp"

namespace zt::platform::observer {

class LiveMinutes {
 public:
  explicit LiveMinutes(core::observe::RollupLimits limits = {}) : rollup_(limits) {}

  std::size_t add(const std::vector<core::observe::SpanBatch>& batches, std::int64_t now_minute) {
    std::lock_guard lock(mutex_);
    std::size_t counted = 0;
    for (const auto& b : batches) counted += rollup_.add(b, now_minute);
    return counted;
  }
  // Every minute before `minute`, taken out.
  Minutes take_before(std::int64_t minute) {
    std::lock_guard lock(mutex_);
    return rollup_.take_before(minute);
  }
  // The series of `scope` (of `service` when given) in [from, to) still being counted.
  Minutes peek(core::observe::SeriesScope scope, const std::optional<std::string>& service, std::int64_t from,
               std::int64_t to) const {
    std::lock_guard lock(mutex_);
    return rollup_.peek(from, to, [&](const core::observe::SeriesKey& k) {
      return k.scope == scope && (!service || k.service == *service);
    });
  }
  struct Counts {
    std::uint64_t folded = 0, out_of_window = 0, dropped = 0;
  };
  Counts counts() const {
    std::lock_guard lock(mutex_);
    return {rollup_.folded(), rollup_.out_of_window(), rollup_.dropped()};
  }

 private:
  mutable std::mutex mutex_;
  core::observe::MinuteRollup rollup_;
};

}  // namespace zt::platform::observer
