#include "services/auth/handlers/customer_handlers.hpp"

#include <string>

#include "core/http/error.hpp"
#include "core/http/router.hpp"
#include "core/json/json.hpp"
#include "core/util/time.hpp"
#include "services/auth/app/customer_sessions.hpp"
#include "services/auth/app/requester.hpp"
#include "services/auth/handlers/refresh_cookie.hpp"
#include "services/auth/store/signing_keys.hpp"

namespace zt::services::auth {

namespace {

using core::http::ApiError;
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

// A cursor of the revocations feed: "<at_ms>.<session id>", or a time alone (since_ms).
std::pair<std::int64_t, std::string> revocation_cursor(const Request& req) {
  std::int64_t after_ms = 0;
  std::string after_id;
  if (auto c = req.query_param("after"); c && !c->empty()) {
    const auto dot = c->find('.');
    try {
      after_ms = std::stoll(c->substr(0, dot));
    } catch (const std::exception&) {
      throw ApiError(400, "AUTH_BAD_CURSOR", "分页游标无效");
    }
    if (dot != std::string::npos) after_id = c->substr(dot + 1);
  } else if (auto since = req.query_param("since_ms"); since && !since->empty()) {
    try {
      after_ms = std::stoll(*since);
    } catch (const std::exception&) {
      throw ApiError(400, "AUTH_BAD_CURSOR", "分页游标无效");
    }
  }
  return {after_ms, after_id};
}

// The answer to a sign-in or refresh: the tokens, with the refresh token in an HttpOnly cookie
// when the web app asks for one (refresh_cookie.hpp) and then not in the body.
template <class T>
Response signed_in(const Request& req, T tokens, const CustomerApp& app) {
  const CookieFor cookie = cookie_requested(req);
  const std::string refresh = tokens.refresh_token;
  if (cookie != CookieFor::kNone) tokens.refresh_token.clear();
  auto res = ok(tokens);
  set_refresh_cookie(res, cookie, refresh, app.refresh_ttl, app.secure_cookies);
  no_store(res);
  return res;
}

}  // namespace

void add_customer_routes(core::http::Router& r, CustomerApp app) {
  CustomerSessions& s = app.sessions;
  r.add(Method::kGet, kBase + "/jwks", [keys = &app.keys](Request&, RequestContext&) -> Reply {
    auto res = Response::json(200, keys->jwks(core::unix_millis()));
    res.headers.set("cache-control", "public, max-age=60");
    co_return res;
  });
  r.add(Method::kGet, kBase + "/agreements", [](Request&, RequestContext&) -> Reply {
    AgreementList list{current_agreements()};
    auto res = ok(list);
    res.headers.set("cache-control", "public, max-age=300");
    co_return res;
  });
  r.add(Method::kPost, kBase + "/sms-codes", [&s](Request& req, RequestContext& ctx) -> Reply {
    const auto body = core::json::parse<CodeRequest>(req.body);
    auto sent = co_await s.send_code(body, ctx);
    auto res = ok(sent);
    no_store(res);  // a sandbox's answer carries the code
    co_return res;
  });
  r.add(Method::kPost, kBase + "/sessions", [&s, app](Request& req, RequestContext& ctx) -> Reply {
    const auto body = core::json::parse<SignInRequest>(req.body);
    auto tokens = co_await s.sign_in(body, ctx);
    co_return signed_in(req, std::move(tokens), app);
  });
  r.add(Method::kPost, kBase + "/sessions/password", [&s, app](Request& req, RequestContext& ctx) -> Reply {
    const auto body = core::json::parse<PasswordSignIn>(req.body);
    auto tokens = co_await s.password_sign_in(body, ctx);
    co_return signed_in(req, std::move(tokens), app);
  });
  r.add(Method::kPost, kBase + "/me/password-codes", [&s](Request&, RequestContext& ctx) -> Reply {
    require_signed_in_customer(ctx);
    auto sent = co_await s.send_password_code(ctx);
    auto res = ok(sent);
    no_store(res);  // a sandbox's answer carries the code
    co_return res;
  });
  r.add(Method::kPut, kBase + "/me/password", [&s](Request& req, RequestContext& ctx) -> Reply {
    require_signed_in_customer(ctx);
    const auto body = core::json::parse<CustomerPassword>(req.body);
    co_await s.set_password(body, ctx);
    co_return Response::json(200, R"({"message":"密码已设置，其他设备已退出登录"})");
  });
  r.add(Method::kPost, kBase + "/password-resets", [&s](Request& req, RequestContext& ctx) -> Reply {
    const auto body = core::json::parse<PasswordReset>(req.body);
    co_await s.reset_password(body, ctx);
    co_return Response::json(200, R"({"message":"密码已重置，请使用新密码登录"})");
  });
  // Service only (x-zt-access in openapi.yaml): the gateways refuse these sessions' access
  // tokens until the tokens expire anyway.
  r.add(Method::kGet, kBase + "/sessions/revoked", [&s](Request& req, RequestContext&) -> Reply {
    const auto [after_ms, after_id] = revocation_cursor(req);
    auto page = co_await s.revoked(after_ms, after_id);
    co_return ok(page);
  });
  r.add(Method::kPost, kBase + "/tokens/refresh", [&s, app](Request& req, RequestContext& ctx) -> Reply {
    const auto body = core::json::parse<RefreshRequest>(req.body);
    const CookieFor cookie = cookie_requested(req);
    const std::string token = body.refresh_token.value_or(refresh_from_cookie(req, cookie).value_or(""));
    auto refreshed = co_await s.refresh(token, ctx);
    if (auto* no = std::get_if<Refusal>(&refreshed)) {
      auto refused = Response::json(no->status, core::http::error_body(no->code, no->message, ctx.trace_id));
      clear_refresh_cookie(refused, cookie, app.secure_cookies);  // a refused cookie is of no further use
      co_return refused;
    }
    if (auto* staff = std::get_if<StaffTokens>(&refreshed)) co_return signed_in(req, std::move(*staff), app);
    co_return signed_in(req, std::get<Tokens>(std::move(refreshed)), app);
  });
  r.add(Method::kPost, kBase + "/me/logout", [&s, app](Request& req, RequestContext& ctx) -> Reply {
    require_signed_in_customer(ctx);
    co_await s.logout(ctx);
    auto res = Response::json(200, "{}");
    clear_refresh_cookie(res, cookie_requested(req), app.secure_cookies);
    co_return res;
  });
  r.add(Method::kGet, kBase + "/me", [&s](Request&, RequestContext& ctx) -> Reply {
    require_signed_in_customer(ctx);
    auto profile = co_await s.profile(ctx);
    co_return ok(profile);
  });
  r.add(Method::kGet, kBase + "/me/agreements", [&s](Request&, RequestContext& ctx) -> Reply {
    require_signed_in_customer(ctx);
    auto list = co_await s.consents(ctx);
    co_return ok(list);
  });
  r.add(Method::kGet, kBase + "/me/sessions", [&s](Request&, RequestContext& ctx) -> Reply {
    require_signed_in_customer(ctx);
    auto list = co_await s.sessions(ctx);
    co_return ok(list);
  });
  r.add(Method::kDelete, kBase + "/me/sessions/{id}", [&s](Request&, RequestContext& ctx) -> Reply {
    require_signed_in_customer(ctx);
    const std::string id(ctx.param("id").value_or(""));
    co_await s.end_session(id, ctx);
    co_return Response::json(200, "{}");
  });
}

}  // namespace zt::services::auth
