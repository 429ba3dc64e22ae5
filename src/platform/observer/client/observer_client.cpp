#include "platform/observer/client/observer_client.hpp"

namespace zt::platform::observer {

boost::asio::awaitable<core::discovery::Outcome<ExportTaken>> ObserverClient::export_traces(
    const std::string& protobuf) const {
  std::string target = "/api/observer/v1/traces";
  co_return co_await export_to(std::move(target), protobuf);
}

boost::asio::awaitable<core::discovery::Outcome<ExportTaken>> ObserverClient::export_logs(
    const std::string& protobuf) const {
  std::string target = "/api/observer/v1/logs";
  co_return co_await export_to(std::move(target), protobuf);
}

boost::asio::awaitable<core::discovery::Outcome<ExportTaken>> ObserverClient::export_metrics(
    const std::string& protobuf) const {
  std::string target = "/api/observer/v1/metrics";
  co_return co_await export_to(std::move(target), protobuf);
}

boost::asio::awaitable<core::discovery::Outcome<ExportTaken>> ObserverClient::export_to(
    std::string target, const std::string& protobuf) const {
  Sending how;
  how.content_type = "application/x-protobuf";
  how.traced = false;
  auto reply = co_await ApiClient::send(core::http::Method::kPost, target, protobuf, nullptr, how);
  co_return outcome<ExportTaken>(reply, [](const std::string&) { return ExportTaken{}; });
}

}  // namespace zt::platform::observer
