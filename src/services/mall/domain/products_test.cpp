#include "services/mall/domain/products.hpp"

#include <gtest/gtest.h>

namespace zt::services::mall {
namespace {

ProductTerms fund() {
  ProductTerms p;
  p.code = "F00001";
  p.name = "稳健增长混合A";
  p.category = "public_fund";
  p.risk = 3;
  p.issuer = "沙箱基金管理有限公司";
  p.sale_start = "2026-01-05";
  p.min_first = Money::parse("1000.00");
  p.min_additional = Money::parse("100.00");
  p.increment = Money::parse("0.01");
  p.audience = "public";
  p.fees.subscription = {{Money::parse("0"), Rate::parse("0.015"), std::nullopt}};
  p.fees.redemption = {{0, Rate::parse("0.015")}, {7, Rate::parse("0.005")}};
  return p;
}

ProductTerms certificate(const char* principal, const char* audience, const char* min_first) {
  auto p = fund();
  p.code = "SC0001";
  p.category = "income_certificate";
  p.holder_cap = 200;
  p.principal = principal;
  p.audience = audience;
  p.min_first = Money::parse(min_first);
  p.redeemable = false;
  return p;
}

// The refusal's message ("" when the product is accepted); its code says which part is wrong.
std::string refused(const ProductTerms& p) {
  auto r = check_product(p, CategoryRules{});
  if (r) {
    const bool fees = r->message.starts_with("费率设置有误");
    EXPECT_EQ(r->code, fees ? "MALL_FEE_SCHEDULE_INVALID" : "MALL_PRODUCT_INVALID") << r->message;
    EXPECT_EQ(r->status, 400);
  }
  return r ? r->message : "";
}

TEST(Products, EachCategoryKeepsItsRules) {
  EXPECT_EQ(refused(fund()), "");
  // Confirmation on T+1 to T+10 (QDII funds and some bank products take longer than T+1).
  auto lagged = fund();
  lagged.confirm_days = 3;
  EXPECT_EQ(refused(lagged), "");
  for (int days : {0, 11}) {
    lagged.confirm_days = days;
    EXPECT_EQ(refused(lagged), "确认日应为T+1至T+10个交易日") << days;
  }
  EXPECT_EQ(refused(certificate("protected_fixed", "public", "50000.00")), "");
  EXPECT_EQ(refused(certificate("protected_fixed", "public", "49999.99")), "该类收益凭证起购金额不得低于50000.00元");
  EXPECT_EQ(refused(certificate("unprotected", "professional", "999999.99")),
            "该类收益凭证起购金额不得低于1000000.00元");
  EXPECT_EQ(refused(certificate("protected_floating", "public", "50000.00")),
            "浮动收益及非保本收益凭证仅限专业投资者购买");
  EXPECT_EQ(refused(certificate("protected_floating", "professional", "50000.00")), "");
  auto over = certificate("protected_fixed", "public", "50000.00");
  over.holder_cap = 201;
  EXPECT_EQ(refused(over), "收益凭证每期持有人数上限应为1至200人");
  over.holder_cap.reset();
  EXPECT_EQ(refused(over), "收益凭证每期持有人数上限应为1至200人");
  auto capped = fund();
  capped.holder_cap = 10;
  EXPECT_EQ(refused(capped), "只有收益凭证设持有人数上限");

  auto privately = fund();
  privately.category = "private_fund";
  privately.min_first = Money::parse("1000000.00");
  EXPECT_EQ(refused(privately), "私募基金和信托仅向合格投资者销售");
  privately.audience = "qualified";
  EXPECT_EQ(refused(privately), "");
  privately.category = "trust";
  privately.min_first = Money::parse("300000.00");
  EXPECT_EQ(refused(privately), "私募基金和信托起购金额不得低于1000000.00元");

  auto p = fund();
  p.code = "f1";
  EXPECT_EQ(refused(p), "产品代码应为4至12位大写字母或数字");
  p = fund();
  p.name = "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三";
  EXPECT_EQ(refused(p), "产品名称应为1至32个字");
  p = fund();
  p.category = "stocks";
  EXPECT_NE(refused(p), "");
  p = fund();
  p.sale_end = "2026-01-04";
  EXPECT_EQ(refused(p), "销售结束日期无效或早于开始日期");
  p = fund();
  p.fees.redemption.clear();
  EXPECT_EQ(refused(p), "费率设置有误：赎回费率的第一档应从持有0天起");
}

TEST(Products, MinimumsIncrementsAndTheSaleWindow) {
  auto p = fund();
  p.increment = Money::parse("100.00");
  EXPECT_FALSE(check_subscription_amount(p, Money::parse("1000.00"), true));
  EXPECT_FALSE(check_subscription_amount(p, Money::parse("1300.00"), true));
  EXPECT_EQ(check_subscription_amount(p, Money::parse("999.99"), true)->message, "首次购买金额不得低于1000.00元");
  EXPECT_EQ(check_subscription_amount(p, Money::parse("1050.00"), true)->code, "MALL_AMOUNT_INCREMENT");
  EXPECT_FALSE(check_subscription_amount(p, Money::parse("100.00"), false)) << "additional purchases start lower";
  EXPECT_EQ(check_subscription_amount(p, Money::parse("99.00"), false)->message, "追加购买金额不得低于100.00元");
  p.sale_end = "2026-06-30";
  EXPECT_EQ(check_sale_window(p, "2026-01-04")->message, "稳健增长混合A将于2026-01-05开始销售");
  EXPECT_FALSE(check_sale_window(p, "2026-01-05"));
  EXPECT_FALSE(check_sale_window(p, "2026-06-30"));
  EXPECT_EQ(check_sale_window(p, "2026-07-01")->message, "稳健增长混合A已于2026-06-30结束销售");
  EXPECT_EQ(check_sale_window(p, "2026-07-01")->code, "MALL_NOT_ON_SALE");
  EXPECT_EQ(check_sale_window(p, "2026-01-04")->code, "MALL_NOT_ON_SALE");
  EXPECT_EQ(check_sale_window(p, "2026-01-04")->status, 409);
}

// A NAV is entered for a trading day only: never a weekend or a holiday, never a year the calendar
// does not cover, never a date that is not one.
TEST(Products, ANavIsForATradingDayOnly) {
  core::finance::TradingCalendar cal;
  cal.load_year(2026, "2026-10-01..2026-10-07\n", "test");
  EXPECT_FALSE(check_nav_date(cal, "2026-10-09"));  // a Friday
  EXPECT_FALSE(check_nav_date(cal, "2026-10-12"));  // a Monday
  const auto saturday = check_nav_date(cal, "2026-12-05");
  ASSERT_TRUE(saturday);
  EXPECT_EQ(saturday->status, 400);
  EXPECT_EQ(saturday->code, "MALL_NAV_NOT_TRADING_DAY");
  EXPECT_EQ(saturday->message, "2026-12-05不是交易日，不能录入净值");
  EXPECT_EQ(check_nav_date(cal, "2026-10-05")->code, "MALL_NAV_NOT_TRADING_DAY") << "National Day, a Monday";
  EXPECT_EQ(check_nav_date(cal, "2026-02-30")->code, "MALL_BAD_DATE");
  EXPECT_EQ(check_nav_date(cal, "2026-1-5")->code, "MALL_BAD_DATE");
  const auto uncovered = check_nav_date(cal, "2027-01-04");
  ASSERT_TRUE(uncovered);
  EXPECT_EQ(uncovered->status, 422);
  EXPECT_EQ(uncovered->code, "MALL_NO_CALENDAR");
}

}  // namespace
}  // namespace zt::services::mall
