#pragma once
// Access tokens (ES256 JWTs, signed with the current key of SigningKeys) for a session that
// signed in or refreshed: a customer's carry the session; a staff member's carry their roles and
// permissions as they are at that moment, and live shorter (staff_access_ttl), so a change of
// roles or a disabled account reaches them within it.
#include <chrono>
#include <string>

#include "services/auth/api_types.hpp"
#include "services/auth/store/signing_keys.hpp"

namespace zt::services::auth {

class TokenIssuer {
 public:
  TokenIssuer(const SigningKeys& keys, std::string issuer, std::string audience, std::chrono::milliseconds access_ttl,
              std::chrono::milliseconds staff_access_ttl)
      : keys_(keys),
        issuer_(std::move(issuer)),
        audience_(std::move(audience)),
        access_ttl_(access_ttl),
        staff_access_ttl_(staff_access_ttl) {}

  Tokens customer(const SignedIn& s) const;
  StaffTokens staff(const SignedIn& s, const StaffClaims& c) const;

 private:
  const SigningKeys& keys_;
  std::string issuer_;
  std::string audience_;
  std::chrono::milliseconds access_ttl_;
  std::chrono::milliseconds staff_access_ttl_;
};

}  // namespace zt::services::auth
