#include "services/mall/domain/products.hpp"

#include <fmt/format.h>

#include "core/finance/calendar.hpp"

namespace zt::services::mall {

namespace {

Refusal bad(std::string m) { return Refusal{400, "MALL_PRODUCT_INVALID", std::move(m)}; }

bool valid_code(const std::string& c) {
  if (c.size() < 4 || c.size() > 12) return false;
  for (char ch : c)
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))) return false;
  return true;
}

bool valid_date(const std::string& d) {
  try {
    core::finance::parse_date(d);
    return true;
  } catch (const core::finance::CalendarError&) {
    return false;
  }
}

std::size_t characters(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

const char* category_title(std::string_view c) {
  if (c == "public_fund") return "公募基金";
  if (c == "bank_wm") return "银行理财";
  if (c == "income_certificate") return "收益凭证";
  if (c == "broker_am") return "券商资管";
  if (c == "trust") return "信托";
  if (c == "private_fund") return "私募基金";
  return nullptr;
}

std::optional<Refusal> check_product(const ProductTerms& p, const CategoryRules& rules) {
  if (!valid_code(p.code)) return bad("产品代码应为4至12位大写字母或数字");
  if (p.name.empty() || characters(p.name) > 32) return bad("产品名称应为1至32个字");
  if (!category_title(p.category)) return bad("产品类别应为公募基金、银行理财、收益凭证、券商资管、信托或私募基金之一");
  if (p.risk < 1 || p.risk > 5) return bad("产品风险等级应为R1至R5");
  if (p.issuer.empty() || characters(p.issuer) > 64) return bad("请填写发行机构（最多64字）");
  if (!valid_date(p.sale_start)) return bad("销售开始日期无效");
  if (p.sale_end && (!valid_date(*p.sale_end) || *p.sale_end < p.sale_start))
    return bad("销售结束日期无效或早于开始日期");
  if (p.min_first.units() <= 0 || p.min_additional.units() <= 0 || p.increment.units() <= 0)
    return bad("起购金额、追加金额和递增金额应大于0");
  if (p.audience != "public" && p.audience != "qualified" && p.audience != "professional")
    return bad("销售对象应为普通、合格或专业投资者");
  if (auto f = p.fees.check()) return f;
  if (p.confirm_days < 1 || p.confirm_days > 10) return bad("确认日应为T+1至T+10个交易日");
  if (p.category == "income_certificate") {
    if (!p.holder_cap || *p.holder_cap < 1 || *p.holder_cap > rules.income_certificate_max_holders)
      return bad(fmt::format("收益凭证每期持有人数上限应为1至{}人", rules.income_certificate_max_holders));
    if (!p.principal ||
        (*p.principal != "protected_fixed" && *p.principal != "protected_floating" && *p.principal != "unprotected"))
      return bad("收益凭证应注明本金保障类型：保本固定收益、保本浮动收益或非保本");
    const Money least = *p.principal == "unprotected" ? rules.income_certificate_min_unprotected
                                                      : rules.income_certificate_min_protected;
    if (p.min_first < least) return bad(fmt::format("该类收益凭证起购金额不得低于{}元", least.to_string()));
    if (*p.principal != "protected_fixed" && p.audience != "professional")
      return bad("浮动收益及非保本收益凭证仅限专业投资者购买");
  } else {
    if (p.holder_cap) return bad("只有收益凭证设持有人数上限");
    if (p.principal) return bad("只有收益凭证注明本金保障类型");
  }
  if (p.category == "private_fund" || p.category == "trust") {
    if (p.audience == "public") return bad("私募基金和信托仅向合格投资者销售");
    if (p.min_first < rules.qualified_min_purchase)
      return bad(fmt::format("私募基金和信托起购金额不得低于{}元", rules.qualified_min_purchase.to_string()));
  }
  return std::nullopt;
}

std::optional<Refusal> check_subscription_amount(const ProductTerms& p, Money amount, bool first_purchase) {
  const Money least = first_purchase ? p.min_first : p.min_additional;
  if (amount < least)
    return Refusal{400, "MALL_AMOUNT_TOO_SMALL",
                   fmt::format("{}金额不得低于{}元", first_purchase ? "首次购买" : "追加购买", least.to_string())};
  if ((amount.units() - least.units()) % p.increment.units() != 0)
    return Refusal{400, "MALL_AMOUNT_INCREMENT",
                   fmt::format("购买金额应在{}元的基础上按{}元递增", least.to_string(), p.increment.to_string())};
  return std::nullopt;
}

std::optional<Refusal> check_sale_window(const ProductTerms& p, const std::string& trade_date) {
  if (trade_date < p.sale_start)
    return Refusal{409, "MALL_NOT_ON_SALE", fmt::format("{}将于{}开始销售", p.name, p.sale_start)};
  if (p.sale_end && *p.sale_end < trade_date)
    return Refusal{409, "MALL_NOT_ON_SALE", fmt::format("{}已于{}结束销售", p.name, *p.sale_end)};
  return std::nullopt;
}

std::optional<Refusal> check_nav_date(const core::finance::TradingCalendar& calendar, const std::string& date) {
  core::finance::Date d;
  try {
    d = core::finance::parse_date(date);
  } catch (const core::finance::CalendarError&) {
    return Refusal{400, "MALL_BAD_DATE", "净值日期应为有效日期（YYYY-MM-DD）"};
  }
  try {
    if (!calendar.is_trading_day(d))
      return Refusal{400, "MALL_NAV_NOT_TRADING_DAY", fmt::format("{}不是交易日，不能录入净值", date)};
  } catch (const core::finance::CalendarError& e) {
    return Refusal{422, "MALL_NO_CALENDAR", fmt::format("交易日历未覆盖该期间：{}", e.what())};
  }
  return std::nullopt;
}

}  // namespace zt::services::mall
