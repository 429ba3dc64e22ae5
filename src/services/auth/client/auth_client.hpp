#pragma once
// The auth service as the platform's business services call it (a typed client,
// core/discovery/api_client.hpp): service-only reads of a customer's bound accounts.
#include <string>

#include "core/discovery/api_client.hpp"
#include "services/auth/client/auth_api.hpp"

namespace zt::services::auth {

class AuthClient : core::discovery::ApiClient {
 public:
  AuthClient(core::discovery::ServiceClient& client, std::string as) : ApiClient(client, "auth", "AUTH", std::move(as)) {}

  // The customer's fund account (none until one is bound).
  boost::asio::awaitable<core::discovery::Outcome<FundAccount>> fund_account(const std::string& customer_id,
                                                                            const core::http::RequestContext* ctx) const;
};

}  // namespace zt::services::auth
