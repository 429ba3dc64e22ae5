#pragma once
// The mall's records in its own tables (migrations/0001_mall.sql). Each call runs inside the
// caller's transaction; rules that refuse answer a Refusal so nothing half-done commits.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/storage/database.hpp"
#include "core/workflow/history.hpp"
#include "core/workflow/stuck_gauges.hpp"
#include "services/mall/api_types.hpp"
#include "services/mall/domain/products.hpp"

namespace zt::services::mall {

// Who acts, for the audit: a staff member or a customer with the address they came from, or the
// mall itself ("mall", no address: the confirmation job, a re-drive, the counter's answer followed).
struct Actor {
  std::string id;
  std::string trace_id;
  std::string ip;
};

struct ProductRow {
  ProductTerms terms;
  std::string status;
  int holder_count = 0;
  std::string description;
};

// An order as kept.
struct OrderRecord {
  std::string order_id;
  std::string customer_id;
  std::string fund_account;
  std::string product;
  std::string product_name;
  std::string side;
  std::int64_t amount_units = 0;
  std::int64_t shares_units = 0;
  std::string state;
  std::string trade_date;
  std::string confirm_date;
  std::int64_t placed_at_ms = 0;
  std::string idempotency_key;
  std::string fingerprint;
  std::optional<std::string> warning_id;
  std::string suitability_rule;
  std::optional<std::string> counter_order_id;
  std::optional<std::int64_t> nav_units, fee_units, confirmed_amount_units, confirmed_shares_units;
  std::optional<std::string> confirmed_date, failure_code, failure_message;
  std::string trace_id;
  // The product's fee schedule when the order was placed: what it settles under (none on orders
  // from before it was kept: those take the product's).
  std::optional<FeeSchedule> fees;
  // The confirmation exactly as first sent to the counter (recorded before that send): every
  // later attempt sends these bytes again, whatever the lots or the schedule are by then.
  std::optional<std::string> confirm_request;
  int confirm_attempt = 0;                   // 0: mall-confirm-<order>; n: mall-confirm-<order>-<n>
  std::optional<std::string> confirm_error;  // the counter's last refusal of its confirmation
};

// What the mall holds for a customer in a product (reconciliation).
struct HeldShares {
  std::string customer_id;
  std::string product;
  std::int64_t shares_units = 0;
};

// What makes an order stuck: placing since before `placing_before_ms`; pending past its
// confirmation date (before `today`); a confirmation refused `confirm_attempts` times.
struct StuckBounds {
  std::int64_t placing_before_ms = 0;
  std::string today;
  int confirm_attempts = 5;
};

// One line of an order's history off the happy path (migrations/0005_order_events.sql): a run
// of the same event is one line with how many times and its first and last time.
using OrderEvent = core::workflow::HistoryLine;

// A stuck order and why it is stuck: placing (its outcome at the counter unknown), waiting_for_nav
// (past its confirmation date, its NAV not in) or confirmation_refused.
struct StuckRecord {
  OrderRecord order;
  std::string kind;
};


struct OrderFilter {
  std::string customer;  // exact, "" for any
  std::string product;
  std::string state;
  std::string cursor;
  std::int64_t limit = 20;
};

ProductTerms terms_of(const ProductIn& in);
// The refusal of a risk warning that already went with another order.
Refusal warning_used(const std::string& order_id);
FeesJson fees_json(const FeeSchedule& s);

class MallStore {
 public:
  explicit MallStore(CategoryRules rules) : rules_(rules) {}
  const CategoryRules& rules() const { return rules_; }

  // ---- products (staff with products.manage)
  Result<ProductView> create_product(core::storage::Tx& tx, const ProductIn& in, const Actor& who,
                                     std::int64_t now_ms) const;
  Result<ProductView> update_product(core::storage::Tx& tx, const std::string& code, const ProductIn& in,
                                     const Actor& who, std::int64_t now_ms) const;
  Result<ProductView> set_status(core::storage::Tx& tx, const std::string& code, const std::string& status,
                                 const std::string& comment, const Actor& who, std::int64_t now_ms) const;
  std::optional<ProductRow> product(core::storage::Tx& tx, const std::string& code) const;
  ProductView view(core::storage::Tx& tx, const ProductRow& row) const;
  ProductView view_of(const ProductRow& row, const std::optional<NavPoint>& nav) const;
  // Customers see published and halted products; staff all of them.
  Result<ProductPage> products(core::storage::Tx& tx, const std::string& category, bool staff,
                               const std::string& cursor, std::int64_t limit) const;

