#include "services/auth/store/auth_store.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <algorithm>
#include <set>

#include "core/finance/identity.hpp"
#include "core/http/error.hpp"
#include "core/util/digest.hpp"

namespace zt::services::auth {

namespace {
constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) throw std::runtime_error("no randomness");
  return out;
}

std::int64_t seconds_until(std::int64_t until_ms, std::int64_t now_ms) { return std::max<std::int64_t>(1, (until_ms - now_ms + 999) / 1000); }
}  // namespace

std::string new_id(const char* prefix) {
  std::string out = prefix;
  for (unsigned char c : random_bytes(10)) out += fmt::format("{:02x}", c);
  return out;
}

std::string random_token(std::size_t bytes) { return core::base64url_encode(random_bytes(bytes)); }

std::string random_digits(std::size_t n) {
  std::string out;
  while (out.size() < n) {
    for (unsigned char b : random_bytes(n)) {
      if (b >= 250) continue;  // 250 = 25 × 10: keeps every digit equally likely
      out += static_cast<char>('0' + b % 10);
      if (out.size() == n) break;
    }
  }
  return out;
}

void AuthStore::audit(core::storage::Tx& tx, const Audit& who, const std::string& action, const std::string& subject,
                      const std::string& detail, std::int64_t now_ms, const std::string& customer) {
  trail_.record(tx, {"", now_ms, who.actor, customer, action, subject, detail, who.ip, who.trace_id});
}

std::optional<Refusal> AuthStore::locked(core::storage::Tx& tx, const std::string& mh, std::int64_t now_ms) const {
  auto rows = tx.query("SELECT locked_until_ms FROM auth_lockouts WHERE mobile_hash = ?", {mh});
  if (rows.size() == 0 || rows.at(0).int64(0) <= now_ms) return std::nullopt;
  const auto minutes = (rows.at(0).int64(0) - now_ms + 59999) / 60000;
  return Refusal{429, "AUTH_LOCKED", fmt::format("验证失败次数过多，请{}分钟后再试", minutes)};
}

std::variant<IssuedCode, Refusal> AuthStore::issue_code(core::storage::Tx& tx, const std::string& mobile, const std::string& purpose,
                                                        const Audit& who, std::int64_t now_ms) {
  if (!core::finance::is_valid_mobile(mobile)) return Refusal{400, "AUTH_BAD_MOBILE", "手机号码格式不正确"};
  const std::string mh = mobile_hash(mobile);
  // One code request for a number at a time: this takes the number's row (PostgreSQL holds the
  // lock until commit), so the cooldown and the daily cap below see the code a parallel request
  // just made, never both passing at once.
  tx.exec("INSERT INTO auth_lockouts (mobile_hash, burned_codes, locked_until_ms, updated_at_ms) VALUES (?, 0, 0, ?) "
          "ON CONFLICT (mobile_hash) DO UPDATE SET updated_at_ms = excluded.updated_at_ms",
          {mh, now_ms});
  if (auto l = locked(tx, mh, now_ms)) return *l;
  auto last = tx.query("SELECT MAX(created_at_ms) FROM auth_sms_codes WHERE mobile_hash = ?", {mh});
  if (last.size() > 0 && !last.at(0).is_null(0)) {
    const auto next = last.at(0).int64(0) + policy_.resend_cooldown.count();
    if (next > now_ms)
      return Refusal{429, "AUTH_CODE_COOLDOWN", fmt::format("验证码已发送，请{}秒后再获取", seconds_until(next, now_ms))};
  }
  // Counted up to the cap only: a busy carrier-NAT address must not cost a scan of its whole day.
  if (tx.query("SELECT COUNT(*) FROM (SELECT 1 FROM auth_sms_codes WHERE mobile_hash = ? AND created_at_ms > ? LIMIT ?) capped",
               {mh, now_ms - kDayMs, static_cast<std::int64_t>(policy_.codes_per_mobile)})
          .at(0)
          .int64(0) >= policy_.codes_per_mobile)
    return Refusal{429, "AUTH_CODE_DAILY_LIMIT", "该手机号今日获取验证码次数已达上限，请明天再试"};
  // Then the address's row (always after the number's, so two requests never wait on each other
  // in opposite orders): parallel requests from one address for many numbers count one another.
  tx.exec("INSERT INTO auth_code_address_locks (ip, updated_at_ms) VALUES (?, ?) "
          "ON CONFLICT (ip) DO UPDATE SET updated_at_ms = excluded.updated_at_ms",
          {who.ip, now_ms});
  if (tx.query("SELECT COUNT(*) FROM (SELECT 1 FROM auth_sms_codes WHERE ip = ? AND created_at_ms > ? LIMIT ?) capped",
               {who.ip, now_ms - kDayMs, static_cast<std::int64_t>(policy_.codes_per_ip)})
          .at(0)
          .int64(0) >= policy_.codes_per_ip)
    return Refusal{429, "AUTH_CODE_IP_LIMIT", "当前网络获取验证码次数过多，请稍后再试"};
  // A new code replaces any earlier one.
  tx.exec("UPDATE auth_sms_codes SET consumed = 1 WHERE mobile_hash = ? AND purpose = ? AND consumed = 0", {mh, purpose});
  IssuedCode out{random_digits(6), core::finance::mask_mobile(mobile)};
  const std::string id = new_id("code-");
  tx.exec("INSERT INTO auth_sms_codes (id, mobile_hash, purpose, code_hash, ip, created_at_ms, expires_at_ms, tries, consumed) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0)",
          {id, mh, purpose, code_hash(id, out.code), who.ip, now_ms, now_ms + policy_.code_ttl.count()});
  audit(tx, who, "code.issued", out.mobile_masked, purpose, now_ms);
  return out;
}

