#pragma once
// Hex digests of text: SHA-256 for migration checksums, MD5 where a protocol asks for it (config
// listeners compare MD5s, as Nacos clients do); HMAC-SHA-256 for request signatures. Base64 for protocols
// that carry bytes in JSON (etcd's v3 gateway).
#include <optional>
#include <string>
#include <string_view>

namespace zt::core {

std::string sha256_hex(std::string_view data);
std::string md5_hex(std::string_view data);
// HMAC-SHA-256, hex: signatures between our processes and towards vendors.
std::string hmac_sha256_hex(std::string_view key, std::string_view data);

std::string base64_encode(std::string_view data);
// Standard alphabet with padding; nullopt on anything else.
std::optional<std::string> base64_decode(std::string_view text);

// URL-safe alphabet without padding (RFC 7515 base64url, as JWS and JWK use it). The decoder is
// strict: padding, whitespace, any other character or an impossible length give nullopt, so one
// token has exactly one encoding.
std::string base64url_encode(std::string_view data);
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace zt::core