  // ---- NAVs: one per product and date, never changed once entered
  Result<NavPoint> put_nav(core::storage::Tx& tx, const std::string& code, const std::string& date, Nav nav,
                           const Actor& who, std::int64_t now_ms, bool* unchanged = nullptr) const;
  Result<NavList> navs(core::storage::Tx& tx, const std::string& code, const std::string& from,
                       const std::string& to) const;
  std::optional<Nav> nav_on(core::storage::Tx& tx, const std::string& code, const std::string& date) const;
  std::optional<NavPoint> latest_nav(core::storage::Tx& tx, const std::string& code) const;

  // Whether the customer holds or held the product, or has a subscription to it open (they may
  // always see what they own, whatever their classification now).
  bool has_position(core::storage::Tx& tx, const std::string& customer, const std::string& code) const;

  // ---- the sandbox's demo products (app/demo_feed.hpp): each code's state (creating, on_sale,
  // foreign), none before the feed took it up
  std::optional<std::string> demo_state(core::storage::Tx& tx, const std::string& code) const;
  void set_demo_state(core::storage::Tx& tx, const std::string& code, const std::string& state,
                      std::int64_t now_ms) const;

  // ---- orders
  std::optional<OrderRecord> order_by_key(core::storage::Tx& tx, const std::string& customer,
                                          const std::string& key) const;
  std::optional<OrderRecord> order(core::storage::Tx& tx, const std::string& order_id) const;
  // Takes a holder place when the product has a cap (refused when none is left), then records the
  // order as placing, audited as the customer's (`who`: the customer and their address).
  Result<OrderRecord> begin_order(core::storage::Tx& tx, const OrderRecord& o, std::int64_t now_ms, const Actor& who) const;
  // False when the order was no longer placing (another attempt recorded it first).
  bool mark_pending(core::storage::Tx& tx, const std::string& order_id, const std::string& counter_order_id,
                    std::int64_t now_ms) const;
  // False when the order was no longer placing.
  bool mark_failed(core::storage::Tx& tx, const OrderRecord& o, const std::string& code, const std::string& message,
                   std::int64_t now_ms) const;
  // Each change of an order's state below is audited under the order's customer: a cancel as
  // `who` did it (the customer, or the mall following the counter), a confirmation and a failure
  // as the mall's, an expiry as the staff member's or the mall's.
  bool mark_cancelled(core::storage::Tx& tx, const OrderRecord& o, std::int64_t now_ms, const Actor& who) const;
  // Settles the mall's side once (false when another run did): the order's figures and the cost
  // of the holding.
  bool mark_confirmed(core::storage::Tx& tx, const OrderRecord& o, Nav nav, Money fee, std::int64_t amount_units,
                      std::int64_t shares_units, const std::string& confirmed_date, std::int64_t now_ms) const;
  // What placing an order needs to know, asked in one exchange: a first order under this key, the
  // product (any status), and whether buying it now would be the customer's first purchase.
  struct BeforeOrder {
    std::optional<OrderRecord> seen;
    std::optional<ProductRow> product;
    bool first = true;
  };
  BeforeOrder before_order(core::storage::Tx& tx, const std::string& customer, const std::string& key,
                           const std::string& code) const;
  // For a customer's holdings page, in one exchange: the cost of each holding, and for the codes
  // held at the counter the product (when sold here) and its latest NAV.
  struct HeldProduct {
    ProductRow product;
    std::optional<NavPoint> nav;
  };
  struct HoldingFacts {
    std::map<std::string, std::int64_t> cost;
    std::map<std::string, HeldProduct> products;
  };
  HoldingFacts holding_facts(core::storage::Tx& tx, const std::string& customer,
                             const std::vector<std::string>& codes) const;
  Result<OrderPage> orders(core::storage::Tx& tx, const OrderFilter& f, bool staff) const;
  // Pending orders due for confirmation whose NAV for T is in, least recently tried first; and how
  // many due ones wait for their NAV.
  std::vector<OrderRecord> due(core::storage::Tx& tx, const std::string& today) const;
  std::int64_t waiting_for_nav(core::storage::Tx& tx, const std::string& today) const;
  // The due ones waiting for their NAV, least recently tried first.
  std::vector<OrderRecord> waiting(core::storage::Tx& tx, const std::string& today) const;
  // An order that can never confirm, released at the counter: expired, with the customer's reason
  // (false when it was no longer pending).
  bool mark_expired(core::storage::Tx& tx, const OrderRecord& o, const std::string& message, std::int64_t now_ms,
                    const Actor& who) const;
  // Orders still placing, not tried since `older_than_ms`, least recently tried first.
  std::vector<OrderRecord> stuck_placing(core::storage::Tx& tx, std::int64_t older_than_ms) const;
  // Keeps the confirmation request before its first send; false when one is already kept (or the
  // order is no longer pending: the caller sends the kept one), or when the NAV it was worked out
  // at is no longer the one in force or a correction holds it (nothing kept: worked out again, or
  // the order waits).
  bool record_confirm_request(core::storage::Tx& tx, const OrderRecord& o, const std::string& request, Nav nav,
                              std::int64_t now_ms) const;
  // The counter refused the recorded confirmation while the order is still pending there: worked out
  // again on the next run under a new request id (true), unless `max_attempts` were made (false:
  // it stays as it is, the refusal kept for staff).
  bool confirmation_refused(core::storage::Tx& tx, const std::string& order_id, const std::string& request,
                            const std::string& error, int max_attempts, std::int64_t now_ms) const;
  // Whether a redemption of the same account and product placed before this one is still open:
  // the lots are consumed oldest first, so redemptions are confirmed in the order they were placed.
  bool earlier_redemption_open(core::storage::Tx& tx, const OrderRecord& o) const;
  // Pending orders whose confirmation the counter refused.
  std::vector<OrderRecord> refused_confirmations(core::storage::Tx& tx) const;
  // Notes an attempt whose outcome is not known yet (the order goes behind the others), and why
  // in the order's history.
  void tried(core::storage::Tx& tx, const std::string& order_id, const std::string& event, const std::string& detail,
             std::int64_t now_ms) const;
  // The orders' histories (mall_order_events): the platform's own ("mall") event repeating its
  // last line counts that line again (with the latest detail); a staff member's is a line each.
  const core::workflow::History& events() const { return events_; }
  // The stuck orders themselves (the same rules as `stuck`), oldest placed first, at most `limit`.
  std::vector<StuckRecord> stuck_orders(core::storage::Tx& tx, const StuckBounds& bounds, std::int64_t limit) const;
  // Why one order is stuck now (the same rules), "" when it is not.
  std::string stuck_kind(core::storage::Tx& tx, const std::string& order_id, const StuckBounds& bounds) const;
  // Staff asked for another confirmation attempt after the automatic ones were refused: the kept
  // request — the one staff saw refused — is dropped, and the next run works one out anew under
  // the next request id (false when the order is no longer in that state).
  bool retry_confirmation(core::storage::Tx& tx, const std::string& order_id, const std::string& refused_request,
                          int confirm_attempts, std::int64_t now_ms) const;
  // How many orders are stuck, by kind (StuckBounds).
  // Every kind (placing, waiting_for_nav, confirmation_refused, confirmation_overdue) with how
  // many and when the oldest was placed (0 when none), in one exchange: what the metrics export.
  core::workflow::StuckFigures stuck(core::storage::Tx& tx, const StuckBounds& bounds) const;
  // ---- reconciliation with the counter
  // Orders still placing or pending, oldest first (at most `limit`).
  std::vector<OrderRecord> live_orders(core::storage::Tx& tx, std::int64_t limit) const;
  // Every customer's fund account the mall has ordered with (customer, fund account).
  std::vector<std::pair<std::string, std::string>> accounts(core::storage::Tx& tx) const;
  std::vector<HeldShares> holdings(core::storage::Tx& tx) const;
  std::vector<std::string> product_codes(core::storage::Tx& tx) const;