std::optional<Refusal> AuthStore::check_code(core::storage::Tx& tx, const std::string& mh, const std::string& masked,
                                            const std::string& purpose, const std::string& code, const Audit& who,
                                            std::int64_t now_ms) {
  auto rows = tx.query("SELECT id, code_hash, expires_at_ms FROM auth_sms_codes WHERE mobile_hash = ? AND purpose = ? "
                       "AND consumed = 0 ORDER BY created_at_ms DESC LIMIT 1",
                       {mh, purpose});
  if (rows.size() == 0) return Refusal{400, "AUTH_CODE_INVALID", "验证码错误或已失效，请重新获取"};
  const auto& r = rows.at(0);
  const std::string id = r.string(0);
  if (r.int64(2) <= now_ms) {
    tx.exec("UPDATE auth_sms_codes SET consumed = 1 WHERE id = ?", {id});
    return Refusal{400, "AUTH_CODE_EXPIRED", "验证码已过期，请重新获取"};
  }
  if (code.size() != 6 || code_hash(id, code) != r.string(1)) {
    // Every wrong try counts, however many arrive at once: one increment in the database, never a
    // count read here and written back (PostgreSQL runs READ COMMITTED).
    audit(tx, who, "login.failed", masked, "验证码错误", now_ms);
    auto counted = tx.query("UPDATE auth_sms_codes SET tries = tries + 1 WHERE id = ? RETURNING tries", {id});
    const std::int64_t tries = counted.size() > 0 ? counted.at(0).int64(0) : policy_.max_tries;
    if (tries < policy_.max_tries)
      return Refusal{400, "AUTH_CODE_WRONG", fmt::format("验证码错误，还可尝试{}次", policy_.max_tries - tries)};
    // Burned: the number is locked, longer each time — by the one try that burned it.
    if (tx.exec("UPDATE auth_sms_codes SET consumed = 1 WHERE id = ? AND consumed = 0", {id}) == 1) return strike(tx, mh, masked, who, now_ms);
    if (auto l = locked(tx, mh, now_ms)) return *l;
    return Refusal{400, "AUTH_CODE_INVALID", "验证码错误或已失效，请重新获取"};
  }
  // Right: used once, by whichever request takes it first.
  if (tx.exec("UPDATE auth_sms_codes SET consumed = 1 WHERE id = ? AND consumed = 0", {id}) == 0)
    return Refusal{400, "AUTH_CODE_INVALID", "验证码错误或已失效，请重新获取"};
  return std::nullopt;
}

std::variant<SignedIn, Refusal> AuthStore::sign_in(core::storage::Tx& tx, const std::string& mobile, const std::string& code,
                                                   const std::string& device, const Audit& who, std::int64_t now_ms) {
  if (!core::finance::is_valid_mobile(mobile)) return Refusal{400, "AUTH_BAD_MOBILE", "手机号码格式不正确"};
  const std::string mh = mobile_hash(mobile);
  const std::string masked = core::finance::mask_mobile(mobile);
  if (auto l = locked(tx, mh, now_ms)) return *l;
  if (auto refused = check_code(tx, mh, masked, "login", code, who, now_ms)) return *refused;
  SignedIn out;
  auto customer = tx.query("SELECT id FROM auth_customers WHERE mobile_hash = ?", {mh});
  if (customer.size() > 0) {
    out.customer_id = customer.at(0).string(0);
  } else {
    out.customer_id = "C" + random_digits(12);
    out.new_customer = true;
    tx.exec("INSERT INTO auth_customers (id, mobile_sealed, mobile_hash, mobile_masked, created_at_ms) VALUES (?, ?, ?, ?, ?)",
            {out.customer_id, keys_.seal(mobile, "auth_customers.mobile"), mh, masked, now_ms});
    audit(tx, who, "customer.signed_up", out.customer_id, masked, now_ms, out.customer_id);
  }
  tx.exec("UPDATE auth_lockouts SET burned_codes = 0 WHERE mobile_hash = ?", {mh});
  SignedIn opened = open_session(tx, out.customer_id, "customer", device, who.ip, now_ms);
  out.session_id = opened.session_id;
  out.refresh_token = opened.refresh_token;
  Audit as_customer = who;
  as_customer.actor = out.customer_id;
  audit(tx, as_customer, "login.succeeded", out.session_id, device, now_ms, out.customer_id);
  return out;
}

