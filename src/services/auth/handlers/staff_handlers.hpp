#pragma once
// The auth service's staff API (openapi.yaml beside the component): sign-in with password + TOTP,
// own profile, password and sign-out, accounts, roles, credential resets and the audit trail.
// Handlers read the request and answer (the refresh cookie, credentials no-store); the use cases
// and their permission checks are in app/staff_accounts.hpp.
#include <chrono>

namespace zt::core::http {
class Router;
}

namespace zt::services::auth {

class StaffAccounts;

struct StaffApp {
  StaffAccounts& accounts;
  std::chrono::milliseconds refresh_ttl;  // the refresh cookie's lifetime
  bool secure_cookies = false;
};

void add_staff_routes(core::http::Router& router, StaffApp app);

}  // namespace zt::services::auth
