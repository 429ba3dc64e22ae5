#include "services/auth/app/staff_accounts.hpp"

#include <algorithm>

#include "core/crypto/totp.hpp"
#include "core/http/error.hpp"
#include "core/http/refusal.hpp"
#include "core/observe/log.hpp"
#include "core/util/time.hpp"
#include "services/auth/app/enrolment.hpp"
#include "services/auth/app/requester.hpp"

namespace zt::services::auth {

using core::http::ApiError;
using core::http::RequestContext;
using core::http::value_or_throw;

StaffAccounts::StaffAccounts(core::storage::Database& db, AuthStore& auth, StaffStore& staff, const TokenIssuer& tokens,
                             Attempts& attempts, core::WorkPool& passwords, Argon2Params argon2,
                             std::string totp_issuer)
    : db_(db),
      auth_(auth),
      staff_(staff),
      tokens_(tokens),
      attempts_(attempts),
      passwords_(passwords),
      argon2_(argon2),
      totp_issuer_(std::move(totp_issuer)),
      // Unknown names are checked against this, so they cost what a wrong password costs.
      dummy_hash_(hash_password(generate_staff_password(), argon2_)) {}

boost::asio::awaitable<StaffClaims> StaffAccounts::require(const RequestContext& ctx, std::string_view permission) {
  require_signed_in_staff(ctx);
  const std::string id = ctx.caller.subject, session = ctx.caller.session;
  auto claims = co_await db_.read([&](core::storage::Tx& tx) -> std::optional<StaffClaims> {
    if (!auth_.session_active(tx, session)) return std::nullopt;
    return staff_.claims(tx, id);
  });
  if (!claims) throw ApiError(401, "AUTH_STAFF_SESSION_ENDED", "登录已失效，请重新登录");
  if (!permission.empty() &&
      std::find(claims->permissions.begin(), claims->permissions.end(), permission) == claims->permissions.end())
    throw ApiError(403, "AUTH_FORBIDDEN", claims->password_change_required ? "请先修改初始密码" : "无权执行此操作");
  co_return *claims;
}

boost::asio::awaitable<StaffSignedIn> StaffAccounts::sign_in(const StaffSignIn& in, const RequestContext& ctx) {
  attempts_.count(ctx.remote_address, "staff:" + in.username);
  const auto now = core::unix_millis();
  const std::string username = in.username;
  auto record =
      value_or_throw(co_await db_.read([&](core::storage::Tx& tx) { return staff_.login_record(tx, username, now); }));
  bool password_ok = false;
  std::optional<std::int64_t> step;
  co_await passwords_.submit([&] {
    password_ok = verify_password(in.password, record ? record->password_hash : dummy_hash_) && record.has_value();
    if (record) step = core::crypto::totp_verify(record->totp_secret, in.totp, now / 1000);
  });
  const Audit a = audit_of(ctx);
  const std::string id = record ? record->id : "", device = device_name(in.device);
  auto signed_in = value_or_throw(
      co_await db_.write([&](core::storage::Tx& tx) -> std::variant<std::pair<SignedIn, StaffClaims>, Refusal> {
        auto r = staff_.finish_login(tx, username, id, password_ok, step, device, a, now);
        if (auto* refusal = std::get_if<Refusal>(&r)) return *refusal;
        auto claims = staff_.claims(tx, id);
        return std::make_pair(std::get<SignedIn>(r), claims.value_or(StaffClaims{}));
      }));
  ctx.log().info("auth: staff {} signed in (session {})", id, signed_in.first.session_id);
  StaffTokens tokens = tokens_.staff(signed_in.first, signed_in.second);
  co_return StaffSignedIn{std::move(signed_in.first), std::move(tokens)};
}

boost::asio::awaitable<StaffProfile> StaffAccounts::me(const RequestContext& ctx) {
  StaffClaims claims = co_await require(ctx, "");
  const std::string id = ctx.caller.subject;
  auto read = co_await db_.read([&](core::storage::Tx& tx) { return std::make_pair(staff_.get(tx, id), staff_.roles(tx)); });
  const auto& staff = read.first;
  const auto& roles = read.second;
  if (!staff) throw ApiError(404, "AUTH_STAFF_NOT_FOUND", "工作人员不存在");
  StaffProfile out{*staff, claims.permissions, {}, {}};
  for (const auto& name : staff->roles) {
    auto it = std::find_if(roles.begin(), roles.end(), [&](const Role& r) { return r.name == name; });
    out.role_titles.push_back({name, it == roles.end() ? name : it->title});
  }
  for (const auto& name : claims.permissions) {
    const auto& catalogue = permission_catalogue();
    auto it = std::find_if(catalogue.begin(), catalogue.end(), [&](const Permission& p) { return p.name == name; });
    out.permission_titles.push_back({name, it == catalogue.end() ? name : std::string(it->title)});
  }
  co_return out;
}

boost::asio::awaitable<void> StaffAccounts::change_password(const PasswordChange& in, const RequestContext& ctx) {
  co_await require(ctx, "");
  const std::string id = ctx.caller.subject;
  auto current = co_await db_.read([&](core::storage::Tx& tx) {
    return std::make_pair(staff_.password_hash(tx, id).value_or(""), staff_.get(tx, id));
  });
  if (!current.second) throw ApiError(404, "AUTH_STAFF_NOT_FOUND", "工作人员不存在");
  if (auto problem = password_problem(in.new_password, PasswordRules::kStaff, {current.second->username}))
    throw ApiError(400, "AUTH_PASSWORD_WEAK", *problem);
  bool ok = false, same = false;
  std::string hash;
  co_await passwords_.submit([&] {
    ok = verify_password(in.current_password.value_or(""), current.first);
    same = ok && verify_password(in.new_password, current.first);
    if (ok && !same) hash = hash_password(in.new_password, argon2_);
  });
  if (!ok) throw ApiError(400, "AUTH_PASSWORD_WRONG", "当前密码错误");
  if (same) throw ApiError(400, "AUTH_PASSWORD_REUSED", "新密码不能与当前密码相同");
  const Audit a = audit_of(ctx);
  const auto now = core::unix_millis();
  co_await db_.write([&](core::storage::Tx& tx) { staff_.set_password(tx, id, hash, a, now); });
}

boost::asio::awaitable<void> StaffAccounts::logout(const RequestContext& ctx) {
  // A session ended elsewhere still signs out: no check that it is open.
  require_signed_in_staff(ctx);
  const Audit a = audit_of(ctx);
  const auto now = core::unix_millis();
  const std::string id = ctx.caller.subject, session = ctx.caller.session;
  co_await db_.write([&](core::storage::Tx& tx) { return auth_.revoke_session(tx, id, session, "logout", a, now); });
}

boost::asio::awaitable<StaffList> StaffAccounts::list(const RequestContext& ctx) {
  co_await require(ctx, "staff.manage");
  StaffList out;
  out.items = co_await db_.read([&](core::storage::Tx& tx) { return staff_.list(tx); });
  co_return out;
}

boost::asio::awaitable<std::pair<std::string, std::string>> StaffAccounts::new_credentials(std::string& password) {
  password = generate_staff_password();
  const std::string secret = core::crypto::totp_new_secret();
  std::string hash = co_await passwords_.submit([&] { return hash_password(password, argon2_); });
  co_return std::make_pair(std::move(hash), secret);
}

boost::asio::awaitable<Enrolment> StaffAccounts::create(const NewStaff& in, const RequestContext& ctx) {
  co_await require(ctx, "staff.manage");
  if (auto refusal = co_await db_.read(
          [&](core::storage::Tx& tx) { return staff_.check_new(tx, in.username, in.display_name, in.roles); }))
    throw ApiError(refusal->status, refusal->code, refusal->message);
  std::string password;
  auto [hash, secret] = co_await new_credentials(password);
  const Audit a = audit_of(ctx);
  const auto now = core::unix_millis();
  Staff s = value_or_throw(co_await db_.write([&](core::storage::Tx& tx) {
    return staff_.create(tx, in.username, in.display_name, in.roles, hash, secret, a, now);
  }));
  ctx.log().info("auth: staff {} created by {}", s.id, a.actor);
  co_return enrolment_of(s, std::move(password), secret, totp_issuer_);
}

boost::asio::awaitable<Enrolment> StaffAccounts::reset(const std::string& id, const RequestContext& ctx) {
  co_await require(ctx, "staff.manage");
  std::string password;
  auto [hash, secret] = co_await new_credentials(password);
  const Audit a = audit_of(ctx);
  const auto now = core::unix_millis();
  Staff s = value_or_throw(co_await db_.write(
      [&](core::storage::Tx& tx) { return staff_.reset_credentials(tx, id, hash, secret, a, now); }));
  co_return enrolment_of(s, std::move(password), secret, totp_issuer_);
}

boost::asio::awaitable<Staff> StaffAccounts::update(const std::string& id, const StaffPatch& in,
                                                    const RequestContext& ctx) {
  co_await require(ctx, "staff.manage");
  const Audit a = audit_of(ctx);
  const auto now = core::unix_millis();
  const StaffChange change{in.display_name, in.roles, in.disabled};
  co_return value_or_throw(
      co_await db_.write([&](core::storage::Tx& tx) { return staff_.update(tx, id, change, a, now); }));
}

boost::asio::awaitable<void> StaffAccounts::unlock(const std::string& id, const RequestContext& ctx) {
  co_await require(ctx, "staff.manage");
  const Audit a = audit_of(ctx);
  const auto now = core::unix_millis();
  if (!co_await db_.write([&](core::storage::Tx& tx) { return staff_.unlock(tx, id, a, now); }))
    throw ApiError(404, "AUTH_STAFF_NOT_FOUND", "工作人员不存在");
}

boost::asio::awaitable<RoleList> StaffAccounts::roles(const RequestContext& ctx) {
  co_await require(ctx, "staff.manage");
  RoleList out;
  out.items = co_await db_.read([&](core::storage::Tx& tx) { return staff_.roles(tx); });
  for (const auto& p : permission_catalogue()) out.permissions.push_back({std::string(p.name), std::string(p.title)});
  co_return out;
}

boost::asio::awaitable<Role> StaffAccounts::put_role(const std::string& name, const RoleBody& in,
                                                     const RequestContext& ctx) {
  co_await require(ctx, "staff.manage");
  const Audit a = audit_of(ctx);
  const auto now = core::unix_millis();
  co_return value_or_throw(co_await db_.write(
      [&](core::storage::Tx& tx) { return staff_.put_role(tx, name, in.title, in.permissions, a, now); }));
}

boost::asio::awaitable<void> StaffAccounts::delete_role(const std::string& name, const RequestContext& ctx) {
  co_await require(ctx, "staff.manage");
  const Audit a = audit_of(ctx);
  const auto now = core::unix_millis();
  if (auto refusal = co_await db_.write([&](core::storage::Tx& tx) { return staff_.delete_role(tx, name, a, now); }))
    throw ApiError(refusal->status, refusal->code, refusal->message);
}

boost::asio::awaitable<AuditPage> StaffAccounts::audit(const AuditQuery& query, const RequestContext& ctx) {
  co_await require(ctx, "audit.read");
  co_return value_or_throw(co_await db_.read([&](core::storage::Tx& tx) { return auth_.audit_page(tx, query); }));
}

}  // namespace zt::services::auth
