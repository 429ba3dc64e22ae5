#pragma once
// Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP): HMAC-SHA1, 30-second steps,
// 6 digits — what every authenticator app (Google Authenticator, Microsoft Authenticator, 阿里云
// 身份宝 …) reads from an otpauth:// URI. Secrets travel in base32 (RFC 4648, no padding).
//
//   std::string secret = totp_new_secret();                       // 20 random bytes
//   std::string code = totp_code(secret, now_s);                  // "287082"
//   std::optional<std::int64_t> step = totp_verify(secret, "287082", now_s, 1);
//   // a step is accepted once: keep the last one and refuse any step <= it (no replay)
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zt::core::crypto {

inline constexpr std::int64_t kTotpStepSeconds = 30;

std::string totp_new_secret();  // raw bytes
std::string base32_encode(std::string_view data);
std::optional<std::string> base32_decode(std::string_view text);  // case-insensitive, '=' and spaces ignored

// HOTP value of one counter, `digits` long (6–8).
std::string hotp(std::string_view secret, std::uint64_t counter, int digits = 6);
std::string totp_code(std::string_view secret, std::int64_t unix_seconds, int digits = 6);
// The step the code belongs to, looking `window` steps either side of now (clock drift); nullopt
// when it matches none. Compares in constant time.
std::optional<std::int64_t> totp_verify(std::string_view secret, std::string_view code, std::int64_t unix_seconds, int window = 1);
// otpauth://totp/<issuer>:<account>?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30
std::string totp_uri(std::string_view secret, std::string_view issuer, std::string_view account);

}  // namespace zt::core::crypto
