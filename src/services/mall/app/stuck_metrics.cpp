#include "services/mall/app/stuck_metrics.hpp"

#include "core/finance/business_clock.hpp"
#include "core/finance/calendar.hpp"
#include "core/net/runtime.hpp"
#include "core/observe/log.hpp"
#include "core/observe/metrics.hpp"
#include "core/util/time.hpp"

namespace zt::services::mall {

StuckMetrics::StuckMetrics(core::storage::Database& db, const MallStore& store, core::observe::Registry& metrics,
                           std::chrono::milliseconds stuck_after, std::chrono::milliseconds every,
                           int confirm_attempts)
    : db_(db), store_(store), metrics_(metrics), stuck_after_(stuck_after), every_(every),
      confirm_attempts_(confirm_attempts) {
  collector_ = metrics_.add_collector([this] { collect(); });
}

StuckMetrics::~StuckMetrics() { metrics_.remove_collector(collector_); }

void StuckMetrics::start(core::net::IoRuntime& runtime) {
  job_.start(runtime, every_, core::net::Periodic::First::kNow, [this]() -> boost::asio::awaitable<void> { co_await count(); });
}

void StuckMetrics::stop() { job_.stop(); }

boost::asio::awaitable<void> StuckMetrics::count() {
  const auto now_ms = core::unix_millis();
  const StuckBounds bounds{now_ms - stuck_after_.count(), core::finance::format_date(core::finance::business_now().date),
                           confirm_attempts_};
  try {
    auto figures = co_await db_.read([&](core::storage::Tx& tx) { return store_.stuck(tx, bounds); });
    std::lock_guard lock(mutex_);
    last_ = figures;
    counted_ = true;
  } catch (const std::exception& e) {
    bool was = false;
    {
      std::lock_guard lock(mutex_);
      was = counted_;
      counted_ = false;
    }
    if (was) core::log::warn("mall: stuck orders not counted (the metrics keep the last figures): {}", e.what());
  }
}

void StuckMetrics::collect() {
  StuckOrders figures;
  bool counted = false;
  {
    std::lock_guard lock(mutex_);
    figures = last_;
    counted = counted_;
  }
  const auto wall = core::unix_millis();
  const auto report = [&](const char* kind, const StuckKind& k) {
    metrics_.gauge("zt_mall_stuck_orders", "Orders stuck between mall and counter, by kind", {{"kind", kind}}).set(k.count);
    metrics_
        .gauge("zt_mall_stuck_oldest_age_seconds", "Seconds since the oldest stuck order was placed, by kind",
               {{"kind", kind}})
        .set(k.oldest_placed_ms == 0 ? 0 : std::max<std::int64_t>(0, (wall - k.oldest_placed_ms) / 1000));
  };
  report("placing", figures.placing);
  report("waiting_for_nav", figures.waiting_for_nav);
  report("confirmation_refused", figures.confirmation_refused);
  report("confirmation_overdue", figures.confirmation_overdue);
  metrics_.gauge("zt_mall_stuck_counted", "1 while the last count of stuck orders succeeded").set(counted ? 1 : 0);
}

}  // namespace zt::services::mall
