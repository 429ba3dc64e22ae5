#pragma once
// The auth service's rules on its tables (framework-free; each method runs inside one transaction
// the caller opens, so a check and the write it guards are one step).
//
// SMS codes (短信验证码): 6 digits, `code_ttl` to live, at most `max_tries` wrong tries, one per
// `resend_cooldown` per number, at most `codes_per_mobile` per number and `codes_per_ip` per client
// address in any 24 hours. A code that runs out of tries is burned; each burned code locks the number
// for `lockout_base` × 2^(burned−1) (capped at 24 h): signing in and asking for codes wait.
// Sign-in with a valid code signs a new customer up. Sessions hold refresh tokens that rotate on
// every use; presenting a used one again (or one token twice at once) is taken as theft: the
// whole session is revoked. Every counter here (tries, burned codes, password failures, a token's
// use) moves in one conditional statement, never read here and written back: PostgreSQL runs
// READ COMMITTED, and parallel requests must each count.
// Passwords: wrong ones are counted per number, known or not, with the same answer, and lock
// password sign-in only (lockout_base × 2^(strikes−1)); SMS sign-in stays open.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/crypto/seal.hpp"
#include "core/storage/audit_trail.hpp"
#include "core/storage/database.hpp"
#include "core/util/refusal.hpp"
#include "services/auth/domain/agreements.hpp"

namespace zt::services::auth {

struct Policy {
  std::chrono::milliseconds code_ttl{300000};
  std::chrono::milliseconds resend_cooldown{60000};
  int max_tries = 5;
  int codes_per_mobile = 10;  // per 24 h
  int codes_per_ip = 50;      // per 24 h
  std::chrono::milliseconds lockout_base{300000};
  std::chrono::milliseconds refresh_ttl{30LL * 24 * 3600 * 1000};
};

using core::Refusal;

struct IssuedCode {
  std::string code;  // to send; never stored or logged
  std::string mobile_masked;
};

struct SignedIn {
  std::string customer_id;  // the subject: a customer id, or a staff id when kind is "staff"
  std::string kind = "customer";
  std::string session_id;
  std::string refresh_token;  // to hand out once; only its hash is kept
  bool new_customer = false;
};

struct SessionInfo {
  std::string id;
  std::string device;
  std::string ip;
  std::int64_t created_at_ms = 0;
  std::int64_t last_used_ms = 0;
  bool current = false;
};

struct Audit {
  std::string actor;
  std::string ip;
  std::string trace_id;
};

using core::storage::AuditEntry;
using core::storage::AuditPage;
using core::storage::AuditQuery;

// A customer's password sign-in, step 1's answer (the hash is checked outside any transaction).
struct PasswordRecord {
  std::string customer_id;
  std::string password_hash;  // "" when the customer has set none
};

struct RevokedSession {
  std::string id;
  std::int64_t at_ms = 0;
};

// One acceptance on record.
struct Consent {
  std::string agreement;  // terms | privacy
  std::string title;      // 用户服务协议 (empty for an id no longer shipped)
  std::string version;
  std::string digest;
  std::int64_t agreed_at_ms = 0;
  std::string ip;
  std::string device;
};
struct CustomerProfile {
  std::string customer_id;
  std::string mobile;  // masked: 138****8000
  bool has_password = false;
  std::int64_t created_at_ms = 0;
  std::optional<std::string> fund_account;  // 资金账号, once bound
};

// What customer service (客服) sees of a customer: masked, never the number itself.
struct CustomerCard {
  std::string customer_id;
  std::string mobile;  // masked: 138****8000
  std::int64_t created_at_ms = 0;
  bool has_password = false;
  std::optional<std::string> fund_account;
  std::int64_t code_locked_until_ms = 0;      // SMS sign-in and codes wait until then (0: not locked)
  std::int64_t password_locked_until_ms = 0;  // password sign-in waits until then
  std::int64_t active_sessions = 0;
};
class AuthStore {
 public:
  AuthStore(const core::crypto::KeyRing& keys, Policy policy) : keys_(keys), policy_(policy) {}
  const Policy& policy() const { return policy_; }

