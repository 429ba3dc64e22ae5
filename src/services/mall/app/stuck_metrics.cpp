#include "services/mall/app/stuck_metrics.hpp"

#include "core/finance/business_clock.hpp"
#include "core/finance/calendar.hpp"
#include "core/observe/log.hpp"
#include "core/observe/metrics.hpp"
#include "core/util/time.hpp"

namespace zt::services::mall {

namespace {
// Scrapes closer together than this reuse the last figures (three counts on an index each).
constexpr auto kReuseFor = std::chrono::seconds(1);
}  // namespace

StuckMetrics::StuckMetrics(core::storage::Database& db, const MallStore& store, core::observe::Registry& metrics,
                           std::chrono::milliseconds stuck_after)
    : db_(db), store_(store), metrics_(metrics), stuck_after_(stuck_after) {
  collector_ = metrics_.add_collector([this] { collect(); });
}

StuckMetrics::~StuckMetrics() { metrics_.remove_collector(collector_); }

void StuckMetrics::collect() {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (read_at_ == std::chrono::steady_clock::time_point{} || now - read_at_ >= kReuseFor) {
    try {
      const auto now_ms = core::unix_millis();
      const std::string today = core::finance::format_date(core::finance::business_now().date);
      db_.read_blocking([&](core::storage::Tx& tx) { last_ = store_.stuck(tx, now_ms - stuck_after_.count(), today); });
      read_at_ = now;
    } catch (const std::exception& e) {
      core::log::warn("mall: stuck orders not counted for the metrics: {}", e.what());
    }
  }
  const auto wall = core::unix_millis();
  const auto report = [&](const char* kind, const StuckKind& k) {
    metrics_.gauge("zt_mall_stuck_orders", "Orders stuck between mall and counter, by kind", {{"kind", kind}}).set(k.count);
    metrics_
        .gauge("zt_mall_stuck_oldest_age_seconds", "Seconds since the oldest stuck order was placed, by kind",
               {{"kind", kind}})
        .set(k.oldest_placed_ms == 0 ? 0 : std::max<std::int64_t>(0, (wall - k.oldest_placed_ms) / 1000));
  };
  report("placing", last_.placing);
  report("waiting_for_nav", last_.waiting_for_nav);
  report("confirmation_refused", last_.confirmation_refused);
}

}  // namespace zt::services::mall
