#include "services/auth/auth_component.hpp"

#include <boost/describe.hpp>
#include <boost/json/serialize.hpp>

#include "core/app/keys.hpp"
#include "core/discovery/discovery.hpp"
#include "core/discovery/service_client.hpp"
#include "core/http/error.hpp"
#include "core/http/router.hpp"
#include "core/json/json.hpp"
#include "core/net/notifier.hpp"
#include "core/net/runtime.hpp"
#include "core/observe/log.hpp"
#include "core/observe/metrics.hpp"
#include "core/storage/database.hpp"
#include "core/util/time.hpp"
#include "platform/notify/client/notify_client.hpp"
#include "services/auth/api_types.hpp"
#include "services/auth/client/auth_api.hpp"
#include "services/auth/auth_store.hpp"
#include "services/auth/signing_keys.hpp"
#include "services/auth/accounts_api.hpp"
#include "services/auth/staff_api.hpp"
#include "core/net/blocking.hpp"
#include "core/finance/business_clock.hpp"
#include "core/finance/identity.hpp"
#include "core/resilience/clock.hpp"
#include "core/resilience/limiter.hpp"
#include "services/auth/refresh_cookie.hpp"
#include <fmt/format.h>

std::span<const zt::core::EmbeddedFile> zt_auth_migrations();
std::span<const zt::core::EmbeddedFile> zt_auth_openapi();

