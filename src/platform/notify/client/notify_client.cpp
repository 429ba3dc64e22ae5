#include "platform/notify/client/notify_client.hpp"

#include "core/json/json.hpp"

namespace zt::platform::notify {

boost::asio::awaitable<core::discovery::Outcome<MessageSent>> NotifyClient::send(
    const SendMessage& message, const core::http::RequestContext* ctx) const {
  const std::string target = "/api/notify/v1/messages", body = core::json::serialize(message);
  auto reply = co_await ApiClient::send(core::http::Method::kPost, target, body, ctx);
  co_return outcome<MessageSent>(reply);
}

}  // namespace zt::platform::notify
