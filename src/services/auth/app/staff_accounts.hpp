#pragma once
// The staff use cases (工作人员): sign-in with password + TOTP, the signed-in member's profile,
// password and sign-out, and — for holders of staff.manage — accounts, roles and credential
// resets; the audit trail for holders of audit.read. Who asks always comes from the verified
// identity in the request context; permissions are checked here against the accounts as they are
// now (not only the token's copy), on top of the gateway's route rules, whoever calls.
//
// Each returns what the handler answers or throws ApiError with the service's code; the handlers
// (handlers/staff_handlers.cpp) read the request, set the refresh cookie and mark credentials
// no-store.
#include <boost/asio/awaitable.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "core/http/context.hpp"
#include "core/net/blocking.hpp"
#include "core/storage/database.hpp"
#include "services/auth/api_types.hpp"
#include "services/auth/app/attempts.hpp"
#include "services/auth/app/tokens.hpp"
#include "services/auth/domain/password.hpp"
#include "services/auth/store/auth_store.hpp"
#include "services/auth/store/staff_store.hpp"

namespace zt::services::auth {

// A staff sign-in answered: the session (its refresh token) and the tokens.
struct StaffSignedIn {
  SignedIn session;
  StaffTokens tokens;
};

class StaffAccounts {
 public:
  StaffAccounts(core::storage::Database& db, AuthStore& auth, StaffStore& staff, const TokenIssuer& tokens,
                Attempts& attempts, core::WorkPool& passwords, Argon2Params argon2, std::string totp_issuer);

  // A signed-in staff member whose session is still open and whose account grants `permission`
  // now ("" for any staff member): 401 AUTH_STAFF_SIGN_IN_REQUIRED / AUTH_STAFF_SESSION_ENDED,
  // 403 AUTH_FORBIDDEN.
  // `permission` is a literal (it outlives the coroutine).
  boost::asio::awaitable<StaffClaims> require(const core::http::RequestContext& ctx, std::string_view permission);

  boost::asio::awaitable<StaffSignedIn> sign_in(const StaffSignIn& in, const core::http::RequestContext& ctx);
  boost::asio::awaitable<StaffProfile> me(const core::http::RequestContext& ctx);
  boost::asio::awaitable<void> change_password(const PasswordChange& in, const core::http::RequestContext& ctx);
  boost::asio::awaitable<void> logout(const core::http::RequestContext& ctx);

  boost::asio::awaitable<StaffList> list(const core::http::RequestContext& ctx);
  // A new account, or new credentials for one: shown once (Enrolment).
  boost::asio::awaitable<Enrolment> create(const NewStaff& in, const core::http::RequestContext& ctx);
  boost::asio::awaitable<Enrolment> reset(const std::string& id, const core::http::RequestContext& ctx);
  boost::asio::awaitable<Staff> update(const std::string& id, const StaffPatch& in,
                                       const core::http::RequestContext& ctx);
  boost::asio::awaitable<void> unlock(const std::string& id, const core::http::RequestContext& ctx);

  boost::asio::awaitable<RoleList> roles(const core::http::RequestContext& ctx);
  boost::asio::awaitable<Role> put_role(const std::string& name, const RoleBody& in,
                                        const core::http::RequestContext& ctx);
  boost::asio::awaitable<void> delete_role(const std::string& name, const core::http::RequestContext& ctx);

  boost::asio::awaitable<AuditPage> audit(const AuditQuery& query, const core::http::RequestContext& ctx);

 private:
  // A new password and TOTP secret, the password hashed off the io thread: {hash, secret}.
  boost::asio::awaitable<std::pair<std::string, std::string>> new_credentials(std::string& password);

  core::storage::Database& db_;
  AuthStore& auth_;
  StaffStore& staff_;
  const TokenIssuer& tokens_;
  Attempts& attempts_;
  core::WorkPool& passwords_;
  Argon2Params argon2_;
  std::string totp_issuer_;  // shown in authenticator apps
  std::string dummy_hash_;   // what an unknown name's password is checked against
};

}  // namespace zt::services::auth