namespace zt::services::auth {

struct CodeRequest {
  std::string mobile;
  std::optional<std::string> purpose;
};
BOOST_DESCRIBE_STRUCT(CodeRequest, (), (mobile, purpose))
struct CodeSent {
  std::string mobile;  // masked
  std::int64_t expires_in_s = 0;
  std::int64_t resend_after_s = 0;
};
BOOST_DESCRIBE_STRUCT(CodeSent, (), (mobile, expires_in_s, resend_after_s))
struct SignInRequest {
  std::string mobile;
  std::string code;
  std::optional<std::string> device;
};
BOOST_DESCRIBE_STRUCT(SignInRequest, (), (mobile, code, device))
struct PasswordSignIn {
  std::string mobile;
  std::string password;
  std::optional<std::string> device;
};
BOOST_DESCRIBE_STRUCT(PasswordSignIn, (), (mobile, password, device))
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

namespace {

using core::http::ApiError;
using core::http::Method;
using core::http::Request;
using core::http::RequestContext;
using core::http::Response;

Policy policy_from(const core::config::Section& c) {
  Policy p;
  p.code_ttl = c.get_duration("code_ttl");
  p.resend_cooldown = c.get_duration("resend_cooldown");
  p.max_tries = static_cast<int>(c.get_int("max_tries"));
  p.codes_per_mobile = static_cast<int>(c.get_int("codes_per_mobile"));
  p.codes_per_ip = static_cast<int>(c.get_int("codes_per_ip"));
  p.lockout_base = c.get_duration("lockout_base");
  p.refresh_ttl = c.get_duration("refresh_ttl");
  return p;
}

core::resilience::BucketSpec per_minute(std::int64_t n) {
  core::resilience::BucketSpec b;
  b.tokens_per_period = n;
  b.period = 60 * core::resilience::kSecond;
  b.burst = n;
  return b;
}

Argon2Params argon2_from(const core::config::Section& c) {
  return Argon2Params{static_cast<std::uint32_t>(c.get_int("password_memory_kib")), static_cast<std::uint32_t>(c.get_int("password_iterations")), 1};
}

template <class T>
T value_or_throw(std::variant<T, Refusal>&& v) {
  if (auto* r = std::get_if<Refusal>(&v)) throw ApiError(r->status, r->code, r->message);
  return std::move(std::get<T>(v));
}

class AuthComponent final : public core::Component {
 public:
  explicit AuthComponent(core::ComponentContext& ctx)
      : db_(ctx.database()),
        runtime_(ctx.runtime()),
        discovery_(ctx.get<core::discovery::Discovery>("discovery")),
        notify_(discovery_.client(), "auth"),
        store_(core::sealing_keys(ctx), policy_from(ctx.config())),
        staff_(core::sealing_keys(ctx), store_),
        argon2_(argon2_from(ctx.config())),
        access_ttl_(ctx.config().get_duration("access_ttl")),
        staff_access_ttl_(ctx.config().get_duration("staff_access_ttl")),
        keys_(core::sealing_keys(ctx), access_ttl_.count() + 300000),
        issuer_(ctx.config().get_string("issuer")),
        audience_(ctx.config().get_string("audience")),
        passwords_("argon2", {static_cast<std::size_t>(ctx.config().get_int("password_threads")),
                              static_cast<std::size_t>(ctx.config().get_int("password_queue")), /*low_priority=*/true}),
        per_address_("auth-attempts-per-address", per_minute(ctx.config().get_int("attempts_per_address")), 100000),
        per_subject_("auth-attempts-per-number", per_minute(ctx.config().get_int("attempts_per_number")), 100000),
        per_number_("auth-password-attempts-per-number", per_minute(5 * ctx.config().get_int("attempts_per_number")), 100000),
        secure_cookies_(ctx.config().get_bool("secure_cookies")) {
    db_.write_blocking([&](core::storage::Tx& tx) {
      keys_.load(tx, core::unix_millis());
      staff_.seed_roles(tx, core::unix_millis());
    });
    dummy_hash_ = hash_password("no-such-customer-1", argon2_);
    auto& m = ctx.metrics();
    logins_ = &m.counter("zt_auth_logins_total", "Sign-ins by SMS code that succeeded");
    refreshes_ = &m.counter("zt_auth_refreshes_total", "Refresh tokens rotated");
    auto& r = ctx.public_router();
    r.add(Method::kGet, "/api/auth/v1/jwks", [this](Request&, RequestContext&) -> boost::asio::awaitable<Response> {
      auto res = Response::json(200, keys_.jwks(core::unix_millis()));
      res.headers.set("cache-control", "public, max-age=60");
      co_return res;
    });
    r.add(Method::kPost, "/api/auth/v1/sms-codes", [this](Request& q, RequestContext& c) { return send_code(q, c); });
    r.add(Method::kPost, "/api/auth/v1/sessions", [this](Request& q, RequestContext& c) { return sign_in(q, c); });
    r.add(Method::kPost, "/api/auth/v1/sessions/password", [this](Request& q, RequestContext& c) { return password_sign_in(q, c); });
    r.add(Method::kPost, "/api/auth/v1/me/password-codes", [this](Request& q, RequestContext& c) { return send_password_code(q, c); });
    r.add(Method::kPut, "/api/auth/v1/me/password", [this](Request& q, RequestContext& c) { return set_password(q, c); });
    r.add(Method::kPost, "/api/auth/v1/password-resets", [this](Request& q, RequestContext& c) { return reset_password(q, c); });
    r.add(Method::kGet, "/api/auth/v1/sessions/revoked", [this](Request& q, RequestContext& c) { return revoked(q, c); });
    r.add(Method::kPost, "/api/auth/v1/tokens/refresh", [this](Request& q, RequestContext& c) { return refresh(q, c); });
    r.add(Method::kPost, "/api/auth/v1/me/logout", [this](Request& q, RequestContext& c) { return logout(q, c); });
    r.add(Method::kGet, "/api/auth/v1/me", [this](Request& q, RequestContext& c) { return profile(q, c); });
    r.add(Method::kGet, "/api/auth/v1/me/sessions", [this](Request& q, RequestContext& c) { return list_sessions(q, c); });
    r.add(Method::kDelete, "/api/auth/v1/me/sessions/{id}", [this](Request& q, RequestContext& c) { return end_session(q, c); });
    add_account_routes(r, AccountApiDeps{db_, store_, discovery_, ctx.full_config().section("node").get_bool("sandbox")});
    add_staff_routes(r, StaffApiDeps{db_, store_, staff_, argon2_, ctx.config().get_string("totp_issuer"),
                                     [this](const SignedIn& s, const StaffClaims& c) { return staff_tokens_for(s, c); }, passwords_,
                                     [this](const RequestContext& c, const std::string& subject) { throttle(c, subject); },
                                     store_.policy().refresh_ttl, secure_cookies_});
    ctx.admin_router().add(Method::kPost, "/auth/keys/rotate", [this](Request&, RequestContext& c) -> boost::asio::awaitable<Response> {
      const std::string kid = co_await db_.write([&](core::storage::Tx& tx) { return keys_.rotate(tx, core::unix_millis()); });
      c.log().info("auth: signing key rotated to {}", kid);
      co_return Response::json(200, "{\"kid\":\"" + kid + "\"}");
    });
  }