  OrderView view(const OrderRecord& o, bool cancellable, bool staff) const;
  // A product's orders of one trade date, the oldest placed first (at most 5,000).
  std::vector<OrderRecord> orders_on(core::storage::Tx& tx, const std::string& code, const std::string& trade_date) const;

  // An entry of the mall's audit trail; `customer`: the customer it concerns ("" for none).
  void audit(core::storage::Tx& tx, const Actor& who, const std::string& action, const std::string& subject,
             const std::string& detail, std::int64_t now_ms, const std::string& customer = "") const;
  Result<AuditPage> audit_page(core::storage::Tx& tx, const AuditQuery& query) const;

  // The order a signed risk warning went with, if any.
  std::optional<std::string> warning_used_by(core::storage::Tx& tx, const std::string& warning_id) const;

 private:
  void release_place(core::storage::Tx& tx, const OrderRecord& o) const;
  // Whether the customer holds a place in a capped product, asked by locking the holder's row: a
  // purchase and a release at the same moment serialise on it (PostgreSQL, READ COMMITTED).
  bool lock_holder(core::storage::Tx& tx, const std::string& product, const std::string& customer) const;
  // Gives a capped product's place back when the customer neither holds shares nor has another
  // purchase open (other than `except_order`).
  void release_holder(core::storage::Tx& tx, const std::string& customer, const std::string& product,
                      const std::string& except_order) const;
  CategoryRules rules_;
  core::workflow::History events_{{"mall_order_events", "order_id", "mall", "ME"}};
  core::storage::AuditTrail trail_{"mall_audit", "MA"};
};

}  // namespace zt::services::mall
