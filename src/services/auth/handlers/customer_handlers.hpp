#pragma once
// The auth service's customer API (openapi.yaml beside the component): the JWKS, SMS codes,
// sign-in by code or password, passwords, token refresh (the web apps' refresh cookie set and
// cleared here, handlers/refresh_cookie.hpp), sign-out, the customer's profile and sessions, and
// the revocations the gateways poll. Handlers read the request, guard it and answer; the use
// cases are in app/customer_sessions.hpp.
#include <chrono>

namespace zt::core::http {
class Router;
}

namespace zt::services::auth {

class CustomerSessions;
class SigningKeys;

struct CustomerApp {
  CustomerSessions& sessions;
  const SigningKeys& keys;
  std::chrono::milliseconds refresh_ttl;  // the refresh cookie's lifetime
  bool secure_cookies = false;
};

void add_customer_routes(core::http::Router& router, CustomerApp app);

}  // namespace zt::services::auth