  void start() override {
    core::log::info("auth: signing with {}", keys_.current_kid());
    // Another instance may rotate the keys: read them again now and then. Every tenth round
    // (and at start) old codes, tokens and idle sessions are swept (AuthStore::purge).
    runtime_.spawn(0, [this]() -> boost::asio::awaitable<void> {
      for (int round = 0; !stopping_.load(); ++round) {
        try {
          if (round % 10 == 0) {
            const auto swept = co_await db_.write([&](core::storage::Tx& tx) { return store_.purge(tx, core::unix_millis()); });
            if (swept > 0) core::log::info("auth: housekeeping removed or ended {} old codes, tokens and sessions", swept);
          }
        } catch (const std::exception& e) {
          core::log::warn("auth: housekeeping failed: {}", e.what());
        }
        co_await stop_signal_.wait(stop_signal_.generation(), std::chrono::seconds(30));
        if (stopping_.load()) break;
        try {
          co_await db_.read([&](core::storage::Tx& tx) { keys_.reload(tx); });
        } catch (const std::exception& e) {
          core::log::warn("auth: could not reload signing keys: {}", e.what());
        }
      }
    });
  }
  void stop() override {
    stopping_ = true;
    stop_signal_.notify_all();
  }

 private:
  static Audit who(const RequestContext& ctx) {
    return {ctx.caller.kind == core::http::CallerKind::kAnonymous ? std::string("anonymous") : ctx.caller.subject, ctx.remote_address,
            ctx.trace_id};
  }

  Tokens tokens_for(const SignedIn& s) const {
    const auto now = core::unix_millis() / 1000;
    boost::json::object claims{{"iss", issuer_},
                               {"aud", audience_},
                               {"sub", s.customer_id},
                               {"typ", "customer"},
                               {"sid", s.session_id},
                               {"jti", random_token(12)},
                               {"iat", now},
                               {"nbf", now},
                               {"exp", now + access_ttl_.count() / 1000}};
    return Tokens{keys_.sign(claims), "Bearer", access_ttl_.count() / 1000, s.refresh_token, s.customer_id, s.session_id, s.new_customer};
  }

  StaffTokens staff_tokens_for(const SignedIn& s, const StaffClaims& c) const {
    const auto now = core::unix_millis() / 1000;
    boost::json::array roles, perms;
    for (const auto& r : c.roles) roles.emplace_back(r);
    for (const auto& p : c.permissions) perms.emplace_back(p);
    boost::json::object claims{{"iss", issuer_}, {"aud", audience_}, {"sub", s.customer_id}, {"typ", "staff"}, {"sid", s.session_id},
                               {"roles", roles},  {"perms", perms},  {"jti", random_token(12)}, {"iat", now},
                               {"nbf", now},      {"exp", now + staff_access_ttl_.count() / 1000}};
    return StaffTokens{keys_.sign(claims), "Bearer", staff_access_ttl_.count() / 1000, s.refresh_token, s.customer_id, s.session_id,
                       c.roles, c.permissions, c.password_change_required};
  }

  // Sign-in attempts: at most attempts_per_address a minute from one client address and
  // attempts_per_number for one number or account in one flow (an attack on passwords never uses
  // up the SMS sign-in), in this instance (the store's locks count across instances).
  void throttle(const RequestContext& ctx, const std::string& subject) {
    const auto now = core::resilience::SteadyClock::instance().now();
    const bool address_ok = per_address_.try_acquire(ctx.remote_address, 1, now).pass;
    const bool subject_ok = subject.empty() || per_subject_.try_acquire(subject, 1, now).pass;
    if (!address_ok || !subject_ok) throw ApiError(429, "AUTH_TOO_MANY_ATTEMPTS", "尝试过于频繁，请稍后再试");
  }