Refusal AuthStore::strike(core::storage::Tx& tx, const std::string& mh, const std::string& masked, const Audit& who, std::int64_t now_ms) {
  auto counted = tx.query(
      "INSERT INTO auth_lockouts (mobile_hash, burned_codes, locked_until_ms, updated_at_ms) VALUES (?, 1, 0, ?) "
      "ON CONFLICT (mobile_hash) DO UPDATE SET burned_codes = auth_lockouts.burned_codes + 1, updated_at_ms = excluded.updated_at_ms "
      "RETURNING burned_codes",
      {mh, now_ms});
  const std::int64_t burned = counted.at(0).int64(0);
  const std::int64_t lock_ms = std::min<std::int64_t>(kDayMs, policy_.lockout_base.count() << std::min<std::int64_t>(burned - 1, 20));
  // Only ever later: a strike racing a longer one does not shorten it.
  tx.exec("UPDATE auth_lockouts SET locked_until_ms = ? WHERE mobile_hash = ? AND locked_until_ms < ?",
          {now_ms + lock_ms, mh, now_ms + lock_ms});
  audit(tx, who, "login.locked", masked, fmt::format("锁定{}秒", (lock_ms + 999) / 1000), now_ms);
  return Refusal{429, "AUTH_LOCKED", fmt::format("验证失败次数过多，请{}分钟后再试", (lock_ms + 59999) / 60000)};
}

SignedIn AuthStore::open_session(core::storage::Tx& tx, const std::string& subject, const std::string& kind, const std::string& device,
                                 const std::string& ip, std::int64_t now_ms) {
  SignedIn out;
  out.customer_id = subject;
  out.kind = kind;
  out.session_id = new_id("ses-");
  tx.exec("INSERT INTO auth_sessions (id, customer_id, kind, device, ip, created_at_ms, last_used_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
          {out.session_id, subject, kind, device, ip, now_ms, now_ms});
  out.refresh_token = new_refresh(tx, out.session_id, now_ms);
  return out;
}

std::optional<Refusal> AuthStore::password_locked(core::storage::Tx& tx, const std::string& mh, std::int64_t now_ms) const {
  auto rows = tx.query("SELECT locked_until_ms FROM auth_password_attempts WHERE mobile_hash = ?", {mh});
  if (rows.size() == 0 || rows.at(0).int64(0) <= now_ms) return std::nullopt;
  const auto minutes = (rows.at(0).int64(0) - now_ms + 59999) / 60000;
  return Refusal{429, "AUTH_PASSWORD_LOCKED", fmt::format("密码错误次数过多，请{}分钟后再试，或使用短信验证码登录", minutes)};
}

std::variant<PasswordRecord, Refusal> AuthStore::password_record(core::storage::Tx& tx, const std::string& mobile, std::int64_t now_ms) const {
  if (!core::finance::is_valid_mobile(mobile)) return Refusal{400, "AUTH_BAD_MOBILE", "手机号码格式不正确"};
  const std::string mh = mobile_hash(mobile);
  if (auto l = password_locked(tx, mh, now_ms)) return *l;
  auto rows = tx.query("SELECT id, password_hash FROM auth_customers WHERE mobile_hash = ?", {mh});
  // Unknown numbers and numbers without a password are told apart from wrong passwords only after
  // the hash is spent (the caller hashes against a dummy), so timing does not list customers.
  if (rows.size() == 0) return PasswordRecord{};
  return PasswordRecord{rows.at(0).string(0), rows.at(0).text(1).value_or("")};
}

