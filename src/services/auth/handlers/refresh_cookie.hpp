#pragma once
// The refresh token as the web apps keep it (docs/security.md): in an HttpOnly, SameSite=Strict
// cookie scoped to the refresh path, never where a script could read it. An app asks for it with
// the header `X-Refresh-Cookie: customer` (the H5 app) or `staff` (the console) on sign-in,
// refresh and logout; the answer then sets (or clears) the cookie and its body carries an empty
// refresh_token. Other clients (native apps) keep the refresh token from the body as before.
//
// The header is also the CSRF guard: a form on another site cannot send it, and SameSite=Strict
// keeps the cookie off cross-site requests anyway.
#include <chrono>
#include <optional>
#include <string>

#include "core/http/message.hpp"

namespace zt::services::auth {

enum class CookieFor { kNone, kCustomer, kStaff };

inline constexpr const char* kRefreshCookiePath = "/api/auth/v1/tokens";

// What the request asks for ("X-Refresh-Cookie").
CookieFor cookie_requested(const core::http::Request& req);
// The refresh token the request's cookie carries for that kind of caller.
std::optional<std::string> refresh_from_cookie(const core::http::Request& req, CookieFor kind);
void set_refresh_cookie(core::http::Response& res, CookieFor kind, const std::string& token, std::chrono::milliseconds ttl,
                        bool secure);
void clear_refresh_cookie(core::http::Response& res, CookieFor kind, bool secure);

// Marks an answer that carries credentials (tokens, a first password, a TOTP secret): kept by no
// browser cache or proxy (Cache-Control: no-store, as RFC 6749 §5.1 asks of token answers).
inline void no_store(core::http::Response& res) {
  res.headers.set("cache-control", "no-store");
  res.headers.set("pragma", "no-cache");
}

}  // namespace zt::services::auth
