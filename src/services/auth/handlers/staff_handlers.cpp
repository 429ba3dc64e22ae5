#include "services/auth/handlers/staff_handlers.hpp"

#include <string>

#include "core/http/error.hpp"
#include "core/http/refusal.hpp"
#include "core/http/router.hpp"
#include "core/json/json.hpp"
#include "services/auth/app/customer_desk.hpp"
#include "services/auth/app/requester.hpp"
#include "services/auth/app/staff_accounts.hpp"
#include "services/auth/handlers/refresh_cookie.hpp"

namespace zt::services::auth {

namespace {

using core::http::ApiError;
using core::http::value_or_throw;
using core::http::Method;
using core::http::Request;
using core::http::RequestContext;
using core::http::Response;
using Reply = boost::asio::awaitable<Response>;

const std::string kBase = "/api/auth/v1";

template <class T>
Response ok(const T& value) {
  return Response::json(200, core::json::serialize(value));
}

// The one-time enrolment as answered: a first password and a TOTP secret, cached nowhere.
Response enrolment(int status, const Enrolment& e) {
  auto res = Response::json(status, core::json::serialize(e));
  no_store(res);
  return res;
}

std::string param(const RequestContext& ctx, const char* name) { return std::string(ctx.param(name).value_or("")); }


}  // namespace

void add_staff_routes(core::http::Router& r, StaffApp app) {
  StaffAccounts& accounts = app.accounts;

  r.add(Method::kPost, kBase + "/staff/sessions", [&accounts, app](Request& req, RequestContext& ctx) -> Reply {
    const auto body = core::json::parse<StaffSignIn>(req.body);
    StaffSignedIn s = co_await accounts.sign_in(body, ctx);
    const CookieFor cookie = cookie_requested(req);
    if (cookie != CookieFor::kNone) s.tokens.refresh_token.clear();  // the cookie carries it
    auto res = ok(s.tokens);
    set_refresh_cookie(res, cookie, s.session.refresh_token, app.refresh_ttl, app.secure_cookies);
    no_store(res);
    co_return res;
  });
  r.add(Method::kGet, kBase + "/staff/me", [&accounts](Request&, RequestContext& ctx) -> Reply {
    StaffProfile profile = co_await accounts.me(ctx);
    co_return ok(profile);
  });
  r.add(Method::kPost, kBase + "/staff/me/password", [&accounts](Request& req, RequestContext& ctx) -> Reply {
    require_signed_in_staff(ctx);  // before reading a body
    const auto body = core::json::parse<PasswordChange>(req.body);
    co_await accounts.change_password(body, ctx);
    co_return Response::json(200, R"({"message":"密码已修改，请刷新登录凭证"})");
  });
  r.add(Method::kPost, kBase + "/staff/me/logout", [&accounts, app](Request& req, RequestContext& ctx) -> Reply {
    co_await accounts.logout(ctx);
    auto res = Response::json(200, "{}");
    clear_refresh_cookie(res, cookie_requested(req), app.secure_cookies);
    co_return res;
  });
  r.add(Method::kGet, kBase + "/staff", [&accounts](Request&, RequestContext& ctx) -> Reply {
    StaffList list = co_await accounts.list(ctx);
    co_return ok(list);
  });
  r.add(Method::kPost, kBase + "/staff", [&accounts](Request& req, RequestContext& ctx) -> Reply {
    require_signed_in_staff(ctx);  // before reading a body
    const auto body = core::json::parse<NewStaff>(req.body);
    Enrolment e = co_await accounts.create(body, ctx);
    co_return enrolment(201, e);
  });
  r.add(Method::kPatch, kBase + "/staff/{id}", [&accounts](Request& req, RequestContext& ctx) -> Reply {
    require_signed_in_staff(ctx);
    const auto body = core::json::parse<StaffPatch>(req.body);
    const std::string id = param(ctx, "id");  // named: a temporary would not outlive the co_await (g++ 12)
    Staff s = co_await accounts.update(id, body, ctx);
    co_return ok(s);
  });
  r.add(Method::kPost, kBase + "/staff/{id}/credentials", [&accounts](Request&, RequestContext& ctx) -> Reply {
    const std::string id = param(ctx, "id");
    Enrolment e = co_await accounts.reset(id, ctx);
    co_return enrolment(200, e);
  });
  r.add(Method::kPost, kBase + "/staff/{id}/unlock", [&accounts](Request&, RequestContext& ctx) -> Reply {
    const std::string id = param(ctx, "id");
    co_await accounts.unlock(id, ctx);
    co_return Response::json(200, "{}");
  });
  CustomerDesk& desk = app.desk;
  r.add(Method::kGet, kBase + "/customers", [&desk](Request& req, RequestContext& ctx) -> Reply {
    require_signed_in_staff(ctx);
    const std::string q = req.query_param("q").value_or("");
    CustomerMatches found = co_await desk.search(q, ctx);
    auto res = ok(found);
    no_store(res);
    co_return res;
  });
  r.add(Method::kGet, kBase + "/customers/{id}", [&desk](Request&, RequestContext& ctx) -> Reply {
    require_signed_in_staff(ctx);
    const std::string id = param(ctx, "id");
    CustomerOverview seen = co_await desk.view(id, ctx);
    auto res = ok(seen);
    no_store(res);
    co_return res;
  });
  r.add(Method::kPost, kBase + "/customers/{id}/sessions/end", [&desk](Request& req, RequestContext& ctx) -> Reply {
    require_signed_in_staff(ctx);  // before reading a body
    const auto body = core::json::parse<StaffReason>(req.body);
    const std::string id = param(ctx, "id");
    CustomerOverview after = co_await desk.end_sessions(id, body, ctx);
    co_return ok(after);
  });
  r.add(Method::kPost, kBase + "/customers/{id}/unlock", [&desk](Request& req, RequestContext& ctx) -> Reply {
    require_signed_in_staff(ctx);
    const auto body = core::json::parse<StaffReason>(req.body);
    const std::string id = param(ctx, "id");
    CustomerOverview after = co_await desk.unlock(id, body, ctx);
    co_return ok(after);
  });
  r.add(Method::kGet, kBase + "/roles", [&accounts](Request&, RequestContext& ctx) -> Reply {
    RoleList roles = co_await accounts.roles(ctx);
    co_return ok(roles);
  });
  r.add(Method::kPut, kBase + "/roles/{name}", [&accounts](Request& req, RequestContext& ctx) -> Reply {
    require_signed_in_staff(ctx);
    const auto body = core::json::parse<RoleBody>(req.body);
    const std::string name = param(ctx, "name");
    Role role = co_await accounts.put_role(name, body, ctx);
    co_return ok(role);
  });
  r.add(Method::kDelete, kBase + "/roles/{name}", [&accounts](Request&, RequestContext& ctx) -> Reply {
    const std::string name = param(ctx, "name");
    co_await accounts.delete_role(name, ctx);
    co_return Response::json(200, "{}");
  });
  r.add(Method::kGet, kBase + "/audit", [&accounts](Request& req, RequestContext& ctx) -> Reply {
    require_signed_in_staff(ctx);
    const AuditQuery query =
        value_or_throw(core::storage::audit_query([&req](const char* name) { return req.query_param(name); }, "AUTH"));
    AuditPage page = co_await accounts.audit(query, ctx);
    co_return ok(page);
  });
}

}  // namespace zt::services::auth
