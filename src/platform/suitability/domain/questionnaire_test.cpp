#include "platform/suitability/domain/questionnaire.hpp"

#include <gtest/gtest.h>

#include "core/util/embedded.hpp"

std::span<const zt::core::EmbeddedFile> zt_suitability_files();

namespace zt::platform::suitability {
namespace {

Questionnaire shipped() {
  for (const auto& f : zt_suitability_files())
    if (f.name == "questionnaire-2026.yaml") return Questionnaire::parse(f.content);
  throw std::runtime_error("no shipped questionnaire");
}

// Every question answered with the option at `pick` (clamped to the last option).
std::vector<Answer> all(const Questionnaire& q, std::size_t pick) {
  std::vector<Answer> out;
  for (const auto& g : q.groups)
    for (const auto& question : g.questions)
      out.push_back({question.id, question.options.at(std::min(pick, question.options.size() - 1)).id});
  return out;
}

Scored ok(const Result<Scored>& r) {
  if (auto* refusal = std::get_if<Refusal>(&r)) ADD_FAILURE() << refusal->code << " " << refusal->message;
  return std::get<Scored>(r);
}

TEST(Questionnaire, TheShippedVersionHasTwentyQuestionsInFiveGroupsScoringToOneHundred) {
  const auto q = shipped();
  EXPECT_EQ(q.version, "2026-01");
  EXPECT_EQ(q.groups.size(), 5u);
  EXPECT_EQ(q.question_count(), 20u);
  EXPECT_EQ(q.max_score(), 100);
  EXPECT_EQ(q.groups.at(0).title, "财务状况");
}

TEST(Questionnaire, BestAnswersScoreOneHundredAndC5) {
  const auto q = shipped();
  const Bands bands;
  auto best = all(q, 99);  // the last option is the best in every question of the shipped version
  const auto s = ok(score(q, best, bands));
  EXPECT_EQ(s.score, 100);
  EXPECT_EQ(s.level, 5);
  EXPECT_FALSE(s.lowest_category);
}

TEST(Questionnaire, BandsMapScoresToLevelsAtTheirEdges) {
  const Bands b;
  EXPECT_EQ(b.level_for(0), 1);
  EXPECT_EQ(b.level_for(19), 1);
  EXPECT_EQ(b.level_for(20), 2);
  EXPECT_EQ(b.level_for(39), 2);
  EXPECT_EQ(b.level_for(40), 3);
  EXPECT_EQ(b.level_for(59), 3);
  EXPECT_EQ(b.level_for(60), 4);
  EXPECT_EQ(b.level_for(79), 4);
  EXPECT_EQ(b.level_for(80), 5);
  EXPECT_EQ(b.level_for(100), 5);
  const auto custom = Bands::parse("10,30,50,90");
  EXPECT_EQ(custom.level_for(89), 4);
  EXPECT_EQ(custom.level_for(90), 5);
  EXPECT_THROW(Bands::parse("20,20,60,80"), QuestionnaireError);
  EXPECT_THROW(Bands::parse("20,40,60"), QuestionnaireError);
  EXPECT_THROW(Bands::parse("20,40,60,80,90"), QuestionnaireError);
  EXPECT_THROW(Bands::parse("20,40,x,80"), QuestionnaireError);
  EXPECT_THROW(Bands::parse("0,40,60,80"), QuestionnaireError);
}

TEST(Questionnaire, CannotBearAnyLossMakesTheLowestCategoryWhateverTheScore) {
  const auto q = shipped();
  auto answers = all(q, 99);
  for (auto& a : answers)
    if (a.question == "R1") a.option = "A";  // 不能承受任何损失
  const auto s = ok(score(q, answers, Bands{}));
  EXPECT_EQ(s.score, 95);
  EXPECT_TRUE(s.lowest_category);
  EXPECT_EQ(s.level, 1);
  ASSERT_EQ(s.lowest_reasons.size(), 1u);
  EXPECT_EQ(s.lowest_reasons[0], "您能承受的最大投资损失是？：不能承受任何损失");
}

TEST(Questionnaire, MiddleAnswersGiveAMiddleLevel) {
  const auto q = shipped();
  // The second option of every question: (2+2+2+2+3) + (2+2+3+2) + (2+3+2+3) + (2+2+2+2+3) + (5+3) = 49 -> C3.
  const auto s = ok(score(q, all(q, 1), Bands{}));
  EXPECT_EQ(s.score, 49);
  EXPECT_EQ(s.level, 3);
}

TEST(Questionnaire, IncompleteUnknownAndRepeatedAnswersAreRefusedByName) {
  const auto q = shipped();
  auto answers = all(q, 0);
  answers.pop_back();
  auto r = score(q, answers, Bands{});
  ASSERT_TRUE(std::holds_alternative<Refusal>(r));
  EXPECT_EQ(std::get<Refusal>(r).code, "SUIT_ANSWERS_INCOMPLETE");
  EXPECT_EQ(std::get<Refusal>(r).message, "请回答全部题目，尚未回答：O2");

  answers = all(q, 0);
  answers.push_back({"F1", "B"});
  EXPECT_EQ(std::get<Refusal>(score(q, answers, Bands{})).code, "SUIT_ANSWER_DUPLICATE");
  answers = all(q, 0);
  answers[0].option = "Z";
  EXPECT_EQ(std::get<Refusal>(score(q, answers, Bands{})).message, "题目 F1 没有选项 Z");
  answers = all(q, 0);
  answers.push_back({"X9", "A"});
  EXPECT_EQ(std::get<Refusal>(score(q, answers, Bands{})).code, "SUIT_ANSWER_INVALID");
}

TEST(Questionnaire, ABrokenDocumentIsRefusedWithAChineseReason) {
  EXPECT_THROW(Questionnaire::parse("version: [1"), QuestionnaireError);
  try {
    Questionnaire::parse(R"(version: x
title: t
groups:
  - id: g
    title: G
    questions:
      - id: Q1
        text: 问题
        options:
          - {id: A, text: 甲, score: 0}
          - {id: B, text: 乙, score: 60}
)");
    FAIL() << "a total of 60 is refused";
  } catch (const QuestionnaireError& e) {
    EXPECT_STREQ(e.what(), "问卷各题最高分之和应为100，实际为60");
  }
  EXPECT_THROW(Questionnaire::parse(R"(version: x
title: t
groups:
  - id: g
    title: G
    questions:
      - {id: Q1, text: 问题, options: [{id: A, text: 甲, score: 0}, {id: A, text: 乙, score: 100}]}
)"),
               QuestionnaireError);
}

}  // namespace
}  // namespace zt::platform::suitability
