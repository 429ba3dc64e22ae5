#include "core/finance/decimal.hpp"

#include <gtest/gtest.h>

namespace zt::core::finance {
namespace {

TEST(Decimal, ParsesAndFormatsPlainNumbers) {
  EXPECT_EQ(Decimal::parse("1000.00", 2).to_string(), "1000.00");
  EXPECT_EQ(Decimal::parse("1000", 2).to_string(), "1000.00");
  EXPECT_EQ(Decimal::parse("0.5", 4).to_string(), "0.5000");
  EXPECT_EQ(Decimal::parse("-12.3", 2).to_string(), "-12.30");
  EXPECT_EQ(Decimal::parse("1.005").scale(), 3);
}

TEST(Decimal, NegativeZeroIsZero) {
  Decimal z = Decimal::parse("-0", 2);
  EXPECT_TRUE(z.is_zero());
  EXPECT_EQ(z.to_string(), "0.00");
  EXPECT_EQ(Decimal::parse("-0.00", 2), Decimal::from_units(0, 2));
}

TEST(Decimal, RefusesHostileStrings) {
  for (const char* bad : {"1e3", "  1", "1 ", "+1", "", "-", ".5", "5.", "1..2", "1,000", "0x10", "NaN", "inf", "１"}) {
    EXPECT_THROW(Decimal::parse(bad, 2), DecimalError) << bad;
  }
}

TEST(Decimal, RefusesDigitsBeyondScaleUnlessRounding) {
  EXPECT_THROW(Decimal::parse("1.005", 2), DecimalError);
  EXPECT_EQ(Decimal::parse("1.005", 2, RoundingMode::kHalfUp).to_string(), "1.01");
  EXPECT_EQ(Decimal::parse("1.005", 2, RoundingMode::kHalfEven).to_string(), "1.00");
  EXPECT_EQ(Decimal::parse("1.005", 2, RoundingMode::kDown).to_string(), "1.00");
  EXPECT_EQ(Decimal::parse("1.0050000000000000000001", 2, RoundingMode::kHalfEven).to_string(), "1.01");
  EXPECT_EQ(Decimal::parse("1.000", 2).to_string(), "1.00");  // zeros beyond the scale lose nothing
  EXPECT_EQ(Decimal::parse("-1.005", 2, RoundingMode::kHalfUp).to_string(), "-1.01");
}

TEST(Decimal, ThirtyDigitNumbersOverflow) {
  EXPECT_THROW(Decimal::parse("123456789012345678901234567890", 0), DecimalError);
  EXPECT_THROW(Decimal::parse("123456789012345678901234567890.12", 2), DecimalError);
  EXPECT_THROW(Decimal::parse("92233720368547758.08", 2), DecimalError);
  EXPECT_EQ(Decimal::parse("92233720368547758.07", 2).units(), INT64_MAX);
}

TEST(Decimal, RoundingModesOnTiesAndNegatives) {
  auto r = [](const char* s, RoundingMode m) { return Decimal::parse(s, 3).rescale(2, m).to_string(); };
  EXPECT_EQ(r("2.345", RoundingMode::kHalfUp), "2.35");
  EXPECT_EQ(r("2.345", RoundingMode::kHalfEven), "2.34");
  EXPECT_EQ(r("2.355", RoundingMode::kHalfEven), "2.36");
  EXPECT_EQ(r("2.349", RoundingMode::kDown), "2.34");
  EXPECT_EQ(r("-2.345", RoundingMode::kHalfUp), "-2.35");
  EXPECT_EQ(r("-2.345", RoundingMode::kHalfEven), "-2.34");
  EXPECT_EQ(r("-2.349", RoundingMode::kDown), "-2.34");
  EXPECT_EQ(r("-2.341", RoundingMode::kFloor), "-2.35");
  EXPECT_EQ(r("2.341", RoundingMode::kCeiling), "2.35");
  EXPECT_EQ(r("2.341", RoundingMode::kUp), "2.35");
  EXPECT_THROW(r("2.341", RoundingMode::kUnnecessary), DecimalError);
}

TEST(Decimal, ScaleChanges) {
  Decimal a = Decimal::parse("1.5", 1);
  EXPECT_EQ(a.rescale(4).to_string(), "1.5000");
  EXPECT_EQ(a.rescale(4).rescale(1).to_string(), "1.5");
  EXPECT_THROW(a.rescale(19), DecimalError);
  EXPECT_THROW(Decimal::from_units(INT64_MAX, 0).rescale(1), DecimalError);
}

TEST(Decimal, ArithmeticIsExactAndDetectsOverflow) {
  EXPECT_EQ((Decimal::parse("0.1", 1) + Decimal::parse("0.2", 1)).to_string(), "0.3");
  EXPECT_EQ((Decimal::parse("1.00", 2) - Decimal::parse("0.005", 3)).to_string(), "0.995");
  EXPECT_THROW(Decimal::from_units(INT64_MAX, 2) + Decimal::from_units(1, 2), DecimalError);
  EXPECT_THROW(-Decimal::from_units(INT64_MIN, 2), DecimalError);
  EXPECT_EQ(Decimal::parse("10.00", 2) <=> Decimal::parse("10", 0), std::strong_ordering::equal);
}

TEST(Decimal, SubscriptionFeeByExternalMethodAddsUp) {
  // BUSINESS §5: net = amount / (1 + rate) rounded half-up to 0.01; fee = amount - net.
  Decimal amount = Decimal::parse("10000.00", 2);
  Decimal rate = Decimal::parse("0.015", 6);
  Decimal one_plus = Decimal::from_integer(1, 6) + rate;
  Decimal net = amount.divide(one_plus, 2, RoundingMode::kHalfUp);
  Decimal fee = amount - net;
  EXPECT_EQ(net.to_string(), "9852.22");
  EXPECT_EQ(fee.to_string(), "147.78");
  EXPECT_EQ(net + fee, amount);
  Decimal shares = net.divide(Decimal::parse("1.2345", 4), 2, RoundingMode::kHalfUp);
  EXPECT_EQ(shares.to_string(), "7980.74");  // 9852.22 / 1.2345 = 7980.737...
}

TEST(Decimal, MultiplyRoundsToTargetScale) {
  Decimal shares = Decimal::parse("1000.00", 2);
  Decimal nav = Decimal::parse("1.2345", 4);
  EXPECT_EQ(shares.multiply(nav, 2, RoundingMode::kHalfUp).to_string(), "1234.50");
  EXPECT_EQ(Decimal::parse("0.125", 3).multiply(Decimal::parse("1", 0), 2, RoundingMode::kHalfEven).to_string(), "0.12");
  EXPECT_THROW(Decimal::parse("1", 0).divide(Decimal::parse("0", 0), 2, RoundingMode::kHalfUp), DecimalError);
}

TEST(Fixed, TypesKeepTheirScale) {
  Money m = Money::parse("100.5");
  EXPECT_EQ(m.to_string(), "100.50");
  EXPECT_EQ(m.units(), 10050);
  EXPECT_THROW(Money::parse("100.005"), DecimalError);
  Nav n = Nav::rounded(Decimal::parse("1.23456"), RoundingMode::kHalfUp);
  EXPECT_EQ(n.to_string(), "1.2346");
  EXPECT_EQ((m + Money::parse("0.50")).to_string(), "101.00");
}

}  // namespace
}  // namespace zt::core::finance
