#pragma once
// The risk-tolerance questionnaire (风险承受能力评估问卷, BUSINESS §1) and its scoring: a versioned
// document shipped as data (config/suitability/questionnaire-*.yaml), about 20 scored single-choice
// questions in five groups, a score of 0–100 mapped to C1–C5 by configurable bands, and the
// lowest-category flag (最低类别) that an answer such as "cannot bear any loss" raises whatever the
// score. Framework-free: unit tests construct it from text.
#include <array>
#include <boost/describe.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/finance/risk.hpp"
#include "core/util/refusal.hpp"

namespace zt::platform::suitability {

using core::Refusal;
template <class T>
using Result = std::variant<T, Refusal>;

class QuestionnaireError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;  // a Chinese description of what is wrong with the document
};

struct Option {
  std::string id;
  std::string text;
  int score = 0;
  bool lowest_category = false;
};
BOOST_DESCRIBE_STRUCT(Option, (), (id, text, score, lowest_category))

struct Question {
  std::string id;
  std::string text;
  std::vector<Option> options;
};
BOOST_DESCRIBE_STRUCT(Question, (), (id, text, options))

struct Group {
  std::string id;
  std::string title;
  std::vector<Question> questions;
};
BOOST_DESCRIBE_STRUCT(Group, (), (id, title, questions))

struct Questionnaire {
  std::string version;
  std::string title;
  std::vector<Group> groups;

  // Parses and checks a document: unique ids, at least two options per question, scores ≥ 0,
  // and a best total of exactly 100 (the bands are on a 0–100 scale).
  static Questionnaire parse(std::string_view yaml);
  int max_score() const;
  std::size_t question_count() const;
  const Question* question(std::string_view id) const;
};
BOOST_DESCRIBE_STRUCT(Questionnaire, (), (version, title, groups))

struct Answer {
  std::string question;
  std::string option;
};
BOOST_DESCRIBE_STRUCT(Answer, (), (question, option))

// Lower bounds of C2, C3, C4 and C5 on the 0–100 scale; C1 is everything below the first.
struct Bands {
  std::array<int, 4> lower{20, 40, 60, 80};
  // "20,40,60,80" — strictly increasing, inside 1..100; throws QuestionnaireError otherwise.
  static Bands parse(std::string_view text);
  int level_for(int score) const;  // 1..5
};

struct Scored {
  int score = 0;
  int level = 1;  // C1..C5
  bool lowest_category = false;
  std::vector<std::string> lowest_reasons;  // the questions whose answers made it so
};

// Every question answered exactly once with one of its options; otherwise a refusal naming the
// question (SUIT_ANSWERS_INCOMPLETE, SUIT_ANSWER_INVALID, SUIT_ANSWER_DUPLICATE).
Result<Scored> score(const Questionnaire& q, const std::vector<Answer>& answers, const Bands& bands);

std::string level_name(int level);      // "C3"
std::string level_title(int level);     // "平衡型"
using core::finance::risk_name;         // "R4"
using core::finance::risk_title;        // "中高风险"
int parse_risk(std::string_view text);  // "R1".."R5" -> 1..5; 0 when invalid

}  // namespace zt::platform::suitability
