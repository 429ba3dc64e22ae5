#include "platform/suitability/store/suitability_book.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "core/json/json.hpp"
#include "core/observe/trace.hpp"
#include "core/util/digest.hpp"
#include "core/util/time.hpp"

namespace zt::platform::suitability {

namespace {

using core::finance::format_date;
using core::finance::Money;
using core::finance::parse_date;
using core::storage::Row;
using core::storage::Tx;

std::string new_id(const char* prefix) { return prefix + core::observe::random_hex_id(8); }

std::string json_list(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return boost::json::serialize(a);
}
std::vector<std::string> list_of(const std::string& text) {
  std::vector<std::string> out;
  const auto parsed = boost::json::parse(text);
  for (const auto& v : parsed.as_array()) out.emplace_back(v.as_string());
  return out;
}
std::string months_later(const std::string& date, int months) {
  return format_date(core::finance::add_months(parse_date(date), months));
}

constexpr const char* kAssessmentColumns =
    "id, questionnaire_version, score, level, lowest_category, lowest_reasons, assessed_on, expires_on, created_at_ms, "
    "questionnaire_sha256";
Assessment assessment_of(const Row& r) {
  const int level = static_cast<int>(r.int64(3));
  return Assessment{r.string(0),        r.string(1),     static_cast<int>(r.int64(2)), level_name(level),
                    level_title(level), r.int64(4) != 0, list_of(r.string(5)),         r.string(6),
                    r.string(7),        core::utc_timestamp_ms(r.int64(8)),  r.text(9)};
}

constexpr const char* kWarningColumns =
    "id, customer_id, product_code, product_name, product_risk, customer_level, text, text_version, issued_at_ms, "
    "signed_at_ms, assessment_id";
Warning warning_of(const Row& r) {
  Warning w{r.string(0),
            r.string(1),
            r.string(2),
            r.string(3),
            risk_name(static_cast<int>(r.int64(4))),
            level_name(static_cast<int>(r.int64(5))),
            r.string(6),
            r.string(7),
            core::utc_timestamp_ms(r.int64(8)),
            r.is_null(9) ? "issued" : "signed",
            std::nullopt};
  if (!r.is_null(9)) w.signed_at = core::utc_timestamp_ms(r.int64(9));
  return w;
}

constexpr const char* kApplicationColumns =
    "id, customer_id, kind, financial_assets_units, average_income_units, experience_years, evidence, state, "
    "submitted_at_ms, reviewed_by, "
    "reviewed_at_ms, review_comment, valid_until";
Application application_of(const Row& r) {
  Application a{r.string(0),
                r.string(1),
                r.string(2),
                Money::from_units(r.int64(3)),
                Money::from_units(r.int64(4)),
                static_cast<int>(r.int64(5)),
                list_of(r.string(6)),
                r.string(7),
                core::utc_timestamp_ms(r.int64(8)),
                r.text(9),
                std::nullopt,
                r.text(11),
                r.text(12)};
  if (!r.is_null(10)) a.reviewed_at = core::utc_timestamp_ms(r.int64(10));
  return a;
}

}  // namespace

void SuitabilityBook::audit(Tx& tx, const Actor& who, const std::string& action, const std::string& subject,
                            const std::string& detail, std::int64_t now_ms, const std::string& customer) const {
  trail_.record(tx, {"", now_ms, who.id, customer, action, subject, detail, who.address, who.trace_id});
}

Result<core::storage::AuditPage> SuitabilityBook::audit_page(Tx& tx, const core::storage::AuditQuery& query) const {
  return trail_.page(tx, query, "SUIT");
}

Result<Assessment> SuitabilityBook::assess(Tx& tx, const std::string& customer, const AssessmentIn& in,
                                           const core::finance::BusinessTime& now, const Actor& who) const {
  if (in.version != questionnaire_.version)
    return Refusal{409, "SUIT_QUESTIONNAIRE_OUTDATED",
                   fmt::format("问卷已更新为版本 {}，请刷新后重新作答", questionnaire_.version)};
  const std::string today = format_date(now.date);
  const auto done_today =
      tx.query("SELECT count(*) FROM suit_assessments WHERE customer_id = ? AND assessed_on = ?", {customer, today})
          .at(0)
          .int64(0);
  if (done_today >= s_.max_assessments_per_day)
    return Refusal{429, "SUIT_TOO_MANY_ASSESSMENTS",
                   fmt::format("每个交易日最多评估{}次，请明天再试", s_.max_assessments_per_day)};
  auto scored = score(questionnaire_, in.answers, s_.bands);
  if (auto* refusal = std::get_if<Refusal>(&scored)) return *refusal;
  const auto& s = std::get<Scored>(scored);
  boost::json::array answers;
  for (const auto& a : in.answers)
    answers.push_back(boost::json::object{{"question", a.question}, {"option", a.option}});
  const std::string id = new_id("SA");
  const auto now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  // The document answered is kept once, by its hash, with the assessment pointing at it: the
  // version string alone could name an edited text (BUSINESS §1: what the customer was shown).
  tx.exec(
      "INSERT INTO suit_questionnaires (sha256, version, document, first_used_at_ms) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (sha256) DO NOTHING",
      {document_sha256_, questionnaire_.version, document_, now_ms});
  tx.exec(
      "INSERT INTO suit_assessments (id, customer_id, questionnaire_version, answers, score, level, lowest_category, "
      "lowest_reasons, "
      "assessed_on, expires_on, created_at_ms, trace_id, questionnaire_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
      "?, ?, ?)",
      {id, customer, questionnaire_.version, boost::json::serialize(answers), std::int64_t{s.score},
       std::int64_t{s.level}, std::int64_t{s.lowest_category ? 1 : 0}, json_list(s.lowest_reasons), today,
       months_later(today, s_.validity_months), now_ms, who.trace_id, document_sha256_});
  audit(tx, who, "assessment.submitted", id,
        fmt::format("问卷 {}，得分 {}，风险承受能力 C{}{}", questionnaire_.version, s.score, s.level,
                    s.lowest_category ? "（最低类别）" : ""),
        now_ms, customer);
  return assessment_of(
      tx.query(std::string("SELECT ") + kAssessmentColumns + " FROM suit_assessments WHERE id = ?", {id}).at(0));
}

Profile SuitabilityBook::domain_profile(Tx& tx, const std::string& customer, const std::string& today,
                                        std::string* assessment_id, int* score, ProfileView* view) const {
  Profile p;
  // The latest assessment and the approved investor applications, asked together.
  const auto found = tx.query_all(
      {{std::string("SELECT ") + kAssessmentColumns +
            " FROM suit_assessments WHERE customer_id = ? ORDER BY created_at_ms DESC, id DESC LIMIT 1",
        {customer}},
       {"SELECT kind, max(valid_until) FROM suit_applications WHERE customer_id = ? AND state = 'approved' AND "
        "valid_until > ? GROUP BY kind",
        {customer, today}}});
  const auto& latest = found[0];
  if (!latest.empty()) {
    const auto a = assessment_of(latest.at(0));
    p.assessed = true;
    p.level = static_cast<int>(latest.at(0).int64(3));
    p.lowest_category = a.lowest_category;
    p.assessed_on = a.assessed_on;
    p.expires_on = a.expires_on;
    if (assessment_id) *assessment_id = a.id;
    if (score) *score = a.score;
  }
  for (const auto& r : found[1]) {
    if (r.string(0) == "professional") {
      p.professional = true;
      if (view) view->professional_until = r.string(1);
    } else if (r.string(0) == "qualified") {
      p.qualified = true;
      if (view) view->qualified_until = r.string(1);
    }
  }
  return p;
}

ProfileView SuitabilityBook::profile(Tx& tx, const std::string& customer, const std::string& today) const {
  ProfileView v;
  v.customer_id = customer;
  std::string assessment_id;
  int score = 0;
  const auto p = domain_profile(tx, customer, today, &assessment_id, &score, &v);
  v.assessed = p.assessed;
  if (p.assessed) {
    v.expired = !(today < p.expires_on);
    v.level = level_name(p.level);
    v.level_title = level_title(p.level);
    v.level_number = p.level;
    v.lowest_category = p.lowest_category;
    v.score = score;
    v.assessment_id = assessment_id;
    v.assessed_on = p.assessed_on;
    v.expires_on = p.expires_on;
  }
  v.investor_type = p.professional ? "professional" : "ordinary";
  v.qualified = p.qualified || p.professional;
  const auto done =
      tx.query("SELECT count(*) FROM suit_assessments WHERE customer_id = ? AND assessed_on = ?", {customer, today})
          .at(0)
          .int64(0);
  v.assessments_left_today = static_cast<int>(std::max<std::int64_t>(0, s_.max_assessments_per_day - done));
  return v;
}

AssessmentList SuitabilityBook::assessments(Tx& tx, const std::string& customer) const {
  AssessmentList out;
  for (const auto& r :
       tx.query(std::string("SELECT ") + kAssessmentColumns +
                    " FROM suit_assessments WHERE customer_id = ? ORDER BY created_at_ms DESC, id DESC LIMIT 50",
                {customer}))
    out.items.push_back(assessment_of(r));
  return out;
}

MatchOut SuitabilityBook::match(Tx& tx, const MatchIn& in, const std::string& today, std::int64_t now_ms) const {
  std::string assessment_id;
  const auto p = domain_profile(tx, in.customer_id, today, &assessment_id, nullptr, nullptr);
  const auto d = suitability::match(p, in.product, today);
  MatchOut out{d.outcome,   d.rule, d.reason, p.assessed ? level_name(p.level) : "", risk_name(in.product.risk),
               std::nullopt};
  if (d.outcome != "warn" || !in.warning_id) return out;
  // A signed warning turns a warn into an allow — for this customer, product, risk level and
  // assessment, within its validity.
  auto rows = tx.query(std::string("SELECT ") + kWarningColumns + " FROM suit_warnings WHERE id = ?", {*in.warning_id});
  auto refuse = [&](const char* rule, std::string reason) {
    out.outcome = "refuse";
    out.rule = rule;
    out.reason = std::move(reason);
    return out;
  };
  if (rows.empty() || rows.at(0).string(1) != in.customer_id || rows.at(0).string(2) != in.product.code ||
      rows.at(0).int64(4) != in.product.risk)
    return refuse("SUIT_WARNING_INVALID", "特别风险警示书与本次购买的产品不符，请重新阅读并签署");
  const auto& w = rows.at(0);
  if (w.string(10) != assessment_id || w.int64(5) != p.level)
    return refuse("SUIT_WARNING_INVALID", "您的风险等级已变化，请重新阅读并签署特别风险警示书");
  if (w.is_null(9)) return refuse("SUIT_WARNING_NOT_SIGNED", "请先阅读并签署特别风险警示书");
  if (now_ms - w.int64(9) > std::chrono::duration_cast<std::chrono::milliseconds>(s_.warning_validity).count())
    return refuse("SUIT_WARNING_EXPIRED", "特别风险警示书已超过有效期，请重新阅读并签署");
  out.outcome = "allow";
  out.rule = "SUIT_WARNING_SIGNED";
  out.reason = fmt::format("您已签署特别风险警示书（{}），确认购买高于您风险等级的产品", w.string(0));
  out.warning_id = w.string(0);
  return out;
}

Result<Warning> SuitabilityBook::issue_warning(Tx& tx, const WarningIn& in, const std::string& service,
                                               const std::string& today, std::int64_t now_ms,
                                               const std::string& trace_id) const {
  if (auto bad = check_terms(in.product)) return *bad;
  std::string assessment_id;
  const auto p = domain_profile(tx, in.customer_id, today, &assessment_id, nullptr, nullptr);
  const auto d = suitability::match(p, in.product, today);
  if (d.outcome == "refuse") return Refusal{403, d.rule, d.reason};
  if (d.outcome == "allow") return Refusal{409, "SUIT_WARNING_NOT_NEEDED", d.reason};
  const std::string id = new_id("SW"), text = warning_text(p, in.product);
  tx.exec(
      "INSERT INTO suit_warnings (id, customer_id, assessment_id, customer_level, product_code, product_name, "
      "product_risk, issued_by, text, "
      "text_version, text_sha256, issued_at_ms, trace_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {id, in.customer_id, assessment_id, std::int64_t{p.level}, in.product.code, in.product.name,
       std::int64_t{in.product.risk}, service, text, std::string(kWarningVersion), core::sha256_hex(text), now_ms,
       trace_id});
  return warning(tx, id, "");
}

