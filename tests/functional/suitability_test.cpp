// Suitability on the real binary. Through the gateway, in both run modes: a customer answers the
// questionnaire (incomplete, outdated and too-frequent answers refused), is scored C3, lowest
// category, C3 again; the assessment expires when the (sandbox) clock passes its date; a
// professional-investor application is refused below the criteria, then reviewed by staff with
// reviews.approve only. Split (the service alone): selling services match a customer to products —
// allow, warn, refuse — issue the special risk warning, and a signed warning turns warn into allow
// for that product and that assessment only.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/util/digest.hpp"
#include "harness/business.hpp"
#include "harness/http.hpp"
#include "harness/platform.hpp"
#include "harness/zhongtai.hpp"

namespace zt::test {
namespace {

using namespace std::chrono_literals;

std::string f(const std::string& body, const std::string& name) { return json_field(body, name); }

std::string answers(const std::string& questionnaire, std::size_t pick,
                    const std::map<std::string, std::string>& overrides = {}, const std::string& version = "") {
  return questionnaire_answers(questionnaire, pick, overrides, version);
}

class Suitability : public ::testing::TestWithParam<Mode> {};

TEST_P(Suitability, CustomersAreAssessedAndStaffReviewInvestorApplications) {
  Platform p(GetParam());  // its own: the clock moves two years on
  const int port = p.port();
  p.pin_clock("2026-03-02T10:00:00+08:00");
  const auto me = customer_headers("C-suit-1");
  auto as = [&](const std::string& method, const std::string& path, const std::string& body = "") {
    return http_request(port, method, path, body, me);
  };
  auto q = http_get(port, "/api/suitability/v1/questionnaire");
  ASSERT_EQ(q.status, 200) << q.body;
  EXPECT_EQ(f(q.body, "version"), "2026-01");
  // The document's own fingerprint: kept with every assessment answered on it (issue 18, F17).
  const std::string document = f(q.body, "sha256");
  EXPECT_EQ(document.size(), 64u) << document;
  EXPECT_EQ(document.find_first_not_of("0123456789abcdef"), std::string::npos) << document;
  EXPECT_TRUE(refused(http_get(port, "/api/suitability/v1/me"), 401, "GATEWAY_UNAUTHENTICATED")) << "a customer's own profile needs a customer";
  EXPECT_TRUE(refused(http_request(port, "GET", "/api/suitability/v1/me", "", staff_headers()), 401, "SUIT_LOGIN_REQUIRED", "请先登录"))
      << "a staff member has no profile of their own";
  EXPECT_TRUE(refused(as("GET", "/api/suitability/v1/me/warnings/W-000000000000"), 404, "SUIT_WARNING_NOT_FOUND", "特别风险警示书不存在"));
  auto fresh = as("GET", "/api/suitability/v1/me");
  ASSERT_EQ(fresh.status, 200) << fresh.body;
  EXPECT_NE(fresh.body.find(R"("assessed":false)"), std::string::npos);
  EXPECT_NE(fresh.body.find(R"("assessments_left_today":3)"), std::string::npos);

  // Refused answers leave no assessment behind.
  auto partial = boost::json::parse(answers(q.body, 1)).as_object();
  partial["answers"].as_array().pop_back();
  auto incomplete = as("POST", "/api/suitability/v1/me/assessments", boost::json::serialize(partial));
  EXPECT_EQ(incomplete.status, 400);
  EXPECT_EQ(f(incomplete.body, "code"), "SUIT_ANSWERS_INCOMPLETE");
  EXPECT_EQ(f(incomplete.body, "message"), "请回答全部题目，尚未回答：O2");
  auto outdated = as("POST", "/api/suitability/v1/me/assessments", answers(q.body, 1, {}, "2025-01"));
  EXPECT_EQ(outdated.status, 409);
  EXPECT_EQ(f(outdated.body, "code"), "SUIT_QUESTIONNAIRE_OUTDATED");
  EXPECT_EQ(
      as("POST", "/api/suitability/v1/me/assessments", R"({"version": "2026-01", "answers": [{"question": "F1"}]})")
          .status,
      400)
      << "checked against the OpenAPI document";

  auto c3 = as("POST", "/api/suitability/v1/me/assessments", answers(q.body, 1));
  ASSERT_EQ(c3.status, 200) << c3.body;
  EXPECT_EQ(f(c3.body, "level"), "C3");
  EXPECT_EQ(f(c3.body, "level_title"), "稳健型");
  EXPECT_EQ(f(c3.body, "score"), "49");
  EXPECT_EQ(f(c3.body, "assessed_on"), "2026-03-02");
  EXPECT_EQ(f(c3.body, "expires_on"), "2028-03-02");
  EXPECT_EQ(f(c3.body, "questionnaire_version"), "2026-01");
  EXPECT_EQ(f(c3.body, "questionnaire_sha256"), document) << "the exact text answered, not only its version";
  auto lowest = as("POST", "/api/suitability/v1/me/assessments", answers(q.body, 9, {{"R1", "A"}}));
  ASSERT_EQ(lowest.status, 200) << lowest.body;
  EXPECT_EQ(f(lowest.body, "level"), "C1");
  EXPECT_EQ(f(lowest.body, "score"), "95");
  EXPECT_NE(lowest.body.find(R"("lowest_category":true)"), std::string::npos);
  EXPECT_NE(lowest.body.find("不能承受任何损失"), std::string::npos);
  ASSERT_EQ(as("POST", "/api/suitability/v1/me/assessments", answers(q.body, 1)).status, 200);
  auto fourth = as("POST", "/api/suitability/v1/me/assessments", answers(q.body, 9));
  EXPECT_EQ(fourth.status, 429);
  EXPECT_EQ(f(fourth.body, "code"), "SUIT_TOO_MANY_ASSESSMENTS");
  auto history = as("GET", "/api/suitability/v1/me/assessments");
  EXPECT_EQ(boost::json::parse(history.body).at("items").as_array().size(), 3u) << "every assessment is kept";
  const auto kept = boost::json::parse(history.body);
  for (const auto& item : kept.at("items").as_array())
    EXPECT_EQ(std::string(item.at("questionnaire_sha256").as_string()), document);
  auto profile = as("GET", "/api/suitability/v1/me");
  EXPECT_EQ(f(profile.body, "level"), "C3");
  EXPECT_NE(profile.body.find(R"("expired":false)"), std::string::npos);
  EXPECT_NE(profile.body.find(R"("assessments_left_today":0)"), std::string::npos);

  // Staff read a customer's profile with customers.read.
  EXPECT_EQ(http_request(port, "GET", "/api/suitability/v1/customers/C-suit-1", "",
                         {{"authorization", "Bearer " + staff_token({"audit.read"})}})
                .status,
            403);
  EXPECT_EQ(f(http_request(port, "GET", "/api/suitability/v1/customers/C-suit-1", "",
                           {{"authorization", "Bearer " + staff_token({"customers.read"})}})
                  .body,
              "level"),
            "C3");

  // Professional investor: the declared figures must meet the criteria; staff review the evidence.
  auto short_of = as(
      "POST", "/api/suitability/v1/me/applications",
      R"({"kind": "professional", "financial_assets": "1000000.00", "average_income": "200000.00", "experience_years": 5, "evidence": ["资产证明"]})");
  EXPECT_EQ(short_of.status, 422);
  std::string long_evidence;
  for (int i = 0; i < 70; ++i) long_evidence += "证";
  EXPECT_TRUE(refused(as("POST", "/api/suitability/v1/me/applications",
                         R"({"kind": "professional", "financial_assets": "6000000.00", "average_income": "300000.00", "experience_years": 3, "evidence": [")" + long_evidence + R"("]})"),
                      400, "SUIT_EVIDENCE_REQUIRED", "每项证明材料的说明应为1至200字节"))
      << "70 characters pass the document's 200, 210 bytes do not pass the store's";
  EXPECT_EQ(f(short_of.body, "message"),
            "认定专业投资者需金融资产不低于5000000.00元，或最近3年个人年均收入不低于500000.00元");
  // Evidence uploaded as files: checked for what they claim to be, kept sealed, named by id.
  const std::string png = std::string("\x89PNG\r\n\x1A\n", 8) + std::string(600, '\x07');
  auto upload = [&](const std::string& name, const std::string& type, const std::string& bytes) {
    return as("POST", "/api/suitability/v1/me/evidence",
              R"({"name": ")" + name + R"(", "content_type": ")" + type + R"(", "data": ")" + core::base64_encode(bytes) + R"("})");
  };
  auto statement = upload("资产证明.png", "image/png", png);
  ASSERT_EQ(statement.status, 200) << statement.body;
  const std::string evidence_id = f(statement.body, "id");
  EXPECT_EQ(evidence_id.size(), 18u) << evidence_id;
  EXPECT_EQ(f(statement.body, "size"), "608");
  EXPECT_EQ(f(statement.body, "sha256"), core::sha256_hex(png));
  EXPECT_TRUE(refused(upload("x.pdf", "application/pdf", png), 400, "SUIT_EVIDENCE_INVALID", "文件内容与类型不符，请上传JPEG、PNG图片或PDF文件"));
  EXPECT_TRUE(refused(as("POST", "/api/suitability/v1/me/evidence", R"({"name": "a.png", "content_type": "image/png", "data": "!!!!"})"), 400,
                      "SUIT_EVIDENCE_INVALID", "文件内容无法读取（应为base64编码）"));
  EXPECT_TRUE(refused(upload("big.png", "image/png", png + std::string(720 * 1024, '\x01')), 413, "SUIT_EVIDENCE_TOO_LARGE",
                      "单个文件不能超过700KB，请压缩后重新上传"));
  EXPECT_TRUE(refused(upload("a.gif", "image/gif", png), 400, "GATEWAY_INVALID_REQUEST")) << "the declared types only";
  // Twenty kept files a day (the first above included; refused ones do not count), then 429.
  for (int i = 2; i <= 20; ++i) ASSERT_EQ(upload("p" + std::to_string(i) + ".png", "image/png", png).status, 200) << i;
  EXPECT_TRUE(refused(upload("p21.png", "image/png", png), 429, "SUIT_TOO_MANY_EVIDENCE", "今日已上传20份证明材料，请明日再试"));
  // Another customer cannot name it in their application.
  auto other = http_request(port, "POST", "/api/suitability/v1/me/applications",
                            R"({"kind": "qualified", "financial_assets": "3500000.00", "average_income": "0.00", "experience_years": 1, "evidence": [")" +
                                evidence_id + R"("]})",
                            customer_headers("C-suit-2"));
  EXPECT_TRUE(refused(other, 400, "SUIT_EVIDENCE_UNKNOWN")) << other.body;
  const std::string good =
      R"({"kind": "professional", "financial_assets": "6000000.00", "average_income": "300000.00", "experience_years": 3, "evidence": ["2026年2月资产证明", ")" +
      evidence_id + R"("]})";
  auto applied = as("POST", "/api/suitability/v1/me/applications", good);
  ASSERT_EQ(applied.status, 200) << applied.body;
  EXPECT_EQ(f(applied.body, "state"), "pending");
  const std::string app_id = f(applied.body, "id");
  EXPECT_EQ(f(as("POST", "/api/suitability/v1/me/applications", good).body, "code"), "SUIT_APPLICATION_PENDING");
  EXPECT_EQ(as("GET", "/api/suitability/v1/applications").status, 403) << "a customer token is not a staff token";
  const auto reviewer =
      std::map<std::string, std::string>{{"authorization", "Bearer " + staff_token({"reviews.approve"})}};
  EXPECT_EQ(http_request(port, "GET", "/api/suitability/v1/applications", "",
                         {{"authorization", "Bearer " + staff_token({"customers.read"})}})
                .status,
            403);
  auto queue = http_request(port, "GET", "/api/suitability/v1/applications?state=pending", "", reviewer);
  ASSERT_EQ(queue.status, 200) << queue.body;
  EXPECT_NE(queue.body.find(app_id), std::string::npos);
  // The reviewer opens the uploaded file through the application (audited, never cached).
  const std::string file_path = "/api/suitability/v1/applications/" + app_id + "/evidence/" + evidence_id;
  auto file = http_request(port, "GET", file_path, "", reviewer);
  ASSERT_EQ(file.status, 200) << file.body;
  EXPECT_EQ(file.body, png) << "the bytes as uploaded";
  EXPECT_EQ(file.headers["content-type"], "image/png");
  EXPECT_EQ(file.headers["cache-control"], "no-store");
  EXPECT_EQ(file.headers["x-content-type-options"], "nosniff");
  EXPECT_TRUE(refused(http_request(port, "GET", file_path, "", {{"authorization", "Bearer " + staff_token({"customers.read"})}}), 403,
                      "GATEWAY_FORBIDDEN"));
  EXPECT_TRUE(refused(as("GET", file_path), 403, "GATEWAY_FORBIDDEN")) << "not even the customer, here";
  EXPECT_TRUE(refused(http_request(port, "GET", "/api/suitability/v1/applications/" + app_id + "/evidence/EV0000000000000000", "", reviewer),
                      404, "SUIT_EVIDENCE_NOT_FOUND", "该申请没有这份证明材料"));
  const std::string decide = "/api/suitability/v1/applications/" + app_id + "/decision";
  EXPECT_TRUE(refused(http_request(port, "POST", decide, R"({"approve": false, "comment": ""})", reviewer), 400, "SUIT_COMMENT_INVALID",
                      "驳回申请请填写原因"));
  EXPECT_TRUE(refused(http_request(port, "POST", "/api/suitability/v1/applications/" + app_id + "9/decision",
                                   R"({"approve": true, "comment": "材料齐全"})", reviewer),
                      404, "SUIT_APPLICATION_NOT_FOUND", "申请不存在"));
  EXPECT_TRUE(refused(http_request(port, "GET", "/api/suitability/v1/applications?state=pending&cursor=garbage", "", reviewer), 400,
                      "SUIT_BAD_PARAM", "cursor 无效"));
  EXPECT_NE(http_request(port, "GET", "/api/suitability/v1/applications?state=pending", "", reviewer).body.find(app_id), std::string::npos)
      << "still pending after the refusals";
  auto approved = http_request(port, "POST", decide, R"({"approve": true, "comment": "材料齐全"})", reviewer);
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(f(approved.body, "state"), "approved");
  EXPECT_EQ(f(approved.body, "reviewed_by"), "S-harness");
  EXPECT_EQ(f(approved.body, "valid_until"), "2028-03-02");
  EXPECT_EQ(f(http_request(port, "POST", decide, R"({"approve": false, "comment": "重复"})", reviewer).body, "code"),
            "SUIT_APPLICATION_DECIDED");
  profile = as("GET", "/api/suitability/v1/me");
  EXPECT_EQ(f(profile.body, "investor_type"), "professional");
  EXPECT_NE(profile.body.find(R"("qualified":true)"), std::string::npos);

  // Two years on, the assessment has expired (it stays on record).
  p.pin_clock("2028-03-02T09:00:00+08:00");
  profile = as("GET", "/api/suitability/v1/me");
  EXPECT_NE(profile.body.find(R"("expired":true)"), std::string::npos) << profile.body;
  EXPECT_EQ(f(profile.body, "investor_type"), "ordinary") << "the classification lapsed with it";
  EXPECT_NE(profile.body.find(R"("assessments_left_today":3)"), std::string::npos);
}

