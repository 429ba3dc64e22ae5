#pragma once
// The notify service as the platform's services call it (a typed client,
// core/discovery/api_client.hpp): one message from a template.
#include <string>

#include "core/discovery/api_client.hpp"
#include "platform/notify/client/notify_api.hpp"

namespace zt::platform::notify {

class NotifyClient : core::discovery::ApiClient {
 public:
  NotifyClient(core::discovery::ServiceClient& client, std::string as)
      : ApiClient(client, "notify", "NOTIFY", std::move(as)) {}

  // Sent (handed to the provider), refused (a recipient or template the service does not take, a
  // provider's refusal), or unknown (no answer: it may have gone out).
  boost::asio::awaitable<core::discovery::Outcome<MessageSent>> send(const SendMessage& message,
                                                                     const core::http::RequestContext* ctx) const;
};

}  // namespace zt::platform::notify
