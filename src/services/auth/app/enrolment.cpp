#include "services/auth/app/enrolment.hpp"

#include <openssl/rand.h>
#include <qrencode.h>

#include <memory>
#include <stdexcept>
#include <string_view>

#include "core/crypto/totp.hpp"
#include "core/http/refusal.hpp"
#include "core/util/time.hpp"

namespace zt::services::auth {

using core::http::value_or_throw;

std::vector<std::string> qr_modules(const std::string& text) {
  std::unique_ptr<QRcode, void (*)(QRcode*)> qr(QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1), QRcode_free);
  std::vector<std::string> rows;
  if (!qr) return rows;
  const int n = qr->width;
  for (int y = 0; y < n; ++y) {
    std::string row(static_cast<std::size_t>(n), '0');
    for (int x = 0; x < n; ++x)
      if (qr->data[y * n + x] & 1) row[static_cast<std::size_t>(x)] = '1';
    rows.push_back(std::move(row));
  }
  return rows;
}

Enrolment enrolment_of(const Staff& staff, std::string password, const std::string& secret, const std::string& totp_issuer) {
  const std::string uri = core::crypto::totp_uri(secret, totp_issuer, staff.username);
  return Enrolment{staff, std::move(password), core::crypto::base32_encode(secret), uri, qr_modules(uri)};
}

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
  return enrolment_of(s, password, secret, totp_issuer);
}

}  // namespace zt::services::auth
