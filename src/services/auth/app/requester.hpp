#pragma once
// What the auth service records of who asked (its audit trail and sessions), from the verified
// identity in the request context.
#include <optional>
#include <string>

#include "core/http/context.hpp"
#include "core/http/error.hpp"
#include "services/auth/store/auth_store.hpp"

namespace zt::services::auth {

// The caller (or "anonymous" before sign-in), the client address and the trace.
inline Audit audit_of(const core::http::RequestContext& ctx) {
  return {ctx.caller.kind == core::http::CallerKind::kAnonymous ? std::string("anonymous") : ctx.caller.subject,
          ctx.remote_address, ctx.trace_id};
}

// Refuses anyone but a signed-in customer with a session (an access token that names none is not
// one of ours): 401 AUTH_SIGN_IN_REQUIRED. The handlers check it first (before reading a body);
// the use cases again, whoever calls them.
inline void require_signed_in_customer(const core::http::RequestContext& ctx) {
  if (ctx.caller.kind != core::http::CallerKind::kCustomer || ctx.caller.session.empty())
    throw core::http::ApiError(401, "AUTH_SIGN_IN_REQUIRED", "请先登录");
}

// The same for staff: a signed-in staff member with a session, 401 AUTH_STAFF_SIGN_IN_REQUIRED.
// Whether the account still grants what is asked is StaffAccounts::require.
inline void require_signed_in_staff(const core::http::RequestContext& ctx) {
  if (ctx.caller.kind != core::http::CallerKind::kStaff || ctx.caller.session.empty())
    throw core::http::ApiError(401, "AUTH_STAFF_SIGN_IN_REQUIRED", "请先以工作人员身份登录");
}

// The device name a session is listed under: at most 64 bytes, cut before a character rather than
// through one (a Chinese name stays valid UTF-8), "未知设备" when none was given.
inline std::string device_name(const std::optional<std::string>& given) {
  std::string out = given.value_or("");
  if (out.size() > 64) {
    std::size_t cut = 64;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // a continuation byte
    out.resize(cut);
  }
  return out.empty() ? "未知设备" : out;
}

}  // namespace zt::services::auth
