#include "platform/observer/client/observer_client.hpp"

namespace zt::platform::observer {

boost::asio::awaitable<core::discovery::Outcome<SpansTaken>> ObserverClient::export_traces(
    const std::string& protobuf) const {
  const std::string target = "/api/observer/v1/traces";
  Sending how;
  how.content_type = "application/x-protobuf";
  how.traced = false;
  auto reply = co_await ApiClient::send(core::http::Method::kPost, target, protobuf, nullptr, how);
  co_return outcome<SpansTaken>(reply, [](const std::string&) { return SpansTaken{}; });
}

}  // namespace zt::platform::observer
