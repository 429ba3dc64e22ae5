#pragma once
// The auth service's wire types for the platform's other services (its client: auth_client.hpp).
#include <boost/describe.hpp>

#include <optional>
#include <string>

namespace zt::services::auth {

// A customer's fund account at the counter, once bound (GET /api/auth/v1/customers/{id}/account).
struct FundAccount {
  std::string customer_id;
  std::optional<std::string> fund_account;
};
BOOST_DESCRIBE_STRUCT(FundAccount, (), (customer_id, fund_account))

}  // namespace zt::services::auth