  // The answer to a sign-in or refresh: the tokens, with the refresh token in an HttpOnly cookie
  // when the web app asks for one (refresh_cookie.hpp).
  Response signed_in(const Request& req, Tokens tokens) const {
    const CookieFor cookie = cookie_requested(req);
    const std::string refresh = tokens.refresh_token;
    if (cookie != CookieFor::kNone) tokens.refresh_token.clear();
    auto res = Response::json(200, core::json::serialize(tokens));
    set_refresh_cookie(res, cookie, refresh, store_.policy().refresh_ttl, secure_cookies_);
    return res;
  }

  boost::asio::awaitable<Response> password_sign_in(Request& req, RequestContext& ctx) {
    auto body = core::json::parse<PasswordSignIn>(req.body);
    // Keyed by number and address: password guesses from elsewhere never use up the customer's
    // own attempts (the store's password lock counts them all).
    throttle(ctx, "password:" + body.mobile + "|" + ctx.remote_address);
    // And by number alone, five times as loosely: guesses spread over many addresses (an IPv6
    // block, a botnet) are slowed too, and each costs a hash.
    if (!per_number_.try_acquire(body.mobile, 1, core::resilience::SteadyClock::instance().now()).pass)
      throw ApiError(429, "AUTH_TOO_MANY_ATTEMPTS", "尝试过于频繁，请稍后再试");
    const auto now = core::unix_millis();
    const std::string mobile = body.mobile;
    PasswordRecord record = value_or_throw(co_await db_.read([&](core::storage::Tx& tx) { return store_.password_record(tx, mobile, now); }));
    // Every attempt spends one hash, whether the number is known and has a password or not.
    const bool ok = co_await passwords_.submit([&] {
      const bool match = verify_password(body.password, record.password_hash.empty() ? dummy_hash_ : record.password_hash);
      return match && !record.password_hash.empty();
    });
    const Audit a = who(ctx);
    const std::string device = body.device.value_or("").substr(0, 64).empty() ? std::string("未知设备") : body.device->substr(0, 64);
    SignedIn s = value_or_throw(
        co_await db_.write([&](core::storage::Tx& tx) { return store_.finish_password_sign_in(tx, mobile, ok, record.password_hash, device, a, now); }));
    logins_->inc();
    ctx.log().info("auth: customer {} signed in with a password (session {})", s.customer_id, s.session_id);
    co_return signed_in(req, tokens_for(s));
  }

  // A code to the customer's own number, to set or change their password with.
  boost::asio::awaitable<Response> send_password_code(Request&, RequestContext& ctx) {
    require_customer(ctx);
    const std::string customer = ctx.caller.subject;
    const std::string mobile = co_await db_.read([&](core::storage::Tx& tx) { return store_.customer_mobile(tx, customer); });
    if (mobile.empty()) throw ApiError(404, "AUTH_CUSTOMER_NOT_FOUND", "客户不存在");
    const std::string purpose = "password", template_id = "password_code";
    co_return co_await deliver_code(ctx, mobile, purpose, template_id, true);
  }

  boost::asio::awaitable<Response> set_password(Request& req, RequestContext& ctx) {
    require_customer(ctx);
    auto body = core::json::parse<CustomerPassword>(req.body);
    const std::string customer = ctx.caller.subject, session = ctx.caller.session;
    const std::string mobile = co_await db_.read([&](core::storage::Tx& tx) { return store_.customer_mobile(tx, customer); });
    if (mobile.empty()) throw ApiError(404, "AUTH_CUSTOMER_NOT_FOUND", "客户不存在");
    const std::string tail = mobile.size() >= 8 ? mobile.substr(mobile.size() - 8) : mobile;
    if (auto problem = password_problem(body.password, PasswordRules::kCustomer, {tail})) throw ApiError(400, "AUTH_PASSWORD_WEAK", *problem);
    // A session alone is not enough (a stolen access token must not take the account): the code
    // sent to the customer's phone proves the phone is in their hand.
    co_await change_password(ctx, mobile, body.code, body.password, customer, session);
    co_return Response::json(200, R"({"message":"密码已设置，其他设备已退出登录"})");
  }