std::variant<SignedIn, Refusal> AuthStore::finish_password_sign_in(core::storage::Tx& tx, const std::string& mobile, bool password_ok,
                                                                   const std::string& verified_hash, const std::string& device,
                                                                   const Audit& who, std::int64_t now_ms) {
  const std::string mh = mobile_hash(mobile);
  const std::string masked = core::finance::mask_mobile(mobile);
  if (auto l = password_locked(tx, mh, now_ms)) return *l;
  auto rows = tx.query("SELECT id FROM auth_customers WHERE mobile_hash = ?", {mh});
  if (password_ok && rows.size() > 0) {
    // The hash was verified outside this transaction. Both checks below are conditional updates,
    // so they take the rows' locks and see what committed meanwhile: a lock set by guesses racing
    // this one holds, and a password set or reset meanwhile (which ends the other sessions) makes
    // the old one fail here rather than open a session the reset did not see.
    auto cleared = tx.query("UPDATE auth_password_attempts SET failures = 0 WHERE mobile_hash = ? AND locked_until_ms <= ? RETURNING failures",
                            {mh, now_ms});
    if (cleared.size() == 0)
      if (auto l = password_locked(tx, mh, now_ms)) return *l;
    if (tx.query("UPDATE auth_customers SET password_hash = password_hash WHERE mobile_hash = ? AND password_hash = ? RETURNING id",
                 {mh, verified_hash})
            .size() == 0)
      password_ok = false;  // changed since it was verified: the password tried is no longer the customer's
  }
  if (!password_ok || rows.size() == 0) {
    // One answer, one count, whether the number is a customer's or not (a wrong password and an
    // unknown number read alike); counted in one statement however many arrive at once. These
    // failures lock password sign-in only: the customer can still sign in by SMS code.
    audit(tx, who, "login.failed", masked, rows.size() == 0 ? "密码登录：号码未注册" : "密码错误", now_ms);
    auto counted = tx.query(
        "INSERT INTO auth_password_attempts (mobile_hash, failures, strikes, locked_until_ms, updated_at_ms) VALUES (?, 1, 0, 0, ?) "
        "ON CONFLICT (mobile_hash) DO UPDATE SET failures = auth_password_attempts.failures + 1, updated_at_ms = excluded.updated_at_ms "
        "RETURNING failures",
        {mh, now_ms});
    const std::int64_t failures = counted.at(0).int64(0);
    if (failures < policy_.max_tries)
      return Refusal{401, "AUTH_PASSWORD_WRONG", fmt::format("手机号或密码错误，还可尝试{}次", policy_.max_tries - failures)};
    // The try that reached the limit locks, longer each time.
    auto struck = tx.query("UPDATE auth_password_attempts SET failures = 0, strikes = strikes + 1 WHERE mobile_hash = ? AND failures >= ? "
                           "RETURNING strikes",
                           {mh, static_cast<std::int64_t>(policy_.max_tries)});
    if (struck.size() > 0) {
      const std::int64_t strikes = struck.at(0).int64(0);
      const std::int64_t lock_ms = std::min<std::int64_t>(kDayMs, policy_.lockout_base.count() << std::min<std::int64_t>(strikes - 1, 20));
      tx.exec("UPDATE auth_password_attempts SET locked_until_ms = ? WHERE mobile_hash = ? AND locked_until_ms < ?",
              {now_ms + lock_ms, mh, now_ms + lock_ms});
      audit(tx, who, "login.password_locked", masked, fmt::format("锁定{}秒", (lock_ms + 999) / 1000), now_ms);
    }
    if (auto l = password_locked(tx, mh, now_ms)) return *l;
    return Refusal{401, "AUTH_PASSWORD_WRONG", "手机号或密码错误"};
  }
  const std::string customer = rows.at(0).string(0);
  SignedIn out = open_session(tx, customer, "customer", device, who.ip, now_ms);
  Audit as_customer = who;
  as_customer.actor = customer;
  audit(tx, as_customer, "login.succeeded", out.session_id, device + "（密码登录）", now_ms, out.customer_id);
  return out;
}

std::optional<std::string> AuthStore::customer_password_hash(core::storage::Tx& tx, const std::string& customer_id) const {
  auto rows = tx.query("SELECT password_hash FROM auth_customers WHERE id = ?", {customer_id});
  if (rows.size() == 0) return std::nullopt;
  return rows.at(0).text(0).value_or("");
}

std::string AuthStore::customer_mobile(core::storage::Tx& tx, const std::string& customer_id) const {
  auto rows = tx.query("SELECT mobile_sealed FROM auth_customers WHERE id = ?", {customer_id});
  if (rows.size() == 0) return "";
  return keys_.open(rows.at(0).string(0), "auth_customers.mobile").value_or("");
}

