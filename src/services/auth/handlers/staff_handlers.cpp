#include "services/auth/handlers/staff_handlers.hpp"

#include <memory>

#include "core/crypto/totp.hpp"
#include "core/http/error.hpp"
#include "core/http/refusal.hpp"
#include "core/json/json.hpp"
#include "core/net/blocking.hpp"
#include "core/util/time.hpp"
#include "services/auth/app/enrolment.hpp"
#include "services/auth/app/requester.hpp"
#include "services/auth/handlers/refresh_cookie.hpp"

namespace zt::services::auth {

namespace {

using core::http::ApiError;
using core::http::Method;
using core::http::Request;
using core::http::RequestContext;
using core::http::Response;
using core::http::value_or_throw;



class StaffApi {
 public:
  explicit StaffApi(StaffApiDeps deps) : d_(std::move(deps)) {
    // Unknown names are checked against this, so they cost what a wrong password costs.
    dummy_hash_ = hash_password(generate_staff_password(), d_.argon2);
  }

  void add(core::http::Router& r, const std::shared_ptr<StaffApi>& self) {
    auto bind = [self](boost::asio::awaitable<Response> (StaffApi::*fn)(Request&, RequestContext&)) {
      return [self, fn](Request& q, RequestContext& c) { return ((*self).*fn)(q, c); };
    };
    r.add(Method::kPost, "/api/auth/v1/staff/sessions", bind(&StaffApi::sign_in));
    r.add(Method::kGet, "/api/auth/v1/staff/me", bind(&StaffApi::me));
    r.add(Method::kPost, "/api/auth/v1/staff/me/password", bind(&StaffApi::change_password));
    r.add(Method::kPost, "/api/auth/v1/staff/me/logout", bind(&StaffApi::logout));
    r.add(Method::kGet, "/api/auth/v1/staff", bind(&StaffApi::list));
    r.add(Method::kPost, "/api/auth/v1/staff", bind(&StaffApi::create));
    r.add(Method::kPatch, "/api/auth/v1/staff/{id}", bind(&StaffApi::update));
    r.add(Method::kPost, "/api/auth/v1/staff/{id}/credentials", bind(&StaffApi::reset));
    r.add(Method::kPost, "/api/auth/v1/staff/{id}/unlock", bind(&StaffApi::unlock));
    r.add(Method::kGet, "/api/auth/v1/roles", bind(&StaffApi::roles));
    r.add(Method::kPut, "/api/auth/v1/roles/{name}", bind(&StaffApi::put_role));
    r.add(Method::kDelete, "/api/auth/v1/roles/{name}", bind(&StaffApi::delete_role));
    r.add(Method::kGet, "/api/auth/v1/audit", bind(&StaffApi::audit));
  }

 private:
  // A signed-in staff member whose session is still open and whose account grants `permission`
  // now ("" for any staff member).
  boost::asio::awaitable<StaffClaims> require(const RequestContext& ctx, const std::string& permission) {
    if (ctx.caller.kind != core::http::CallerKind::kStaff || ctx.caller.session.empty())
      throw ApiError(401, "AUTH_STAFF_SIGN_IN_REQUIRED", "请先以工作人员身份登录");
    const std::string id = ctx.caller.subject, session = ctx.caller.session;
    auto claims = co_await d_.db.read([&](core::storage::Tx& tx) -> std::optional<StaffClaims> {
      if (!d_.auth.session_active(tx, session)) return std::nullopt;
      return d_.staff.claims(tx, id);
    });
    if (!claims) throw ApiError(401, "AUTH_STAFF_SESSION_ENDED", "登录已失效，请重新登录");
    if (!permission.empty() && std::find(claims->permissions.begin(), claims->permissions.end(), permission) == claims->permissions.end())
      throw ApiError(403, "AUTH_FORBIDDEN", claims->password_change_required ? "请先修改初始密码" : "无权执行此操作");
    co_return *claims;
  }