Result<Warning> SuitabilityBook::warning(Tx& tx, const std::string& id, const std::string& customer) const {
  auto rows = tx.query(std::string("SELECT ") + kWarningColumns + " FROM suit_warnings WHERE id = ?", {id});
  if (rows.empty() || (!customer.empty() && rows.at(0).string(1) != customer))
    return Refusal{404, "SUIT_WARNING_NOT_FOUND", "特别风险警示书不存在"};
  return warning_of(rows.at(0));
}

Result<Warning> SuitabilityBook::sign(Tx& tx, const std::string& id, const SignIn& in, const Actor& customer,
                                      std::int64_t now_ms) const {
  auto w = warning(tx, id, customer.id);
  if (std::holds_alternative<Refusal>(w)) return w;
  if (!in.agree) return Refusal{400, "SUIT_SIGNATURE_REQUIRED", "请确认已阅读并理解特别风险警示书"};
  if (std::get<Warning>(w).state == "signed") return w;  // signing twice changes nothing
  if (tx.exec("UPDATE suit_warnings SET signed_at_ms = ?, signed_session = ?, signed_address = ? WHERE id = ? AND "
              "signed_at_ms IS NULL",
              {now_ms, customer.session, customer.address, id}) > 0)
    audit(tx, customer, "warning.signed", id,
          fmt::format("{}（{}）", std::get<Warning>(w).product_name, std::get<Warning>(w).product_code), now_ms, customer.id);
  return warning(tx, id, customer.id);
}

