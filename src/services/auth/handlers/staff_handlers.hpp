#pragma once
// The auth service's staff endpoints (工作人员): sign-in with password + TOTP, own profile and
// password, and — for holders of staff.manage — accounts, roles and credential resets; the audit
// trail for holders of audit.read. Permissions are checked here against the accounts as they
// are now (not only the token's copy), on top of the gateway's route rules.
#include <chrono>
#include <string>

#include "core/http/router.hpp"
#include "core/storage/database.hpp"
#include "core/net/blocking.hpp"
#include "services/auth/api_types.hpp"
#include "services/auth/app/attempts.hpp"
#include "services/auth/app/tokens.hpp"
#include "services/auth/domain/password.hpp"

namespace zt::services::auth {

struct StaffApiDeps {
  core::storage::Database& db;
  AuthStore& auth;
  StaffStore& staff;
  Argon2Params argon2;
  std::string totp_issuer;  // shown in authenticator apps
  // Signs a staff access token for a session with these claims.
  const TokenIssuer& tokens;
  // argon2 runs here, on its own small pool.
  core::WorkPool& passwords;
  // Sign-in attempts per client address and account (throws 429 past the limit).
  Attempts& attempts;
  std::chrono::milliseconds refresh_ttl{0};
  bool secure_cookies = false;
};

void add_staff_routes(core::http::Router& router, StaffApiDeps deps);

}  // namespace zt::services::auth
