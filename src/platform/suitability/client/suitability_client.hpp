#pragma once
// The suitability service as the selling services call it (a typed client,
// core/discovery/api_client.hpp): match a customer to a product, issue the special risk warning,
// read a customer's profile.
#include <string>

#include "core/discovery/api_client.hpp"
#include "platform/suitability/client/suitability_api.hpp"

namespace zt::platform::suitability {

using core::discovery::Outcome;

class SuitabilityClient : core::discovery::ApiClient {
 public:
  SuitabilityClient(core::discovery::ServiceClient& client, std::string as)
      : ApiClient(client, "suitability", "SUIT", std::move(as)) {}

  boost::asio::awaitable<Outcome<MatchOut>> match(const MatchIn& in, const core::http::RequestContext* ctx) const;
  boost::asio::awaitable<Outcome<Warning>> issue_warning(const WarningIn& in, const core::http::RequestContext* ctx) const;
  boost::asio::awaitable<Outcome<ProfileView>> profile(const std::string& customer_id,
                                                       const core::http::RequestContext* ctx) const;
};

}  // namespace zt::platform::suitability