  // Forgotten password: a code sent with purpose "reset" to the number, then a new password. Every
  // session of the customer ends.
  boost::asio::awaitable<Response> reset_password(Request& req, RequestContext& ctx) {
    auto body = core::json::parse<PasswordReset>(req.body);
    throttle(ctx, "reset:" + body.mobile);
    const std::string tail = body.mobile.size() >= 8 ? body.mobile.substr(body.mobile.size() - 8) : body.mobile;
    if (auto problem = password_problem(body.password, PasswordRules::kCustomer, {tail})) throw ApiError(400, "AUTH_PASSWORD_WEAK", *problem);
    const std::string none;
    co_await change_password(ctx, body.mobile, body.code, body.password, none, none);
    co_return Response::json(200, R"({"message":"密码已重置，请使用新密码登录"})");
  }

  // Spends the code (one transaction), hashes off the io threads, then sets the password, ends
  // the other sessions and tells the customer by SMS.
  boost::asio::awaitable<void> change_password(const RequestContext& ctx, const std::string& mobile, const std::string& code,
                                               const std::string& password, const std::string& expected_customer,
                                               const std::string& keep_session) {
    const Audit a = who(ctx);
    const auto now = core::unix_millis();
    const std::string purpose = "password";
    const std::string customer =
        value_or_throw(co_await db_.write([&](core::storage::Tx& tx) { return store_.verify_code_for(tx, mobile, purpose, code, a, now); }));
    if (!expected_customer.empty() && customer != expected_customer)
      throw ApiError(400, "AUTH_CODE_INVALID", "验证码错误或已失效，请重新获取");
    const std::string hash = co_await passwords_.submit([&] { return hash_password(password, argon2_); });
    const auto ended = co_await db_.write(
        [&](core::storage::Tx& tx) { return store_.set_customer_password(tx, customer, hash, keep_session, a, core::unix_millis()); });
    ctx.log().info("auth: customer {} set a password; {} other sessions ended", customer, ended);
    const std::string template_id = "password_changed";
    const auto at = core::finance::business_time(std::chrono::system_clock::now());
    const std::map<std::string, std::string> params{
        {"time", fmt::format("{} {:02d}:{:02d}", core::finance::format_date(at.date), at.seconds_of_day / 3600, at.seconds_of_day / 60 % 60)}};
    co_await notify(ctx, mobile, template_id, params);
  }

  // One SMS through the notify service; false when it could not be sent.
  boost::asio::awaitable<bool> notify(const RequestContext& ctx, const std::string& mobile, const std::string& template_id,
                                      const std::map<std::string, std::string>& params) {
    const platform::notify::SendMessage message{"sms", mobile, template_id, params};
    auto sent = co_await notify_.send(message, &ctx);
    if (auto* no = std::get_if<core::Refusal>(&sent)) ctx.log().warn("auth: notify refused {} ({})", template_id, no->code);
    co_return std::holds_alternative<platform::notify::MessageSent>(sent);
  }

  // Issues a code for `purpose` and sends it; `send` false: recorded (so the answer, the cooldown
  // and the caps are those of any number) but sent to nobody.
  boost::asio::awaitable<Response> deliver_code(RequestContext& ctx, const std::string& mobile, const std::string& purpose,
                                                const std::string& template_id, bool send) {
    const Audit a = who(ctx);
    const auto now = core::unix_millis();
    IssuedCode code = value_or_throw(co_await db_.write([&](core::storage::Tx& tx) { return store_.issue_code(tx, mobile, purpose, a, now); }));
    if (send) {
      const std::map<std::string, std::string> params{{"code", code.code}};
      const bool sent = co_await notify(ctx, mobile, template_id, params);
      if (!sent) {
        // Not delivered: forget the code, so the cooldown does not keep the customer waiting for it.
        co_await db_.write([&](core::storage::Tx& tx) { store_.withdraw_last_code(tx, mobile, purpose); });
        throw ApiError(503, "AUTH_SMS_UNAVAILABLE", "短信发送失败，请稍后重试");
      }
      ctx.log().info("auth: {} code sent to {}", purpose, code.mobile_masked);
    }
    CodeSent answer{code.mobile_masked, store_.policy().code_ttl.count() / 1000, store_.policy().resend_cooldown.count() / 1000};
    co_return Response::json(200, core::json::serialize(answer));
  }

