#include "core/http/identity.hpp"

#include <boost/json.hpp>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/http/error.hpp"
#include "core/util/digest.hpp"
#include "core/util/time.hpp"

namespace zt::core::http {

namespace {

constexpr std::int64_t kValidityMs = 60'000;

std::string hmac_hex(std::string_view secret, std::string_view data) { return hmac_sha256_hex(secret, data); }

std::optional<CallerKind> kind_from(std::string_view s) {
  if (s == "anonymous") return CallerKind::kAnonymous;
  if (s == "customer") return CallerKind::kCustomer;
  if (s == "staff") return CallerKind::kStaff;
  if (s == "service") return CallerKind::kService;
  return std::nullopt;
}

}  // namespace

const char* caller_kind_name(CallerKind k) {
  switch (k) {
    case CallerKind::kAnonymous: return "anonymous";
    case CallerKind::kCustomer: return "customer";
    case CallerKind::kStaff: return "staff";
    case CallerKind::kService: return "service";
  }
  return "anonymous";
}

std::string sign_identity(const ForwardedIdentity& id, std::string_view method, std::string_view path,
                          std::string_view secret, std::int64_t now_unix_ms) {
  boost::json::object o;
  o["svc"] = id.service;
  o["kind"] = caller_kind_name(id.caller.kind);
  o["sub"] = id.caller.subject;
  boost::json::array roles;
  for (const auto& r : id.caller.roles) roles.emplace_back(r);
  o["roles"] = std::move(roles);
  if (!id.caller.permissions.empty()) {
    boost::json::array perms;
    for (const auto& p : id.caller.permissions) perms.emplace_back(p);
    o["perms"] = std::move(perms);
  }
  if (!id.caller.session.empty()) o["sid"] = id.caller.session;
  o["m"] = method;
  o["p"] = path;
  o["exp"] = now_unix_ms + kValidityMs;
  if (id.deadline) o["dl"] = id.deadline->count();
  const std::string signed_part = "v1." + base64_encode(boost::json::serialize(o));
  return signed_part + "." + hmac_hex(secret, signed_part);
}

std::optional<ForwardedIdentity> verify_identity(std::string_view header, std::string_view method, std::string_view path,
                                                 std::string_view secret, std::int64_t now_unix_ms) {
  if (secret.empty() || !header.starts_with("v1.")) return std::nullopt;
  const auto dot = header.rfind('.');
  if (dot <= 3) return std::nullopt;
  const std::string_view signed_part = header.substr(0, dot);
  const std::string_view mac = header.substr(dot + 1);
  const std::string expected = hmac_hex(secret, signed_part);
  if (mac.size() != expected.size() || CRYPTO_memcmp(mac.data(), expected.data(), mac.size()) != 0) return std::nullopt;
  auto json = base64_decode(signed_part.substr(3));
  if (!json) return std::nullopt;
  boost::system::error_code ec;
  auto v = boost::json::parse(*json, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  auto str = [&](const char* k) -> std::optional<std::string> {
    auto it = o.find(k);
    if (it == o.end() || !it->value().is_string()) return std::nullopt;
    return std::string(it->value().get_string());
  };
  auto svc = str("svc"), kind = str("kind"), sub = str("sub"), m = str("m"), p = str("p");
  auto exp = o.find("exp");
  if (!svc || !kind || !sub || !m || !p || exp == o.end() || !exp->value().is_int64()) return std::nullopt;
  if (*m != method || *p != path || exp->value().get_int64() < now_unix_ms) return std::nullopt;
  auto k = kind_from(*kind);
  if (!k) return std::nullopt;
  ForwardedIdentity out;
  out.service = *svc;
  out.caller.kind = *k;
  out.caller.subject = *sub;
  if (auto r = o.find("roles"); r != o.end() && r->value().is_array())
    for (const auto& role : r->value().get_array())
      if (role.is_string()) out.caller.roles.emplace_back(role.get_string());
  if (auto p = o.find("perms"); p != o.end() && p->value().is_array())
    for (const auto& perm : p->value().get_array())
      if (perm.is_string()) out.caller.permissions.emplace_back(perm.get_string());
  if (auto sid = str("sid")) out.caller.session = std::move(*sid);
  if (auto dl = o.find("dl"); dl != o.end() && dl->value().is_int64() && dl->value().get_int64() >= 0)
    out.deadline = std::chrono::milliseconds(dl->value().get_int64());
  return out;
}

namespace {

class IdentityMiddleware final : public Middleware {
 public:
  explicit IdentityMiddleware(std::string secret) : secret_(std::move(secret)) {}
  boost::asio::awaitable<Response> handle(Request& req, RequestContext& ctx, const Handler& next) override {
    if (auto h = req.headers.get(kIdentityHeader)) {
      auto id = verify_identity(*h, method_name(req.method), req.path(), secret_, unix_millis());
      if (!id) throw ApiError(401, "INTERNAL_IDENTITY_INVALID", "内部调用身份无效");
      ctx.calling_service = id->service;
      if (id->caller.kind == CallerKind::kAnonymous) ctx.caller = {CallerKind::kService, id->service, {}};
      else ctx.caller = id->caller;
      if (id->deadline) ctx.deadline = std::min(ctx.deadline, ctx.received_at + *id->deadline);
      req.headers.remove(kIdentityHeader);
    }
    co_return co_await next(req, ctx);
  }

 private:
  std::string secret_;
};

}  // namespace

std::shared_ptr<Middleware> identity_middleware(std::string secret) {
  return std::make_shared<IdentityMiddleware>(std::move(secret));
}

}  // namespace zt::core::http
