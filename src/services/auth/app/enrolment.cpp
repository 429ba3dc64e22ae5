#include "services/auth/app/enrolment.hpp"

#include <openssl/rand.h>

#include <stdexcept>
#include <string_view>

#include "core/crypto/totp.hpp"
#include "core/http/refusal.hpp"
#include "core/util/time.hpp"

namespace zt::services::auth {

using core::http::value_or_throw;

std::string generate_staff_password() {
  static constexpr std::string_view kClasses[] = {"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789",
                                                  "#%+-=@_"};
  for (;;) {
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no randomness for a password");
    std::string out;
    for (std::size_t i = 0; i < sizeof bytes; ++i) {
      const auto& cls = kClasses[i % 4 == 3 && i > 8 ? 3 : (bytes[i] >> 6) % 3];
      out += cls[bytes[i] % cls.size()];
    }
    if (!password_problem(out, PasswordRules::kStaff, {})) return out;
  }
}

Enrolment enrol_staff(core::storage::Database& db, StaffStore& staff, const Argon2Params& argon2,
                      const std::string& totp_issuer, const std::string& username, const std::string& display_name,
                      const std::vector<std::string>& roles, const Audit& who) {
  const std::string password = generate_staff_password();
  const std::string secret = core::crypto::totp_new_secret();
  const std::string hash = hash_password(password, argon2);
  std::variant<Staff, Refusal> result;
  db.write_blocking([&](core::storage::Tx& tx) {
    const auto now = core::unix_millis();
    staff.seed_roles(tx, now);
    result = staff.create(tx, username, display_name, roles, hash, secret, who, now);
  });
  Staff s = value_or_throw(std::move(result));
  return Enrolment{s, password, core::crypto::base32_encode(secret),
                   core::crypto::totp_uri(secret, totp_issuer, s.username)};
}

}  // namespace zt::services::auth
