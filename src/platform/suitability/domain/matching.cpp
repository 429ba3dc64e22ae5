#include "platform/suitability/domain/matching.hpp"

#include <fmt/format.h>

namespace zt::platform::suitability {

std::optional<Refusal> check_terms(const ProductTerms& p) {
  if (p.code.empty() || p.name.empty()) return Refusal{400, "SUIT_PRODUCT_INVALID", "产品代码和名称不能为空"};
  if (p.risk < 1 || p.risk > 5) return Refusal{400, "SUIT_PRODUCT_INVALID", "产品风险等级应为R1至R5"};
  if (p.audience != "public" && p.audience != "qualified" && p.audience != "professional")
    return Refusal{400, "SUIT_PRODUCT_INVALID",
                   "产品销售对象应为 public（普通）、qualified（合格投资者）或 professional（专业投资者）"};
  return std::nullopt;
}

Decision match(const Profile& c, const ProductTerms& p, std::string_view today) {
  if (!c.assessed) return {"refuse", "SUIT_NOT_ASSESSED", "您尚未完成风险承受能力评估，请先完成评估"};
  if (!(today < std::string_view(c.expires_on)))
    return {"refuse", "SUIT_ASSESSMENT_EXPIRED",
            fmt::format("您的风险承受能力评估已于{}过期，请重新评估后再购买", c.expires_on)};
  if (p.audience == "professional" && !c.professional)
    return {"refuse", "SUIT_PROFESSIONAL_ONLY", fmt::format("{}仅向专业投资者销售，您尚未认定为专业投资者", p.name)};
  if (p.audience == "qualified" && !c.qualified && !c.professional)
    return {"refuse", "SUIT_QUALIFIED_ONLY", fmt::format("{}仅向合格投资者销售，请先完成合格投资者认定", p.name)};
  if (p.risk <= c.level)
    return {"allow", "SUIT_MATCH",
            fmt::format("您的风险等级{}（{}）与{}的风险等级{}（{}）相匹配", level_name(c.level), level_title(c.level),
                        p.name, risk_name(p.risk), risk_title(p.risk))};
  if (c.lowest_category)
    return {"refuse", "SUIT_LOWEST_CATEGORY",
            fmt::format("您属于风险承受能力最低类别的投资者，不能购买风险等级高于R1的产品（{}为{}）", p.name,
                        risk_name(p.risk))};
  return {"warn", "SUIT_RISK_ABOVE_LEVEL",
          fmt::format("{}的风险等级{}（{}）高于您的风险等级{}（{}），购买前需阅读并签署特别风险警示书", p.name,
                      risk_name(p.risk), risk_title(p.risk), level_name(c.level), level_title(c.level))};
}

std::string warning_text(const Profile& c, const ProductTerms& p) {
  return fmt::format(
      "特别风险警示书\n"
      "尊敬的投资者：\n"
      "您的风险承受能力等级为{}（{}），您拟购买的产品“{}”（代码{}）风险等级为{}（{}），高于您的风险承受能力。\n"
      "该产品可能出现本金亏损，其风险可能超出您的承受范围。本公司已向您充分揭示该产品的风险，并不向您推荐该产品。\n"
      "如您仍坚持购买，请确认：您已阅读产品说明书与风险揭示书，理解产品的风险特征，自愿购买并自行承担投资风险。\n"
      "本警示书一经签署，将与您的委托一同保存。（版本 {}）",
      level_name(c.level), level_title(c.level), p.name, p.code, risk_name(p.risk), risk_title(p.risk),
      kWarningVersion);
}

std::optional<Refusal> check_declaration(const Declaration& d, const Thresholds& t) {
  if (d.financial_assets.is_negative() || d.average_income.is_negative() || d.experience_years < 0 ||
      d.experience_years > 80)
    return Refusal{400, "SUIT_DECLARATION_INVALID", "申报的资产、收入和投资年限不能为负数"};
  if (d.kind == "professional") {
    if (d.financial_assets < t.professional_assets && d.average_income < t.professional_income)
      return Refusal{422, "SUIT_PROFESSIONAL_CRITERIA",
                     fmt::format("认定专业投资者需金融资产不低于{}元，或最近3年个人年均收入不低于{}元",
                                 t.professional_assets.to_string(), t.professional_income.to_string())};
    if (d.experience_years < t.professional_experience_years)
      return Refusal{422, "SUIT_PROFESSIONAL_CRITERIA",
                     fmt::format("认定专业投资者需具有{}年以上投资经历", t.professional_experience_years)};
    return std::nullopt;
  }
  if (d.kind == "qualified") {
    if (d.financial_assets < t.qualified_assets && d.average_income < t.qualified_income)
      return Refusal{422, "SUIT_QUALIFIED_CRITERIA",
                     fmt::format("认定合格投资者需金融资产不低于{}元，或最近3年个人年均收入不低于{}元",
                                 t.qualified_assets.to_string(), t.qualified_income.to_string())};
    return std::nullopt;
  }
  return Refusal{400, "SUIT_DECLARATION_INVALID", "申请类型应为 professional（专业投资者）或 qualified（合格投资者）"};
}

}  // namespace zt::platform::suitability
