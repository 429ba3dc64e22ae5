#pragma once
// What the mall takes and answers (JSON through Boost.Describe; amounts are decimal strings).
#include <boost/describe.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/finance/decimal.hpp"
#include "core/storage/audit_trail.hpp"

namespace zt::services::mall {

using core::finance::Money;
using core::finance::Nav;
using core::finance::Rate;
using core::finance::Shares;

struct SubscriptionTierJson {
  Money from;
  std::optional<Rate> rate;
  std::optional<Money> fixed_fee;
};
BOOST_DESCRIBE_STRUCT(SubscriptionTierJson, (), (from, rate, fixed_fee))
struct RedemptionTierJson {
  int min_days = 0;
  Rate rate;
};
BOOST_DESCRIBE_STRUCT(RedemptionTierJson, (), (min_days, rate))
struct FeesJson {
  std::vector<SubscriptionTierJson> subscription;
  std::vector<RedemptionTierJson> redemption;
  std::optional<Rate> discount;
  std::optional<bool> truncate_shares;
  std::optional<int> short_holding_days;        // default 7
  std::optional<Rate> short_holding_min_rate;   // default 0.015
};
BOOST_DESCRIBE_STRUCT(FeesJson, (),
                      (subscription, redemption, discount, truncate_shares, short_holding_days, short_holding_min_rate))

struct ProductIn {
  std::string code;
  std::string name;
  std::string category;
  int risk = 0;
  std::string issuer;
  std::string sale_start;
  std::optional<std::string> sale_end;
  Money min_first;
  Money min_additional;
  Money increment;
  std::string audience;
  std::optional<int> holder_cap;
  std::optional<std::string> principal;
  std::optional<bool> redeemable;
  std::optional<std::string> description;
  FeesJson fees;
  std::optional<int> confirm_days;  // T+n trading days (default 1)
};
BOOST_DESCRIBE_STRUCT(ProductIn, (),
                      (code, name, category, risk, issuer, sale_start, sale_end, min_first, min_additional, increment,
                       audience, holder_cap, principal, redeemable, description, fees, confirm_days))

struct ProductView {
  std::string code;
  std::string name;
  std::string category;
  std::string category_title;
  std::string risk;        // R3
  std::string risk_title;  // 中风险
  int risk_level = 0;
  std::string issuer;
  std::string status;  // draft | published | halted
  std::string sale_start;
  std::optional<std::string> sale_end;
  Money min_first;
  Money min_additional;
  Money increment;
  std::string audience;
  std::optional<int> holder_cap;
  int holders = 0;
  std::optional<int> places_left;
  std::optional<std::string> principal;
  bool redeemable = true;
  std::string description;
  FeesJson fees;
  int confirm_days = 1;  // confirmed on T+n trading days
  std::optional<std::string> nav;
  std::optional<std::string> nav_date;
  std::optional<bool> promoted;  // for a signed-in customer: within their risk level (never promoted above it)
};
BOOST_DESCRIBE_STRUCT(ProductView, (),
                      (code, name, category, category_title, risk, risk_title, risk_level, issuer, status, sale_start,
                       sale_end, min_first, min_additional, increment, audience, holder_cap, holders, places_left,
                       principal, redeemable, description, fees, confirm_days, nav, nav_date, promoted))

struct ProductPage {
  std::vector<ProductView> items;
  std::optional<std::string> next_cursor;
};
BOOST_DESCRIBE_STRUCT(ProductPage, (), (items, next_cursor))

struct StatusIn {
  std::string status;  // published | halted
  std::string comment;
};
BOOST_DESCRIBE_STRUCT(StatusIn, (), (status, comment))

struct NavIn {
  Nav nav;
};
BOOST_DESCRIBE_STRUCT(NavIn, (), (nav))
struct NavPoint {
  std::string date;
  Nav nav;
};
BOOST_DESCRIBE_STRUCT(NavPoint, (), (date, nav))
struct NavList {
  std::string code;
  std::vector<NavPoint> items;
};
BOOST_DESCRIBE_STRUCT(NavList, (), (code, items))
struct NavImport {
  std::string csv;  // "code,date,nav" per line; a header line is allowed
};
BOOST_DESCRIBE_STRUCT(NavImport, (), (csv))
struct NavImported {
  int imported = 0;
  int unchanged = 0;
};
BOOST_DESCRIBE_STRUCT(NavImported, (), (imported, unchanged))

struct OrderIn {
  std::string product;
  std::string side;  // subscribe | redeem
  std::optional<Money> amount;
  std::optional<Shares> shares;
  std::optional<std::string> warning_id;
};
BOOST_DESCRIBE_STRUCT(OrderIn, (), (product, side, amount, shares, warning_id))

struct OrderView {
  std::string order_id;
  std::string product;
  std::string product_name;
  std::string side;
  Money amount;
  Shares shares;
  std::string state;  // placing | pending | cancelled | confirmed | failed | expired
  std::string state_title;
  std::string trade_date;
  std::string confirm_date;
  std::string placed_at;
  bool cancellable = false;
  std::optional<std::string> warning_id;
  std::string suitability_rule;
  std::optional<std::string> nav;
  std::optional<Money> fee;
  std::optional<Money> confirmed_amount;
  std::optional<Shares> confirmed_shares;
  std::optional<std::string> confirmed_date;
  std::optional<std::string> failure_code;
  std::optional<std::string> failure_message;
  std::optional<std::string> customer_id;  // staff views only
};
BOOST_DESCRIBE_STRUCT(OrderView, (),
                      (order_id, product, product_name, side, amount, shares, state, state_title, trade_date,
                       confirm_date, placed_at, cancellable, warning_id, suitability_rule, nav, fee, confirmed_amount,
                       confirmed_shares, confirmed_date, failure_code, failure_message, customer_id))

// A NAV correction (净值更正) by staff with navs.correct: the value it replaces and why.
struct NavCorrectionIn {
  Nav from;  // the NAV the staff member saw and corrects (another value in force: 409 MALL_NAV_CHANGED)
  Nav nav;
  std::string reason;  // up to 200 characters
};
BOOST_DESCRIBE_STRUCT(NavCorrectionIn, (), (from, nav, reason))
struct NavCorrectionView {
  std::string id;
  std::string code;
  std::string product_name;
  std::string date;
  Nav from;
  Nav to;
  std::string reason;
  std::string corrected_by;
  std::string corrected_at;
  std::string state;  // sending (at the counter, its answer awaited) | applied | refused
  std::string state_title;
  std::optional<std::string> outcome;  // why the counter refused
  // That date's orders not yet confirmed: they confirm at the NAV in force (the corrected one once
  // applied).
  int pending_orders = 0;
  // That date's orders confirmed at another NAV than the one in force: left as they are, for staff
  // to adjust by hand (never changed here).
  std::vector<OrderView> to_adjust;
};
BOOST_DESCRIBE_STRUCT(NavCorrectionView, (),
                      (id, code, product_name, date, from, to, reason, corrected_by, corrected_at, state, state_title,
                       outcome, pending_orders, to_adjust))
struct NavCorrectionPage {
  std::vector<NavCorrectionView> items;
};
BOOST_DESCRIBE_STRUCT(NavCorrectionPage, (), (items))

struct OrderPage {
  std::vector<OrderView> items;
  std::optional<std::string> next_cursor;
};
BOOST_DESCRIBE_STRUCT(OrderPage, (), (items, next_cursor))

struct Holding {
  std::string product;
  std::string product_name;
  std::string category_title;
  std::string risk;
  Shares shares;
  Shares frozen;
  std::string nav;
  std::string nav_date;
  Money market_value;
  Money cost;
  Money profit;
};
BOOST_DESCRIBE_STRUCT(Holding, (),
                      (product, product_name, category_title, risk, shares, frozen, nav, nav_date, market_value, cost,
                       profit))
struct Holdings {
  std::string fund_account;
  std::vector<Holding> items;
  Money market_value;
  Money cost;
  Money profit;
  // The fund account's cash at the counter: available to buy with, and frozen by orders not yet
  // confirmed (a purchase shows here at once, before its shares).
  Money cash;
  Money frozen_cash;
};
BOOST_DESCRIBE_STRUCT(Holdings, (), (fund_account, items, market_value, cost, profit, cash, frozen_cash))

// What a subscription of `amount` would cost under the product's fee schedule today, and the
// shares at its latest NAV — an estimate: the order confirms at the NAV of its own date T.
struct SubscriptionEstimate {
  std::string product;
  Money amount;
  Rate rate;                       // the subscription rate after the platform's discount
  std::optional<Money> fixed_fee;  // a fixed fee instead of a rate (large amounts)
  Money fee;
  Money net;
  std::string nav;       // the latest NAV
  std::string nav_date;  // its date
  Shares shares;         // net / NAV
};
BOOST_DESCRIBE_STRUCT(SubscriptionEstimate, (), (product, amount, rate, fixed_fee, fee, net, nav, nav_date, shares))

struct SuitabilityCheck {
  std::string outcome;  // allow | warn | refuse
  std::string rule;
  std::string reason;
  std::string customer_level;
  std::string product_risk;
  std::optional<std::string> warning_id;
};
BOOST_DESCRIBE_STRUCT(SuitabilityCheck, (), (outcome, rule, reason, customer_level, product_risk, warning_id))

// One way the mall and the counter disagree (reconciliation, 对账).
struct Difference {
  // order_outcome_unknown | order_state | order_missing_at_counter | order_amount |
  // counter_order_without_mall_order | frozen_cash | frozen_shares | shares | confirmation_refused |
  // counter_unreachable
  std::string kind;
  std::string title;  // the kind in Chinese
  std::string customer_id;
  std::string fund_account;
  std::string product;
  std::optional<std::string> order_id;
  std::optional<std::string> counter_order_id;
  std::string mall;     // what the mall has
  std::string counter;  // what the counter has
  std::string note;     // what it means, in Chinese
};
BOOST_DESCRIBE_STRUCT(Difference, (),
                      (kind, title, customer_id, fund_account, product, order_id, counter_order_id, mall, counter, note))

struct ReconciliationReport {
  std::string business_date;
  std::string generated_at;
  int orders_checked = 0;
  int accounts_checked = 0;
  bool complete = true;  // false: some of the counter could not be read (listed as counter_unreachable)
  std::vector<Difference> differences;
};
BOOST_DESCRIBE_STRUCT(ReconciliationReport, (),
                      (business_date, generated_at, orders_checked, accounts_checked, complete, differences))

struct ConfirmationRun {
  std::string business_date;
  int confirmed = 0;
  int waiting_for_nav = 0;
  int failed = 0;
  int redriven = 0;
  int expired = 0;  // orders whose NAV never came, released at the counter
};
BOOST_DESCRIBE_STRUCT(ConfirmationRun, (), (business_date, confirmed, waiting_for_nav, failed, redriven, expired))

// ---- stuck orders and their resolution by staff (orders.read to see, orders.manage to resolve)
// A line of an order's history off the happy path; a run of the same event is one line.
struct OrderEventView {
  std::string event;  // unanswered | void_unanswered | confirm_unanswered | confirm_refused | not_quoted |
                      // release_unanswered | release_refused | expired | voided | resolved
  std::string title;
  std::string detail;
  std::string actor;  // "mall", or the staff member
  std::string first_at;
  std::string last_at;
  std::int64_t times = 1;
};
BOOST_DESCRIBE_STRUCT(OrderEventView, (), (event, title, detail, actor, first_at, last_at, times))

struct StuckItem {
  OrderView order;
  std::string kind;  // placing | waiting_for_nav | confirmation_refused | confirmation_overdue
  std::string kind_title;
  std::int64_t age_seconds = 0;              // since it was placed
  std::optional<std::string> last_error;     // the counter's last refusal of its confirmation
  std::optional<std::string> expires_on;     // waiting_for_nav: the day the job expires it by itself
  std::string hint;                          // what the platform does about it by itself
  std::vector<std::string> actions;          // what staff may do: retry | void | expire
  std::vector<OrderEventView> history;
};
BOOST_DESCRIBE_STRUCT(StuckItem, (),
                      (order, kind, kind_title, age_seconds, last_error, expires_on, hint, actions, history))

struct StuckList {
  std::string business_date;
  std::string generated_at;
  std::vector<StuckItem> items;  // oldest placed first
  bool truncated = false;        // more than the list shows
};
BOOST_DESCRIBE_STRUCT(StuckList, (), (business_date, generated_at, items, truncated))

struct ResolveIn {
  std::string action;  // retry | void | expire
  std::string reason;  // why, for the audit
};
BOOST_DESCRIBE_STRUCT(ResolveIn, (), (action, reason))

struct Resolution {
  OrderView order;
  std::string outcome;  // resolved (the order moved on) | scheduled (the next confirmation run) | unchanged
  std::string message;
  std::vector<OrderEventView> history;
};
BOOST_DESCRIBE_STRUCT(Resolution, (), (order, outcome, message, history))

// One order for staff, with its history.
struct OrderDetail {
  OrderView order;
  std::vector<OrderEventView> history;
};
BOOST_DESCRIBE_STRUCT(OrderDetail, (), (order, history))

// The audit trail, in the shape every service shares.
using core::storage::AuditEntry;
using core::storage::AuditPage;
using core::storage::AuditQuery;

}  // namespace zt::services::mall
