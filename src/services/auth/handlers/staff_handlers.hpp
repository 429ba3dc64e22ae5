#pragma once
// The auth service's staff API (openapi.yaml beside the component): sign-in with password + TOTP,
// own profile, password and sign-out, accounts, roles, credential resets, the audit trail, and
// customer service's desk (customers found, viewed, signed out, unlocked).
// Handlers read the request and answer (the refresh cookie, credentials no-store); the use cases
// and their permission checks are in app/staff_accounts.hpp.
#include <chrono>

namespace zt::core::http {
class Router;
}

namespace zt::services::auth {

class StaffAccounts;
class CustomerDesk;

struct StaffApp {
  StaffAccounts& accounts;
  CustomerDesk& desk;  // customer service: search, view, end sessions, unlock
  std::chrono::milliseconds refresh_ttl;  // the refresh cookie's lifetime
  bool secure_cookies = false;
};

void add_staff_routes(core::http::Router& router, StaffApp app);

}  // namespace zt::services::auth
