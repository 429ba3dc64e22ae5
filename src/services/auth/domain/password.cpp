#include "services/auth/domain/password.hpp"

#include <argon2.h>
#include <fmt/format.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>

namespace zt::services::auth {

namespace {
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;

std::size_t utf8_length(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The passwords tried first by anyone guessing (leaked-password lists' heads), lower case.
constexpr std::array<std::string_view, 24> kCommon = {
    "password", "password1", "password123", "passw0rd", "qwerty123", "qwertyuiop", "abc12345", "abcd1234", "a1234567",
    "12345678a", "123456789a", "1qaz2wsx", "1q2w3e4r", "1q2w3e4r5t", "zaq12wsx", "woaini1314", "aa123456", "qq123456",
    "iloveyou1", "admin123", "admin1234", "administrator1", "welcome1", "zhongtai123"};
}  // namespace

std::string hash_password(std::string_view password, const Argon2Params& p) {
  unsigned char salt[kSaltBytes];
  if (RAND_bytes(salt, sizeof salt) != 1) throw std::runtime_error("no randomness for a password salt");
  const std::size_t len = argon2_encodedlen(p.iterations, p.memory_kib, p.lanes, kSaltBytes, kHashBytes, Argon2_id);
  std::string encoded(len, '\0');
  const int rc = argon2id_hash_encoded(p.iterations, p.memory_kib, p.lanes, password.data(), password.size(), salt, sizeof salt,
                                       kHashBytes, encoded.data(), len);
  if (rc != ARGON2_OK) throw std::runtime_error(std::string("argon2id: ") + argon2_error_message(rc));
  encoded.resize(encoded.find('\0') == std::string::npos ? encoded.size() : encoded.find('\0'));
  return encoded;
}

bool verify_password(std::string_view password, const std::string& encoded) {
  if (!encoded.starts_with("$argon2id$")) return false;
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

bool needs_rehash(const std::string& encoded, const Argon2Params& p) {
  return encoded.find(fmt::format("$m={},t={},p={}$", p.memory_kib, p.iterations, p.lanes)) == std::string::npos;
}

std::optional<std::string> password_problem(std::string_view password, PasswordRules rules, std::initializer_list<std::string_view> own) {
  const bool staff = rules == PasswordRules::kStaff;
  const std::size_t min = staff ? 12 : 8;
  const std::size_t n = utf8_length(password);
  if (n < min || n > 64) return fmt::format("密码长度应为{}至64位", min);
  bool upper = false, low = false, digit = false, symbol = false;
  for (unsigned char c : password) {
    if (c < 0x20 || c == 0x7f) return std::string("密码不能包含控制字符");
    if (std::isupper(c)) upper = true;
    else if (std::islower(c)) low = true;
    else if (std::isdigit(c)) digit = true;
    else symbol = true;
  }
  if (staff) {
    if (int(upper) + int(low) + int(digit) + int(symbol) < 3) return std::string("工作人员密码须包含大写字母、小写字母、数字、符号中的至少三类");
  } else if (!(upper || low) || !digit) {
    return std::string("密码须同时包含字母和数字");
  }
  if (std::all_of(password.begin(), password.end(), [&](char c) { return c == password.front(); }))
    return std::string("密码不能由同一字符组成");
  const std::string pw = lower(password);
  for (std::string_view s : own)
    if (s.size() >= 4 && pw.find(lower(s)) != std::string::npos) return std::string("密码不能包含用户名或手机号");
  if (std::find(kCommon.begin(), kCommon.end(), pw) != kCommon.end()) return std::string("密码过于常见，请换一个");
  return std::nullopt;
}

}  // namespace zt::services::auth
