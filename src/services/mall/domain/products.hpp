#pragma once
// Products of the mall (BUSINESS §5): the six categories and the rules each imposes on a
// product's terms; a product's sale window and order minimums. Framework-free.
#include <optional>
#include <string>
#include <string_view>

#include "core/finance/calendar.hpp"
#include "services/mall/domain/fees.hpp"

namespace zt::services::mall {

struct ProductTerms {
  std::string code;
  std::string name;
  std::string category;  // public_fund | bank_wm | income_certificate | broker_am | trust | private_fund
  int risk = 0;          // R1..R5
  std::string issuer;
  std::string sale_start;               // YYYY-MM-DD
  std::optional<std::string> sale_end;  // inclusive
  Money min_first;
  Money min_additional;
  Money increment;
  std::string audience;  // public | qualified | professional
  std::optional<int> holder_cap;
  std::optional<std::string> principal;  // income certificates: protected_fixed | protected_floating | unprotected
  bool redeemable = true;
  FeeSchedule fees;
  // Confirmed on T+n trading days: 1 for most funds, 2 or more for QDII funds and some bank
  // products.
  int confirm_days = 1;
};

// [practice] thresholds, each configuration (mall.*).
struct CategoryRules {
  int income_certificate_max_holders = 200;
  Money income_certificate_min_protected = Money::parse("50000.00");
  Money income_certificate_min_unprotected = Money::parse("1000000.00");
  Money qualified_min_purchase = Money::parse("1000000.00");  // private funds and trusts
};

const char* category_title(std::string_view category);  // 公募基金 …; nullptr when unknown

// Every rule a product's terms must keep, the first broken one refused in Chinese.
std::optional<Refusal> check_product(const ProductTerms& p, const CategoryRules& rules);

// An order's amount against the product's minimums and increment (first purchase or additional).
std::optional<Refusal> check_subscription_amount(const ProductTerms& p, Money amount, bool first_purchase);
// Whether the product sells for an order trading on this date (T, the NAV date: an order placed
// after the cut-off on the last day of sale trades after it).
std::optional<Refusal> check_sale_window(const ProductTerms& p, const std::string& trade_date);
// Whether a NAV may be entered for this date: a valid date (MALL_BAD_DATE) that is a trading day
// (MALL_NAV_NOT_TRADING_DAY: funds publish no NAV for a weekend or a holiday, and an order never
// trades on one), of a year the calendar covers (MALL_NO_CALENDAR).
std::optional<Refusal> check_nav_date(const core::finance::TradingCalendar& calendar, const std::string& date);

}  // namespace zt::services::mall