  // The sessions ended since a cursor, for the gateways (service only): they refuse those
  // sessions' access tokens until the tokens expire anyway.
  boost::asio::awaitable<Response> revoked(Request& req, RequestContext&) {
    std::int64_t after_ms = 0;
    std::string after_id;
    if (auto c = req.query_param("after"); c && !c->empty()) {
      const auto dot = c->find('.');
      try {
        after_ms = std::stoll(c->substr(0, dot));
      } catch (const std::exception&) {
        throw ApiError(400, "AUTH_BAD_CURSOR", "分页游标无效");
      }
      if (dot != std::string::npos) after_id = c->substr(dot + 1);
    } else if (auto since = req.query_param("since_ms"); since && !since->empty()) {
      try {
        after_ms = std::stoll(*since);
      } catch (const std::exception&) {
        throw ApiError(400, "AUTH_BAD_CURSOR", "分页游标无效");
      }
    }
    auto rows = co_await db_.read([&](core::storage::Tx& tx) { return store_.revoked_since(tx, after_ms, after_id, 1000); });
    RevocationPage page;
    page.cursor = fmt::format("{}.{}", after_ms, after_id);
    for (auto& r : rows) page.items.push_back({r.id, r.at_ms});
    if (!rows.empty()) page.cursor = fmt::format("{}.{}", rows.back().at_ms, rows.back().id);
    co_return Response::json(200, core::json::serialize(page));
  }

  boost::asio::awaitable<Response> send_code(Request& req, RequestContext& ctx) {
    auto body = core::json::parse<CodeRequest>(req.body);
    const std::string purpose = body.purpose.value_or("login");
    if (purpose != "login" && purpose != "reset") throw ApiError(400, "AUTH_BAD_PURPOSE", "不支持的验证码用途");
    throttle(ctx, "code:" + body.mobile);
    if (purpose == "login") {
      const std::string template_id = "login_code";
      co_return co_await deliver_code(ctx, body.mobile, purpose, template_id, true);
    }
    // A reset: the same answer, in the same time, whether the number is a customer's or not: the
    // code is recorded either way and only a customer's phone gets it — sent after the answer, so
    // neither the time nor a failure of the SMS vendor tells who is a customer.
    const std::string mobile = body.mobile;
    bool known = false;
    if (core::finance::is_valid_mobile(mobile))
      known = co_await db_.read([&](core::storage::Tx& tx) { return store_.known_mobile(tx, mobile); });
    const Audit a = who(ctx);
    const auto now = core::unix_millis();
    const std::string stored_as = "password";
    IssuedCode code = value_or_throw(co_await db_.write([&](core::storage::Tx& tx) { return store_.issue_code(tx, mobile, stored_as, a, now); }));
    if (known) {
      const std::string sent_code = code.code, masked = code.mobile_masked;
      runtime_.spawn(0, [this, mobile, sent_code, masked]() -> boost::asio::awaitable<void> {
        const std::string template_id = "reset_code", purpose = "password";
        const std::map<std::string, std::string> params{{"code", sent_code}};
        const core::http::RequestContext none;
        const bool sent = co_await notify(none, mobile, template_id, params);
        if (!sent) {
          // Burned, not withdrawn: the row keeps counting for the cooldown and the daily cap, so
          // a second request reads the same for a customer's number as for anyone's.
          core::log::warn("auth: a reset code to {} could not be sent; burned", masked);
          co_await db_.write([&](core::storage::Tx& tx) { store_.burn_last_code(tx, mobile, purpose); });
        }
      });
    }
    CodeSent answer{code.mobile_masked, store_.policy().code_ttl.count() / 1000, store_.policy().resend_cooldown.count() / 1000};
    co_return Response::json(200, core::json::serialize(answer));
  }

