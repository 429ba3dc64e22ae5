#pragma once
// The auth service (用户认证): customers sign up and sign in by mobile number and SMS code, get a
// short-lived access JWT (ES256) and a refresh token that rotates on every use; the gateway
// verifies access tokens with this service's JWKS.
//   GET    /api/auth/v1/jwks                 the public signing keys
//   POST   /api/auth/v1/sms-codes            send a sign-in code (through notify)
//   GET    /api/auth/v1/agreements           the user agreement and privacy policy in force
//   POST   /api/auth/v1/sessions             sign in (or up) with the code, accepting them: tokens
//   POST   /api/auth/v1/tokens/refresh       rotate: new tokens for a refresh token
//   POST   /api/auth/v1/me/logout            end this session
//   GET    /api/auth/v1/me/agreements        the agreements I accepted (version, digest, when)
//   GET    /api/auth/v1/me/sessions          my sessions and devices
//   DELETE /api/auth/v1/me/sessions/{id}     end one of them
// Admin listener: POST /auth/keys/rotate.
#include "core/app/component.hpp"

namespace zt::services::auth {

core::ComponentSpec spec();

}  // namespace zt::services::auth
