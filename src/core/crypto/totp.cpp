#include "core/crypto/totp.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace zt::core::crypto {

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::string uri_escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}
}  // namespace

std::string totp_new_secret() {
  std::string out(20, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size())) != 1)
    throw std::runtime_error("no randomness for a TOTP secret");
  return out;
}

std::string base32_encode(std::string_view data) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : data) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  return out;
}

std::optional<std::string> base32_decode(std::string_view text) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char ch : text) {
    if (ch == '=' || ch == ' ') continue;
    int v = -1;
    if (ch >= 'A' && ch <= 'Z') v = ch - 'A';
    else if (ch >= 'a' && ch <= 'z') v = ch - 'a';
    else if (ch >= '2' && ch <= '7') v = ch - '2' + 26;
    if (v < 0) return std::nullopt;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(v);
    bits += 5;
    if (bits >= 8) {
      out += static_cast<char>((buffer >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return out;
}

std::string hotp(std::string_view secret, std::uint64_t counter, int digits) {
  if (digits < 6 || digits > 8) throw std::invalid_argument("HOTP digits must be 6 to 8");
  unsigned char msg[8];
  for (int i = 7; i >= 0; --i) {
    msg[i] = static_cast<unsigned char>(counter & 0xff);
    counter >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()), msg, sizeof msg, mac, &len);
  const int offset = mac[len - 1] & 0x0f;
  const std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7f) << 24) | (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                               (static_cast<std::uint32_t>(mac[offset + 2]) << 8) | mac[offset + 3];
  std::uint32_t mod = 1;
  for (int i = 0; i < digits; ++i) mod *= 10;
  std::string out = std::to_string(binary % mod);
  return std::string(static_cast<std::size_t>(digits) - out.size(), '0') + out;
}

std::string totp_code(std::string_view secret, std::int64_t unix_seconds, int digits) {
  return hotp(secret, static_cast<std::uint64_t>(unix_seconds / kTotpStepSeconds), digits);
}

std::optional<std::int64_t> totp_verify(std::string_view secret, std::string_view code, std::int64_t unix_seconds, int window) {
  if (code.size() != 6) return std::nullopt;
  const std::int64_t now_step = unix_seconds / kTotpStepSeconds;
  std::optional<std::int64_t> found;
  // Every candidate is computed and compared, matched or not: the time taken says nothing.
  for (std::int64_t step = now_step - window; step <= now_step + window; ++step) {
    if (step < 0) continue;
    const std::string expected = hotp(secret, static_cast<std::uint64_t>(step));
    if (CRYPTO_memcmp(expected.data(), code.data(), 6) == 0 && !found) found = step;
  }
  return found;
}

std::string totp_uri(std::string_view secret, std::string_view issuer, std::string_view account) {
  const std::string iss = uri_escape(issuer);
  return "otpauth://totp/" + iss + ":" + uri_escape(account) + "?secret=" + base32_encode(secret) + "&issuer=" + iss +
         "&algorithm=SHA1&digits=6&period=30";
}

}  // namespace zt::core::crypto
