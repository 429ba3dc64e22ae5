#include "services/auth/app/settings.hpp"

#include <algorithm>

namespace zt::services::auth {

std::chrono::milliseconds AuthSettings::retired_key_published() const {
  return std::max(access_ttl, staff_access_ttl) + std::chrono::minutes(5);
}

AuthSettings settings_of(const core::config::Section& c) {
  AuthSettings s;
  s.policy.code_ttl = c.get_duration("code_ttl");
  s.policy.resend_cooldown = c.get_duration("resend_cooldown");
  s.policy.max_tries = static_cast<int>(c.get_int("max_tries"));
  s.policy.codes_per_mobile = static_cast<int>(c.get_int("codes_per_mobile"));
  s.policy.codes_per_ip = static_cast<int>(c.get_int("codes_per_ip"));
  s.policy.lockout_base = c.get_duration("lockout_base");
  s.policy.refresh_ttl = c.get_duration("refresh_ttl");
  s.argon2 = Argon2Params{static_cast<std::uint32_t>(c.get_int("password_memory_kib")),
                          static_cast<std::uint32_t>(c.get_int("password_iterations")), 1};
  s.access_ttl = c.get_duration("access_ttl");
  s.staff_access_ttl = c.get_duration("staff_access_ttl");
  s.issuer = c.get_string("issuer");
  s.audience = c.get_string("audience");
  s.totp_issuer = c.get_string("totp_issuer");
  s.password_threads = static_cast<std::size_t>(c.get_int("password_threads"));
  s.password_queue = static_cast<std::size_t>(c.get_int("password_queue"));
  s.attempts_per_address = c.get_int("attempts_per_address");
  s.attempts_per_number = c.get_int("attempts_per_number");
  s.secure_cookies = c.get_bool("secure_cookies");
  return s;
}

}  // namespace zt::services::auth
