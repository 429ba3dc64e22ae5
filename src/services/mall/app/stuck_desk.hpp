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
//   waiting_for_nav       expire — cancel at the counter (cash or shares released), expired here.
//   confirmation_refused  retry  — one more attempt, worked out anew by the next confirmation run;
//                         expire — as above.
// Every resolution is audited (mall_audit, with the staff member's reason) before it acts, and
// goes in the order's history with what came of it. Nothing here moves money by itself: each
// action is one of the counter requests the mall already makes, under the same request ids, so
// a resolution racing the confirmation job (or another staff member) settles the order once.
#include <boost/asio/awaitable.hpp>
#include <chrono>

#include "core/http/context.hpp"
#include "core/storage/database.hpp"
#include "services/mall/api_types.hpp"
#include "services/mall/app/orders.hpp"
#include "services/mall/store/mall_store.hpp"

namespace zt::services::mall {

class StuckDesk {
 public:
  StuckDesk(core::storage::Database& db, const MallStore& store, Orders& orders, std::chrono::milliseconds stuck_after)
      : db_(db), store_(store), orders_(orders), stuck_after_(stuck_after) {}

  boost::asio::awaitable<StuckList> list() const;
  boost::asio::awaitable<Resolution> resolve(const std::string& order_id, const ResolveIn& in, const Actor& who,
                                             const core::http::RequestContext& ctx);
  // Any order with its history (staff).
  boost::asio::awaitable<OrderDetail> detail(const std::string& order_id) const;
  boost::asio::awaitable<AuditPage> audit(const std::string& cursor, std::int64_t limit) const;

 private:
  core::storage::Database& db_;
  const MallStore& store_;
  Orders& orders_;
  std::chrono::milliseconds stuck_after_;
};

}  // namespace zt::services::mall