  boost::asio::awaitable<Response> sign_in(Request& req, RequestContext& ctx) {
    auto body = core::json::parse<StaffSignIn>(req.body);
    d_.attempts.count(ctx.remote_address, "staff:" + body.username);
    const auto now = core::unix_millis();
    const std::string username = body.username;
    auto record = value_or_throw(co_await d_.db.read([&](core::storage::Tx& tx) { return d_.staff.login_record(tx, username, now); }));
    bool password_ok = false;
    std::optional<std::int64_t> step;
    co_await d_.passwords.submit([&] {
      password_ok = verify_password(body.password, record ? record->password_hash : dummy_hash_) && record.has_value();
      if (record) step = core::crypto::totp_verify(record->totp_secret, body.totp, now / 1000);
    });
    const Audit a = audit_of(ctx);
    const std::string id = record ? record->id : "", device = device_name(body.device);
    auto signed_in = value_or_throw(co_await d_.db.write([&](core::storage::Tx& tx) -> std::variant<std::pair<SignedIn, StaffClaims>, Refusal> {
      auto r = d_.staff.finish_login(tx, username, id, password_ok, step, device, a, now);
      if (auto* refusal = std::get_if<Refusal>(&r)) return *refusal;
      auto claims = d_.staff.claims(tx, id);
      return std::make_pair(std::get<SignedIn>(r), claims.value_or(StaffClaims{}));
    }));
    ctx.log().info("auth: staff {} signed in (session {})", id, signed_in.first.session_id);
    StaffTokens tokens = d_.tokens.staff(signed_in.first, signed_in.second);
    const CookieFor cookie = cookie_requested(req);
    if (cookie != CookieFor::kNone) tokens.refresh_token.clear();  // the cookie carries it
    auto res = Response::json(200, core::json::serialize(tokens));
    set_refresh_cookie(res, cookie, signed_in.first.refresh_token, d_.refresh_ttl, d_.secure_cookies);
    no_store(res);
    co_return res;
  }

  boost::asio::awaitable<Response> me(Request&, RequestContext& ctx) {
    StaffClaims claims = co_await require(ctx, "");
    const std::string id = ctx.caller.subject;
    auto staff = co_await d_.db.read([&](core::storage::Tx& tx) { return d_.staff.get(tx, id); });
    if (!staff) throw ApiError(404, "AUTH_STAFF_NOT_FOUND", "工作人员不存在");
    co_return Response::json(200, core::json::serialize(StaffProfile{*staff, claims.permissions}));
  }

  boost::asio::awaitable<Response> change_password(Request& req, RequestContext& ctx) {
    co_await require(ctx, "");
    auto body = core::json::parse<PasswordChange>(req.body);
    const std::string id = ctx.caller.subject;
    auto current = co_await d_.db.read([&](core::storage::Tx& tx) {
      return std::make_pair(d_.staff.password_hash(tx, id).value_or(""), d_.staff.get(tx, id));
    });
    if (!current.second) throw ApiError(404, "AUTH_STAFF_NOT_FOUND", "工作人员不存在");
    if (auto problem = password_problem(body.new_password, PasswordRules::kStaff, {current.second->username}))
      throw ApiError(400, "AUTH_PASSWORD_WEAK", *problem);
    bool ok = false, same = false;
    std::string hash;
    co_await d_.passwords.submit([&] {
      ok = verify_password(body.current_password.value_or(""), current.first);
      same = ok && verify_password(body.new_password, current.first);
      if (ok && !same) hash = hash_password(body.new_password, d_.argon2);
    });
    if (!ok) throw ApiError(400, "AUTH_PASSWORD_WRONG", "当前密码错误");
    if (same) throw ApiError(400, "AUTH_PASSWORD_REUSED", "新密码不能与当前密码相同");
    const Audit a = audit_of(ctx);
    const auto now = core::unix_millis();
    co_await d_.db.write([&](core::storage::Tx& tx) { d_.staff.set_password(tx, id, hash, a, now); });
    co_return Response::json(200, R"({"message":"密码已修改，请刷新登录凭证"})");
  }