const std::string kSecret = "suitability-suite-secret-0123456789";

class SuitabilitySplit : public ::testing::Test {
 protected:
  HttpResponse service(const std::string& path, const std::string& body) {
    return http_request(z.port, "POST", path, body, service_headers("mall", "POST", path, kSecret, body));
  }
  HttpResponse customer(const std::string& who, const std::string& method, const std::string& path,
                        const std::string& body = "") {
    const core::http::Caller customer{core::http::CallerKind::kCustomer, who, {}, "sess-" + who};
    return http_request(z.port, method, path, body, edge_headers(customer, method, path, kSecret, body));
  }
  std::string match(const std::string& who, int risk, const std::string& warning = "",
                    const std::string& audience = "public", const std::string& code = "F00003") {
    return service("/api/suitability/v1/match",
                   R"({"customer_id": ")" + who + R"(", "product": {"code": ")" + code +
                       R"(", "name": "进取成长混合", "risk": )" + std::to_string(risk) + R"(, "audience": ")" +
                       audience + R"("})" + (warning.empty() ? "" : R"(, "warning_id": ")" + warning + R"(")") + "}")
        .body;
  }
  Zhongtai z{Env{{"ZT_NODE__INTERNAL_SECRET", kSecret}}, "suitability"};
};

TEST_F(SuitabilitySplit, SellingServicesMatchAndASignedWarningAllowsOneProductAboveTheLevel) {
  EXPECT_EQ(f(http_request(z.port, "POST", "/api/suitability/v1/match", "{}").body, "code"), "INTERNAL_IDENTITY_REQUIRED");
  const core::http::Caller anyone{};
  EXPECT_EQ(f(forwarded(z.port, "POST", "/api/suitability/v1/match", kSecret, "{}", anyone).body, "code"), "SUIT_SERVICE_ONLY")
      << "what a gateway forwards is never a service call";
  EXPECT_EQ(f(match("C-split-1", 1), "rule"), "SUIT_NOT_ASSESSED");
  const auto q = forwarded(z.port, "GET", "/api/suitability/v1/questionnaire", kSecret).body;
  ASSERT_EQ(customer("C-split-1", "POST", "/api/suitability/v1/me/assessments", answers(q, 1)).status, 200);

  EXPECT_EQ(f(match("C-split-1", 3), "outcome"), "allow");
  EXPECT_EQ(f(match("C-split-1", 3), "customer_level"), "C3");
  const auto warn = match("C-split-1", 4);
  EXPECT_EQ(f(warn, "outcome"), "warn");
  EXPECT_EQ(f(warn, "rule"), "SUIT_RISK_ABOVE_LEVEL");
  EXPECT_EQ(f(match("C-split-1", 3, "", "professional"), "rule"), "SUIT_PROFESSIONAL_ONLY");
  EXPECT_EQ(f(match("C-split-1", 3, "", "qualified"), "rule"), "SUIT_QUALIFIED_ONLY");
  EXPECT_EQ(
      f(service(
            "/api/suitability/v1/match",
            R"({"customer_id": "C-split-1", "product": {"code": "X", "name": "X", "risk": 6, "audience": "public"}})")
            .body,
        "code"),
      "SUIT_PRODUCT_INVALID")
      << "risk outside R1–R5 is the caller's error";

  // The warning: issued only when it applies; the customer reads and signs it.
  const std::string product =
      R"("product": {"code": "F00003", "name": "进取成长混合", "risk": 4, "audience": "public"})";
  auto not_needed = service(
      "/api/suitability/v1/warnings",
      R"({"customer_id": "C-split-1", "product": {"code": "F00001", "name": "稳健", "risk": 2, "audience": "public"}})");
  EXPECT_EQ(not_needed.status, 409);
  EXPECT_EQ(f(not_needed.body, "code"), "SUIT_WARNING_NOT_NEEDED");
  auto issued = service("/api/suitability/v1/warnings", R"({"customer_id": "C-split-1", )" + product + "}");
  ASSERT_EQ(issued.status, 200) << issued.body;
  const std::string warning = f(issued.body, "id");
  EXPECT_EQ(f(issued.body, "state"), "issued");
  EXPECT_NE(f(issued.body, "text").find("风险等级为R4（中高风险），高于您的风险承受能力"), std::string::npos);
  EXPECT_EQ(f(match("C-split-1", 4, warning), "rule"), "SUIT_WARNING_NOT_SIGNED");
  EXPECT_EQ(customer("C-split-2", "GET", "/api/suitability/v1/me/warnings/" + warning).status, 404)
      << "another customer's warning is not theirs";
  const std::string sign = "/api/suitability/v1/me/warnings/" + warning + "/signature";
  EXPECT_EQ(f(customer("C-split-1", "POST", sign, R"({"agree": false})").body, "code"), "SUIT_SIGNATURE_REQUIRED");
  auto signed_ = customer("C-split-1", "POST", sign, R"({"agree": true})");
  ASSERT_EQ(signed_.status, 200) << signed_.body;
  EXPECT_EQ(f(signed_.body, "state"), "signed");
  EXPECT_EQ(customer("C-split-1", "POST", sign, R"({"agree": true})").body, signed_.body)
      << "signing twice changes nothing";
  // Staff (customers.read) read it back, signed, with the text the customer saw.
  const core::http::Caller reader{core::http::CallerKind::kStaff, "S-reader", {"operations"}, "ses-r", {"customers.read"}};
  const std::string staff_view = "/api/suitability/v1/warnings/" + warning;
  auto seen = forwarded(z.port, "GET", staff_view, kSecret, "", reader);
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_EQ(f(seen.body, "state"), "signed");
  EXPECT_EQ(f(seen.body, "text"), f(issued.body, "text"));
  EXPECT_TRUE(refused(forwarded(z.port, "GET", staff_view, kSecret, "", staff_caller({"governance.read"})), 403, "GATEWAY_FORBIDDEN"));
  // Who looked at this customer: the staff member's reads of the warning and of the profile are in
  // the trail under the customer; a service's read is not (it audits what it does itself).
  ASSERT_EQ(forwarded(z.port, "GET", "/api/suitability/v1/customers/C-split-1", kSecret, "", reader).status, 200);
  auto trail = forwarded(z.port, "GET", "/api/suitability/v1/audit?customer=C-split-1&actor=S-reader", kSecret, "",
                         staff_caller({"audit.read"}));
  ASSERT_EQ(trail.status, 200) << trail.body;
  EXPECT_NE(trail.body.find(R"("action":"warning.viewed")"), std::string::npos) << trail.body;
  EXPECT_NE(trail.body.find(R"("action":"profile.viewed")"), std::string::npos) << trail.body;

  auto allowed = match("C-split-1", 4, warning);
  EXPECT_EQ(f(allowed, "outcome"), "allow");
  EXPECT_EQ(f(allowed, "rule"), "SUIT_WARNING_SIGNED");
  EXPECT_EQ(f(allowed, "warning_id"), warning);
  EXPECT_EQ(f(match("C-split-1", 4, warning, "public", "F00004"), "rule"), "SUIT_WARNING_INVALID")
      << "for that product only";
  EXPECT_EQ(f(match("C-split-2", 4, warning), "rule"), "SUIT_NOT_ASSESSED");

  // A new assessment (the lowest category) voids the warning and refuses the product outright.
  ASSERT_EQ(customer("C-split-1", "POST", "/api/suitability/v1/me/assessments", answers(q, 1, {{"O1", "A"}})).status,
            200);
  auto refused = match("C-split-1", 4, warning);
  EXPECT_EQ(f(refused, "outcome"), "refuse");
  EXPECT_EQ(f(refused, "rule"), "SUIT_LOWEST_CATEGORY");
  auto no_warning = service("/api/suitability/v1/warnings", R"({"customer_id": "C-split-1", )" + product + "}");
  EXPECT_EQ(no_warning.status, 403);
  EXPECT_EQ(f(no_warning.body, "code"), "SUIT_LOWEST_CATEGORY");
  ASSERT_EQ(customer("C-split-1", "POST", "/api/suitability/v1/me/assessments", answers(q, 1)).status, 200);
  EXPECT_EQ(f(match("C-split-1", 4, warning), "rule"), "SUIT_WARNING_INVALID")
      << "signed under another assessment, though C3 again";
}

INSTANTIATE_TEST_SUITE_P(BothModes, Suitability, ::testing::Values(Mode::kAll, Mode::kSplit), mode_name);

}  // namespace
}  // namespace zt::test
