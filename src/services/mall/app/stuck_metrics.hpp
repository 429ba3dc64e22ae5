#pragma once
// What operators alert on: orders stuck between mall and counter, as gauges computed from the
// database when metrics are scraped (every instance reports the same figures; take max()):
//
//   zt_mall_stuck_orders{kind}              how many
//   zt_mall_stuck_oldest_age_seconds{kind}  since the oldest was placed (0 when none)
//
// kind: placing (outcome at the counter unknown for longer than mall.stuck_after: the counter is
// not answering), waiting_for_nav (past the confirmation date, the NAV not in: a missed import),
// confirmation_refused (the counter refused a recorded confirmation: staff look at the
// reconciliation page). A suggested rule: max(zt_mall_stuck_orders) > 0 for 15 minutes.
#include <chrono>
#include <cstdint>
#include <mutex>

#include "core/storage/database.hpp"
#include "services/mall/store/mall_store.hpp"

namespace zt::core::observe {
class Registry;
}

namespace zt::services::mall {

class StuckMetrics {
 public:
  StuckMetrics(core::storage::Database& db, const MallStore& store, core::observe::Registry& metrics,
               std::chrono::milliseconds stuck_after);
  ~StuckMetrics();
  StuckMetrics(const StuckMetrics&) = delete;
  StuckMetrics& operator=(const StuckMetrics&) = delete;

 private:
  void collect();

  core::storage::Database& db_;
  const MallStore& store_;
  core::observe::Registry& metrics_;
  std::chrono::milliseconds stuck_after_;
  std::uint64_t collector_ = 0;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point read_at_{};
  StuckOrders last_;
};

}  // namespace zt::services::mall