  boost::asio::awaitable<Response> logout(Request& req, RequestContext& ctx) {
    if (ctx.caller.kind != core::http::CallerKind::kStaff || ctx.caller.session.empty())
      throw ApiError(401, "AUTH_STAFF_SIGN_IN_REQUIRED", "请先以工作人员身份登录");
    const Audit a = audit_of(ctx);
    const auto now = core::unix_millis();
    const std::string id = ctx.caller.subject, session = ctx.caller.session;
    co_await d_.db.write([&](core::storage::Tx& tx) { return d_.auth.revoke_session(tx, id, session, "logout", a, now); });
    auto res = Response::json(200, "{}");
    clear_refresh_cookie(res, cookie_requested(req), d_.secure_cookies);
    co_return res;
  }

  boost::asio::awaitable<Response> list(Request&, RequestContext& ctx) {
    co_await require(ctx, "staff.manage");
    StaffList out;
    out.items = co_await d_.db.read([&](core::storage::Tx& tx) { return d_.staff.list(tx); });
    co_return Response::json(200, core::json::serialize(out));
  }

  // A new password and TOTP secret, hashed off the io thread.
  boost::asio::awaitable<std::pair<std::string, std::string>> new_credentials(std::string& password) {
    password = generate_staff_password();
    const std::string secret = core::crypto::totp_new_secret();
    std::string hash = co_await d_.passwords.submit([&] { return hash_password(password, d_.argon2); });
    co_return std::make_pair(std::move(hash), secret);
  }

  // The one-time enrolment as answered: a first password and a TOTP secret, cached nowhere.
  Response enrolment(int status, const Staff& staff, std::string password, const std::string& secret) const {
    auto res = Response::json(status, core::json::serialize(enrolment_of(staff, std::move(password), secret, d_.totp_issuer)));
    no_store(res);
    return res;
  }

  boost::asio::awaitable<Response> create(Request& req, RequestContext& ctx) {
    co_await require(ctx, "staff.manage");
    auto body = core::json::parse<NewStaff>(req.body);
    if (auto refusal = co_await d_.db.read([&](core::storage::Tx& tx) { return d_.staff.check_new(tx, body.username, body.display_name, body.roles); }))
      throw ApiError(refusal->status, refusal->code, refusal->message);
    std::string password;
    auto [hash, secret] = co_await new_credentials(password);
    const Audit a = audit_of(ctx);
    const auto now = core::unix_millis();
    Staff s = value_or_throw(co_await d_.db.write(
        [&](core::storage::Tx& tx) { return d_.staff.create(tx, body.username, body.display_name, body.roles, hash, secret, a, now); }));
    ctx.log().info("auth: staff {} created by {}", s.id, a.actor);
    co_return enrolment(201, s, password, secret);
  }

  boost::asio::awaitable<Response> update(Request& req, RequestContext& ctx) {
    co_await require(ctx, "staff.manage");
    auto body = core::json::parse<StaffPatch>(req.body);
    const std::string id(ctx.param("id").value_or(""));
    const Audit a = audit_of(ctx);
    const auto now = core::unix_millis();
    const StaffChange change{body.display_name, body.roles, body.disabled};
    Staff s = value_or_throw(co_await d_.db.write([&](core::storage::Tx& tx) { return d_.staff.update(tx, id, change, a, now); }));
    co_return Response::json(200, core::json::serialize(s));
  }

  boost::asio::awaitable<Response> reset(Request&, RequestContext& ctx) {
    co_await require(ctx, "staff.manage");
    const std::string id(ctx.param("id").value_or(""));
    std::string password;
    auto [hash, secret] = co_await new_credentials(password);
    const Audit a = audit_of(ctx);
    const auto now = core::unix_millis();
    Staff s = value_or_throw(co_await d_.db.write([&](core::storage::Tx& tx) { return d_.staff.reset_credentials(tx, id, hash, secret, a, now); }));
    co_return enrolment(200, s, password, secret);
  }

