// Staff through the gateway on the real binary: `zhongtai admin create` makes the first admin
// (no default password anywhere) and prints a one-time enrolment; sign-in needs the password and
// a valid, unused TOTP; the initial password must be changed before any permission applies; the
// admin manages staff and roles; customers and reviewers cannot reach what is not theirs;
// lockout and unlock; disabling ends a staff member's sessions; every step is in the audit trail,
// which only holders of audit.read can query — and no password, secret or token in the log.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "core/crypto/totp.hpp"
#include "harness/http.hpp"
#include "harness/platform.hpp"
#include "harness/process.hpp"
#include "harness/zhongtai.hpp"

namespace zt::test {
namespace {

using namespace std::chrono_literals;

struct Enrolled {
  std::string username;
  std::string password;
  std::string secret;  // raw TOTP secret
};

std::string totp_now(const Enrolled& e, int steps_ahead = 0) {
  return core::crypto::totp_code(e.secret, now_s() + 30LL * steps_ahead);
}

HttpResponse call(int port, const std::string& method, const std::string& path, const std::string& body = "", const std::string& token = "") {
  std::map<std::string, std::string> h;
  if (!token.empty()) h["authorization"] = "Bearer " + token;
  return http_request(port, method, path, body, h);
}

HttpResponse staff_sign_in(int port, const std::string& user, const std::string& password, const std::string& totp) {
  return call(port, "POST", "/api/auth/v1/staff/sessions",
              R"({"username": )" + json_string(user) + R"(, "password": )" + json_string(password) + R"(, "totp": ")" + totp +
                  R"(", "device": "console"})");
}

// Signs in, changes the initial password, and refreshes to get the permissions: a ready session.
struct Session {
  std::string access;
  std::string refresh;
  std::string body;
};
Session ready_session(int port, Enrolled& e, int steps_ahead = 0) {
  auto in = staff_sign_in(port, e.username, e.password, totp_now(e, steps_ahead));
  EXPECT_EQ(in.status, 200) << in.body;
  EXPECT_EQ(json_field(in.body, "password_change_required"), "true");
  const std::string first = json_field(in.body, "access_token");
  const std::string fresh = "Better-" + e.password;
  auto changed = call(port, "POST", "/api/auth/v1/staff/me/password",
                      R"({"current_password": )" + json_string(e.password) + R"(, "new_password": )" + json_string(fresh) + "}", first);
  EXPECT_EQ(changed.status, 200) << changed.body;
  e.password = fresh;
  auto refreshed = call(port, "POST", "/api/auth/v1/tokens/refresh", R"({"refresh_token": ")" + json_field(in.body, "refresh_token") + R"("})");
  EXPECT_EQ(refreshed.status, 200) << refreshed.body;
  return {json_field(refreshed.body, "access_token"), json_field(refreshed.body, "refresh_token"), refreshed.body};
}

Enrolled from_json(const std::string& body) {
  auto secret = core::crypto::base32_decode(json_field(body, "totp_secret"));
  return {json_field(body, "username"), json_field(body, "initial_password"), secret.value_or("")};
}

class Staff : public ::testing::TestWithParam<Mode> {};

