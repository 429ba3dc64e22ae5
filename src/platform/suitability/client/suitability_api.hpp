#pragma once
// The suitability service's wire types for the selling services (its client:
// suitability_client.hpp): a product's terms as matching sees them, a match and its outcome, the
// special risk warning (特别风险警示书), a customer's profile.
#include <boost/describe.hpp>

#include <optional>
#include <string>

namespace zt::platform::suitability {

// What a selling service says of its product.
struct ProductTerms {
  std::string code;
  std::string name;
  int risk = 0;          // R1..R5
  std::string audience;  // public | qualified | professional
  bool operator==(const ProductTerms&) const = default;
};
BOOST_DESCRIBE_STRUCT(ProductTerms, (), (code, name, risk, audience))

struct ProfileView {
  std::string customer_id;
  bool assessed = false;
  bool expired = false;
  std::optional<std::string> level;
  std::optional<std::string> level_title;
  int level_number = 0;
  bool lowest_category = false;
  std::optional<int> score;
  std::optional<std::string> assessment_id;
  std::optional<std::string> assessed_on;
  std::optional<std::string> expires_on;
  std::string investor_type = "ordinary";  // ordinary | professional
  bool qualified = false;
  std::optional<std::string> professional_until;
  std::optional<std::string> qualified_until;
  int assessments_left_today = 0;
};
BOOST_DESCRIBE_STRUCT(ProfileView, (),
                      (customer_id, assessed, expired, level, level_title, level_number, lowest_category, score,
                       assessment_id, assessed_on, expires_on, investor_type, qualified, professional_until,
                       qualified_until, assessments_left_today))

struct MatchIn {
  std::string customer_id;
  ProductTerms product;
  std::optional<std::string> warning_id;  // a signed warning for this product, at order time
};
BOOST_DESCRIBE_STRUCT(MatchIn, (), (customer_id, product, warning_id))

struct MatchOut {
  std::string outcome;  // allow | warn | refuse
  std::string rule;
  std::string reason;
  std::string customer_level;             // "C3", or "" when not assessed
  std::string product_risk;               // "R4"
  std::optional<std::string> warning_id;  // the signed warning that allowed a sale above the level
};
BOOST_DESCRIBE_STRUCT(MatchOut, (), (outcome, rule, reason, customer_level, product_risk, warning_id))

struct WarningIn {
  std::string customer_id;
  ProductTerms product;
};
BOOST_DESCRIBE_STRUCT(WarningIn, (), (customer_id, product))

struct Warning {
  std::string id;
  std::string customer_id;
  std::string product_code;
  std::string product_name;
  std::string product_risk;
  std::string customer_level;
  std::string text;
  std::string text_version;
  std::string issued_at;
  std::string state;  // issued | signed
  std::optional<std::string> signed_at;
};
BOOST_DESCRIBE_STRUCT(Warning, (),
                      (id, customer_id, product_code, product_name, product_risk, customer_level, text, text_version,
                       issued_at, state, signed_at))

}  // namespace zt::platform::suitability
