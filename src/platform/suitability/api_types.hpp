#pragma once
// What the suitability service takes and answers (JSON through Boost.Describe).
#include <boost/describe.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/finance/decimal.hpp"
#include "platform/suitability/client/suitability_api.hpp"
#include "platform/suitability/domain/matching.hpp"
#include "platform/suitability/domain/questionnaire.hpp"
#include "platform/suitability/store/evidence_store.hpp"

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
  // The document answered, by its SHA-256 (kept in suit_questionnaires): none for assessments
  // from before documents were kept.
  std::optional<std::string> questionnaire_sha256;
};
BOOST_DESCRIBE_STRUCT(Assessment, (),
                      (id, questionnaire_version, score, level, level_title, lowest_category, lowest_reasons,
                       assessed_on, expires_on, created_at, questionnaire_sha256))

// The questionnaire as customers answer it, with the SHA-256 of the document it was read from.
struct QuestionnaireView {
  std::string version;
  std::string title;
  std::vector<Group> groups;
  std::string sha256;
};
BOOST_DESCRIBE_STRUCT(QuestionnaireView, (), (version, title, groups, sha256))

struct AssessmentList {
  std::vector<Assessment> items;
};
BOOST_DESCRIBE_STRUCT(AssessmentList, (), (items))

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

// An evidence file as uploaded: its name, type and base64 content.
struct EvidenceIn {
  std::string name;
  std::string content_type;  // image/jpeg | image/png | application/pdf
  std::string data;          // base64
};
BOOST_DESCRIBE_STRUCT(EvidenceIn, (), (name, content_type, data))
BOOST_DESCRIBE_STRUCT(EvidenceFile, (), (id, name, content_type, size, sha256, uploaded_at_ms))

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