TEST_P(Staff, FirstAdminEnrolmentSignInPermissionsRolesLockoutAndAudit) {
  Platform p(GetParam(), Env{{"ZT_AUTH__MAX_TRIES", "3"}, {"ZT_AUTH__LOCKOUT_BASE", "60s"}, {"ZT_AUTH__RESEND_COOLDOWN", "1s"}});
  // The command line sees the auth service's own data: its SQLite file, or its PostgreSQL schema.
  const Env data = p.serving("auth").env;
  // The first admin, from the command line; the sandbox's first-run form does it once only.
  auto created = run({ZT_BINARY, "admin", "create", "--first-run"}, data);
  ASSERT_EQ(created.exit_code, 0) << created.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(created.output, m, std::regex("初始密码：\\s+(\\S+)"))) << created.output;
  Enrolled admin{"admin", m[1], ""};
  ASSERT_TRUE(std::regex_search(created.output, m, std::regex("secret=([A-Z2-7]+)&"))) << created.output;
  admin.secret = core::crypto::base32_decode(std::string(m[1])).value_or("");
  EXPECT_NE(created.output.find("沙箱模式首次启动"), std::string::npos);
  EXPECT_NE(created.output.find("█"), std::string::npos) << "a QR code for the authenticator app";
  auto again = run({ZT_BINARY, "admin", "create", "--first-run"}, data);
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_EQ(again.output.find("初始密码"), std::string::npos) << "only the first run makes one";

  const int port = p.port();

  // Wrong TOTP, wrong password, unknown user: one answer for all three.
  const std::string wrong_code = totp_now(admin) == "000000" ? "111111" : "000000";
  for (auto r : {staff_sign_in(port, "admin", admin.password, wrong_code), staff_sign_in(port, "admin", admin.password + "x", totp_now(admin)),
                 staff_sign_in(port, "nobody", admin.password, totp_now(admin))}) {
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(json_field(r.body, "code"), "AUTH_STAFF_CREDENTIALS");
    EXPECT_EQ(json_field(r.body, "message"), "用户名、密码或动态口令错误");
  }
  auto malformed = staff_sign_in(port, "admin", admin.password, "12ab");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(json_field(malformed.body, "code"), "GATEWAY_INVALID_REQUEST") << "checked against the service's OpenAPI document";
  // Right password and code: in — with no permission until the initial password is changed.
  const std::string code = totp_now(admin);
  auto in = staff_sign_in(port, "admin", admin.password, code);
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_EQ(json_field(in.body, "password_change_required"), "true");
  EXPECT_NE(in.body.find("\"permissions\":[]"), std::string::npos) << in.body;
  auto replay = staff_sign_in(port, "admin", admin.password, code);
  EXPECT_EQ(replay.status, 401) << "a TOTP code signs in once: " << replay.body;
  const std::string first = json_field(in.body, "access_token");
  auto early = call(port, "GET", "/api/auth/v1/staff", "", first);
  EXPECT_EQ(early.status, 403) << early.body;
  auto me = call(port, "GET", "/api/auth/v1/staff/me", "", first);
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(json_field(me.body, "username"), "admin");
  auto weak = call(port, "POST", "/api/auth/v1/staff/me/password",
                   R"({"current_password": )" + json_string(admin.password) + R"(, "new_password": "short1"})", first);
  EXPECT_EQ(weak.status, 400);
  EXPECT_EQ(json_field(weak.body, "code"), "AUTH_PASSWORD_WEAK");
  EXPECT_EQ(json_field(weak.body, "message"), "密码长度应为12至64位");
  auto wrong_current = call(port, "POST", "/api/auth/v1/staff/me/password", R"({"current_password": "nope", "new_password": "Another-Pass-2026"})", first);
  EXPECT_EQ(json_field(wrong_current.body, "code"), "AUTH_PASSWORD_WRONG");
  const std::string admin_new = "Strong-Pass-2026!";
  ASSERT_EQ(call(port, "POST", "/api/auth/v1/staff/me/password",
                 R"({"current_password": )" + json_string(admin.password) + R"(, "new_password": )" + json_string(admin_new) + "}", first)
                .status,
            200);
  auto refreshed = call(port, "POST", "/api/auth/v1/tokens/refresh", R"({"refresh_token": ")" + json_field(in.body, "refresh_token") + R"("})");
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  EXPECT_EQ(json_field(refreshed.body, "password_change_required"), "false");
  EXPECT_NE(refreshed.body.find("\"staff.manage\""), std::string::npos) << refreshed.body;
  const std::string as_admin = json_field(refreshed.body, "access_token");
  EXPECT_TRUE(refused(call(port, "POST", "/api/auth/v1/staff/me/password",
                           R"({"current_password": )" + json_string(admin_new) + R"(, "new_password": )" + json_string(admin_new) + "}", as_admin),
                      400, "AUTH_PASSWORD_REUSED", "新密码不能与当前密码相同"));
  EXPECT_TRUE(refused(call(port, "GET", "/api/auth/v1/me", "", as_admin), 401, "AUTH_SIGN_IN_REQUIRED", "请先登录"))
      << "a customer's own page is no staff member's";

  // The admin reads the registry through the gateway and makes a reviewer.
  EXPECT_EQ(call(port, "GET", "/api/registry/v1/services", "", as_admin).status, 200);
  auto made = call(port, "POST", "/api/auth/v1/staff", R"({"username": "reviewer.wang", "display_name": "王审核", "roles": ["reviewer"]})", as_admin);
  ASSERT_EQ(made.status, 201) << made.body;
  EXPECT_NE(json_field(made.body, "totp_uri").find("otpauth://totp/"), std::string::npos);
  EXPECT_EQ(made.headers["cache-control"], "no-store") << "a first password and a TOTP secret are cached nowhere";
  EXPECT_NE(made.body.find(R"("totp_qr":["1111111)"), std::string::npos) << "the QR code's first row starts with a finder pattern";
  Enrolled reviewer = from_json(made.body);
  const std::string reviewer_id = json_field(made.body, "id");
  EXPECT_TRUE(refused(call(port, "POST", "/api/auth/v1/staff", R"({"username": "reviewer.wang", "display_name": "又一个", "roles": ["reviewer"]})", as_admin),
                      409, "AUTH_STAFF_EXISTS", "用户名已存在"));
  auto bad_role = call(port, "POST", "/api/auth/v1/staff", R"({"username": "x.li", "display_name": "李", "roles": ["root"]})", as_admin);
  EXPECT_EQ(json_field(bad_role.body, "code"), "AUTH_ROLE_UNKNOWN");
  Session rs = ready_session(port, reviewer);
  EXPECT_NE(rs.body.find("\"reviews.approve\""), std::string::npos) << rs.body;

  // A reviewer cannot manage staff, read the audit trail or the registry.
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/api/auth/v1/staff"}, {"POST", "/api/auth/v1/staff"}, {"GET", "/api/auth/v1/roles"}, {"GET", "/api/auth/v1/audit"},
           {"GET", "/api/registry/v1/services"}, {"PUT", "/api/registry/v1/configs/public/zhongtai/x.yaml"}}) {
    auto r = call(port, method, path, R"({"username": "evil.one", "display_name": "x", "roles": ["admin"]})", rs.access);
    EXPECT_EQ(r.status, 403) << method << " " << path << ": " << r.body;
    EXPECT_EQ(json_field(r.body, "code"), "GATEWAY_FORBIDDEN");
  }
  // A customer cannot call a staff API; nobody signed in cannot either.
  ASSERT_EQ(call(port, "POST", "/api/auth/v1/sms-codes", R"({"mobile": "13700137000"})").status, 200);
  auto box = http_request(port, "GET", "/api/notify/v1/outbox?recipient=13700137000&limit=1", "", sandbox_staff_headers());
  ASSERT_TRUE(std::regex_search(box.body, m, std::regex("验证码为([0-9]{6})")));
  auto customer = call(port, "POST", "/api/auth/v1/sessions", R"({"mobile": "13700137000", "code": ")" + std::string(m[1]) +
                                                                R"(", "agreements": )" + agreements_accepted(port) + "}");
  ASSERT_EQ(customer.status, 200) << customer.body;
  auto c_staff = call(port, "GET", "/api/auth/v1/staff", "", json_field(customer.body, "access_token"));
  EXPECT_EQ(c_staff.status, 403);
  EXPECT_EQ(json_field(c_staff.body, "message"), "无权访问：仅限工作人员");
  EXPECT_TRUE(refused(call(port, "GET", "/api/registry/v1/services", "", json_field(customer.body, "access_token")), 403, "GATEWAY_FORBIDDEN"));
  EXPECT_TRUE(refused(call(port, "GET", "/api/auth/v1/staff"), 401, "GATEWAY_UNAUTHENTICATED"));
  EXPECT_TRUE(refused(call(port, "GET", "/api/auth/v1/staff/me", "", json_field(customer.body, "access_token")), 403, "GATEWAY_FORBIDDEN"));

  // Roles: a custom one with the audit permission, given to the reviewer, reaches them at refresh.
  auto unknown_perm = call(port, "PUT", "/api/auth/v1/roles/auditor", R"({"title": "审计员", "permissions": ["audit.everything"]})", as_admin);
  EXPECT_EQ(json_field(unknown_perm.body, "code"), "AUTH_PERMISSION_UNKNOWN");
  EXPECT_EQ(json_field(call(port, "PUT", "/api/auth/v1/roles/admin", R"({"title": "x", "permissions": []})", as_admin).body, "code"),
            "AUTH_ROLE_BUILTIN");
  ASSERT_EQ(call(port, "PUT", "/api/auth/v1/roles/auditor", R"({"title": "审计员", "permissions": ["audit.read"]})", as_admin).status, 200);
  auto roles = call(port, "GET", "/api/auth/v1/roles", "", as_admin);
  EXPECT_NE(roles.body.find("\"name\":\"auditor\""), std::string::npos);
  EXPECT_NE(roles.body.find("\"title\":\"管理工作人员与角色\""), std::string::npos) << "the catalogue, for the console";
  ASSERT_EQ(call(port, "PATCH", "/api/auth/v1/staff/" + reviewer_id, R"({"roles": ["reviewer", "auditor"]})", as_admin).status, 200);
  EXPECT_EQ(json_field(call(port, "DELETE", "/api/auth/v1/roles/auditor", "", as_admin).body, "code"), "AUTH_ROLE_IN_USE");
  auto rr = call(port, "POST", "/api/auth/v1/tokens/refresh", R"({"refresh_token": ")" + rs.refresh + R"("})");
  ASSERT_EQ(rr.status, 200) << rr.body;
  EXPECT_EQ(call(port, "GET", "/api/auth/v1/audit?limit=5", "", json_field(rr.body, "access_token")).status, 200);
  // Taken away again: the token still names audit.read, the auth service checks the account now.
  ASSERT_EQ(call(port, "PATCH", "/api/auth/v1/staff/" + reviewer_id, R"({"roles": ["reviewer"]})", as_admin).status, 200);
  EXPECT_TRUE(refused(call(port, "GET", "/api/auth/v1/audit?limit=5", "", json_field(rr.body, "access_token")), 403, "AUTH_FORBIDDEN",
                      "无权执行此操作"))
      << "a permission removed applies before the token expires";
  ASSERT_EQ(call(port, "PATCH", "/api/auth/v1/staff/" + reviewer_id, R"({"roles": ["reviewer", "auditor"]})", as_admin).status, 200);
  const std::string nobody_id = reviewer_id.substr(0, reviewer_id.size() - 1) + (reviewer_id.back() == '9' ? "8" : "9");
  EXPECT_TRUE(refused(call(port, "POST", "/api/auth/v1/staff/" + nobody_id + "/unlock", "", as_admin), 404, "AUTH_STAFF_NOT_FOUND", "工作人员不存在"));

  // The last admin stays: the admin cannot disable themselves or drop their own admin role.
  const std::string admin_id = json_field(refreshed.body, "staff_id");
  auto self_off = call(port, "PATCH", "/api/auth/v1/staff/" + admin_id, R"({"disabled": true})", as_admin);
  EXPECT_EQ(self_off.status, 409);
  EXPECT_EQ(json_field(self_off.body, "code"), "AUTH_LAST_ADMIN");
  EXPECT_EQ(json_field(call(port, "PATCH", "/api/auth/v1/staff/" + admin_id, R"({"roles": ["reviewer"]})", as_admin).body, "code"), "AUTH_LAST_ADMIN");
  EXPECT_EQ(call(port, "GET", "/api/auth/v1/staff/me", "", as_admin).status, 200) << "nothing changed";

  // Lockout: three wrong passwords lock an account; the admin unlocks it.
  auto ops = call(port, "POST", "/api/auth/v1/staff", R"({"username": "ops.zhao", "display_name": "赵运营", "roles": ["operations"]})", as_admin);
  ASSERT_EQ(ops.status, 201);
  Enrolled zhao = from_json(ops.body);
  EXPECT_TRUE(refused(staff_sign_in(port, "ops.zhao", "wrong-1", totp_now(zhao)), 401, "AUTH_STAFF_CREDENTIALS"));
  EXPECT_TRUE(refused(staff_sign_in(port, "ops.zhao", "wrong-2", totp_now(zhao)), 401, "AUTH_STAFF_CREDENTIALS"));
  auto locked = staff_sign_in(port, "ops.zhao", "wrong-3", totp_now(zhao));
  EXPECT_EQ(locked.status, 429);
  EXPECT_EQ(json_field(locked.body, "code"), "AUTH_LOCKED");
  EXPECT_EQ(json_field(staff_sign_in(port, "ops.zhao", zhao.password, totp_now(zhao)).body, "code"), "AUTH_LOCKED") << "even the right password waits";
  ASSERT_EQ(call(port, "POST", "/api/auth/v1/staff/" + json_field(ops.body, "id") + "/unlock", "", as_admin).status, 200);
  EXPECT_EQ(staff_sign_in(port, "ops.zhao", zhao.password, totp_now(zhao)).status, 200);
  // A lost phone: the admin issues new credentials; the old password and authenticator stop working.
  const std::string zhao_id = json_field(ops.body, "id");
  auto renewed = call(port, "POST", "/api/auth/v1/staff/" + zhao_id + "/credentials", "", as_admin);
  ASSERT_EQ(renewed.status, 200) << renewed.body;
  const Enrolled old_zhao = zhao;
  zhao = from_json(renewed.body);
  EXPECT_NE(zhao.password, old_zhao.password);
  EXPECT_NE(zhao.secret, old_zhao.secret);
  EXPECT_TRUE(refused(staff_sign_in(port, "ops.zhao", old_zhao.password, totp_now(zhao)), 401, "AUTH_STAFF_CREDENTIALS"));
  EXPECT_TRUE(refused(call(port, "POST", "/api/auth/v1/staff/" + zhao_id + "/credentials", "", rs.access), 403, "GATEWAY_FORBIDDEN"))
      << "a reviewer issues no credentials";
  auto zhao_in = staff_sign_in(port, "ops.zhao", zhao.password, totp_now(zhao));
  ASSERT_EQ(zhao_in.status, 200) << zhao_in.body;
  EXPECT_EQ(json_field(zhao_in.body, "password_change_required"), "true") << "new credentials are initial ones";
  // Signing out ends the session: its refresh token is dead.
  EXPECT_EQ(call(port, "POST", "/api/auth/v1/staff/me/logout", "", json_field(zhao_in.body, "access_token")).status, 200);
  EXPECT_TRUE(refused(call(port, "POST", "/api/auth/v1/tokens/refresh", R"({"refresh_token": ")" + json_field(zhao_in.body, "refresh_token") + R"("})"),
                      401, "AUTH_REFRESH_INVALID"));

  // Disabling the reviewer ends their sessions: refresh refused, the auth service refuses the
  // access token still in hand.
  ASSERT_EQ(call(port, "PATCH", "/api/auth/v1/staff/" + reviewer_id, R"({"disabled": true})", as_admin).status, 200);
  auto after = call(port, "POST", "/api/auth/v1/tokens/refresh", R"({"refresh_token": ")" + json_field(rr.body, "refresh_token") + R"("})");
  EXPECT_EQ(after.status, 401) << after.body;
  auto ended = call(port, "GET", "/api/auth/v1/staff/me", "", json_field(rr.body, "access_token"));
  EXPECT_EQ(ended.status, 401);
  EXPECT_EQ(json_field(ended.body, "code"), "AUTH_STAFF_SESSION_ENDED");
  EXPECT_EQ(json_field(staff_sign_in(port, "reviewer.wang", reviewer.password, totp_now(reviewer, 1)).body, "code"), "AUTH_STAFF_DISABLED");

  // The audit trail: each of these, newest first, filtered and paged.
  auto audit = call(port, "GET", "/api/auth/v1/audit?action=staff.&limit=200", "", as_admin);
  ASSERT_EQ(audit.status, 200) << audit.body;
  for (const char* action : {"staff.created", "staff.login_failed", "staff.login_succeeded", "staff.password_changed", "staff.updated",
                             "staff.locked", "staff.unlocked", "staff.disabled"})
    EXPECT_NE(audit.body.find(std::string("\"action\":\"") + action + "\""), std::string::npos) << action;
  EXPECT_EQ(audit.body.find("\"action\":\"role."), std::string::npos) << "the prefix filter keeps to staff.*";
  auto role_audit = call(port, "GET", "/api/auth/v1/audit?action=role.created", "", as_admin);
  EXPECT_NE(role_audit.body.find("\"subject\":\"auditor\""), std::string::npos) << role_audit.body;
  EXPECT_NE(role_audit.body.find("\"actor\":\"" + admin_id + "\""), std::string::npos);
  auto page1 = call(port, "GET", "/api/auth/v1/audit?actor=" + admin_id + "&limit=2", "", as_admin);
  const std::string cursor = json_field(page1.body, "next_cursor");
  ASSERT_NE(cursor, "<none>");
  ASSERT_FALSE(cursor.empty());
  auto page2 = call(port, "GET", "/api/auth/v1/audit?actor=" + admin_id + "&limit=2&cursor=" + cursor, "", as_admin);
  ASSERT_EQ(page2.status, 200);
  EXPECT_NE(json_field(page2.body, "id"), json_field(page1.body, "id")) << "the next page starts after the last one seen";
  EXPECT_TRUE(refused(call(port, "GET", "/api/auth/v1/audit?limit=abc", "", as_admin), 400, "GATEWAY_INVALID_REQUEST"));
  EXPECT_TRUE(refused(call(port, "GET", "/api/auth/v1/audit?cursor=garbage", "", as_admin), 400, "AUTH_BAD_CURSOR", "分页游标无效"));
  // A customer's entries by the customer filter (the one query every service's trail takes):
  // signed up and in, from the address the customer came from; no staff member's among them.
  const std::string customer_id = json_field(customer.body, "customer_id");
  auto of_customer = call(port, "GET", "/api/auth/v1/audit?limit=200&customer=" + customer_id, "", as_admin);
  ASSERT_EQ(of_customer.status, 200) << of_customer.body;
  for (const char* action : {"customer.signed_up", "login.succeeded"})
    EXPECT_NE(of_customer.body.find(std::string("\"action\":\"") + action + "\""), std::string::npos) << action << ": " << of_customer.body;
  EXPECT_EQ(of_customer.body.find("\"action\":\"staff."), std::string::npos) << of_customer.body;
  EXPECT_NE(of_customer.body.find("\"customer\":\"" + customer_id + "\""), std::string::npos);
  EXPECT_EQ(of_customer.body.find("\"customer\":\"\""), std::string::npos) << "every entry is the customer's";
  EXPECT_NE(of_customer.body.find("\"ip\":\"127.0.0.1\""), std::string::npos);

  // Customer service (客服): finds the customer by number or customer id, sees them masked, ends
  // their sessions (a lost phone) and lifts a lock, each with a reason — every search and view
  // audited under the customer. Customers and missing permissions are refused.
  auto cs_made = call(port, "POST", "/api/auth/v1/staff", R"({"username": "service.chen", "display_name": "陈客服", "roles": ["customer_service"]})", as_admin);
  ASSERT_EQ(cs_made.status, 201) << cs_made.body;
  Enrolled chen = from_json(cs_made.body);
  const std::string chen_id = json_field(cs_made.body, "id");
  const std::string as_chen = ready_session(port, chen).access;
  auto found = call(port, "GET", "/api/auth/v1/customers?q=13700137000", "", as_chen);
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(found.headers["cache-control"], "no-store");
  EXPECT_EQ(json_field(found.body, "customer_id"), customer_id);
  EXPECT_EQ(json_field(found.body, "mobile"), "137****7000");
  EXPECT_EQ(found.body.find("13700137000"), std::string::npos) << "never the number itself";
  EXPECT_EQ(json_field(call(port, "GET", "/api/auth/v1/customers?q=" + customer_id, "", as_chen).body, "customer_id"), customer_id);
  EXPECT_EQ(call(port, "GET", "/api/auth/v1/customers?q=13700137999", "", as_chen).body, R"({"items":[]})");
  EXPECT_EQ(json_field(call(port, "GET", "/api/auth/v1/customers?q=%2B8613700137000", "", as_chen).body, "customer_id"), customer_id)
      << "a +86 prefix is dropped";
  EXPECT_TRUE(refused(call(port, "GET", "/api/auth/v1/customers?q=11010519491231002X", "", as_chen), 400, "AUTH_QUERY_INVALID"))
      << "an ID card number is no search key (and is written nowhere)";
  EXPECT_TRUE(refused(call(port, "GET", "/api/auth/v1/customers?q=137%20001", "", as_chen), 400, "AUTH_QUERY_INVALID",
                      "请输入完整的手机号、客户号或资金账号"));
  EXPECT_TRUE(refused(call(port, "GET", "/api/auth/v1/customers?q=13700137000", "", json_field(customer.body, "access_token")), 403,
                      "GATEWAY_FORBIDDEN"));
  auto seen = call(port, "GET", "/api/auth/v1/customers/" + customer_id, "", as_chen);
  ASSERT_EQ(seen.status, 200) << seen.body;
  EXPECT_EQ(json_field(seen.body, "active_sessions"), "1");
  EXPECT_NE(seen.body.find(R"("ip":"127.0.0.*")"), std::string::npos) << "the address's last part hidden: " << seen.body;
  EXPECT_NE(seen.body.find(R"("agreement":"privacy")"), std::string::npos) << seen.body;
  EXPECT_TRUE(refused(call(port, "GET", "/api/auth/v1/customers/C000000000000", "", as_chen), 404, "AUTH_CUSTOMER_NOT_FOUND", "客户不存在"));
  // A lock: three wrong passwords (ZT_AUTH__MAX_TRIES) lock password sign-in.
  for (int i = 0; i < 3; ++i)
    call(port, "POST", "/api/auth/v1/sessions/password", R"({"mobile": "13700137000", "password": "Wrong2026x", "device": "x"})");
  EXPECT_TRUE(refused(call(port, "POST", "/api/auth/v1/sessions/password", R"({"mobile": "13700137000", "password": "Wrong2026x"})"), 429,
                      "AUTH_PASSWORD_LOCKED"));
  EXPECT_NE(json_field(call(port, "GET", "/api/auth/v1/customers/" + customer_id, "", as_chen).body, "password_locked_until_ms"), "0");
  EXPECT_TRUE(refused(call(port, "POST", "/api/auth/v1/customers/" + customer_id + "/unlock", R"({"reason": "  "})", as_chen), 400,
                      "AUTH_REASON_REQUIRED", "请填写操作原因"));
  std::string essay;
  for (int i = 0; i < 201; ++i) essay += "长";
  EXPECT_TRUE(refused(call(port, "POST", "/api/auth/v1/customers/" + customer_id + "/unlock", R"({"reason": ")" + essay + R"("})", as_chen),
                      400, "AUTH_REASON_TOO_LONG", "操作原因过长（最多200字）"));
  auto unlocked = call(port, "POST", "/api/auth/v1/customers/" + customer_id + "/unlock", R"({"reason": "客户来电核实身份后申请解锁"})", as_chen);
  ASSERT_EQ(unlocked.status, 200) << unlocked.body;
  EXPECT_EQ(json_field(unlocked.body, "password_locked_until_ms"), "0");
  EXPECT_TRUE(refused(call(port, "POST", "/api/auth/v1/sessions/password", R"({"mobile": "13700137000", "password": "Wrong2026x"})"), 401,
                      "AUTH_PASSWORD_WRONG"))
      << "the lock is lifted";
  EXPECT_TRUE(refused(call(port, "POST", "/api/auth/v1/customers/C000000000000/unlock", R"({"reason": "x"})", as_chen), 404,
                      "AUTH_CUSTOMER_NOT_FOUND"));
  EXPECT_TRUE(refused(call(port, "POST", "/api/auth/v1/customers/" + customer_id + "/unlock", R"({"reason": "再次解锁"})", as_chen), 409,
                      "AUTH_NOT_LOCKED"));
  // A lost phone: every session ends; the customer's refresh token no longer works.
  auto signed_out = call(port, "POST", "/api/auth/v1/customers/" + customer_id + "/sessions/end", R"({"reason": "客户手机遗失"})", as_chen);
  ASSERT_EQ(signed_out.status, 200) << signed_out.body;
  EXPECT_EQ(json_field(signed_out.body, "active_sessions"), "0");
  EXPECT_EQ(call(port, "POST", "/api/auth/v1/tokens/refresh", R"({"refresh_token": ")" + json_field(customer.body, "refresh_token") + R"("})").status,
            401);
  auto desk_audit = call(port, "GET", "/api/auth/v1/audit?limit=200&actor=" + chen_id + "&customer=" + customer_id, "", as_admin);
  ASSERT_EQ(desk_audit.status, 200) << desk_audit.body;
  for (const char* action : {"customer.searched", "customer.viewed", "customer.unlocked", "customer.sessions_ended"})
    EXPECT_NE(desk_audit.body.find(std::string("\"action\":\"") + action + "\""), std::string::npos) << action << ": " << desk_audit.body;
  EXPECT_NE(desk_audit.body.find("客户手机遗失"), std::string::npos) << "the reason kept";
  EXPECT_NE(desk_audit.body.find("按手机号 137****7000 查询"), std::string::npos) << desk_audit.body;

  // Nothing secret in the log.
  const std::string log = p.serving("auth").process->log_text();
  ASSERT_NE(log.find("auth: staff " + admin_id + " signed in"), std::string::npos) << "a positive control: the log read is this test's";
  for (const std::string& secret : {admin.password, admin_new, reviewer.password, zhao.password, json_field(renewed.body, "initial_password"),
                                    json_field(made.body, "totp_secret"),
                                    json_field(in.body, "refresh_token"), as_admin.substr(as_admin.rfind('.') + 1), std::string("13700137000")})
    EXPECT_EQ(log.find(secret), std::string::npos) << "leaked: " << secret.substr(0, 6);
}

INSTANTIATE_TEST_SUITE_P(BothModes, Staff, ::testing::Values(Mode::kAll, Mode::kSplit), mode_name);

}  // namespace
}  // namespace zt::test