Result<Application> SuitabilityBook::apply(Tx& tx, const std::string& customer, const ApplicationIn& in,
                                           std::int64_t now_ms, const Actor& who) const {
  Declaration d{in.kind, in.financial_assets, in.average_income, in.experience_years};
  if (auto bad = check_declaration(d, s_.thresholds)) return *bad;
  if (in.evidence.empty() || in.evidence.size() > 10)
    return Refusal{400, "SUIT_EVIDENCE_REQUIRED", "请提供1至10项证明材料"};
  for (const auto& e : in.evidence)
    if (e.empty() || e.size() > 200) return Refusal{400, "SUIT_EVIDENCE_REQUIRED", "每项证明材料的说明应为1至200字节"};
  if (!tx.query("SELECT id FROM suit_applications WHERE customer_id = ? AND kind = ? AND state = 'pending'",
                {customer, in.kind})
           .empty())
    return Refusal{409, "SUIT_APPLICATION_PENDING", "您已有一份同类申请正在审核中"};
  const std::string id = new_id("PA");
  tx.exec(
      "INSERT INTO suit_applications (id, customer_id, kind, financial_assets_units, average_income_units, "
      "experience_years, evidence, "
      "state, submitted_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
      {id, customer, in.kind, in.financial_assets.units(), in.average_income.units(), std::int64_t{in.experience_years},
       json_list(in.evidence), now_ms});
  audit(tx, who, "application.submitted", id,
        fmt::format("{}，证明材料 {} 项", in.kind == "professional" ? "专业投资者" : "合格投资者", in.evidence.size()), now_ms,
        customer);
  return application_of(
      tx.query(std::string("SELECT ") + kApplicationColumns + " FROM suit_applications WHERE id = ?", {id}).at(0));
}

