#pragma once
// Sign-in attempts in this instance (the store's locks count across instances): at most
// attempts_per_address a minute from one client address and attempts_per_number for one number or
// account in one flow — so an attack on passwords never uses up the SMS sign-in — and, for
// password guesses at one number from any address, five times attempts_per_number. Past a limit:
// 429 AUTH_TOO_MANY_ATTEMPTS.
#include <cstdint>
#include <string>

#include "core/resilience/limiter.hpp"

namespace zt::services::auth {

class Attempts {
 public:
  Attempts(std::int64_t per_address, std::int64_t per_number);

  // One attempt from `address` at `subject` (a flow and a number or account: "sms:138…"; "" for
  // none).
  void count(const std::string& address, const std::string& subject);
  // One password guess at `mobile`, whatever the address (an IPv6 block, a botnet).
  void count_password_guess(const std::string& mobile);

 private:
  core::resilience::KeyedLimiter per_address_;
  core::resilience::KeyedLimiter per_subject_;
  core::resilience::KeyedLimiter per_number_;
};

}  // namespace zt::services::auth