  // Either the code to send, or why not.
  std::variant<IssuedCode, Refusal> issue_code(core::storage::Tx& tx, const std::string& mobile, const std::string& purpose,
                                               const Audit& who, std::int64_t now_ms);
  // Checks the code (counting a wrong one, burning it after max_tries) and signs in — signing up a
  // new number first.
  std::variant<SignedIn, Refusal> sign_in(core::storage::Tx& tx, const std::string& mobile, const std::string& code,
                                          const std::string& device, const Audit& who, std::int64_t now_ms);
  // Rotates a refresh token: a new one for the same session, or a refusal (a reused token revokes
  // the session).
  std::variant<SignedIn, Refusal> refresh(core::storage::Tx& tx, const std::string& refresh_token, const Audit& who,
                                          std::int64_t now_ms);
  // Revokes one of the customer's sessions; false when it is not theirs or already revoked.
  bool revoke_session(core::storage::Tx& tx, const std::string& customer_id, const std::string& session_id,
                      const std::string& reason, const Audit& who, std::int64_t now_ms);
  std::vector<SessionInfo> sessions(core::storage::Tx& tx, const std::string& customer_id, const std::string& current) const;
  bool session_active(core::storage::Tx& tx, const std::string& session_id) const;
  // The newest code to a number is dropped (it could not be sent).
  void withdraw_last_code(core::storage::Tx& tx, const std::string& mobile, const std::string& purpose);
  // Marks the newest code for (mobile, purpose) used, keeping its row for the cooldown and caps.
  void burn_last_code(core::storage::Tx& tx, const std::string& mobile, const std::string& purpose);
  // Housekeeping, run now and then: codes older than a day (the daily caps look back that far)
  // are deleted, refresh tokens a day past their expiry too, and sessions idle longer than a
  // refresh token lives end as "expired". Returns the rows it changed.
  std::int64_t purge(core::storage::Tx& tx, std::int64_t now_ms);

  // `customer`: the customer the entry concerns, from what this service verified (the session's
  // customer, the customer a change was made to) — never read off a name or a request.
  void audit(core::storage::Tx& tx, const Audit& who, const std::string& action, const std::string& subject,
             const std::string& detail, std::int64_t now_ms, const std::string& customer = "");
  std::variant<AuditPage, Refusal> audit_page(core::storage::Tx& tx, const AuditQuery& query) const;

  // A new session (customer or staff) with its first refresh token.
  SignedIn open_session(core::storage::Tx& tx, const std::string& subject, const std::string& kind, const std::string& device,
                        const std::string& ip, std::int64_t now_ms);

