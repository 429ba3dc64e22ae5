#include "services/mall/domain/fees.hpp"

#include <fmt/format.h>

namespace zt::services::mall {

namespace {

using core::finance::Decimal;
using core::finance::RoundingMode;

const Decimal kOne = Decimal::from_integer(1, Rate::kScale);

// A count of 10^-12 yuan (shares 2 dp × NAV 4 dp × rate 6 dp), wide enough for any order.
using Exact = __int128;
constexpr int kExactScale = Shares::kScale + Nav::kScale + Rate::kScale;
constexpr Exact kExactPerCent = 10'000'000'000;  // 10^(12 - 2)

// Half-up to the cent (all values here are ≥ 0).
std::int64_t to_cents(Exact v) { return static_cast<std::int64_t>((v + kExactPerCent / 2) / kExactPerCent); }
static_assert(kExactScale - Money::kScale == 10);

int days_between(const std::string& from, const std::string& to) {
  return static_cast<int>(
      (std::chrono::sys_days{core::finance::parse_date(to)} - std::chrono::sys_days{core::finance::parse_date(from)})
          .count());
}

}  // namespace

std::optional<Refusal> FeeSchedule::check() const {
  auto bad = [](std::string m) { return Refusal{400, "MALL_FEE_SCHEDULE_INVALID", "费率设置有误：" + std::move(m)}; };
  const Rate zero = Rate::parse("0"), one = Rate::parse("1");
  if (subscription.empty() || !subscription.front().from.is_zero()) return bad("申购费率的第一档应从0元起");
  for (std::size_t i = 0; i < subscription.size(); ++i) {
    const auto& t = subscription[i];
    if (i > 0 && !(subscription[i - 1].from < t.from)) return bad("申购费率各档的起点金额应递增");
    if (t.rate.has_value() == t.fixed_fee.has_value())
      return bad(fmt::format("申购费率第{}档应设费率或固定费用之一", i + 1));
    if (t.rate && (*t.rate < zero || one < *t.rate)) return bad(fmt::format("申购费率第{}档的费率应在0至1之间", i + 1));
    if (t.fixed_fee && t.fixed_fee->is_negative()) return bad(fmt::format("申购费率第{}档的固定费用不能为负", i + 1));
    if (t.fixed_fee && !(*t.fixed_fee < t.from))
      return bad(fmt::format("申购费率第{}档的固定费用应小于该档起点金额", i + 1));
  }
  if (redemption.empty() || redemption.front().min_days != 0) return bad("赎回费率的第一档应从持有0天起");
  for (std::size_t i = 0; i < redemption.size(); ++i) {
    if (i > 0 && redemption[i - 1].min_days >= redemption[i].min_days) return bad("赎回费率各档的持有天数应递增");
    if (redemption[i].rate < zero || one < redemption[i].rate)
      return bad(fmt::format("赎回费率第{}档的费率应在0至1之间", i + 1));
  }
  if (discount < zero || one < discount) return bad("费率折扣应在0至1之间");
  if (short_holding_days < 0 || short_holding_days > 3650) return bad("短期持有天数应在0至3650天之间");
  if (short_holding_min_rate < zero || one < short_holding_min_rate) return bad("短期持有最低赎回费率应在0至1之间");
  return std::nullopt;
}

Result<SubscriptionQuote> quote_subscription(const FeeSchedule& s, Money amount, Nav nav) {
  if (amount.units() <= 0) return Refusal{400, "MALL_AMOUNT_INVALID", "申购金额应大于0"};
  if (nav.units() <= 0) return Refusal{409, "MALL_NAV_MISSING", "产品净值无效"};
  const SubscriptionTier* tier = &s.subscription.front();
  for (const auto& t : s.subscription)
    if (!(amount < t.from)) tier = &t;
  SubscriptionQuote q;
  q.amount = amount;
  if (tier->fixed_fee) {
    q.fixed_fee = *tier->fixed_fee;
    q.rate = Rate::parse("0");
    q.fee = *tier->fixed_fee;
    if (!(q.fee < amount)) return Refusal{400, "MALL_AMOUNT_INVALID", "申购金额应大于手续费"};
    q.net = amount - q.fee;
  } else {
    // rate × discount exactly (at most 12 decimals): rounded to the rate's 6 first, it moves cents.
    const Decimal discounted =
        tier->rate->decimal().multiply(s.discount.decimal(), 2 * Rate::kScale, RoundingMode::kUnnecessary);
    q.rate = Rate::rounded(discounted, RoundingMode::kHalfUp);  // as shown to the customer
    q.net = Money::rounded(amount.decimal().divide(kOne + discounted, Money::kScale, RoundingMode::kHalfUp),
                           RoundingMode::kUnnecessary);
    q.fee = amount - q.net;
  }
  q.shares = Shares::rounded(q.net.decimal().divide(nav.decimal(), Shares::kScale,
                                                    s.truncate_shares ? RoundingMode::kDown : RoundingMode::kHalfUp),
                             RoundingMode::kUnnecessary);
  if (q.shares.units() <= 0) return Refusal{400, "MALL_AMOUNT_INVALID", "申购金额过小，确认份额为0"};
  return q;
}

Result<RedemptionQuote> quote_redemption(const FeeSchedule& s, const std::vector<HeldLot>& lots, Shares shares, Nav nav,
                                         const std::string& trade_date) {
  if (shares.units() <= 0) return Refusal{400, "MALL_SHARES_INVALID", "赎回份额应大于0"};
  if (nav.units() <= 0) return Refusal{409, "MALL_NAV_MISSING", "产品净值无效"};
  RedemptionQuote q;
  q.shares = shares;
  q.gross = Money::rounded(shares.decimal().multiply(nav.decimal(), Money::kScale, RoundingMode::kHalfUp),
                           RoundingMode::kUnnecessary);
  // The fee is Σ shares_i × NAV × rate_i over the lots, exact, rounded once (half-up) to the
  // cent; each part shows its share of that total (the rounded running sum's steps), so the parts
  // add up to it.
  std::int64_t left = shares.units();
  Exact exact_total = 0;
  std::int64_t cents_so_far = 0;
  for (const auto& lot : lots) {
    if (left == 0) break;
    const auto take = std::min(left, lot.remaining.units());
    if (take <= 0) continue;
    RedemptionPart part;
    part.confirmed_date = lot.confirmed_date;
    part.shares = Shares::from_units(take);
    part.holding_days = days_between(lot.confirmed_date, trade_date);
    part.rate = s.redemption.front().rate;
    for (const auto& t : s.redemption)
      if (part.holding_days >= t.min_days) part.rate = t.rate;
    if (part.holding_days < s.short_holding_days && part.rate < s.short_holding_min_rate)
      part.rate = s.short_holding_min_rate;
    exact_total += static_cast<Exact>(take) * nav.units() * part.rate.units();
    const std::int64_t cents = to_cents(exact_total);
    part.fee = Money::from_units(cents - cents_so_far);
    cents_so_far = cents;
    q.parts.push_back(part);
    left -= take;
  }
  q.fee = Money::from_units(cents_so_far);
  if (left > 0)
    return Refusal{409, "MALL_INSUFFICIENT_SHARES", fmt::format("可赎回份额不足：赎回{}份", shares.to_string())};
  if (q.gross < q.fee) q.fee = q.gross;
  q.net = q.gross - q.fee;
  return q;
}

core::finance::Date nav_date(const core::finance::TradingCalendar& cal, core::finance::Date date, int seconds_of_day,
                             int cutoff_seconds) {
  if (cal.is_trading_day(date) && seconds_of_day < cutoff_seconds) return date;
  return cal.next_trading_day(date);
}

core::finance::Date confirmation_date(const core::finance::TradingCalendar& cal, core::finance::Date trade_date,
                                      int days) {
  return cal.next_trading_day(trade_date, days);
}

}  // namespace zt::services::mall
