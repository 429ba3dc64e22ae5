#pragma once
// The auth service's settings (the `auth` section, declared in auth_component.cpp's schema) as its
// use cases take them: read once, at start.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/config/config.hpp"
#include "services/auth/domain/password.hpp"
#include "services/auth/store/auth_store.hpp"

namespace zt::services::auth {

// Every value comes from settings_of (the defaults are the schema's, in one place).
struct AuthSettings {
  Policy policy;  // codes, lockouts, refresh tokens
  Argon2Params argon2;
  std::chrono::milliseconds access_ttl{};
  std::chrono::milliseconds staff_access_ttl{};
  std::string issuer;
  std::string audience;
  std::string totp_issuer;
  std::size_t password_threads = 0;
  std::size_t password_queue = 0;
  std::int64_t attempts_per_address = 0;  // a minute, per instance
  std::int64_t attempts_per_number = 0;   // a minute, per instance
  bool secure_cookies = false;

  // How long a retired signing key stays published in the JWKS: as long as any token it signed
  // can live — a customer's or a staff member's, whichever lives longer — and five minutes for
  // clocks and caches.
  std::chrono::milliseconds retired_key_published() const;
};

AuthSettings settings_of(const core::config::Section& auth);

}  // namespace zt::services::auth
