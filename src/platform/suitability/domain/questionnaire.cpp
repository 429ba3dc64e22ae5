#include "platform/suitability/domain/questionnaire.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <map>
#include <set>

namespace zt::platform::suitability {

namespace {

std::string required_text(const YAML::Node& n, const char* key, const std::string& where) {
  if (!n[key] || !n[key].IsScalar() || n[key].as<std::string>().empty())
    throw QuestionnaireError(fmt::format("{}缺少{}", where, key));
  return n[key].as<std::string>();
}

}  // namespace

Questionnaire Questionnaire::parse(std::string_view text) {
  YAML::Node doc;
  try {
    doc = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    throw QuestionnaireError(fmt::format("问卷不是有效的YAML（第{}行）", e.mark.line + 1));
  }
  if (!doc.IsMap()) throw QuestionnaireError("问卷应为YAML映射");
  Questionnaire q;
  q.version = required_text(doc, "version", "问卷");
  q.title = required_text(doc, "title", "问卷");
  if (!doc["groups"] || !doc["groups"].IsSequence() || doc["groups"].size() == 0)
    throw QuestionnaireError("问卷没有题组");
  std::set<std::string> group_ids, question_ids;
  for (const auto& g : doc["groups"]) {
    Group group;
    group.id = required_text(g, "id", "题组");
    group.title = required_text(g, "title", fmt::format("题组 {} ", group.id));
    if (!group_ids.insert(group.id).second) throw QuestionnaireError(fmt::format("题组编号重复：{}", group.id));
    if (!g["questions"] || !g["questions"].IsSequence() || g["questions"].size() == 0)
      throw QuestionnaireError(fmt::format("题组 {} 没有题目", group.id));
    for (const auto& qn : g["questions"]) {
      Question question;
      question.id = required_text(qn, "id", fmt::format("题组 {} 的题目", group.id));
      question.text = required_text(qn, "text", fmt::format("题目 {} ", question.id));
      if (!question_ids.insert(question.id).second)
        throw QuestionnaireError(fmt::format("题目编号重复：{}", question.id));
      if (!qn["options"] || !qn["options"].IsSequence() || qn["options"].size() < 2)
        throw QuestionnaireError(fmt::format("题目 {} 至少应有两个选项", question.id));
      std::set<std::string> option_ids;
      for (const auto& o : qn["options"]) {
        Option option;
        option.id = required_text(o, "id", fmt::format("题目 {} 的选项", question.id));
        option.text = required_text(o, "text", fmt::format("题目 {} 选项 {} ", question.id, option.id));
        if (!option_ids.insert(option.id).second)
          throw QuestionnaireError(fmt::format("题目 {} 的选项编号重复：{}", question.id, option.id));
        try {
          option.score = o["score"].as<int>();
        } catch (const YAML::Exception&) {
          throw QuestionnaireError(fmt::format("题目 {} 选项 {} 的分值应为整数", question.id, option.id));
        }
        if (option.score < 0 || option.score > 100)
          throw QuestionnaireError(fmt::format("题目 {} 选项 {} 的分值应在0至100之间", question.id, option.id));
        option.lowest_category = o["lowest_category"] && o["lowest_category"].as<bool>(false);
        question.options.push_back(std::move(option));
      }
      group.questions.push_back(std::move(question));
    }
    q.groups.push_back(std::move(group));
  }
  if (q.max_score() != 100) throw QuestionnaireError(fmt::format("问卷各题最高分之和应为100，实际为{}", q.max_score()));
  return q;
}

int Questionnaire::max_score() const {
  int total = 0;
  for (const auto& g : groups)
    for (const auto& q : g.questions) {
      int best = 0;
      for (const auto& o : q.options) best = std::max(best, o.score);
      total += best;
    }
  return total;
}

std::size_t Questionnaire::question_count() const {
  std::size_t n = 0;
  for (const auto& g : groups) n += g.questions.size();
  return n;
}

const Question* Questionnaire::question(std::string_view id) const {
  for (const auto& g : groups)
    for (const auto& q : g.questions)
      if (q.id == id) return &q;
  return nullptr;
}

Bands Bands::parse(std::string_view text) {
  Bands b;
  std::size_t i = 0, start = 0;
  const std::string s(text);
  while (true) {
    const auto comma = s.find(',', start);
    const std::string part = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (i >= 4 || part.empty() || part.find_first_not_of(" 0123456789") != std::string::npos)
      throw QuestionnaireError("评级分界应为四个递增的整数，如 20,40,60,80");
    b.lower[i++] = std::stoi(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (i != 4) throw QuestionnaireError("评级分界应为四个递增的整数，如 20,40,60,80");
  for (std::size_t k = 0; k < 4; ++k)
    if (b.lower[k] < 1 || b.lower[k] > 100 || (k > 0 && b.lower[k] <= b.lower[k - 1]))
      throw QuestionnaireError("评级分界应为四个递增的整数，在1至100之间");
  return b;
}

int Bands::level_for(int score) const {
  int level = 1;
  for (int bound : lower)
    if (score >= bound) ++level;
  return level;
}

Result<Scored> score(const Questionnaire& q, const std::vector<Answer>& answers, const Bands& bands) {
  std::map<std::string, const Option*> chosen;
  for (const auto& a : answers) {
    const Question* question = q.question(a.question);
    if (!question)
      return Refusal{400, "SUIT_ANSWER_INVALID", fmt::format("问卷 {} 中没有题目 {}", q.version, a.question)};
    const Option* option = nullptr;
    for (const auto& o : question->options)
      if (o.id == a.option) option = &o;
    if (!option) return Refusal{400, "SUIT_ANSWER_INVALID", fmt::format("题目 {} 没有选项 {}", a.question, a.option)};
    if (!chosen.emplace(a.question, option).second)
      return Refusal{400, "SUIT_ANSWER_DUPLICATE", fmt::format("题目 {} 回答了多次", a.question)};
  }
  std::vector<std::string> missing;
  for (const auto& g : q.groups)
    for (const auto& question : g.questions)
      if (!chosen.contains(question.id)) missing.push_back(question.id);
  if (!missing.empty())
    return Refusal{400, "SUIT_ANSWERS_INCOMPLETE",
                   fmt::format("请回答全部题目，尚未回答：{}", fmt::join(missing, "、"))};
  Scored out;
  for (const auto& g : q.groups)
    for (const auto& question : g.questions) {
      const Option* o = chosen.at(question.id);
      out.score += o->score;
      if (o->lowest_category) out.lowest_reasons.push_back(fmt::format("{}：{}", question.text, o->text));
    }
  out.lowest_category = !out.lowest_reasons.empty();
  out.level = out.lowest_category ? 1 : bands.level_for(out.score);
  return out;
}

std::string level_name(int level) { return fmt::format("C{}", level); }
std::string level_title(int level) {
  static const char* const kTitles[] = {"保守型", "谨慎型", "稳健型", "积极型", "激进型"};
  return level >= 1 && level <= 5 ? kTitles[level - 1] : "未知";
}
int parse_risk(std::string_view text) {
  if (text.size() == 2 && text[0] == 'R' && text[1] >= '1' && text[1] <= '5') return text[1] - '0';
  return 0;
}

}  // namespace zt::platform::suitability
