#include "services/auth/app/attempts.hpp"

#include "core/http/error.hpp"
#include "core/resilience/clock.hpp"

namespace zt::services::auth {

namespace {

core::resilience::BucketSpec per_minute(std::int64_t n) {
  core::resilience::BucketSpec b;
  b.tokens_per_period = n;
  b.period = 60 * core::resilience::kSecond;
  b.burst = n;
  return b;
}

[[noreturn]] void too_many() { throw core::http::ApiError(429, "AUTH_TOO_MANY_ATTEMPTS", "尝试过于频繁，请稍后再试"); }

}  // namespace

Attempts::Attempts(std::int64_t per_address, std::int64_t per_number)
    : per_address_("auth-attempts-per-address", per_minute(per_address), 100000),
      per_subject_("auth-attempts-per-number", per_minute(per_number), 100000),
      per_number_("auth-password-attempts-per-number", per_minute(5 * per_number), 100000) {}

void Attempts::count(const std::string& address, const std::string& subject) {
  const auto now = core::resilience::SteadyClock::instance().now();
  const bool address_ok = per_address_.try_acquire(address, 1, now).pass;
  const bool subject_ok = subject.empty() || per_subject_.try_acquire(subject, 1, now).pass;
  if (!address_ok || !subject_ok) too_many();
}

void Attempts::count_password_guess(const std::string& mobile) {
  if (!per_number_.try_acquire(mobile, 1, core::resilience::SteadyClock::instance().now()).pass) too_many();
}

}  // namespace zt::services::auth