std::int64_t AuthStore::set_customer_password(core::storage::Tx& tx, const std::string& customer_id, const std::string& hash,
                                              const std::string& keep_session, const Audit& who, std::int64_t now_ms) {
  tx.exec("UPDATE auth_customers SET password_hash = ?, password_failures = 0 WHERE id = ?", {hash, customer_id});
  tx.exec("UPDATE auth_password_attempts SET failures = 0, locked_until_ms = 0 WHERE mobile_hash = "
          "(SELECT mobile_hash FROM auth_customers WHERE id = ?)",
          {customer_id});
  // Every other session ends: whoever else held one (a stolen token, say) is out.
  const auto ended = tx.exec("UPDATE auth_sessions SET revoked_at_ms = ?, revoke_reason = 'password_changed' WHERE customer_id = ? "
                             "AND kind = 'customer' AND revoked_at_ms IS NULL AND id <> ?",
                             {now_ms, customer_id, keep_session});
  audit(tx, who, "customer.password_set", customer_id, fmt::format("已结束其他会话{}个", ended), now_ms, customer_id);
  return ended;
}

std::variant<std::string, Refusal> AuthStore::verify_code_for(core::storage::Tx& tx, const std::string& mobile, const std::string& purpose,
                                                             const std::string& code, const Audit& who, std::int64_t now_ms) {
  if (!core::finance::is_valid_mobile(mobile)) return Refusal{400, "AUTH_BAD_MOBILE", "手机号码格式不正确"};
  const std::string mh = mobile_hash(mobile);
  const std::string masked = core::finance::mask_mobile(mobile);
  if (auto l = locked(tx, mh, now_ms)) return *l;
  if (auto refused = check_code(tx, mh, masked, purpose, code, who, now_ms)) return *refused;
  auto rows = tx.query("SELECT id FROM auth_customers WHERE mobile_hash = ?", {mh});
  // A reset for a number that is no customer's: the code was never sent (one answer for both).
  if (rows.size() == 0) return Refusal{400, "AUTH_CODE_INVALID", "验证码错误或已失效，请重新获取"};
  return rows.at(0).string(0);
}

bool AuthStore::known_mobile(core::storage::Tx& tx, const std::string& mobile) const {
  return tx.query("SELECT 1 FROM auth_customers WHERE mobile_hash = ?", {mobile_hash(mobile)}).size() > 0;
}

std::optional<Refusal> AuthStore::agree(core::storage::Tx& tx, const std::string& customer_id,
                                       const std::vector<AgreementRef>& agreed, const std::string& device, const Audit& who,
                                       std::int64_t now_ms) {
  std::set<std::pair<std::string, std::string>> on_record;
  for (const auto& r : tx.query("SELECT agreement, version FROM auth_agreement_consents WHERE customer_id = ?", {customer_id}))
    on_record.emplace(r.string(0), r.string(1));
  std::vector<const Agreement*> missing;
  for (const auto& a : current_agreements())
    if (!on_record.contains({a.id, a.version})) missing.push_back(&a);
  if (missing.empty()) return std::nullopt;
  std::string not_given;  // the titles of those missing from `agreed`
  for (const auto* a : missing) {
    const auto given = std::find_if(agreed.begin(), agreed.end(), [&](const AgreementRef& r) { return r.id == a->id; });
    if (given == agreed.end()) not_given += "《" + a->title + "》";
    else if (given->version != a->version)
      return Refusal{409, "AUTH_AGREEMENT_OUTDATED",
                     fmt::format("《{}》已更新为{}版，请阅读新版本后重新同意", a->title, a->version)};
  }
  if (!not_given.empty()) return Refusal{400, "AUTH_AGREEMENT_REQUIRED", fmt::format("请阅读并同意{}后继续", not_given)};
  std::string detail;
  for (const auto* a : missing) {
    // Two sign-ins at once both record it: the first stands, the second changes nothing.
    auto kept = tx.query(
        "INSERT INTO auth_agreement_consents (customer_id, agreement, version, digest, agreed_at_ms, ip, device) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (customer_id, agreement, version) DO NOTHING RETURNING agreement",
        {customer_id, a->id, a->version, a->digest, now_ms, who.ip, device});
    if (!kept.empty()) detail += fmt::format("{}《{}》{}版", detail.empty() ? "" : "、", a->title, a->version);
  }
  if (!detail.empty()) {
    Audit as_customer = who;
    as_customer.actor = customer_id;
    audit(tx, as_customer, "customer.agreed", customer_id, "同意" + detail, now_ms, customer_id);
  }
  return std::nullopt;
}

namespace {
// The card's columns, with the locks in force at ? (twice) — one statement, one snapshot.
constexpr const char* kCardSelect =
    "SELECT c.id, c.mobile_masked, c.created_at_ms, c.password_hash, c.fund_account, "
    "COALESCE((SELECT l.locked_until_ms FROM auth_lockouts l WHERE l.mobile_hash = c.mobile_hash AND l.locked_until_ms > ?), 0), "
    "COALESCE((SELECT p.locked_until_ms FROM auth_password_attempts p WHERE p.mobile_hash = c.mobile_hash AND p.locked_until_ms > ?), 0), "
    "(SELECT count(*) FROM auth_sessions s WHERE s.customer_id = c.id AND s.kind = 'customer' AND s.revoked_at_ms IS NULL) "
    "FROM auth_customers c ";

CustomerCard card_of(const core::storage::Row& r) {
  return CustomerCard{r.string(0), r.string(1), r.int64(2), !r.is_null(3) && !r.string(3).empty(), r.text(4),
                      r.int64(5), r.int64(6), r.int64(7)};
}
}  // namespace

