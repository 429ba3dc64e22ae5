#include "core/workflow/stuck_gauges.hpp"

#include <algorithm>
#include <exception>

#include "core/net/runtime.hpp"
#include "core/observe/log.hpp"
#include "core/observe/metrics.hpp"
#include "core/util/time.hpp"

namespace zt::core::workflow {

StuckGauges::StuckGauges(observe::Registry& metrics, Names names, Count count)
    : metrics_(metrics), names_(std::move(names)), count_(std::move(count)), job_(names_.job) {
  collector_ = metrics_.add_collector([this] { collect(); });
}

StuckGauges::~StuckGauges() { metrics_.remove_collector(collector_); }

void StuckGauges::start(net::IoRuntime& runtime, std::chrono::milliseconds every) {
  job_.start(runtime, every, net::Periodic::First::kNow,
             [this]() -> boost::asio::awaitable<void> { co_await count(); });
}

void StuckGauges::stop() { job_.stop(); }

boost::asio::awaitable<void> StuckGauges::count() {
  std::string failure;
  try {
    StuckFigures figures = co_await count_();
    std::lock_guard lock(mutex_);
    last_ = std::move(figures);
    counted_ = true;
  } catch (const std::exception& e) {
    failure = e.what();
  }
  if (failure.empty()) co_return;
  bool was = false;
  {
    std::lock_guard lock(mutex_);
    was = counted_;
    counted_ = false;
  }
  // Said once when counting starts failing, not at every attempt.
  if (was) log::warn("{} (the metrics keep the last figures): {}", names_.job, failure);
}

void StuckGauges::collect() {
  StuckFigures figures;
  bool counted = false;
  {
    std::lock_guard lock(mutex_);
    figures = last_;
    counted = counted_;
  }
  const auto wall = unix_millis();
  for (const auto& kind : names_.kinds) {
    StuckCount k;
    if (auto it = figures.find(kind); it != figures.end()) k = it->second;
    metrics_.gauge(names_.items, names_.items_help, {{"kind", kind}}).set(k.count);
    metrics_.gauge(names_.oldest, names_.oldest_help, {{"kind", kind}})
        .set(k.oldest_ms == 0 ? 0 : std::max<std::int64_t>(0, (wall - k.oldest_ms) / 1000));
  }
  metrics_.gauge(names_.counted, names_.counted_help).set(counted ? 1 : 0);
}

}  // namespace zt::core::workflow