  // Passwords (optional for customers). Sign-in is: password_record (refusing a locked or unknown
  // number, or one without a password), the caller verifies the hash, finish_password_sign_in
  // records the outcome (max_tries wrong passwords in a row lock the number like burned codes);
  // `verified_hash` is the hash the password matched, refused when it changed meanwhile.
  std::variant<PasswordRecord, Refusal> password_record(core::storage::Tx& tx, const std::string& mobile, std::int64_t now_ms) const;
  std::variant<SignedIn, Refusal> finish_password_sign_in(core::storage::Tx& tx, const std::string& mobile, bool password_ok,
                                                          const std::string& verified_hash, const std::string& device,
                                                          const Audit& who, std::int64_t now_ms);
  std::optional<std::string> customer_password_hash(core::storage::Tx& tx, const std::string& customer_id) const;
  std::string customer_mobile(core::storage::Tx& tx, const std::string& customer_id) const;
  // What "my account" shows: the masked number, whether a password is set, since when.
  std::optional<CustomerProfile> customer_profile(core::storage::Tx& tx, const std::string& customer_id) const;
  // The customer's fund account: nullopt when there is no such customer, an empty inner value
  // when none is bound yet.
  std::optional<std::optional<std::string>> fund_account(core::storage::Tx& tx, const std::string& customer_id) const;
  // Binds once; binding the same again answers it, another one (or one bound elsewhere) is refused.
  std::variant<std::string, core::Refusal> bind_fund_account(core::storage::Tx& tx, const std::string& customer_id, const std::string& fund_account,
                                                             const Audit& who, std::int64_t now_ms);
  // Sets the password and ends every other session of the customer (all when keep_session is "");
  // returns how many ended.
  std::int64_t set_customer_password(core::storage::Tx& tx, const std::string& customer_id, const std::string& hash,
                                     const std::string& keep_session, const Audit& who, std::int64_t now_ms);
  // Checks and spends a code sent for `purpose` ("password"); the customer it is for, or why not.
  std::variant<std::string, Refusal> verify_code_for(core::storage::Tx& tx, const std::string& mobile, const std::string& purpose,
                                                     const std::string& code, const Audit& who, std::int64_t now_ms);
  bool known_mobile(core::storage::Tx& tx, const std::string& mobile) const;
  // Records the customer's acceptance of each current agreement they have not accepted yet, from
  // `agreed` (what the app showed and the customer ticked); nothing when all are on record. A
  // current one missing from `agreed` refuses (AUTH_AGREEMENT_REQUIRED), one agreed at another
  // version too (AUTH_AGREEMENT_OUTDATED): the caller then keeps nothing of its transaction.
  std::optional<Refusal> agree(core::storage::Tx& tx, const std::string& customer_id, const std::vector<AgreementRef>& agreed,
                               const std::string& device, const Audit& who, std::int64_t now_ms);
  // Customer service: the customers a query names exactly — a mobile number, a customer id or a
  // fund account (no partial matching: a desk never browses customers).
  std::vector<CustomerCard> find_customers(core::storage::Tx& tx, const std::string& query, std::int64_t now_ms) const;
  std::optional<CustomerCard> customer_card(core::storage::Tx& tx, const std::string& customer_id, std::int64_t now_ms) const;
  // Ends every session of the customer (a lost phone); returns how many ended.
  std::int64_t end_customer_sessions(core::storage::Tx& tx, const std::string& customer_id, const std::string& reason,
                                     const Audit& who, std::int64_t now_ms);
  // Lifts the customer's SMS and password locks; false when neither was in force.
  bool unlock_customer(core::storage::Tx& tx, const std::string& customer_id, const std::string& reason, const Audit& who,
                       std::int64_t now_ms);
  // Every acceptance on record, newest first.
  std::vector<Consent> consents(core::storage::Tx& tx, const std::string& customer_id) const;
  // Sessions ended after (at_ms, id), oldest first: the feed gateways follow.
  std::vector<RevokedSession> revoked_since(core::storage::Tx& tx, std::int64_t after_ms, const std::string& after_id,
                                            std::size_t limit) const;

 private:
  std::string mobile_hash(const std::string& mobile) const { return keys_.keyed_hash(mobile, "auth.mobile"); }
  std::string code_hash(const std::string& code_id, const std::string& code) const {
    return keys_.keyed_hash(code_id + ":" + code, "auth.sms_code");
  }
  std::optional<Refusal> locked(core::storage::Tx& tx, const std::string& mobile_hash, std::int64_t now_ms) const;
  std::optional<Refusal> password_locked(core::storage::Tx& tx, const std::string& mobile_hash, std::int64_t now_ms) const;
  // Checks a code and spends it when right; counts a wrong one (atomically) and burns it after
  // max_tries. nullopt: the code was right.
  std::optional<Refusal> check_code(core::storage::Tx& tx, const std::string& mobile_hash, const std::string& masked,
                                    const std::string& purpose, const std::string& code, const Audit& who, std::int64_t now_ms);
  // One more strike against a number: locks it for lockout_base × 2^(strikes−1), at most 24 h.
  Refusal strike(core::storage::Tx& tx, const std::string& mobile_hash, const std::string& masked, const Audit& who, std::int64_t now_ms);
  std::string new_refresh(core::storage::Tx& tx, const std::string& session_id, std::int64_t now_ms);

  const core::crypto::KeyRing& keys_;
  Policy policy_;
  core::storage::AuditTrail trail_{"auth_audit", "aud-"};
};

std::string random_token(std::size_t bytes);  // base64url of fresh random bytes
std::string random_digits(std::size_t n);     // uniform decimal digits
std::string new_id(const char* prefix);       // prefix + 20 hex digits

}  // namespace zt::services::auth
