#include "services/auth/app/customer_sessions.hpp"

#include <fmt/format.h>

#include "core/finance/business_clock.hpp"
#include "core/finance/identity.hpp"
#include "core/http/error.hpp"
#include "core/http/refusal.hpp"
#include "core/net/runtime.hpp"
#include "core/observe/log.hpp"
#include "core/util/time.hpp"
#include "services/auth/app/requester.hpp"

namespace zt::services::auth {

namespace {

using core::http::ApiError;
using core::http::RequestContext;
using core::http::value_or_throw;

// The mobile's last eight digits, which a password must not contain.
std::string tail_of(const std::string& mobile) {
  return mobile.size() >= 8 ? mobile.substr(mobile.size() - 8) : mobile;
}

// Thrown inside a sign-in's transaction to undo it (the agreements were refused).
struct Undone {};

}  // namespace

CustomerSessions::CustomerSessions(core::storage::Database& db, core::net::IoRuntime& runtime, AuthStore& store,
                                   StaffStore& staff, const TokenIssuer& tokens, Attempts& attempts,
                                   core::WorkPool& passwords, platform::notify::NotifyClient& notify,
                                   Argon2Params argon2, core::observe::Registry& metrics, bool sandbox)
    : db_(db),
      runtime_(runtime),
      store_(store),
      staff_(staff),
      tokens_(tokens),
      attempts_(attempts),
      passwords_(passwords),
      notify_(notify),
      argon2_(argon2),
      dummy_hash_(hash_password("no-such-customer-1", argon2)),
      logins_(metrics.counter("zt_auth_logins_total", "Sign-ins by SMS code that succeeded")),
      refreshes_(metrics.counter("zt_auth_refreshes_total", "Refresh tokens rotated")),
      sandbox_(sandbox) {}

CodeSent CustomerSessions::code_sent(const IssuedCode& code) const {
  return CodeSent{code.mobile_masked, store_.policy().code_ttl.count() / 1000,
                  store_.policy().resend_cooldown.count() / 1000};
}

// ---------------------------------------------------------------- codes

boost::asio::awaitable<CodeSent> CustomerSessions::send_code(const CodeRequest& in, const RequestContext& ctx) {
  const std::string purpose = in.purpose.value_or("login");
  if (purpose != "login" && purpose != "reset") throw ApiError(400, "AUTH_BAD_PURPOSE", "不支持的验证码用途");
  attempts_.count(ctx.remote_address, "code:" + in.mobile);
  if (purpose == "login") {
    const std::string template_id = "login_code";
    co_return co_await deliver_code(ctx, in.mobile, purpose, template_id, true);
  }
  // A reset: the same answer, in the same time, whether the number is a customer's or not: the
  // code is recorded either way and only a customer's phone gets it — sent after the answer, so
  // neither the time nor a failure of the SMS vendor tells who is a customer.
  const std::string mobile = in.mobile;
  bool known = false;
  if (core::finance::is_valid_mobile(mobile))
    known = co_await db_.read([&](core::storage::Tx& tx) { return store_.known_mobile(tx, mobile); });
  const Audit a = audit_of(ctx);
  const auto now = core::unix_millis();
  const std::string stored_as = "password";
  IssuedCode code = value_or_throw(
      co_await db_.write([&](core::storage::Tx& tx) { return store_.issue_code(tx, mobile, stored_as, a, now); }));
  if (known) {
    const std::string sent_code = code.code, masked = code.mobile_masked;
    runtime_.spawn(0, [this, mobile, sent_code, masked]() -> boost::asio::awaitable<void> {
      const std::string template_id = "reset_code", purpose = "password";
      const std::map<std::string, std::string> params{{"code", sent_code}};
      const core::http::RequestContext none;
      const auto sent = co_await notify(none, mobile, template_id, params);
      if (!sent) {
        // Burned, not withdrawn: the row keeps counting for the cooldown and the daily cap, so
        // a second request reads the same for a customer's number as for anyone's.
        core::log::warn("auth: a reset code to {} could not be sent; burned", masked);
        co_await db_.write([&](core::storage::Tx& tx) { store_.burn_last_code(tx, mobile, purpose); });
      }
    });
  }
  co_return code_sent(code);
}

boost::asio::awaitable<CodeSent> CustomerSessions::send_password_code(const RequestContext& ctx) {
  require_signed_in_customer(ctx);
  const std::string customer = ctx.caller.subject;
  const std::string mobile =
      co_await db_.read([&](core::storage::Tx& tx) { return store_.customer_mobile(tx, customer); });
  if (mobile.empty()) throw ApiError(404, "AUTH_CUSTOMER_NOT_FOUND", "客户不存在");
  const std::string purpose = "password", template_id = "password_code";
  co_return co_await deliver_code(ctx, mobile, purpose, template_id, true);
}

// Issues a code for `purpose` and sends it; `send` false: recorded (so the answer, the cooldown
// and the caps are those of any number) but sent to nobody.
boost::asio::awaitable<CodeSent> CustomerSessions::deliver_code(const RequestContext& ctx, const std::string& mobile,
                                                                const std::string& purpose,
                                                                const std::string& template_id, bool send) {
  const Audit a = audit_of(ctx);
  const auto now = core::unix_millis();
  IssuedCode code = value_or_throw(
      co_await db_.write([&](core::storage::Tx& tx) { return store_.issue_code(tx, mobile, purpose, a, now); }));
  if (send) {
    const std::map<std::string, std::string> params{{"code", code.code}};
    const auto sent = co_await notify(ctx, mobile, template_id, params);
    if (!sent) {
      // Not delivered: forget the code, so the cooldown does not keep the customer waiting for it.
      co_await db_.write([&](core::storage::Tx& tx) { store_.withdraw_last_code(tx, mobile, purpose); });
      throw ApiError::upstream(503, "AUTH_SMS_UNAVAILABLE", "短信发送失败，请稍后重试");
    }
    ctx.log().info("auth: {} code sent to {}", purpose, code.mobile_masked);
    // The sandbox's outbox has it, no phone does: whoever asked may see it (docs/sandbox.md).
    if (sandbox_ && sent->provider == "sandbox") {
      CodeSent out = code_sent(code);
      out.sandbox_code = code.code;
      co_return out;
    }
  }
  co_return code_sent(code);
}

// One SMS through the notify service; none when it could not be sent.
boost::asio::awaitable<std::optional<platform::notify::MessageSent>> CustomerSessions::notify(
    const RequestContext& ctx, const std::string& mobile, const std::string& template_id,
    const std::map<std::string, std::string>& params) {
  const platform::notify::SendMessage message{"sms", mobile, template_id, params};
  auto sent = co_await notify_.send(message, &ctx);
  if (auto* no = std::get_if<core::Refusal>(&sent))
    ctx.log().warn("auth: notify refused {} ({})", template_id, no->code);
  if (auto* ok = std::get_if<platform::notify::MessageSent>(&sent)) co_return *ok;
  co_return std::nullopt;
}

// ---------------------------------------------------------------- signing in

boost::asio::awaitable<Tokens> CustomerSessions::sign_in(const SignInRequest& in, const RequestContext& ctx) {
  attempts_.count(ctx.remote_address, "sms:" + in.mobile);
  const std::string device = device_name(in.device);
  const Audit a = audit_of(ctx);
  const auto now = core::unix_millis();
  const auto agreed = in.agreements.value_or(std::vector<AgreementRef>{});
  const SignInStep step = [&](core::storage::Tx& tx) { return store_.sign_in(tx, in.mobile, in.code, device, a, now); };
  SignedIn s = co_await agreeing(step, agreed, device, a, now, in.mobile);
  logins_.inc();
  ctx.log().info("auth: a customer signed in ({}session {})", s.new_customer ? "new, " : "", s.session_id);
  co_return tokens_.customer(s);
}

boost::asio::awaitable<Tokens> CustomerSessions::password_sign_in(const PasswordSignIn& in, const RequestContext& ctx) {
  // Keyed by number and address: password guesses from elsewhere never use up the customer's
  // own attempts (the store's password lock counts them all).
  attempts_.count(ctx.remote_address, "password:" + in.mobile + "|" + ctx.remote_address);
  // And by number alone, five times as loosely: guesses spread over many addresses (an IPv6
  // block, a botnet) are slowed too, and each costs a hash.
  attempts_.count_password_guess(in.mobile);
  const auto now = core::unix_millis();
  const std::string mobile = in.mobile;
  PasswordRecord record =
      value_or_throw(co_await db_.read([&](core::storage::Tx& tx) { return store_.password_record(tx, mobile, now); }));
  // Every attempt spends one hash, whether the number is known and has a password or not.
  const bool ok = co_await passwords_.submit([&] {
    const bool match = verify_password(in.password, record.password_hash.empty() ? dummy_hash_ : record.password_hash);
    return match && !record.password_hash.empty();
  });
  const Audit a = audit_of(ctx);
  const std::string device = device_name(in.device);
  const auto agreed = in.agreements.value_or(std::vector<AgreementRef>{});
  const SignInStep step = [&](core::storage::Tx& tx) {
    return store_.finish_password_sign_in(tx, mobile, ok, record.password_hash, device, a, now);
  };
  SignedIn s = co_await agreeing(step, agreed, device, a, now, mobile);
  logins_.inc();
  ctx.log().info("auth: a customer signed in with a password (session {})", s.session_id);
  co_return tokens_.customer(s);
}

// A sign-in step (the store's, in one transaction) with the customer's acceptance of the current
// agreements recorded in the same transaction. Refused for the agreements, nothing of it is kept —
// the code stays usable, nobody is signed up — and the refusal is audited apart
// (login.agreement_required): a right code or password confirmed never goes without a trace.
boost::asio::awaitable<SignedIn> CustomerSessions::agreeing(const SignInStep& step, const std::vector<AgreementRef>& agreed,
                                                            const std::string& device, const Audit& a, std::int64_t now,
                                                            const std::string& mobile) {
  std::optional<core::Refusal> refused;
  std::string customer;
  bool new_customer = false;
  std::variant<SignedIn, core::Refusal> result;
  try {
    result = co_await db_.write([&](core::storage::Tx& tx) {
      auto out = step(tx);
      if (auto* s = std::get_if<SignedIn>(&out)) {
        if (auto no = store_.agree(tx, s->customer_id, agreed, device, a, now)) {
          refused = *no;
          customer = s->customer_id;
          new_customer = s->new_customer;
          throw Undone{};
        }
      }
      return out;
    });
  } catch (const Undone&) {
  }
  if (refused) {
    const std::string subject = new_customer ? core::finance::mask_mobile(mobile) : customer;
    const std::string of = new_customer ? "" : customer;  // a new number's customer was undone with the rest
    co_await db_.write(
        [&](core::storage::Tx& tx) { store_.audit(tx, a, "login.agreement_required", subject, refused->code, now, of); });
    throw ApiError(refused->status, refused->code, refused->message);
  }
  co_return value_or_throw(std::move(result));
}

// ---------------------------------------------------------------- passwords

boost::asio::awaitable<void> CustomerSessions::set_password(const CustomerPassword& in, const RequestContext& ctx) {
  require_signed_in_customer(ctx);
  const std::string customer = ctx.caller.subject, session = ctx.caller.session;
  const std::string mobile =
      co_await db_.read([&](core::storage::Tx& tx) { return store_.customer_mobile(tx, customer); });
  if (mobile.empty()) throw ApiError(404, "AUTH_CUSTOMER_NOT_FOUND", "客户不存在");
  if (auto problem = password_problem(in.password, PasswordRules::kCustomer, {tail_of(mobile)}))
    throw ApiError(400, "AUTH_PASSWORD_WEAK", *problem);
  // A session alone is not enough (a stolen access token must not take the account): the code
  // sent to the customer's phone proves the phone is in their hand.
  co_await change_password(ctx, mobile, in.code, in.password, customer, session);
}

boost::asio::awaitable<void> CustomerSessions::reset_password(const PasswordReset& in, const RequestContext& ctx) {
  attempts_.count(ctx.remote_address, "reset:" + in.mobile);
  if (auto problem = password_problem(in.password, PasswordRules::kCustomer, {tail_of(in.mobile)}))
    throw ApiError(400, "AUTH_PASSWORD_WEAK", *problem);
  const std::string none;
  co_await change_password(ctx, in.mobile, in.code, in.password, none, none);
}

// Spends the code (one transaction), hashes off the io threads, then sets the password, ends
// the other sessions and tells the customer by SMS.
boost::asio::awaitable<void> CustomerSessions::change_password(const RequestContext& ctx, const std::string& mobile,
                                                               const std::string& code, const std::string& password,
                                                               const std::string& expected_customer,
                                                               const std::string& keep_session) {
  const Audit a = audit_of(ctx);
  const auto now = core::unix_millis();
  const std::string purpose = "password";
  const std::string customer = value_or_throw(co_await db_.write(
      [&](core::storage::Tx& tx) { return store_.verify_code_for(tx, mobile, purpose, code, a, now); }));
  if (!expected_customer.empty() && customer != expected_customer)
    throw ApiError(400, "AUTH_CODE_INVALID", "验证码错误或已失效，请重新获取");
  const std::string hash = co_await passwords_.submit([&] { return hash_password(password, argon2_); });
  const auto ended = co_await db_.write([&](core::storage::Tx& tx) {
    return store_.set_customer_password(tx, customer, hash, keep_session, a, core::unix_millis());
  });
  ctx.log().info("auth: a customer set a password; {} other sessions ended", ended);
  const std::string template_id = "password_changed";
  const auto at = core::finance::business_time(std::chrono::system_clock::now());
  const std::map<std::string, std::string> params{
      {"time", fmt::format("{} {:02d}:{:02d}", core::finance::format_date(at.date), at.seconds_of_day / 3600,
                           at.seconds_of_day / 60 % 60)}};
  co_await notify(ctx, mobile, template_id, params);
}

// ---------------------------------------------------------------- sessions

boost::asio::awaitable<Refreshed> CustomerSessions::refresh(const std::string& token, const RequestContext& ctx) {
  const Audit a = audit_of(ctx);
  const auto now = core::unix_millis();
  std::optional<StaffClaims> claims;
  auto result = co_await db_.write([&](core::storage::Tx& tx) -> std::variant<SignedIn, Refusal> {
    auto r = store_.refresh(tx, token, a, now);
    auto* s = std::get_if<SignedIn>(&r);
    if (!s || s->kind != "staff") return r;
    // Staff get their roles as they are now; a disabled account's session ends here.
    claims = staff_.claims(tx, s->customer_id);
    if (!claims) {
      store_.revoke_session(tx, s->customer_id, s->session_id, "staff_disabled", a, now);
      return Refusal{401, "AUTH_STAFF_DISABLED", "账号已停用，请联系管理员"};
    }
    return r;
  });
  if (auto* r = std::get_if<Refusal>(&result)) {
    if (r->code == "AUTH_REFRESH_REUSED")
      ctx.log().warn("auth: a refresh token was used twice; its session is revoked");
    co_return *r;
  }
  const SignedIn s = std::get<SignedIn>(std::move(result));
  refreshes_.inc();
  if (claims) co_return tokens_.staff(s, *claims);
  co_return tokens_.customer(s);
}

boost::asio::awaitable<void> CustomerSessions::logout(const RequestContext& ctx) {
  require_signed_in_customer(ctx);
  const Audit a = audit_of(ctx);
  const auto now = core::unix_millis();
  const std::string customer = ctx.caller.subject, session = ctx.caller.session;
  co_await db_.write(
      [&](core::storage::Tx& tx) { return store_.revoke_session(tx, customer, session, "logout", a, now); });
}

boost::asio::awaitable<CustomerProfile> CustomerSessions::profile(const RequestContext& ctx) {
  require_signed_in_customer(ctx);
  const std::string customer = ctx.caller.subject;
  auto p = co_await db_.read([&](core::storage::Tx& tx) { return store_.customer_profile(tx, customer); });
  if (!p) throw ApiError(404, "AUTH_CUSTOMER_NOT_FOUND", "客户不存在");
  co_return std::move(*p);
}

boost::asio::awaitable<SessionList> CustomerSessions::sessions(const RequestContext& ctx) {
  require_signed_in_customer(ctx);
  const std::string customer = ctx.caller.subject, session = ctx.caller.session;
  SessionList list;
  list.items = co_await db_.read([&](core::storage::Tx& tx) { return store_.sessions(tx, customer, session); });
  co_return list;
}

boost::asio::awaitable<ConsentList> CustomerSessions::consents(const RequestContext& ctx) {
  require_signed_in_customer(ctx);
  const std::string customer = ctx.caller.subject;
  ConsentList list;
  list.items = co_await db_.read([&](core::storage::Tx& tx) { return store_.consents(tx, customer); });
  co_return list;
}

boost::asio::awaitable<void> CustomerSessions::end_session(const std::string& session_id, const RequestContext& ctx) {
  require_signed_in_customer(ctx);
  const Audit a = audit_of(ctx);
  const auto now = core::unix_millis();
  const std::string customer = ctx.caller.subject;
  const bool ended = co_await db_.write([&](core::storage::Tx& tx) {
    return store_.revoke_session(tx, customer, session_id, "revoked_by_customer", a, now);
  });
  if (!ended) throw ApiError(404, "AUTH_SESSION_NOT_FOUND", "会话不存在或已结束");
}

boost::asio::awaitable<RevocationPage> CustomerSessions::revoked(std::int64_t after_ms, const std::string& after_id) {
  auto rows =
      co_await db_.read([&](core::storage::Tx& tx) { return store_.revoked_since(tx, after_ms, after_id, 1000); });
  RevocationPage page;
  page.cursor = fmt::format("{}.{}", after_ms, after_id);
  for (auto& r : rows) page.items.push_back({r.id, r.at_ms});
  if (!rows.empty()) page.cursor = fmt::format("{}.{}", rows.back().at_ms, rows.back().id);
  co_return page;
}

}  // namespace zt::services::auth