  boost::asio::awaitable<Response> sign_in(Request& req, RequestContext& ctx) {
    auto body = core::json::parse<SignInRequest>(req.body);
    throttle(ctx, "sms:" + body.mobile);
    std::string device = body.device.value_or("");
    if (device.size() > 64) device.resize(64);
    if (device.empty()) device = "未知设备";
    const Audit a = who(ctx);
    const auto now = core::unix_millis();
    SignedIn s = value_or_throw(co_await db_.write([&](core::storage::Tx& tx) { return store_.sign_in(tx, body.mobile, body.code, device, a, now); }));
    logins_->inc();
    ctx.log().info("auth: customer {} signed in ({}session {})", s.customer_id, s.new_customer ? "new, " : "", s.session_id);
    co_return signed_in(req, tokens_for(s));
  }

  boost::asio::awaitable<Response> refresh(Request& req, RequestContext& ctx) {
    auto body = core::json::parse<RefreshRequest>(req.body);
    const CookieFor cookie = cookie_requested(req);
    const std::string token = body.refresh_token.value_or(refresh_from_cookie(req, cookie).value_or(""));
    const Audit a = who(ctx);
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
    if (auto* r = std::get_if<Refusal>(&result); r && r->code == "AUTH_REFRESH_REUSED")
      ctx.log().warn("auth: a refresh token was used twice; its session is revoked");
    if (auto* r = std::get_if<Refusal>(&result)) {
      auto refused = Response::json(r->status, core::http::error_body(r->code, r->message, ctx.trace_id));
      clear_refresh_cookie(refused, cookie, secure_cookies_);  // a refused cookie is of no further use
      co_return refused;
    }
    SignedIn s = std::get<SignedIn>(std::move(result));
    refreshes_->inc();
    if (claims) {
      StaffTokens t = staff_tokens_for(s, *claims);
      if (cookie != CookieFor::kNone) t.refresh_token.clear();
      auto res = Response::json(200, core::json::serialize(t));
      set_refresh_cookie(res, cookie, s.refresh_token, store_.policy().refresh_ttl, secure_cookies_);
      co_return res;
    }
    co_return signed_in(req, tokens_for(s));
  }

  static void require_customer(const RequestContext& ctx) {
    if (ctx.caller.kind != core::http::CallerKind::kCustomer || ctx.caller.session.empty())
      throw ApiError(401, "AUTH_SIGN_IN_REQUIRED", "请先登录");
  }

  boost::asio::awaitable<Response> logout(Request& req, RequestContext& ctx) {
    require_customer(ctx);
    const Audit a = who(ctx);
    const auto now = core::unix_millis();
    const std::string customer = ctx.caller.subject, session = ctx.caller.session;
    co_await db_.write([&](core::storage::Tx& tx) { return store_.revoke_session(tx, customer, session, "logout", a, now); });
    auto res = Response::json(200, "{}");
    clear_refresh_cookie(res, cookie_requested(req), secure_cookies_);
    co_return res;
  }

  boost::asio::awaitable<Response> profile(Request&, RequestContext& ctx) {
    require_customer(ctx);
    const std::string customer = ctx.caller.subject;
    auto p = co_await db_.read([&](core::storage::Tx& tx) { return store_.customer_profile(tx, customer); });
    if (!p) throw ApiError(404, "AUTH_CUSTOMER_NOT_FOUND", "客户不存在");
    co_return Response::json(200, core::json::serialize(*p));
  }

  boost::asio::awaitable<Response> list_sessions(Request&, RequestContext& ctx) {
    require_customer(ctx);
    const std::string customer = ctx.caller.subject, session = ctx.caller.session;
    std::vector<SessionInfo> items = co_await db_.read([&](core::storage::Tx& tx) { return store_.sessions(tx, customer, session); });
    SessionList list;
    list.items = std::move(items);
    co_return Response::json(200, core::json::serialize(list));
  }

  boost::asio::awaitable<Response> end_session(Request&, RequestContext& ctx) {
    require_customer(ctx);
    const Audit a = who(ctx);
    const auto now = core::unix_millis();
    const std::string customer = ctx.caller.subject, target(ctx.param("id").value_or(""));
    const bool ended = co_await db_.write([&](core::storage::Tx& tx) { return store_.revoke_session(tx, customer, target, "revoked_by_customer", a, now); });
    if (!ended) throw ApiError(404, "AUTH_SESSION_NOT_FOUND", "会话不存在或已结束");
    co_return Response::json(200, "{}");
  }

