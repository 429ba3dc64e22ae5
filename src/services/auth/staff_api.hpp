#pragma once
// The auth service's staff endpoints (工作人员): sign-in with password + TOTP, own profile and
// password, and — for holders of staff.manage — accounts, roles and credential resets; the audit
// trail for holders of audit.read. Permissions are checked here against the accounts as they
// are now (not only the token's copy), on top of the gateway's route rules.
#include <chrono>
#include <functional>
#include <string>

#include "core/http/router.hpp"
#include "core/storage/database.hpp"
#include "core/net/blocking.hpp"
#include "services/auth/api_types.hpp"
#include "services/auth/password.hpp"

namespace zt::services::auth {

struct StaffApiDeps {
  core::storage::Database& db;
  AuthStore& auth;
  StaffStore& staff;
  Argon2Params argon2;
  std::string totp_issuer;  // shown in authenticator apps
  // Signs a staff access token for a session with these claims.
  std::function<StaffTokens(const SignedIn&, const StaffClaims&)> sign;
  // argon2 runs here, on its own small pool.
  core::WorkPool& passwords;
  // Sign-in attempts per client address (throws 429 past the limit).
  std::function<void(const core::http::RequestContext&, const std::string& subject)> throttle;
  std::chrono::milliseconds refresh_ttl{0};
  bool secure_cookies = false;
};

void add_staff_routes(core::http::Router& router, StaffApiDeps deps);

// A fresh password that meets the staff policy (16 characters from four classes).
std::string generate_staff_password();
// Makes an account with a generated password and TOTP secret, outside any request (the
// `zhongtai admin create` command and the sandbox's first start).
Enrolment enrol_staff(core::storage::Database& db, StaffStore& staff, const Argon2Params& argon2,
                      const std::string& totp_issuer, const std::string& username, const std::string& display_name,
                      const std::vector<std::string>& roles, const Audit& who);

}  // namespace zt::services::auth
