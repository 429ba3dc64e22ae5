#pragma once
// The auth service's wire types for the platform's other services (its client: auth_client.hpp).
#include <boost/describe.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace zt::services::auth {

// A customer's fund account at the counter, once bound (GET /api/auth/v1/customers/{id}/account).
struct FundAccount {
  std::string customer_id;
  std::optional<std::string> fund_account;
};
BOOST_DESCRIBE_STRUCT(FundAccount, (), (customer_id, fund_account))

// The feed of ended sessions the gateways follow (GET /api/auth/v1/sessions/revoked): they refuse
// those sessions' access tokens until the tokens expire anyway.
struct Revocation {
  std::string session_id;
  std::int64_t at_ms = 0;
};
BOOST_DESCRIBE_STRUCT(Revocation, (), (session_id, at_ms))
struct RevocationPage {
  std::vector<Revocation> items;
  std::string cursor;  // "<at_ms>.<session id>" of the last one, for the next call
};
BOOST_DESCRIBE_STRUCT(RevocationPage, (), (items, cursor))

}  // namespace zt::services::auth