std::vector<CustomerCard> AuthStore::find_customers(core::storage::Tx& tx, const std::string& query, std::int64_t now_ms) const {
  std::string where;
  std::string key = query;
  if (core::finance::is_valid_mobile(query)) {
    where = "WHERE c.mobile_hash = ?";
    key = mobile_hash(query);
  } else if (query.size() == 13 && query[0] == 'C') {
    where = "WHERE c.id = ?";
  } else {
    where = "WHERE c.fund_account = ?";
  }
  std::vector<CustomerCard> out;
  for (const auto& r : tx.query(std::string(kCardSelect) + where + " LIMIT 20", {now_ms, now_ms, key})) out.push_back(card_of(r));
  return out;
}

std::optional<CustomerCard> AuthStore::customer_card(core::storage::Tx& tx, const std::string& customer_id, std::int64_t now_ms) const {
  auto rows = tx.query(std::string(kCardSelect) + "WHERE c.id = ?", {now_ms, now_ms, customer_id});
  if (rows.empty()) return std::nullopt;
  return card_of(rows.at(0));
}

std::int64_t AuthStore::end_customer_sessions(core::storage::Tx& tx, const std::string& customer_id, const std::string& reason,
                                              const Audit& who, std::int64_t now_ms) {
  const auto ended = tx.exec("UPDATE auth_sessions SET revoked_at_ms = ?, revoke_reason = 'ended_by_staff' WHERE customer_id = ? "
                             "AND kind = 'customer' AND revoked_at_ms IS NULL",
                             {now_ms, customer_id});
  audit(tx, who, "customer.sessions_ended", customer_id, fmt::format("结束会话{}个；原因：{}", ended, reason), now_ms, customer_id);
  return ended;
}

bool AuthStore::unlock_customer(core::storage::Tx& tx, const std::string& customer_id, const std::string& reason, const Audit& who,
                                std::int64_t now_ms) {
  const std::string of_customer = "(SELECT mobile_hash FROM auth_customers WHERE id = ?)";
  const auto codes = tx.exec("UPDATE auth_lockouts SET burned_codes = 0, locked_until_ms = 0, updated_at_ms = ? WHERE mobile_hash = " +
                                 of_customer + " AND locked_until_ms > ?",
                             {now_ms, customer_id, now_ms});
  const auto passwords = tx.exec("UPDATE auth_password_attempts SET failures = 0, strikes = 0, locked_until_ms = 0, updated_at_ms = ? "
                                 "WHERE mobile_hash = " + of_customer + " AND locked_until_ms > ?",
                                 {now_ms, customer_id, now_ms});
  if (codes + passwords == 0) return false;
  audit(tx, who, "customer.unlocked", customer_id,
        fmt::format("解除{}；原因：{}", codes && passwords ? "短信与密码登录锁定" : codes ? "短信登录锁定" : "密码登录锁定", reason),
        now_ms, customer_id);
  return true;
}

