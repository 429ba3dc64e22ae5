// The notify service on the real binary: only our services may send (signed identity between
// processes), templates and recipients are checked, the sandbox outbox shows what a customer
// would have received — recipients masked, never stored or logged in clear, codes never logged.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>

#include "core/http/identity.hpp"
#include "core/util/digest.hpp"
#include "harness/fake_smtp.hpp"
#include "harness/http.hpp"
#include "harness/process.hpp"
#include "harness/zhongtai.hpp"

namespace zt::test {
namespace {

using namespace std::chrono_literals;

const std::string kSecret = "notify-test-secret-0123456789abcdef";
const std::string kPath = "/api/notify/v1/messages";

HttpResponse send_as(int port, const std::string& service, const std::string& body) {
  return http_request(port, "POST", kPath, body, service.empty() ? std::map<std::string, std::string>{} : service_headers(service, "POST", kPath, kSecret, body));
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Notify, ServicesSendAndTheSandboxOutboxShowsIt) {
  TempDir root{"zt-notify"};
  Zhongtai notify({{"ZT_NODE__INTERNAL_SECRET", kSecret}}, "notify", root.path());
  const std::string code_msg = R"({"channel": "sms", "recipient": "13800138000", "template_id": "login_code", "params": {"code": "604217"}})";

  // Outside callers cannot send: not unsigned, not as a gateway forwards them, not forged.
  auto anonymous = send_as(notify.port, "", code_msg);
  EXPECT_EQ(anonymous.status, 401) << anonymous.body;
  EXPECT_NE(anonymous.body.find("INTERNAL_IDENTITY_REQUIRED"), std::string::npos);
  auto edge = forwarded(notify.port, "POST", kPath, kSecret, code_msg, staff_caller({"sandbox.manage"}));
  EXPECT_EQ(edge.status, 403) << edge.body;
  EXPECT_NE(edge.body.find("NOTIFY_SERVICE_ONLY"), std::string::npos) << "staff through a gateway are no service";
  auto other = send_as(notify.port, "mall", code_msg);
  EXPECT_EQ(other.status, 403) << other.body;
  EXPECT_NE(other.body.find("CALLER_NOT_ALLOWED"), std::string::npos) << "a service the operation does not name";
  auto forged = http_request(notify.port, "POST", kPath, code_msg, {{"x-zt-identity", "v1.eyJzdmMiOiJhdXRoIn0=.00"}});
  EXPECT_EQ(forged.status, 401) << forged.body;

  auto sent = send_as(notify.port, "auth", code_msg);
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_NE(sent.body.find("\"provider\":\"sandbox\""), std::string::npos);
  EXPECT_NE(sent.body.find("\"recipient\":\"138****8000\""), std::string::npos);
  EXPECT_EQ(sent.body.find("604217"), std::string::npos) << "the answer never echoes the code";
  ASSERT_EQ(send_as(notify.port, "auth", R"({"channel": "sms", "recipient": "13800138000", "template_id": "login_code", "params": {"code": "118822"}})").status, 200);
  ASSERT_EQ(send_as(notify.port, "auth", R"({"channel": "sms", "recipient": "13900139000", "template_id": "login_code", "params": {"code": "555555"}})").status, 200);

  // Refusals in the error shape.
  const std::map<std::string, std::string> bad = {
      {R"({"channel": "sms", "recipient": "12345", "template_id": "login_code", "params": {"code": "604217"}})", "NOTIFY_BAD_RECIPIENT"},
      {R"({"channel": "sms", "recipient": "13800138000", "template_id": "nope", "params": {}})", "NOTIFY_UNKNOWN_TEMPLATE"},
      {R"({"channel": "sms", "recipient": "13800138000", "template_id": "login_code", "params": {"code": "12"}})", "NOTIFY_BAD_PARAMS"},
      {R"({"channel": "fax", "recipient": "13800138000", "template_id": "login_code"})", "NOTIFY_BAD_CHANNEL"},
      {R"({"channel": "sms"})", "INVALID_FIELD"},
  };
  for (const auto& [body, code] : bad) {
    auto r = send_as(notify.port, "auth", body);
    EXPECT_EQ(r.status, 400) << body << ": " << r.body;
    EXPECT_NE(r.body.find("\"code\":\"" + code + "\""), std::string::npos) << body << ": " << r.body;
  }

  // The observer's alerts are its own template, and it sends no other: neither a customer's code
  // from the observer nor an "alert" from another service.
  const std::string alert =
      R"({"channel": "sms", "recipient": "13700137000", "template_id": "alert", "params": {"text": "告警 服务 mall 平均响应时间 1.2 s"}})";
  EXPECT_TRUE(
      refused(send_as(notify.port, "auth", alert), 403, "NOTIFY_TEMPLATE_FORBIDDEN", "该服务不能使用此消息模板"));
  EXPECT_TRUE(refused(send_as(notify.port, "observer", code_msg), 403, "NOTIFY_TEMPLATE_FORBIDDEN"));
  auto alerted = send_as(notify.port, "observer", alert);
  ASSERT_EQ(alerted.status, 200) << alerted.body;
  EXPECT_EQ(json_field(alerted.body, "provider"), "sandbox") << "no SMTP server: the sandbox keeps it";

  // The outbox, for staff running the sandbox: newest first, per recipient, paged.
  const auto ops = staff_caller({"sandbox.manage"});
  auto outbox = [&](const std::string& query) {
    return forwarded(notify.port, "GET", "/api/notify/v1/outbox" + query, kSecret, "", ops);
  };
  auto box = outbox("?recipient=13800138000&limit=1");
  ASSERT_EQ(box.status, 200) << box.body;
  EXPECT_NE(box.body.find("118822"), std::string::npos) << box.body;
  EXPECT_EQ(box.body.find("604217"), std::string::npos) << "one per page";
  EXPECT_EQ(box.body.find("555555"), std::string::npos) << "another recipient's";
  EXPECT_NE(box.body.find("\"recipient\":\"138****8000\""), std::string::npos);
  EXPECT_NE(box.body.find("\"sender\":\"auth\""), std::string::npos);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(box.body, m, std::regex("\"next_cursor\":\"([^\"]+)\""))) << box.body;
  auto next = outbox("?recipient=13800138000&limit=1&cursor=" + std::string(m[1]));
  EXPECT_NE(next.body.find("604217"), std::string::npos) << next.body;
  EXPECT_EQ(outbox("?recipient=123").status, 400);
  EXPECT_EQ(outbox("?limit=0").status, 400);
  EXPECT_EQ(outbox("?cursor=x").status, 400);

