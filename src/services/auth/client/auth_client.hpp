#pragma once
// The auth service as the platform's business services call it (a typed client,
// core/discovery/api_client.hpp): service-only reads of a customer's bound accounts; the token
// signing keys and the ended sessions the gateways follow.
#include <string>

#include "core/discovery/api_client.hpp"
#include "services/auth/client/auth_api.hpp"

namespace zt::services::auth {

class AuthClient : core::discovery::ApiClient {
 public:
  // service: where the auth API is served ("auth"; a deployment may name another issuer that
  // serves the same API).
  AuthClient(core::discovery::ServiceClient& client, std::string as, std::string service = "auth")
      : ApiClient(client, std::move(service), "AUTH", std::move(as)) {}
  using ApiClient::set_timeout;

  // The customer's fund account (none until one is bound).
  boost::asio::awaitable<core::discovery::Outcome<FundAccount>> fund_account(const std::string& customer_id,
                                                                            const core::http::RequestContext* ctx) const;

  // The JWKS (RFC 7517) listing the keys access tokens are signed with, as its JSON text.
  boost::asio::awaitable<core::discovery::Outcome<std::string>> jwks() const;
  // Sessions ended at or after `since_ms`, or after a page's cursor (1,000 a page at most).
  boost::asio::awaitable<core::discovery::Outcome<RevocationPage>> revocations_since(std::int64_t since_ms) const;
  boost::asio::awaitable<core::discovery::Outcome<RevocationPage>> revocations_after(const std::string& cursor) const;
};

}  // namespace zt::services::auth
