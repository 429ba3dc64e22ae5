#pragma once
// Staff accounts (工作人员), roles and permissions — the auth service's rules on its staff tables
// (framework-free; each method runs inside one transaction the caller opens).
//
// Permissions are a fixed catalogue the code checks; roles are named sets of them that an admin
// edits (the built-in `admin` role always holds every permission). A staff member has one or more
// roles; their permissions are the union. Tokens carry both, computed at sign-in and at each
// refresh, so a role change reaches a staff member within one access-token lifetime.
//
// Sign-in is password + TOTP (RFC 6238). It runs in three steps so the argon2 hash (tens of ms)
// runs outside any transaction: login_record() reads, the caller verifies, finish_login() records
// the outcome — a TOTP step is accepted once (a replayed code is refused even if the password is
// right), `max_tries` failures in a row lock the account for lockout_base × 2^(strikes−1) (≤ 24 h).
// An unknown user name fails exactly like a wrong password.
//
// There is always at least one enabled staff member holding `staff.manage`: changes that would
// leave none are refused.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/crypto/seal.hpp"
#include "services/auth/store/auth_store.hpp"

namespace zt::services::auth {

struct Permission {
  std::string_view name;
  std::string_view title;  // Chinese, for the console
};
const std::vector<Permission>& permission_catalogue();
bool is_permission(std::string_view name);

struct Role {
  std::string name;
  std::string title;
  std::vector<std::string> permissions;
  bool builtin = false;
};

struct Staff {
  std::string id;
  std::string username;
  std::string display_name;
  std::vector<std::string> roles;
  bool disabled = false;
  bool password_change_required = false;
  std::int64_t locked_until_ms = 0;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
};

struct StaffClaims {
  std::vector<std::string> roles;
  std::vector<std::string> permissions;  // empty while the password must be changed
  bool password_change_required = false;
};

struct StaffLoginRecord {
  std::string id;
  std::string password_hash;
  std::string totp_secret;
};

struct StaffChange {
  std::optional<std::string> display_name;
  std::optional<std::vector<std::string>> roles;
  std::optional<bool> disabled;
};

class StaffStore {
 public:
  StaffStore(const core::crypto::KeyRing& keys, AuthStore& auth) : keys_(keys), auth_(auth) {}

  // The built-in roles, added when missing (their permissions are not reset once there).
  void seed_roles(core::storage::Tx& tx, std::int64_t now_ms);
  std::int64_t count(core::storage::Tx& tx) const;

  // Checks a new account's fields before the caller spends a password hash on it.
  std::optional<Refusal> check_new(core::storage::Tx& tx, const std::string& username, const std::string& display_name,
                                   const std::vector<std::string>& roles) const;
  std::variant<Staff, Refusal> create(core::storage::Tx& tx, const std::string& username, const std::string& display_name,
                                      const std::vector<std::string>& roles, const std::string& password_hash,
                                      const std::string& totp_secret, const Audit& who, std::int64_t now_ms);

  // Sign-in step 1: what to verify; nullopt for an unknown name. A locked or disabled account is a
  // refusal here (before any hash is spent).
  std::variant<std::optional<StaffLoginRecord>, Refusal> login_record(core::storage::Tx& tx, const std::string& username,
                                                                       std::int64_t now_ms) const;
  // Step 3: records the outcome; on success opens a session.
  std::variant<SignedIn, Refusal> finish_login(core::storage::Tx& tx, const std::string& username, const std::string& staff_id,
                                               bool password_ok, std::optional<std::int64_t> totp_step, const std::string& device,
                                               const Audit& who, std::int64_t now_ms);

  // Current roles and permissions of an enabled account; nullopt when disabled or unknown.
  std::optional<StaffClaims> claims(core::storage::Tx& tx, const std::string& staff_id) const;
  std::optional<Staff> get(core::storage::Tx& tx, const std::string& staff_id) const;
  std::optional<std::string> password_hash(core::storage::Tx& tx, const std::string& staff_id) const;
  std::vector<Staff> list(core::storage::Tx& tx) const;
  std::variant<Staff, Refusal> update(core::storage::Tx& tx, const std::string& staff_id, const StaffChange& change, const Audit& who,
                                      std::int64_t now_ms);
  // New password (to be changed at first sign-in) and new TOTP secret; every session ends.
  std::variant<Staff, Refusal> reset_credentials(core::storage::Tx& tx, const std::string& staff_id, const std::string& password_hash,
                                                 const std::string& totp_secret, const Audit& who, std::int64_t now_ms);
  bool unlock(core::storage::Tx& tx, const std::string& staff_id, const Audit& who, std::int64_t now_ms);
  void set_password(core::storage::Tx& tx, const std::string& staff_id, const std::string& password_hash, const Audit& who,
                    std::int64_t now_ms);

  std::vector<Role> roles(core::storage::Tx& tx) const;
  std::variant<Role, Refusal> put_role(core::storage::Tx& tx, const std::string& name, const std::string& title,
                                       const std::vector<std::string>& permissions, const Audit& who, std::int64_t now_ms);
  std::optional<Refusal> delete_role(core::storage::Tx& tx, const std::string& name, const Audit& who, std::int64_t now_ms);

 private:
  std::optional<Refusal> unknown_roles(core::storage::Tx& tx, const std::vector<std::string>& roles) const;
  // Throws ApiError 409 AUTH_LAST_ADMIN (rolling the transaction back) when no enabled account
  // holds staff.manage any more.
  void keep_an_admin(core::storage::Tx& tx) const;
  std::vector<std::string> permissions_of(core::storage::Tx& tx, const std::vector<std::string>& roles) const;
  void end_sessions(core::storage::Tx& tx, const std::string& staff_id, const std::string& reason, std::int64_t now_ms);

  const core::crypto::KeyRing& keys_;
  AuthStore& auth_;
};

std::string join(const std::vector<std::string>& items, char sep = ',');
std::vector<std::string> split(std::string_view text, char sep = ',');

}  // namespace zt::services::auth
