#include "services/auth/handlers/refresh_cookie.hpp"

#include <fmt/format.h>

namespace zt::services::auth {

namespace {

const char* cookie_name(CookieFor kind) { return kind == CookieFor::kStaff ? "zt_staff_refresh" : "zt_refresh"; }

std::string attributes(std::chrono::milliseconds max_age, bool secure) {
  return fmt::format("; Path={}; Max-Age={}; HttpOnly; SameSite=Strict{}", kRefreshCookiePath, max_age.count() / 1000,
                     secure ? "; Secure" : "");
}

}  // namespace

CookieFor cookie_requested(const core::http::Request& req) {
  const auto h = req.headers.get("x-refresh-cookie");
  if (!h) return CookieFor::kNone;
  if (*h == "customer") return CookieFor::kCustomer;
  if (*h == "staff") return CookieFor::kStaff;
  return CookieFor::kNone;
}

std::optional<std::string> refresh_from_cookie(const core::http::Request& req, CookieFor kind) {
  if (kind == CookieFor::kNone) return std::nullopt;
  const std::string name = std::string(cookie_name(kind)) + "=";
  for (const auto& [k, v] : req.headers.fields()) {
    if (!core::http::iequals(k, "cookie")) continue;
    std::string_view rest = v;
    while (!rest.empty()) {
      const auto semi = rest.find(';');
      std::string_view pair = rest.substr(0, semi);
      while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
      if (pair.starts_with(name)) return std::string(pair.substr(name.size()));
      if (semi == std::string_view::npos) break;
      rest.remove_prefix(semi + 1);
    }
  }
  return std::nullopt;
}

void set_refresh_cookie(core::http::Response& res, CookieFor kind, const std::string& token, std::chrono::milliseconds ttl,
                        bool secure) {
  if (kind == CookieFor::kNone) return;
  res.headers.add("set-cookie", std::string(cookie_name(kind)) + "=" + token + attributes(ttl, secure));
}

void clear_refresh_cookie(core::http::Response& res, CookieFor kind, bool secure) {
  if (kind == CookieFor::kNone) return;
  res.headers.add("set-cookie", std::string(cookie_name(kind)) + "=" + attributes(std::chrono::milliseconds(0), secure));
}

}  // namespace zt::services::auth
