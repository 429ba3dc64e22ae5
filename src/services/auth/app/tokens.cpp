#include "services/auth/app/tokens.hpp"

#include <boost/json.hpp>

#include "core/util/time.hpp"

namespace zt::services::auth {

Tokens TokenIssuer::customer(const SignedIn& s) const {
  const auto now = core::unix_millis() / 1000;
  boost::json::object claims{{"iss", issuer_},    {"aud", audience_},    {"sub", s.customer_id},
                             {"typ", "customer"}, {"sid", s.session_id}, {"jti", random_token(12)},
                             {"iat", now},        {"nbf", now},          {"exp", now + access_ttl_.count() / 1000}};
  return Tokens{keys_.sign(claims), "Bearer",      access_ttl_.count() / 1000, s.refresh_token, s.customer_id,
                s.session_id,       s.new_customer};
}

StaffTokens TokenIssuer::staff(const SignedIn& s, const StaffClaims& c) const {
  const auto now = core::unix_millis() / 1000;
  boost::json::array roles, perms;
  for (const auto& r : c.roles) roles.emplace_back(r);
  for (const auto& p : c.permissions) perms.emplace_back(p);
  boost::json::object claims{{"iss", issuer_},
                             {"aud", audience_},
                             {"sub", s.customer_id},
                             {"typ", "staff"},
                             {"sid", s.session_id},
                             {"roles", roles},
                             {"perms", perms},
                             {"jti", random_token(12)},
                             {"iat", now},
                             {"nbf", now},
                             {"exp", now + staff_access_ttl_.count() / 1000}};
  return StaffTokens{keys_.sign(claims),
                     "Bearer",
                     staff_access_ttl_.count() / 1000,
                     s.refresh_token,
                     s.customer_id,
                     s.session_id,
                     c.roles,
                     c.permissions,
                     c.password_change_required};
}

}  // namespace zt::services::auth