  boost::asio::awaitable<Response> unlock(Request&, RequestContext& ctx) {
    co_await require(ctx, "staff.manage");
    const std::string id(ctx.param("id").value_or(""));
    const Audit a = audit_of(ctx);
    const auto now = core::unix_millis();
    if (!co_await d_.db.write([&](core::storage::Tx& tx) { return d_.staff.unlock(tx, id, a, now); }))
      throw ApiError(404, "AUTH_STAFF_NOT_FOUND", "工作人员不存在");
    co_return Response::json(200, "{}");
  }

  boost::asio::awaitable<Response> roles(Request&, RequestContext& ctx) {
    co_await require(ctx, "staff.manage");
    RoleList out;
    out.items = co_await d_.db.read([&](core::storage::Tx& tx) { return d_.staff.roles(tx); });
    for (const auto& p : permission_catalogue()) out.permissions.push_back({std::string(p.name), std::string(p.title)});
    co_return Response::json(200, core::json::serialize(out));
  }

  boost::asio::awaitable<Response> put_role(Request& req, RequestContext& ctx) {
    co_await require(ctx, "staff.manage");
    auto body = core::json::parse<RoleBody>(req.body);
    const std::string name(ctx.param("name").value_or(""));
    const Audit a = audit_of(ctx);
    const auto now = core::unix_millis();
    Role role = value_or_throw(co_await d_.db.write([&](core::storage::Tx& tx) { return d_.staff.put_role(tx, name, body.title, body.permissions, a, now); }));
    co_return Response::json(200, core::json::serialize(role));
  }

  boost::asio::awaitable<Response> delete_role(Request&, RequestContext& ctx) {
    co_await require(ctx, "staff.manage");
    const std::string name(ctx.param("name").value_or(""));
    const Audit a = audit_of(ctx);
    const auto now = core::unix_millis();
    if (auto refusal = co_await d_.db.write([&](core::storage::Tx& tx) { return d_.staff.delete_role(tx, name, a, now); }))
      throw ApiError(refusal->status, refusal->code, refusal->message);
    co_return Response::json(200, "{}");
  }

  boost::asio::awaitable<Response> audit(Request& req, RequestContext& ctx) {
    co_await require(ctx, "audit.read");
    AuditFilter f;
    f.actor = req.query_param("actor").value_or("");
    f.action = req.query_param("action").value_or("");
    f.subject = req.query_param("subject").value_or("");
    f.cursor = req.query_param("cursor").value_or("");
    auto number = [&](const char* name, std::int64_t fallback) -> std::int64_t {
      auto v = req.query_param(name);
      if (!v || v->empty()) return fallback;
      try {
        std::size_t used = 0;
        const auto n = std::stoll(*v, &used);
        if (used == v->size() && n >= 0) return n;
      } catch (const std::exception&) {
      }
      throw ApiError(400, "AUTH_BAD_QUERY", std::string("查询参数不合法：") + name);
    };
    f.from_ms = number("from_ms", 0);
    f.to_ms = number("to_ms", 0);
    f.limit = static_cast<int>(std::min<std::int64_t>(number("limit", 50), 200));
    auto page = co_await d_.db.read([&](core::storage::Tx& tx) { return d_.auth.audit_page(tx, f); });
    co_return Response::json(200, core::json::serialize(page));
  }

  StaffApiDeps d_;
  std::string dummy_hash_;
};

}  // namespace

void add_staff_routes(core::http::Router& router, StaffApiDeps deps) {
  auto api = std::make_shared<StaffApi>(std::move(deps));
  api->add(router, api);
}

}  // namespace zt::services::auth
