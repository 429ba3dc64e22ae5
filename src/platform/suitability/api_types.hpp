#pragma once
// What the suitability service takes and answers (JSON through Boost.Describe).
#include <boost/describe.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/finance/decimal.hpp"
#include "platform/suitability/domain/matching.hpp"
#include "platform/suitability/domain/questionnaire.hpp"

namespace zt::platform::suitability {

struct AssessmentIn {
  std::string version;  // the questionnaire version answered
  std::vector<Answer> answers;
};
BOOST_DESCRIBE_STRUCT(AssessmentIn, (), (version, answers))

struct Assessment {
  std::string id;
  std::string questionnaire_version;
  int score = 0;
  std::string level;        // C1..C5
  std::string level_title;  // 保守型 …
  bool lowest_category = false;
  std::vector<std::string> lowest_reasons;
  std::string assessed_on;
  std::string expires_on;
  std::string created_at;
};
BOOST_DESCRIBE_STRUCT(Assessment, (),
                      (id, questionnaire_version, score, level, level_title, lowest_category, lowest_reasons,
                       assessed_on, expires_on, created_at))

struct AssessmentList {
  std::vector<Assessment> items;
};
BOOST_DESCRIBE_STRUCT(AssessmentList, (), (items))

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

struct SignIn {
  bool agree = false;  // "我已阅读并理解上述风险，自愿购买"
};
BOOST_DESCRIBE_STRUCT(SignIn, (), (agree))

struct ApplicationIn {
  std::string kind;  // professional | qualified
  core::finance::Money financial_assets;
  core::finance::Money average_income;
  int experience_years = 0;
  std::vector<std::string> evidence;  // what was supplied: 资产证明、收入证明、投资经历证明 …
};
BOOST_DESCRIBE_STRUCT(ApplicationIn, (), (kind, financial_assets, average_income, experience_years, evidence))

struct Application {
  std::string id;
  std::string customer_id;
  std::string kind;
  core::finance::Money financial_assets;
  core::finance::Money average_income;
  int experience_years = 0;
  std::vector<std::string> evidence;
  std::string state;  // pending | approved | rejected
  std::string submitted_at;
  std::optional<std::string> reviewed_by;
  std::optional<std::string> reviewed_at;
  std::optional<std::string> review_comment;
  std::optional<std::string> valid_until;
};
BOOST_DESCRIBE_STRUCT(Application, (),
                      (id, customer_id, kind, financial_assets, average_income, experience_years, evidence, state,
                       submitted_at, reviewed_by, reviewed_at, review_comment, valid_until))

struct ApplicationList {
  std::vector<Application> items;
  std::optional<std::string> next_cursor;
};
BOOST_DESCRIBE_STRUCT(ApplicationList, (), (items, next_cursor))

struct DecisionIn {
  bool approve = false;
  std::string comment;
};
BOOST_DESCRIBE_STRUCT(DecisionIn, (), (approve, comment))

}  // namespace zt::platform::suitability
