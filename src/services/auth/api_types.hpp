#pragma once
// The auth service's request and response bodies (JSON through Boost.Describe).
#include <boost/describe.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "services/auth/store/auth_store.hpp"
#include "services/auth/store/staff_store.hpp"

namespace zt::services::auth {

// ---- customers: codes, sign-in, passwords, sessions
struct CodeRequest {
  std::string mobile;
  std::optional<std::string> purpose;  // login (default) | reset
};
BOOST_DESCRIBE_STRUCT(CodeRequest, (), (mobile, purpose))
struct CodeSent {
  std::string mobile;  // masked
  std::int64_t expires_in_s = 0;
  std::int64_t resend_after_s = 0;
  // Sandbox mode only (node.sandbox, and the notify service's sandbox took the message: no real
  // phone got it): the code itself, to whoever asked for it — a sign-in code, or a signed-in
  // customer's code to their own number; never a reset's. Otherwise null.
  std::optional<std::string> sandbox_code;
};
BOOST_DESCRIBE_STRUCT(CodeSent, (), (mobile, expires_in_s, resend_after_s, sandbox_code))
BOOST_DESCRIBE_STRUCT(AgreementRef, (), (id, version))
// Signing in: the agreements the customer ticked (GET /agreements lists the current ones). Needed
// at sign-up and after a new version shipped; otherwise the acceptance on record stands.
struct SignInRequest {
  std::string mobile;
  std::string code;
  std::optional<std::string> device;
  std::optional<std::vector<AgreementRef>> agreements;
};
BOOST_DESCRIBE_STRUCT(SignInRequest, (), (mobile, code, device, agreements))
struct PasswordSignIn {
  std::string mobile;
  std::string password;
  std::optional<std::string> device;
  std::optional<std::vector<AgreementRef>> agreements;
};
BOOST_DESCRIBE_STRUCT(PasswordSignIn, (), (mobile, password, device, agreements))
BOOST_DESCRIBE_STRUCT(Agreement, (), (id, title, version, text, digest))
struct AgreementList {
  std::vector<Agreement> items;
};
BOOST_DESCRIBE_STRUCT(AgreementList, (), (items))
BOOST_DESCRIBE_STRUCT(Consent, (), (agreement, title, version, digest, agreed_at_ms, ip, device))
struct ConsentList {
  std::vector<Consent> items;
};
BOOST_DESCRIBE_STRUCT(ConsentList, (), (items))

// ---- customer service (客服): app/customer_desk.hpp
BOOST_DESCRIBE_STRUCT(CustomerCard, (), (customer_id, mobile, created_at_ms, has_password, fund_account, code_locked_until_ms,
                                         password_locked_until_ms, active_sessions))
struct CustomerMatches {
  std::vector<CustomerCard> items;
};
BOOST_DESCRIBE_STRUCT(CustomerMatches, (), (items))
// A customer as staff see them: sessions with the address's last part hidden.
struct CustomerOverview {
  CustomerCard customer;
  std::vector<SessionInfo> sessions;
  std::vector<Consent> agreements;
};
BOOST_DESCRIBE_STRUCT(CustomerOverview, (), (customer, sessions, agreements))
struct StaffReason {
  std::string reason;
};
BOOST_DESCRIBE_STRUCT(StaffReason, (), (reason))
struct CustomerPassword {
  std::string password;
  std::string code;  // a fresh code sent to the customer's own number (POST /me/password-codes)
};
BOOST_DESCRIBE_STRUCT(CustomerPassword, (), (password, code))
struct PasswordReset {
  std::string mobile;
  std::string code;  // sent with purpose "reset" (POST /sms-codes)
  std::string password;
  std::optional<std::string> device;
};
BOOST_DESCRIBE_STRUCT(PasswordReset, (), (mobile, code, password, device))
struct RefreshRequest {
  std::optional<std::string> refresh_token;  // or the cookie (X-Refresh-Cookie)
};
BOOST_DESCRIBE_STRUCT(RefreshRequest, (), (refresh_token))
BOOST_DESCRIBE_STRUCT(SessionInfo, (), (id, device, ip, created_at_ms, last_used_ms, current))
BOOST_DESCRIBE_STRUCT(CustomerProfile, (), (customer_id, mobile, has_password, created_at_ms, fund_account))
struct SessionList {
  std::vector<SessionInfo> items;
};
BOOST_DESCRIBE_STRUCT(SessionList, (), (items))


struct Tokens {
  std::string access_token;
  std::string token_type = "Bearer";
  std::int64_t expires_in = 0;
  std::string refresh_token;
  std::string customer_id;
  std::string session_id;
  bool new_customer = false;
};
BOOST_DESCRIBE_STRUCT(Tokens, (), (access_token, token_type, expires_in, refresh_token, customer_id, session_id, new_customer))

struct StaffTokens {
  std::string access_token;
  std::string token_type = "Bearer";
  std::int64_t expires_in = 0;
  std::string refresh_token;
  std::string staff_id;
  std::string session_id;
  std::vector<std::string> roles;
  std::vector<std::string> permissions;
  bool password_change_required = false;
};
BOOST_DESCRIBE_STRUCT(StaffTokens, (), (access_token, token_type, expires_in, refresh_token, staff_id, session_id, roles, permissions,
                                        password_change_required))

struct StaffSignIn {
  std::string username;
  std::string password;
  std::string totp;
  std::optional<std::string> device;
};
BOOST_DESCRIBE_STRUCT(StaffSignIn, (), (username, password, totp, device))

struct PasswordChange {
  std::optional<std::string> current_password;
  std::string new_password;
};
BOOST_DESCRIBE_STRUCT(PasswordChange, (), (current_password, new_password))

struct NewStaff {
  std::string username;
  std::string display_name;
  std::vector<std::string> roles;
};
BOOST_DESCRIBE_STRUCT(NewStaff, (), (username, display_name, roles))

struct StaffPatch {
  std::optional<std::string> display_name;
  std::optional<std::vector<std::string>> roles;
  std::optional<bool> disabled;
};
BOOST_DESCRIBE_STRUCT(StaffPatch, (), (display_name, roles, disabled))

BOOST_DESCRIBE_STRUCT(Staff, (), (id, username, display_name, roles, disabled, password_change_required, locked_until_ms, created_at_ms,
                                  updated_at_ms))
struct StaffList {
  std::vector<Staff> items;
};
BOOST_DESCRIBE_STRUCT(StaffList, (), (items))

// Shown once, to hand over in person: the first password (to be changed at first sign-in) and
// the authenticator enrolment.
struct Enrolment {
  Staff staff;
  std::string initial_password;
  std::string totp_secret;  // base32
  std::string totp_uri;     // otpauth://
  // The QR code of totp_uri for an authenticator app to scan: its rows of modules, '1' dark and
  // '0' light, without the quiet zone (the app and the terminal each draw it their way).
  std::vector<std::string> totp_qr;
};
BOOST_DESCRIBE_STRUCT(Enrolment, (), (staff, initial_password, totp_secret, totp_uri, totp_qr))

// A name with the words staff read for it (a role, a permission).
struct Titled {
  std::string name;
  std::string title;
};
BOOST_DESCRIBE_STRUCT(Titled, (), (name, title))
struct StaffProfile {
  Staff staff;
  std::vector<std::string> permissions;
  // The staff member's roles and permissions in words, for their own home page (any staff member
  // reads these; the whole catalogue stays with staff.manage).
  std::vector<Titled> role_titles;
  std::vector<Titled> permission_titles;
};
BOOST_DESCRIBE_STRUCT(StaffProfile, (), (staff, permissions, role_titles, permission_titles))

BOOST_DESCRIBE_STRUCT(Role, (), (name, title, permissions, builtin))
struct RoleBody {
  std::string title;
  std::vector<std::string> permissions;
};
BOOST_DESCRIBE_STRUCT(RoleBody, (), (title, permissions))
struct PermissionInfo {
  std::string name;
  std::string title;
};
BOOST_DESCRIBE_STRUCT(PermissionInfo, (), (name, title))
struct RoleList {
  std::vector<Role> items;
  std::vector<PermissionInfo> permissions;
};
BOOST_DESCRIBE_STRUCT(RoleList, (), (items, permissions))


}  // namespace zt::services::auth