  // Neither the number in clear nor a code anywhere in the log; the number not in the database.
  const std::string log = notify.process->log_text();
  for (const char* secret : {"13800138000", "604217", "118822", "555555"}) EXPECT_EQ(log.find(secret), std::string::npos) << secret;
  EXPECT_NE(log.find("138****8000"), std::string::npos) << "the masked form is what the log shows";
  std::string db_bytes;
  for (const auto& f : {"/data/notify.db", "/data/notify.db-wal"}) db_bytes += slurp(root.path() + f);
  ASSERT_FALSE(db_bytes.empty());
  EXPECT_EQ(db_bytes.find("13800138000"), std::string::npos) << "sealed at rest";
}

TEST(Notify, TheGatewayShowsTheOutboxToSandboxStaffOnlyAndNeverSends) {
  Zhongtai z;
  auto anonymous = http_get(z.port, "/api/notify/v1/outbox");
  EXPECT_EQ(anonymous.status, 401) << "a code in the outbox signs its number in: " << anonymous.body;
  EXPECT_NE(anonymous.body.find("GATEWAY_UNAUTHENTICATED"), std::string::npos);
  auto customer = http_request(z.port, "GET", "/api/notify/v1/outbox", "", customer_headers("C-outbox"));
  EXPECT_EQ(customer.status, 403) << customer.body;
  EXPECT_NE(customer.body.find("GATEWAY_FORBIDDEN"), std::string::npos);
  auto other_staff = http_request(z.port, "GET", "/api/notify/v1/outbox", "", staff_headers());
  EXPECT_EQ(other_staff.status, 403) << "staff without sandbox.manage: " << other_staff.body;
  EXPECT_EQ(http_request(z.port, "GET", "/api/notify/v1/outbox", "", sandbox_staff_headers()).status, 200);
  auto send = http_request(z.port, "POST", kPath, R"({"channel": "sms", "recipient": "13800138000", "template_id": "login_code", "params": {"code": "604217"}})",
                           sandbox_staff_headers());
  EXPECT_EQ(send.status, 403) << "sending is for services only, as when split: " << send.body;
  EXPECT_NE(send.body.find("NOTIFY_SERVICE_ONLY"), std::string::npos) << send.body;
  auto bad = http_request(z.port, "GET", "/api/notify/v1/outbox?channel=fax", "", sandbox_staff_headers());
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("GATEWAY_INVALID_REQUEST"), std::string::npos) << bad.body;
}