ApplicationList SuitabilityBook::applications_of(Tx& tx, const std::string& customer) const {
  ApplicationList out;
  for (const auto& r :
       tx.query(std::string("SELECT ") + kApplicationColumns +
                    " FROM suit_applications WHERE customer_id = ? ORDER BY submitted_at_ms DESC, id DESC LIMIT 50",
                {customer}))
    out.items.push_back(application_of(r));
  return out;
}

Result<ApplicationList> SuitabilityBook::applications(Tx& tx, const std::string& state, const std::string& cursor,
                                                      std::int64_t limit) const {
  if (state != "pending" && state != "approved" && state != "rejected")
    return Refusal{400, "SUIT_BAD_PARAM", "state 应为 pending、approved 或 rejected"};
  // Oldest first (a review queue); the cursor is the last row's "<submitted_at_ms>_<id>".
  std::int64_t after_ms = -1;
  std::string after_id;
  if (!cursor.empty()) {
    const auto sep = cursor.find('_');
    try {
      if (sep == std::string::npos) throw std::invalid_argument("cursor");
      after_ms = std::stoll(cursor.substr(0, sep));
      after_id = cursor.substr(sep + 1);
    } catch (const std::exception&) {
      return Refusal{400, "SUIT_BAD_PARAM", "cursor 无效"};
    }
  }
  auto rows = tx.query(
      std::string("SELECT ") + kApplicationColumns +
          " FROM suit_applications WHERE state = ? AND (submitted_at_ms > ? OR (submitted_at_ms = ? AND id > ?)) "
          "ORDER BY submitted_at_ms, id LIMIT ?",
      {state, after_ms, after_ms, after_id, limit + 1});
  ApplicationList out;
  for (std::size_t i = 0; i < rows.size() && static_cast<std::int64_t>(i) < limit; ++i)
    out.items.push_back(application_of(rows.at(i)));
  if (static_cast<std::int64_t>(rows.size()) > limit)
    out.next_cursor = fmt::format("{}_{}", rows.at(static_cast<std::size_t>(limit - 1)).int64(8), out.items.back().id);
  return out;
}

