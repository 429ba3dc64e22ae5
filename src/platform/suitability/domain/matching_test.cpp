#include "platform/suitability/domain/matching.hpp"

#include <gtest/gtest.h>

namespace zt::platform::suitability {
namespace {

Profile c(int level, bool lowest = false) {
  Profile p;
  p.assessed = true;
  p.level = level;
  p.lowest_category = lowest;
  p.assessed_on = "2026-03-02";
  p.expires_on = "2028-03-02";
  return p;
}
ProductTerms r(int risk, std::string audience = "public") {
  return {"F00001", "稳健增长混合", risk, std::move(audience)};
}

TEST(Matching, CnBuysRUpToNAndIsWarnedAbove) {
  for (int level = 1; level <= 5; ++level)
    for (int risk = 1; risk <= 5; ++risk) {
      const auto d = match(c(level), r(risk), "2026-06-01");
      EXPECT_EQ(d.outcome, risk <= level ? "allow" : "warn") << "C" << level << " R" << risk;
      EXPECT_EQ(d.rule, risk <= level ? "SUIT_MATCH" : "SUIT_RISK_ABOVE_LEVEL");
    }
  EXPECT_EQ(match(c(3), r(4), "2026-06-01").reason,
            "稳健增长混合的风险等级R4（中高风险）高于您的风险等级C3（稳健型），购买前需阅读并签署特别风险警示书");
}

TEST(Matching, TheLowestCategoryIsRefusedAboveR1WithNoOverride) {
  EXPECT_EQ(match(c(1, true), r(1), "2026-06-01").outcome, "allow");
  const auto d = match(c(1, true), r(2), "2026-06-01");
  EXPECT_EQ(d.outcome, "refuse");
  EXPECT_EQ(d.rule, "SUIT_LOWEST_CATEGORY");
  EXPECT_EQ(match(c(1, false), r(2), "2026-06-01").outcome, "warn") << "an ordinary C1 may sign the warning";
}

TEST(Matching, NoOrExpiredAssessmentRefusesEvenAnR1) {
  EXPECT_EQ(match(Profile{}, r(1), "2026-06-01").rule, "SUIT_NOT_ASSESSED");
  EXPECT_EQ(match(c(5), r(1), "2028-03-01").outcome, "allow") << "the day before it expires";
  const auto d = match(c(5), r(1), "2028-03-02");
  EXPECT_EQ(d.rule, "SUIT_ASSESSMENT_EXPIRED");
  EXPECT_EQ(d.reason, "您的风险承受能力评估已于2028-03-02过期，请重新评估后再购买");
}

TEST(Matching, QualifiedAndProfessionalOnlyProducts) {
  EXPECT_EQ(match(c(5), r(3, "professional"), "2026-06-01").rule, "SUIT_PROFESSIONAL_ONLY");
  EXPECT_EQ(match(c(5), r(3, "qualified"), "2026-06-01").rule, "SUIT_QUALIFIED_ONLY");
  auto q = c(5);
  q.qualified = true;
  EXPECT_EQ(match(q, r(3, "qualified"), "2026-06-01").outcome, "allow");
  EXPECT_EQ(match(q, r(3, "professional"), "2026-06-01").rule, "SUIT_PROFESSIONAL_ONLY");
  auto pro = c(3);
  pro.professional = true;
  EXPECT_EQ(match(pro, r(3, "qualified"), "2026-06-01").outcome, "allow") << "a professional investor is qualified";
  EXPECT_EQ(match(pro, r(5, "professional"), "2026-06-01").outcome, "warn") << "the risk level still matters";
}

TEST(Matching, TheWarningNamesTheLevelsAndTheProduct) {
  const auto text = warning_text(c(3), r(4));
  EXPECT_NE(text.find("您的风险承受能力等级为C3（稳健型）"), std::string::npos);
  EXPECT_NE(text.find("“稳健增长混合”（代码F00001）风险等级为R4（中高风险）"), std::string::npos);
  EXPECT_NE(text.find(kWarningVersion), std::string::npos);
}

TEST(Matching, ProductTermsAreChecked) {
  EXPECT_FALSE(check_terms(r(3)));
  EXPECT_EQ(check_terms(r(0))->code, "SUIT_PRODUCT_INVALID");
  EXPECT_EQ(check_terms(r(6))->code, "SUIT_PRODUCT_INVALID");
  EXPECT_EQ(check_terms(r(3, "vip"))->code, "SUIT_PRODUCT_INVALID");
}

TEST(Classification, ProfessionalNeedsAssetsOrIncomeAndTwoYears) {
  const Thresholds t;
  using core::finance::Money;
  EXPECT_FALSE(check_declaration({"professional", Money::parse("5000000.00"), Money::parse("0.00"), 2}, t));
  EXPECT_FALSE(check_declaration({"professional", Money::parse("0.00"), Money::parse("500000.00"), 3}, t));
  EXPECT_EQ(check_declaration({"professional", Money::parse("4999999.99"), Money::parse("499999.99"), 5}, t)->code,
            "SUIT_PROFESSIONAL_CRITERIA");
  EXPECT_EQ(check_declaration({"professional", Money::parse("9000000.00"), Money::parse("0.00"), 1}, t)->message,
            "认定专业投资者需具有2年以上投资经历");
  EXPECT_FALSE(check_declaration({"qualified", Money::parse("3000000.00"), Money::parse("0.00"), 0}, t));
  EXPECT_EQ(check_declaration({"qualified", Money::parse("2999999.99"), Money::parse("0.00"), 9}, t)->code,
            "SUIT_QUALIFIED_CRITERIA");
  EXPECT_EQ(check_declaration({"vip", Money::parse("1.00"), Money::parse("0.00"), 0}, t)->code,
            "SUIT_DECLARATION_INVALID");
  EXPECT_EQ(check_declaration({"qualified", Money::parse("-1.00"), Money::parse("0.00"), 0}, t)->code,
            "SUIT_DECLARATION_INVALID");
}

}  // namespace
}  // namespace zt::platform::suitability