std::vector<Consent> AuthStore::consents(core::storage::Tx& tx, const std::string& customer_id) const {
  std::vector<Consent> out;
  for (const auto& r : tx.query("SELECT agreement, version, digest, agreed_at_ms, ip, device FROM auth_agreement_consents "
                                "WHERE customer_id = ? ORDER BY agreed_at_ms DESC, agreement",
                                {customer_id})) {
    Consent c{r.string(0), "", r.string(1), r.string(2), r.int64(3), r.string(4), r.string(5)};
    for (const auto& a : current_agreements())
      if (a.id == c.agreement) c.title = a.title;
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<RevokedSession> AuthStore::revoked_since(core::storage::Tx& tx, std::int64_t after_ms, const std::string& after_id,
                                                     std::size_t limit) const {
  auto rows = tx.query("SELECT id, revoked_at_ms FROM auth_sessions WHERE revoked_at_ms IS NOT NULL AND "
                       "(revoked_at_ms > ? OR (revoked_at_ms = ? AND id > ?)) ORDER BY revoked_at_ms, id LIMIT ?",
                       {after_ms, after_ms, after_id, static_cast<std::int64_t>(limit)});
  std::vector<RevokedSession> out;
  for (std::size_t i = 0; i < rows.size(); ++i) out.push_back({rows.at(i).string(0), rows.at(i).int64(1)});
  return out;
}

std::variant<AuditPage, Refusal> AuthStore::audit_page(core::storage::Tx& tx, const AuditQuery& query) const {
  return trail_.page(tx, query, "AUTH");
}

std::string AuthStore::new_refresh(core::storage::Tx& tx, const std::string& session_id, std::int64_t now_ms) {
  const std::string token = random_token(32);
  tx.exec("INSERT INTO auth_refresh_tokens (token_hash, session_id, created_at_ms, expires_at_ms) VALUES (?, ?, ?, ?)",
          {core::sha256_hex(token), session_id, now_ms, now_ms + policy_.refresh_ttl.count()});
  return token;
}

std::variant<SignedIn, Refusal> AuthStore::refresh(core::storage::Tx& tx, const std::string& refresh_token, const Audit& who,
                                                   std::int64_t now_ms) {
  const Refusal invalid{401, "AUTH_REFRESH_INVALID", "登录已失效，请重新登录"};
  if (refresh_token.empty() || refresh_token.size() > 128) return invalid;
  auto rows = tx.query(
      "SELECT t.session_id, t.expires_at_ms, t.used_at_ms, s.customer_id, s.revoked_at_ms, s.kind FROM auth_refresh_tokens t "
      "JOIN auth_sessions s ON s.id = t.session_id WHERE t.token_hash = ?",
      {core::sha256_hex(refresh_token)});
  if (rows.size() == 0) return invalid;
  const auto& r = rows.at(0);
  const std::string session = r.string(0), customer = r.string(3);
  if (!r.is_null(4)) return invalid;
  Audit as_customer = who;
  as_customer.actor = customer;
  if (!r.is_null(2)) {
    // A used token again: someone holds a copy. End the session for everyone.
    tx.exec("UPDATE auth_sessions SET revoked_at_ms = ?, revoke_reason = 'refresh_reuse' WHERE id = ? AND revoked_at_ms IS NULL",
            {now_ms, session});
    audit(tx, as_customer, "refresh.reused", session, "会话已结束", now_ms, r.string(5) == "customer" ? customer : "");
    return Refusal{401, "AUTH_REFRESH_REUSED", "登录凭证已被使用，为保障账户安全请重新登录"};
  }
  if (r.int64(1) <= now_ms) return invalid;
  // The token is spent by exactly one request: two presenting it at once are one too many, and
  // the session goes as if it had been presented after its rotation.
  if (tx.exec("UPDATE auth_refresh_tokens SET used_at_ms = ? WHERE token_hash = ? AND used_at_ms IS NULL",
              {now_ms, core::sha256_hex(refresh_token)}) == 0) {
    tx.exec("UPDATE auth_sessions SET revoked_at_ms = ?, revoke_reason = 'refresh_reuse' WHERE id = ? AND revoked_at_ms IS NULL",
            {now_ms, session});
    audit(tx, as_customer, "refresh.reused", session, "会话已结束（同一刷新令牌同时使用两次）", now_ms,
          r.string(5) == "customer" ? customer : "");
    return Refusal{401, "AUTH_REFRESH_REUSED", "登录凭证已被使用，为保障账户安全请重新登录"};
  }
  // The session may have ended (a logout, a password change) since it was read: no tokens then.
  if (tx.exec("UPDATE auth_sessions SET last_used_ms = ? WHERE id = ? AND revoked_at_ms IS NULL", {now_ms, session}) == 0) return invalid;
  SignedIn out;
  out.customer_id = customer;
  out.kind = r.string(5);
  out.session_id = session;
  out.refresh_token = new_refresh(tx, session, now_ms);
  return out;
}

bool AuthStore::revoke_session(core::storage::Tx& tx, const std::string& customer_id, const std::string& session_id,
                               const std::string& reason, const Audit& who, std::int64_t now_ms) {
  const auto n = tx.exec("UPDATE auth_sessions SET revoked_at_ms = ?, revoke_reason = ? WHERE id = ? AND customer_id = ? "
                         "AND revoked_at_ms IS NULL",
                         {now_ms, reason, session_id, customer_id});
  if (n == 0) return false;
  // The session's owner, as kept: a customer's ("C…", made by sign_in) or a staff member's.
  audit(tx, who, "session.revoked", session_id, reason, now_ms, customer_id.rfind('C', 0) == 0 ? customer_id : "");
  return true;
}

std::vector<SessionInfo> AuthStore::sessions(core::storage::Tx& tx, const std::string& customer_id, const std::string& current) const {
  auto rows = tx.query("SELECT id, device, ip, created_at_ms, last_used_ms FROM auth_sessions WHERE customer_id = ? AND "
                       "kind = 'customer' AND revoked_at_ms IS NULL ORDER BY created_at_ms DESC LIMIT 100",
                       {customer_id});
  std::vector<SessionInfo> out;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows.at(i);
    out.push_back({r.string(0), r.string(1), r.string(2), r.int64(3), r.int64(4), r.string(0) == current});
  }
  return out;
}

void AuthStore::withdraw_last_code(core::storage::Tx& tx, const std::string& mobile, const std::string& purpose) {
  const std::string mh = mobile_hash(mobile);
  auto rows = tx.query("SELECT id FROM auth_sms_codes WHERE mobile_hash = ? AND purpose = ? ORDER BY created_at_ms DESC LIMIT 1",
                       {mh, purpose});
  if (rows.size() > 0) tx.exec("DELETE FROM auth_sms_codes WHERE id = ?", {rows.at(0).string(0)});
}

void AuthStore::burn_last_code(core::storage::Tx& tx, const std::string& mobile, const std::string& purpose) {
  const std::string mh = mobile_hash(mobile);
  auto rows = tx.query("SELECT id FROM auth_sms_codes WHERE mobile_hash = ? AND purpose = ? ORDER BY created_at_ms DESC LIMIT 1",
                       {mh, purpose});
  if (rows.size() > 0) tx.exec("UPDATE auth_sms_codes SET consumed = 1 WHERE id = ?", {rows.at(0).string(0)});
}

std::optional<CustomerProfile> AuthStore::customer_profile(core::storage::Tx& tx, const std::string& customer_id) const {
  auto rows = tx.query("SELECT id, mobile_masked, password_hash, created_at_ms, fund_account FROM auth_customers WHERE id = ?", {customer_id});
  if (rows.size() == 0) return std::nullopt;
  const auto& r = rows.at(0);
  return CustomerProfile{r.string(0), r.string(1), !r.is_null(2) && !r.string(2).empty(), r.int64(3), r.text(4)};
}

std::optional<std::optional<std::string>> AuthStore::fund_account(core::storage::Tx& tx, const std::string& customer_id) const {
  auto rows = tx.query("SELECT fund_account FROM auth_customers WHERE id = ?", {customer_id});
  if (rows.empty()) return std::nullopt;
  return rows.at(0).text(0);
}

std::variant<std::string, core::Refusal> AuthStore::bind_fund_account(core::storage::Tx& tx, const std::string& customer_id,
                                                                      const std::string& fund_account, const Audit& who, std::int64_t now_ms) {
  if (fund_account.empty() || fund_account.size() > 32) return core::Refusal{400, "AUTH_FUND_ACCOUNT_INVALID", "资金账号格式不正确"};
  auto current = this->fund_account(tx, customer_id);
  if (!current) return core::Refusal{404, "AUTH_CUSTOMER_NOT_FOUND", "客户不存在"};
  if (*current) {
    if (**current == fund_account) return fund_account;
    return core::Refusal{409, "AUTH_FUND_ACCOUNT_BOUND", "该客户已绑定其他资金账号"};
  }
  if (!tx.query("SELECT id FROM auth_customers WHERE fund_account = ?", {fund_account}).empty())
    return core::Refusal{409, "AUTH_FUND_ACCOUNT_TAKEN", "该资金账号已绑定其他客户"};
  tx.exec("UPDATE auth_customers SET fund_account = ? WHERE id = ?", {fund_account, customer_id});
  audit(tx, who, "customer.fund_account_bound", customer_id, "资金账户 " + fund_account, now_ms, customer_id);
  return fund_account;
}

std::int64_t AuthStore::purge(core::storage::Tx& tx, std::int64_t now_ms) {
  const std::int64_t codes_before = now_ms - std::max<std::int64_t>(kDayMs, policy_.code_ttl.count());
  std::int64_t n = tx.exec("DELETE FROM auth_sms_codes WHERE created_at_ms < ?", {codes_before});
  n += tx.exec("DELETE FROM auth_refresh_tokens WHERE expires_at_ms < ?", {now_ms - kDayMs});
  n += tx.exec("DELETE FROM auth_password_attempts WHERE updated_at_ms < ? AND locked_until_ms < ?", {now_ms - kDayMs, now_ms});
  n += tx.exec("DELETE FROM auth_code_address_locks WHERE updated_at_ms < ?", {now_ms - kDayMs});
  n += tx.exec("UPDATE auth_sessions SET revoked_at_ms = ?, revoke_reason = 'expired' WHERE revoked_at_ms IS NULL AND last_used_ms < ?",
               {now_ms, now_ms - policy_.refresh_ttl.count()});
  return n;
}

bool AuthStore::session_active(core::storage::Tx& tx, const std::string& session_id) const {
  return tx.query("SELECT 1 FROM auth_sessions WHERE id = ? AND revoked_at_ms IS NULL", {session_id}).size() > 0;
}

}  // namespace zt::services::auth