  core::storage::Database& db_;
  core::net::IoRuntime& runtime_;
  core::discovery::Discovery& discovery_;
  platform::notify::NotifyClient notify_;
  AuthStore store_;
  StaffStore staff_;
  Argon2Params argon2_;
  std::string dummy_hash_;
  std::chrono::milliseconds access_ttl_;
  std::chrono::milliseconds staff_access_ttl_;
  SigningKeys keys_;
  std::string issuer_;
  std::string audience_;
  core::WorkPool passwords_;
  core::resilience::KeyedLimiter per_address_;
  core::resilience::KeyedLimiter per_subject_;
  core::resilience::KeyedLimiter per_number_;  // password guesses at one number from any address
  bool secure_cookies_ = false;
  core::observe::Counter* logins_ = nullptr;
  core::observe::Counter* refreshes_ = nullptr;
  std::atomic<bool> stopping_{false};
  core::net::Notifier stop_signal_;
};

}  // namespace

core::ComponentSpec spec() {
  using namespace core::config;
  core::ComponentSpec s;
  s.name = "auth";
  s.description = "customers' sign-up and sign-in (SMS code, password), staff sign-in (password + TOTP) with roles, tokens, sessions, the JWKS, the audit trail";
  s.dependencies = {"server", "discovery"};
  s.service = true;
  s.schema = {"auth",
              {string("issuer", "zhongtai").describe("iss of access tokens (gateway.jwt_issuer must match)"),
               string("audience", "zhongtai-api").describe("aud of access tokens (gateway.jwt_audience must match)"),
               duration("access_ttl", std::chrono::milliseconds(900000)).range(60000, 86400000).describe("access token lifetime"),
               duration("staff_access_ttl", std::chrono::milliseconds(300000)).range(60000, 3600000)
                   .describe("staff access token lifetime (role changes and disabling reach a staff member within it)"),
               integer("password_memory_kib", 19456).range(1024, 1048576).describe("argon2id memory per password hash (KiB)"),
               integer("password_iterations", 2).range(1, 10).describe("argon2id passes per password hash"),
               integer("password_threads", 1).range(1, 64)
                   .describe("threads hashing passwords (argon2id), apart from the database pool: a sign-in flood waits there"),
               integer("password_queue", 32).range(1, 100000).describe("password hashes waiting before 503 SERVER_BUSY"),
               integer("attempts_per_address", 60).range(1, 1000000)
                   .describe("sign-ins, code requests and resets a minute from one client address (per instance)"),
               integer("attempts_per_number", 10).range(1, 100000)
                   .describe("sign-ins, code requests and resets a minute for one mobile number or staff account (per instance)"),
               boolean("secure_cookies", false).describe("mark the web apps' refresh cookie Secure (set when served over HTTPS)"),
               string("totp_issuer", "中台 Zhongtai").describe("issuer name authenticator apps show for staff accounts"),
               duration("refresh_ttl", std::chrono::milliseconds(30LL * 24 * 3600 * 1000)).range(60000, 365LL * 24 * 3600 * 1000)
                   .describe("refresh token lifetime"),
               duration("code_ttl", std::chrono::milliseconds(300000)).range(1000, 3600000).describe("SMS code lifetime"),
               duration("resend_cooldown", std::chrono::milliseconds(60000)).range(0, 3600000).describe("least time between two codes to a number"),
               integer("max_tries", 5).range(1, 20).describe("wrong entries before a code is burned"),
               integer("codes_per_mobile", 10).range(1, 1000).describe("codes to one number in 24 hours"),
               integer("codes_per_ip", 50).range(1, 100000).describe("codes to one client address in 24 hours"),
               duration("lockout_base", std::chrono::milliseconds(300000)).range(1000, 86400000)
                   .describe("lock after a burned code, doubling with each further one (at most 24 h)")},
              "authentication"};
  s.migrations = &zt_auth_migrations;
  s.openapi = &zt_auth_openapi;
  s.make = [](core::ComponentContext& ctx) -> std::unique_ptr<core::Component> { return std::make_unique<AuthComponent>(ctx); };
  return s;
}

}  // namespace zt::services::auth
