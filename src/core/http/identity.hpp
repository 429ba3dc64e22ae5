#pragma once
// A caller's identity carried between our own services, signed so that a service can trust it in
// split mode, where anyone reaching its port could send a plain header.
//
//   x-zt-identity: v1.<base64 JSON>.<hex HMAC-SHA256>
//
// The JSON names the calling service, the end caller (kind, subject, roles), the method and path
// of this one call, the caller's remaining deadline and an expiry (60 s): a captured header does
// not open another endpoint and goes stale. The key is the cluster's internal secret
// (node.internal_secret), shared by every process of one deployment. In one process
// (`--target all`) calls stay in-process and carry the identity in the context instead.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/http/context.hpp"
#include "core/http/handler.hpp"

namespace zt::core::http {

inline constexpr std::string_view kIdentityHeader = "x-zt-identity";

struct ForwardedIdentity {
  std::string service;  // the calling service
  Caller caller;        // the end caller it acts for (anonymous when none)
  std::optional<std::chrono::milliseconds> deadline;  // the caller's remaining budget at signing
};

std::string sign_identity(const ForwardedIdentity& id, std::string_view method, std::string_view path,
                          std::string_view secret, std::int64_t now_unix_ms);
// nullopt when malformed, forged, for another call, or expired.
std::optional<ForwardedIdentity> verify_identity(std::string_view header, std::string_view method, std::string_view path,
                                                 std::string_view secret, std::int64_t now_unix_ms);

// Verifies x-zt-identity on incoming requests: a valid one sets the context's caller (the end
// caller, or the calling service when it acts for nobody) and tightens the deadline; an invalid
// one is refused with 401 INTERNAL_IDENTITY_INVALID. Without a secret, any such header is refused.
std::shared_ptr<Middleware> identity_middleware(std::string secret);

const char* caller_kind_name(CallerKind k);

}  // namespace zt::core::http
