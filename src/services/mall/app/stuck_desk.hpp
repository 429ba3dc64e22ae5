#pragma once
// Stuck orders for staff (issue 18, deliver 4): the list — each order with why it is stuck, its
// age and its history — and their resolution. An order is stuck when its outcome at the counter
// is still unknown past `mall.stuck_after` (placing), when it is past its confirmation date
// without a NAV (waiting_for_nav), or when the counter refused its confirmation
// (confirmation_refused) — the same rules as the metrics zt_mall_stuck_orders{kind}.
//
// What staff may do, by kind, and what the customer then reads on the order:
//   placing               retry  — send it again as recorded (before its cut-off), or ask the
//                                  counter what it did under the request id (after it);
//                         void   — ask the counter to void the request id: what it never saw can
//                                  never execute and fails here (MALL_ORDER_VOIDED, nothing
//                                  frozen); what it placed is pending; what it refused, failed.
//   waiting_for_nav       expire — cancel at the counter (cash or shares released), expired here
//                                  (the job does so by itself `mall.expire_after_days` on).
//   confirmation_refused  retry  — the counter refused every automatic attempt
//                                  (`mall.confirm_attempts`): one more, worked out anew under the
//                                  next request id by the next confirmation run;
//                         expire — as above.
//   confirmation_overdue  expire — past its confirmation date with its NAV in, not confirmed (the
//                                  job keeps trying by itself: unanswered, not quoted, or refused
//                                  with attempts left).
// Every resolution is audited (mall_audit, with the staff member's reason) before it acts, and its
// result after; both go in the order's history. A repeated request with the same Idempotency-Key
// gets the first one's answer. Nothing here moves money by itself: each action is one of the
// counter requests the mall already makes, under the same request ids, so a resolution racing
// the confirmation job (or another staff member) settles the order once.
#include <boost/asio/awaitable.hpp>
#include <chrono>

#include "core/http/context.hpp"
#include "core/storage/database.hpp"
#include "core/workflow/resolutions.hpp"
#include "core/workflow/stuck_gauges.hpp"
#include "services/mall/api_types.hpp"
#include "services/mall/app/orders.hpp"
#include "services/mall/store/mall_store.hpp"

namespace zt::services::mall {

struct StuckDeskSettings {
  std::chrono::milliseconds stuck_after{600000};  // mall.stuck_after
  int confirm_attempts = 5;                       // mall.confirm_attempts
  int expire_after_days = 10;                     // mall.expire_after_days
};

class StuckDesk {
 public:
  StuckDesk(core::storage::Database& db, const MallStore& store, Orders& orders, StuckDeskSettings settings)
      : db_(db), store_(store), orders_(orders), settings_(settings) {}

  boost::asio::awaitable<StuckList> list() const;
  // `idempotency_key`: the request's; a repeat answers the first resolution.
  boost::asio::awaitable<Resolution> resolve(const std::string& order_id, const ResolveIn& in, const Actor& who,
                                             const std::string& idempotency_key, const core::http::RequestContext& ctx);
  // Any order with its history (staff).
  boost::asio::awaitable<OrderDetail> detail(const std::string& order_id) const;
  boost::asio::awaitable<AuditPage> audit(const AuditQuery& query) const;
  // How many orders are stuck now, by kind, and since when the oldest was placed (the metrics,
  // core/workflow/stuck_gauges.hpp: zt_mall_stuck_orders{kind}).
  boost::asio::awaitable<core::workflow::StuckFigures> count() const;
  // The metrics' names, help and kinds: zt_mall_stuck_orders{kind},
  // zt_mall_stuck_oldest_age_seconds{kind}, zt_mall_stuck_counted. Alert on
  // max(zt_mall_stuck_orders) > 0 for 15 minutes and min(zt_mall_stuck_counted) == 0 for 5 minutes.
  static const core::workflow::StuckGauges::Names& gauges();

 private:
  StuckBounds bounds(std::int64_t now_ms) const;
  boost::asio::awaitable<Resolution> act(const OrderRecord& o, const std::string& kind, const ResolveIn& in,
                                         const Actor& who, const core::http::RequestContext& ctx);

  core::storage::Database& db_;
  const MallStore& store_;
  Orders& orders_;
  StuckDeskSettings settings_;
  const core::workflow::Resolutions resolutions_{{"mall_resolutions", "order_id", "MALL"}};
};

}  // namespace zt::services::mall
