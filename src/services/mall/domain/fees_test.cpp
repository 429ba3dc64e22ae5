#include "services/mall/domain/fees.hpp"

#include <gtest/gtest.h>

#include "core/finance/live_calendar.hpp"

std::span<const zt::core::EmbeddedFile> zt_calendar_files();

namespace zt::services::mall {
namespace {

using core::finance::format_date;
using core::finance::parse_date;

FeeSchedule schedule() {
  FeeSchedule s;
  s.subscription = {{Money::parse("0"), Rate::parse("0.015"), std::nullopt},
                    {Money::parse("1000000.00"), Rate::parse("0.012"), std::nullopt},
                    {Money::parse("5000000.00"), std::nullopt, Money::parse("1000.00")}};
  s.redemption = {
      {0, Rate::parse("0.015")}, {7, Rate::parse("0.005")}, {365, Rate::parse("0.0025")}, {730, Rate::parse("0")}};
  return s;
}

template <class T>
T ok(Result<T> r) {
  if (auto* refusal = std::get_if<Refusal>(&r)) {
    ADD_FAILURE() << refusal->code << " " << refusal->message;
    return T{};
  }
  return std::get<T>(r);
}

struct SubscriptionCase {
  const char* what;
  const char* amount;
  const char* discount;
  bool truncate;
  const char* nav;
  const char* fee;
  const char* net;
  const char* shares;
};

TEST(Fees, SubscriptionByTheOutsideFeeMethodToTheCentAndTheShare) {
  const SubscriptionCase cases[] = {
      {"1.5 %, NAV 1", "10000.00", "1", false, "1.0000", "147.78", "9852.22", "9852.22"},
      {"一折: 0.15 %", "10000.00", "0.1", false, "1.2345", "14.98", "9985.02", "8088.31"},
      {"just under the 1,000,000 tier", "999999.99", "1", false, "1.0123", "14778.32", "985221.67", "973250.69"},
      {"the 1,000,000 tier: 1.2 %", "1000000.00", "1", false, "1.0123", "11857.71", "988142.29", "976135.82"},
      {"5,000,000 and over: a fixed 1,000", "6000000.00", "1", false, "1.0500", "1000.00", "5999000.00", "5713333.33"},
      {"the fixed fee is not discounted", "6000000.00", "0.1", false, "1.0500", "1000.00", "5999000.00", "5713333.33"},
      {"0.6 %, shares half-up", "1234.56", "0.4", false, "0.9876", "7.36", "1227.20", "1242.61"},
      {"0.6 %, shares truncated", "1234.56", "0.4", true, "0.9876", "7.36", "1227.20", "1242.60"},
      {"no fee at a zero discount", "500.00", "0", false, "2.0000", "0.00", "500.00", "250.00"},
  };
  for (const auto& c : cases) {
    auto s = schedule();
    s.discount = Rate::parse(c.discount);
    s.truncate_shares = c.truncate;
    ASSERT_FALSE(s.check()) << c.what;
    const auto q = ok(quote_subscription(s, Money::parse(c.amount), Nav::parse(c.nav)));
    EXPECT_EQ(q.fee.to_string(), c.fee) << c.what;
    EXPECT_EQ(q.net.to_string(), c.net) << c.what;
    EXPECT_EQ(q.shares.to_string(), c.shares) << c.what;
    EXPECT_EQ((q.net + q.fee).to_string(), Money::parse(c.amount).to_string())
        << "net and fee add up to the amount: " << c.what;
  }
}

TEST(Fees, RedemptionFirstInFirstOutWithTheShortHoldingMinimum) {
  const std::vector<HeldLot> lots{{"2026-01-05", Shares::parse("1000.00")}, {"2026-02-25", Shares::parse("500.00")}};
  // 1000 held 56 days at 0.5 % (6.50) and 200 held 5 days at 1.5 % (3.90).
  auto q = ok(quote_redemption(schedule(), lots, Shares::parse("1200.00"), Nav::parse("1.3000"), "2026-03-02"));
  EXPECT_EQ(q.gross.to_string(), "1560.00");
  EXPECT_EQ(q.fee.to_string(), "10.40");
  EXPECT_EQ(q.net.to_string(), "1549.60");
  ASSERT_EQ(q.parts.size(), 2u);
  EXPECT_EQ(q.parts[0].holding_days, 56);
  EXPECT_EQ(q.parts[0].rate.to_string(), "0.005000");
  EXPECT_EQ(q.parts[1].holding_days, 5);
  EXPECT_EQ(q.parts[1].shares.to_string(), "200.00");
  EXPECT_EQ(q.parts[1].fee.to_string(), "3.90");

  // A schedule that charges 0.5 % from day 0 still takes 1.5 % under 7 days; day 7 pays the tier.
  auto cheap = schedule();
  cheap.redemption = {{0, Rate::parse("0.005")}};
  q = ok(quote_redemption(cheap, {{"2026-02-26", Shares::parse("100.00")}}, Shares::parse("100.00"),
                          Nav::parse("1.2345"), "2026-03-02"));
  EXPECT_EQ(q.parts[0].rate.to_string(), "0.015000");
  EXPECT_EQ(q.gross.to_string(), "123.45");
  EXPECT_EQ(q.fee.to_string(), "1.85");  // 123.45 × 1.5 % = 1.85175
  EXPECT_EQ(q.net.to_string(), "121.60");
  q = ok(quote_redemption(cheap, {{"2026-02-23", Shares::parse("100.00")}}, Shares::parse("100.00"),
                          Nav::parse("1.2345"), "2026-03-02"));
  EXPECT_EQ(q.parts[0].holding_days, 7);
  EXPECT_EQ(q.fee.to_string(), "0.62");  // 123.45 × 0.5 % = 0.61725

  // Held over two years: no fee.
  q = ok(quote_redemption(schedule(), {{"2024-01-02", Shares::parse("3161.60")}}, Shares::parse("3161.60"),
                          Nav::parse("1.0001"), "2026-03-02"));
  EXPECT_EQ(q.gross.to_string(), "3161.92");
  EXPECT_EQ(q.fee.to_string(), "0.00");

  auto short_of = quote_redemption(schedule(), lots, Shares::parse("1500.01"), Nav::parse("1.3000"), "2026-03-02");
  ASSERT_TRUE(std::holds_alternative<Refusal>(short_of));
  EXPECT_EQ(std::get<Refusal>(short_of).code, "MALL_INSUFFICIENT_SHARES");
  EXPECT_EQ(
      std::get<Refusal>(quote_redemption(schedule(), lots, Shares::parse("0"), Nav::parse("1.3000"), "2026-03-02"))
          .code,
      "MALL_SHARES_INVALID");
}

TEST(Fees, TheDiscountedRateIsExactNotRoundedFirst) {
  // 1.25 % at a discount of 0.333 is 0.41625 %: rounded to 6 dp first (0.004163) it took a cent
  // too much at 20,000 and 0.49 at 1,000,000.
  FeeSchedule s = schedule();
  s.subscription = {{Money::parse("0"), Rate::parse("0.0125"), std::nullopt}};
  s.discount = Rate::parse("0.333");
  ASSERT_FALSE(s.check());
  const struct {
    const char* amount;
    const char* fee;
    const char* net;
  } cases[] = {{"20000.00", "82.90", "19917.10"}, {"1000000.00", "4145.25", "995854.75"}};
  for (const auto& c : cases) {
    const auto q = ok(quote_subscription(s, Money::parse(c.amount), Nav::parse("1.0000")));
    EXPECT_EQ(q.fee.to_string(), c.fee) << c.amount;
    EXPECT_EQ(q.net.to_string(), c.net) << c.amount;
    EXPECT_EQ(q.shares.to_string(), c.net) << c.amount;
    EXPECT_EQ(q.rate.to_string(), "0.004163") << "shown to the customer at 6 dp";
  }
}

TEST(Fees, TheRedemptionFeeIsRoundedOnceOverTheLots) {
  // Two lots, each part's exact fee half a cent: rounded per lot they made 0.02, once 0.01; the
  // parts show the steps of the rounded running sum, so they add up to the fee.
  auto flat = schedule();
  flat.redemption = {{0, Rate::parse("0.005")}};
  flat.short_holding_days = 0;
  auto q = ok(quote_redemption(flat, {{"2026-01-05", Shares::parse("1.00")}, {"2026-01-06", Shares::parse("1.00")}},
                               Shares::parse("2.00"), Nav::parse("1.0000"), "2026-03-02"));
  EXPECT_EQ(q.fee.to_string(), "0.01");
  ASSERT_EQ(q.parts.size(), 2u);
  EXPECT_EQ(q.parts[0].fee.to_string(), "0.01");
  EXPECT_EQ(q.parts[1].fee.to_string(), "0.00");
  EXPECT_EQ(q.net.to_string(), "1.99");

  // Three lots, oldest first, at three rates: 333.34 × 1.2345 × 0.25 % = 1.02877…, 333.33 ×
  // 1.2345 × 0.5 % = 2.05748…, 333.33 × 1.2345 × 1.5 % = 6.17244…; Σ = 9.25869… → 9.26, the parts
  // 1.03, 2.06 (running 3.09), 6.17 (running 9.26).
  q = ok(quote_redemption(schedule(),
                          {{"2025-01-02", Shares::parse("333.34")},
                           {"2026-01-05", Shares::parse("333.33")},
                           {"2026-02-27", Shares::parse("333.33")}},
                          Shares::parse("1000.00"), Nav::parse("1.2345"), "2026-03-02"));
  ASSERT_EQ(q.parts.size(), 3u);
  EXPECT_EQ(q.fee.to_string(), "9.26");
  EXPECT_EQ(q.parts[0].fee.to_string(), "1.03");
  EXPECT_EQ(q.parts[1].fee.to_string(), "2.06");
  EXPECT_EQ(q.parts[2].fee.to_string(), "6.17");
  Money sum;
  for (const auto& part : q.parts) sum += part.fee;
  EXPECT_EQ(sum.to_string(), q.fee.to_string()) << "the parts add up to the fee";

  // Where per-lot rounding drifts by a cent over many lots: ten lots of 0.70 shares at NAV 1.0000
  // and 0.5 % pay 0.0035 each (0.00 per lot, 0.00 in all) but 0.035 together: 0.04.
  std::vector<HeldLot> many;
  for (int i = 0; i < 10; ++i) many.push_back({"2026-01-05", Shares::parse("0.70")});
  q = ok(quote_redemption(flat, many, Shares::parse("7.00"), Nav::parse("1.0000"), "2026-03-02"));
  EXPECT_EQ(q.fee.to_string(), "0.04");
  EXPECT_EQ(q.net.to_string(), "6.96");
}

TEST(Fees, QuotesRefuseWhatCannotBeBought) {
  const auto code = [](auto result) { return std::holds_alternative<Refusal>(result) ? std::get<Refusal>(result).code : "accepted"; };
  EXPECT_EQ(code(quote_subscription(schedule(), Money::parse("0.00"), Nav::parse("1.0000"))), "MALL_AMOUNT_INVALID");
  EXPECT_EQ(code(quote_subscription(schedule(), Money::parse("100.00"), Nav::parse("0"))), "MALL_NAV_MISSING");
  EXPECT_EQ(code(quote_redemption(schedule(), {{"2026-01-05", Shares::parse("10.00")}}, Shares::parse("1.00"), Nav::parse("0"), "2026-03-02")),
            "MALL_NAV_MISSING");
  auto fixed = schedule();
  fixed.subscription = {{Money::parse("0"), std::nullopt, Money::parse("5.00")}};
  EXPECT_EQ(code(quote_subscription(fixed, Money::parse("5.00"), Nav::parse("1.0000"))), "MALL_AMOUNT_INVALID") << "not above its fee";
  EXPECT_EQ(code(quote_subscription(schedule(), Money::parse("0.01"), Nav::parse("9.9999"))), "MALL_AMOUNT_INVALID") << "no share";
}

// A product's own short-holding rule (issue 18, F12): a longer period or a higher minimum than
// the default 7 days / 1.5 %.
TEST(Fees, AProductSetsItsOwnShortHoldingRule) {
  auto strict = schedule();
  strict.redemption = {{0, Rate::parse("0.005")}};
  strict.short_holding_days = 30;
  strict.short_holding_min_rate = Rate::parse("0.02");
  // Held 10 days: under 30, so 2 % of 123.45 = 2.469 -> 2.47 (the default rule would give 0.5 %: 0.62).
  auto q = ok(quote_redemption(strict, {{"2026-02-20", Shares::parse("100.00")}}, Shares::parse("100.00"),
                               Nav::parse("1.2345"), "2026-03-02"));
  EXPECT_EQ(q.parts[0].holding_days, 10);
  EXPECT_EQ(q.parts[0].rate.to_string(), "0.020000");
  EXPECT_EQ(q.fee.to_string(), "2.47");
  // Held 30 days: the tier's 0.5 %.
  q = ok(quote_redemption(strict, {{"2026-01-31", Shares::parse("100.00")}}, Shares::parse("100.00"),
                          Nav::parse("1.2345"), "2026-03-02"));
  EXPECT_EQ(q.parts[0].holding_days, 30);
  EXPECT_EQ(q.fee.to_string(), "0.62");
  // No short-holding rule at all: 0 days.
  strict.short_holding_days = 0;
  q = ok(quote_redemption(strict, {{"2026-03-02", Shares::parse("100.00")}}, Shares::parse("100.00"),
                          Nav::parse("1.2345"), "2026-03-02"));
  EXPECT_EQ(q.fee.to_string(), "0.62");
}

TEST(Fees, SchedulesAreChecked) {
  auto s = schedule();
  EXPECT_FALSE(s.check());
  s.subscription[0].from = Money::parse("1.00");
  EXPECT_EQ(s.check()->message, "费率设置有误：申购费率的第一档应从0元起");
  EXPECT_EQ(s.check()->code, "MALL_FEE_SCHEDULE_INVALID");
  s = schedule();
  s.subscription[1].fixed_fee = Money::parse("10.00");
  EXPECT_EQ(s.check()->message, "费率设置有误：申购费率第2档应设费率或固定费用之一");
  s = schedule();
  s.subscription[2].from = Money::parse("900000.00");
  EXPECT_TRUE(s.check());
  s = schedule();
  s.redemption[1].min_days = 0;
  EXPECT_TRUE(s.check());
  s = schedule();
  s.discount = Rate::parse("1.5");
  EXPECT_EQ(s.check()->message, "费率设置有误：费率折扣应在0至1之间");
  s = schedule();
  s.subscription[0].rate = Rate::parse("1.000001");
  EXPECT_TRUE(s.check());
  s = schedule();
  s.short_holding_days = 3651;
  EXPECT_EQ(s.check()->message, "费率设置有误：短期持有天数应在0至3650天之间");
  s = schedule();
  s.short_holding_days = -1;
  EXPECT_TRUE(s.check());
  s = schedule();
  s.short_holding_min_rate = Rate::parse("1.000001");
  EXPECT_EQ(s.check()->message, "费率设置有误：短期持有最低赎回费率应在0至1之间");
}

TEST(OrderDates, TheCutOffAndTradingDaysDecideTheNavDate) {
  core::finance::set_embedded_calendar(zt_calendar_files());  // the shipped years, as the binary has them
  const auto cal = core::finance::trading_calendar();
  const int cutoff = 15 * 3600;
  auto t = [&](const char* date, int h, int m, int s) {
    return format_date(nav_date(*cal, parse_date(date), h * 3600 + m * 60 + s, cutoff));
  };
  EXPECT_EQ(t("2026-03-02", 14, 59, 59), "2026-03-02") << "Monday before 15:00: that day";
  EXPECT_EQ(t("2026-03-02", 15, 0, 0), "2026-03-03") << "at 15:00: the next trading day";
  EXPECT_EQ(t("2026-03-06", 16, 0, 0), "2026-03-09") << "Friday after the cut-off: Monday";
  EXPECT_EQ(t("2026-03-07", 10, 0, 0), "2026-03-09") << "Saturday: Monday";
  EXPECT_EQ(t("2026-02-13", 15, 30, 0), "2026-02-24") << "before the Spring Festival closure (Feb 16–23)";
  EXPECT_EQ(t("2026-02-14", 9, 0, 0), "2026-02-24") << "a make-up workday is not a trading day";
  EXPECT_EQ(t("2026-02-18", 9, 0, 0), "2026-02-24") << "inside the closure";
  EXPECT_EQ(format_date(confirmation_date(*cal, parse_date("2026-03-02"))), "2026-03-03");
  EXPECT_EQ(format_date(confirmation_date(*cal, parse_date("2026-02-13"))), "2026-02-24");
  EXPECT_EQ(format_date(confirmation_date(*cal, parse_date("2026-09-30"))), "2026-10-08") << "National Day: Oct 1–7";
  EXPECT_EQ(format_date(confirmation_date(*cal, parse_date("2026-03-06"), 2)), "2026-03-10") << "T+2 over a weekend";
  EXPECT_EQ(format_date(confirmation_date(*cal, parse_date("2026-09-29"), 3)), "2026-10-09") << "T+3 over National Day";
}

}  // namespace
}  // namespace zt::services::mall
