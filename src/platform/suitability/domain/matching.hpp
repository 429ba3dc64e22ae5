#pragma once
// Matching a customer to a product (适当性匹配, BUSINESS §1), and the investor-classification
// thresholds (专业投资者, 合格投资者). Framework-free; the suitability service feeds it what it keeps.
//
//   allow  — Cn buying R ≤ n (SUIT_MATCH);
//   warn   — above the level, not lowest category: the special risk warning (特别风险警示书) must
//            be e-signed before the sale (SUIT_RISK_ABOVE_LEVEL);
//   refuse — no or expired assessment, lowest category above R1, a product for professional or
//            qualified investors only — each with its rule's code and a Chinese reason.
#include <boost/describe.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/finance/decimal.hpp"
#include "platform/suitability/client/suitability_api.hpp"
#include "platform/suitability/domain/questionnaire.hpp"

namespace zt::platform::suitability {

using core::finance::Money;

// What the service knows of a customer today.
struct Profile {
  bool assessed = false;
  int level = 0;  // C1..C5 of the latest assessment
  bool lowest_category = false;
  std::string assessed_on;    // YYYY-MM-DD (Asia/Shanghai)
  std::string expires_on;     // valid while today < expires_on
  bool professional = false;  // an approved professional-investor application still in force
  bool qualified = false;     // an approved qualified-investor certification (or professional)
};

struct Decision {
  std::string outcome;  // allow | warn | refuse
  std::string rule;     // the rule's stable code
  std::string reason;   // Chinese, for the customer
};
BOOST_DESCRIBE_STRUCT(Decision, (), (outcome, rule, reason))

// Checks the product's own terms first (a bad risk or audience is the caller's error).
std::optional<Refusal> check_terms(const ProductTerms& p);
Decision match(const Profile& c, const ProductTerms& p, std::string_view today);

// The special risk warning's text for this customer and product (version kWarningVersion).
inline constexpr const char* kWarningVersion = "W2026-01";
std::string warning_text(const Profile& c, const ProductTerms& p);

// ---- investor classification (BUSINESS §1, §5); every threshold is configuration
struct Thresholds {
  Money professional_assets = Money::parse("5000000.00");
  Money professional_income = Money::parse("500000.00");
  int professional_experience_years = 2;
  Money qualified_assets = Money::parse("3000000.00");
  Money qualified_income = Money::parse("500000.00");
};

struct Declaration {
  std::string kind;  // professional | qualified
  Money financial_assets;
  Money average_income;  // average annual income over the last 3 years
  int experience_years = 0;
};

// Whether the declared figures meet the kind's criteria; a refusal says which one falls short.
// Staff still review the evidence before approving.
std::optional<Refusal> check_declaration(const Declaration& d, const Thresholds& t);

}  // namespace zt::platform::suitability
