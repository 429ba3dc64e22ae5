#pragma once
// Fund order arithmetic (BUSINESS §5), exact and framework-free.
//
// Subscription by the 外扣法 (front-end fee outside the net amount):
//   rate' = rate × discount (exact; shown half-up to 6 dp);  net = amount / (1 + rate') half-up to 0.01;
//   fee = amount − net (so the two always add up);  shares = net / NAV to 0.01 (half-up, or down
//   when the product truncates). A tier may set a fixed fee instead: net = amount − fee.
// Redemption, first in first out over the lots' confirmation dates:
//   gross = shares × NAV half-up to 0.01;  each part taken from a lot held d days pays rate(d)
//   (at least 1.5 % under 7 days, or the product's own short-holding rule);  fee = Σ shares_i × NAV × rate(d_i), exact, rounded once
//   half-up to 0.01 (each part shows the step of the rounded running sum, so the parts add up);
//   net = gross − fee.
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/finance/calendar.hpp"
#include "core/finance/decimal.hpp"
#include "core/util/refusal.hpp"

namespace zt::services::mall {

using core::Refusal;
using core::finance::Money;
using core::finance::Nav;
using core::finance::Rate;
using core::finance::Shares;
template <class T>
using Result = std::variant<T, Refusal>;

// Applies to amounts ≥ from: a rate, or a fixed fee.
struct SubscriptionTier {
  Money from;
  std::optional<Rate> rate;
  std::optional<Money> fixed_fee;
};
// Applies to shares held ≥ min_days calendar days.
struct RedemptionTier {
  int min_days = 0;
  Rate rate;
};
struct FeeSchedule {
  std::vector<SubscriptionTier> subscription;  // ascending by from; the first starts at 0
  std::vector<RedemptionTier> redemption;      // ascending by min_days; the first starts at 0
  Rate discount = Rate::parse("1.000000");     // the platform's discount on the subscription rate (×0.1 = 一折)
  bool truncate_shares = false;
  // [rule] shares held under 7 days pay at least 1.5 % (per product: some set a longer period or
  // a higher minimum).
  int short_holding_days = 7;
  Rate short_holding_min_rate = Rate::parse("0.015000");

  // Tiers in order, each rate within 0..1, a fee or a rate per tier, the discount within 0..1.
  std::optional<Refusal> check() const;
};

struct SubscriptionQuote {
  Money amount;
  Rate rate;  // the rate applied after the discount (0 with a fixed fee)
  std::optional<Money> fixed_fee;
  Money fee;
  Money net;
  Shares shares;
};
Result<SubscriptionQuote> quote_subscription(const FeeSchedule& s, Money amount, Nav nav);

struct HeldLot {
  std::string confirmed_date;  // YYYY-MM-DD
  Shares remaining;
};
struct RedemptionPart {
  std::string confirmed_date;
  Shares shares;
  int holding_days = 0;
  Rate rate;
  Money fee;
};
struct RedemptionQuote {
  Shares shares;
  Money gross;
  Money fee;
  Money net;
  std::vector<RedemptionPart> parts;
};
// `lots` oldest first; `trade_date` is the redemption's NAV date T (holding days run to it).
Result<RedemptionQuote> quote_redemption(const FeeSchedule& s, const std::vector<HeldLot>& lots, Shares shares, Nav nav,
                                         const std::string& trade_date);

// ---- order dates
// The NAV date (T) of an order placed at `seconds_of_day` on `date` (Asia/Shanghai): that day when
// it is a trading day and the order is before the cut-off, else the next trading day.
core::finance::Date nav_date(const core::finance::TradingCalendar& cal, core::finance::Date date, int seconds_of_day,
                             int cutoff_seconds);
// Confirmation on T+n trading days.
core::finance::Date confirmation_date(const core::finance::TradingCalendar& cal, core::finance::Date trade_date,
                                      int days = 1);

}  // namespace zt::services::mall