std::optional<Application> SuitabilityBook::application(Tx& tx, const std::string& id) const {
  auto rows = tx.query(std::string("SELECT ") + kApplicationColumns + " FROM suit_applications WHERE id = ?", {id});
  if (rows.empty()) return std::nullopt;
  return application_of(rows.at(0));
}

void SuitabilityBook::warning_viewed(Tx& tx, const Actor& staff, const Warning& warning, std::int64_t now_ms) const {
  audit(tx, staff, "warning.viewed", warning.id, warning.product_code, now_ms, warning.customer_id);
}

void SuitabilityBook::profile_viewed(Tx& tx, const Actor& staff, const std::string& customer_id, std::int64_t now_ms) const {
  audit(tx, staff, "profile.viewed", customer_id, "查看客户适当性信息", now_ms, customer_id);
}

void SuitabilityBook::evidence_viewed(Tx& tx, const Actor& staff, const Application& application,
                                      const std::string& evidence, std::int64_t now_ms) const {
  audit(tx, staff, "application.evidence_viewed", application.id, evidence, now_ms, application.customer_id);
}

Result<Application> SuitabilityBook::decide(Tx& tx, const std::string& id, const DecisionIn& in, const Actor& staff,
                                            const std::string& today, std::int64_t now_ms) const {
  auto rows = tx.query(std::string("SELECT ") + kApplicationColumns + " FROM suit_applications WHERE id = ?", {id});
  if (rows.empty()) return Refusal{404, "SUIT_APPLICATION_NOT_FOUND", "申请不存在"};
  const auto a = application_of(rows.at(0));
  if (a.state != "pending") return Refusal{409, "SUIT_APPLICATION_DECIDED", "该申请已审核，不能重复审核"};
  if (in.comment.size() > 500) return Refusal{400, "SUIT_COMMENT_INVALID", "审核意见最多500字节"};
  if (!in.approve && in.comment.empty()) return Refusal{400, "SUIT_COMMENT_INVALID", "驳回申请请填写原因"};
  if (in.approve)
    if (auto bad = check_declaration({a.kind, a.financial_assets, a.average_income, a.experience_years}, s_.thresholds))
      return *bad;
  const auto valid_until =
      in.approve ? std::optional<std::string>(months_later(today, s_.approval_validity_months)) : std::nullopt;
  tx.exec(
      "UPDATE suit_applications SET state = ?, reviewed_by = ?, reviewed_at_ms = ?, review_comment = ?, valid_until = "
      "? WHERE id = ? AND "
      "state = 'pending'",
      {std::string(in.approve ? "approved" : "rejected"), staff.id, now_ms, in.comment,
       valid_until ? core::storage::Param{*valid_until} : core::storage::Param{core::storage::Null{}}, id});
  audit(tx, staff, in.approve ? "application.approved" : "application.rejected", id,
        fmt::format("{}{}", a.kind == "professional" ? "专业投资者" : "合格投资者", in.comment.empty() ? "" : "：" + in.comment),
        now_ms, a.customer_id);
  return application_of(
      tx.query(std::string("SELECT ") + kApplicationColumns + " FROM suit_applications WHERE id = ?", {id}).at(0));
}

}  // namespace zt::platform::suitability
