#pragma once
// What operators alert on: orders stuck between mall and counter, counted from the database every
// mall.stuck_refresh (15 s) by each instance (all count the same orders: take max()):
//
//   zt_mall_stuck_orders{kind}              how many
//   zt_mall_stuck_oldest_age_seconds{kind}  since the oldest was placed (0 when none)
//   zt_mall_stuck_counted                   1 while the last count succeeded, 0 when it failed
//                                           (the figures above are then the last good ones)
//
// kind: placing (outcome at the counter unknown for longer than mall.stuck_after: the counter is
// not answering), waiting_for_nav (past the confirmation date, the NAV not in: a missed import),
// confirmation_refused (the counter refused a recorded confirmation: staff look at the
// reconciliation page). Suggested rules: max(zt_mall_stuck_orders) > 0 for 15 minutes;
// min(zt_mall_stuck_counted) == 0 for 5 minutes.
// The count runs on the blocking pool; a scrape only copies the last figures (an io thread never
// waits for the database).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

#include "core/net/periodic.hpp"
#include "core/storage/database.hpp"
#include "services/mall/store/mall_store.hpp"

namespace zt::core::observe {
class Registry;
}
namespace zt::core::net {
class IoRuntime;
}

namespace zt::services::mall {

class StuckMetrics {
 public:
  StuckMetrics(core::storage::Database& db, const MallStore& store, core::observe::Registry& metrics,
               std::chrono::milliseconds stuck_after, std::chrono::milliseconds every, int confirm_attempts);
  ~StuckMetrics();
  StuckMetrics(const StuckMetrics&) = delete;
  StuckMetrics& operator=(const StuckMetrics&) = delete;

  // Counts now, then every `every`, until stop().
  void start(core::net::IoRuntime& runtime);
  void stop();

 private:
  boost::asio::awaitable<void> count();
  void collect();

  core::storage::Database& db_;
  const MallStore& store_;
  core::observe::Registry& metrics_;
  std::chrono::milliseconds stuck_after_, every_;
  int confirm_attempts_;
  std::uint64_t collector_ = 0;
  std::mutex mutex_;
  StuckOrders last_;
  bool counted_ = false;
  core::net::Periodic job_{"mall: stuck orders not counted"};
};

}  // namespace zt::services::mall