TEST(Notify, EmailGoesThroughTheSmtpServerAndItsFailuresAreSaid) {
  FakeSmtp smtp;
  const Env base{{"ZT_NODE__INTERNAL_SECRET", kSecret}, {"ZT_NOTIFY__PROVIDER", "http"}, {"ZT_NOTIFY__ENDPOINT", "http://127.0.0.1:9/sms"}};
  Env with_smtp = base;
  with_smtp["ZT_NOTIFY__SMTP_URL"] = "smtp://127.0.0.1:" + std::to_string(smtp.port());
  with_smtp["ZT_NOTIFY__SMTP_FROM"] = "noreply@broker.example";
  Zhongtai notify(with_smtp, "notify");
  const std::string mail = R"({"channel": "email", "recipient": "Wang.Wu@Example.com", "template_id": "notice", "params": {"text": "您的开户申请已通过审核"}})";
  auto sent = send_as(notify.port, "opening", mail);
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_EQ(json_field(sent.body, "provider"), "http");
  EXPECT_EQ(json_field(sent.body, "recipient"), "w***@example.com");
  const std::string message_id = json_field(sent.body, "id");
  EXPECT_NE(message_id.find("@broker.example>"), std::string::npos) << message_id;
  auto got = smtp.mails();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].from, "<noreply@broker.example>");
  ASSERT_EQ(got[0].to.size(), 1u);
  EXPECT_EQ(got[0].to[0], "<wang.wu@example.com>");
  EXPECT_NE(got[0].data.find("Message-ID: " + message_id), std::string::npos) << got[0].data;
  EXPECT_NE(got[0].data.find("Subject: =?UTF-8?B?" + core::base64_encode("中台证券通知") + "?="), std::string::npos) << got[0].data;
  EXPECT_NE(got[0].data.find(core::base64_encode("【中台证券】您的开户申请已通过审核")), std::string::npos) << "the text, base64";
  EXPECT_TRUE(refused(forwarded(notify.port, "GET", "/api/notify/v1/outbox", kSecret, "", staff_caller({"sandbox.manage"})), 404, "NOTIFY_NO_OUTBOX"))
      << "no outbox outside the sandbox";

  // The server refuses: said in Chinese, nothing claimed as sent.
  smtp.refuse_all = true;
  auto refused = send_as(notify.port, "opening", mail);
  EXPECT_EQ(refused.status, 502);
  EXPECT_EQ(json_field(refused.body, "code"), "NOTIFY_EMAIL_FAILED");
  EXPECT_EQ(json_field(refused.body, "message"), "邮件发送失败，请稍后重试");

  // No SMTP server configured: e-mail is unavailable, said so.
  Zhongtai no_smtp(base, "notify");
  auto unavailable = send_as(no_smtp.port, "opening", mail);
  EXPECT_EQ(unavailable.status, 503);
  EXPECT_EQ(json_field(unavailable.body, "code"), "NOTIFY_EMAIL_UNAVAILABLE");
}

}  // namespace
}  // namespace zt::test
