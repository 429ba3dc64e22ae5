#pragma once
// The observer service as the platform's processes call it (a typed client,
// core/discovery/api_client.hpp): the export of spans, log records and resource figures.
#include <string>

#include "core/discovery/api_client.hpp"
#include "platform/observer/client/observer_api.hpp"

namespace zt::platform::observer {

class ObserverClient : core::discovery::ApiClient {
 public:
  ObserverClient(core::discovery::ServiceClient& client, std::string as)
      : ApiClient(client, "observer", "OBSERVER", std::move(as)) {}

  // One OTLP/HTTP traces body in protobuf, sent untraced (an export makes no spans to export).
  boost::asio::awaitable<core::discovery::Outcome<ExportTaken>> export_traces(const std::string& protobuf) const;
  // One OTLP/HTTP logs body in protobuf, sent untraced.
  boost::asio::awaitable<core::discovery::Outcome<ExportTaken>> export_logs(const std::string& protobuf) const;
  // One OTLP/HTTP metrics body in protobuf (the process's resource figures), sent untraced.
  boost::asio::awaitable<core::discovery::Outcome<ExportTaken>> export_metrics(const std::string& protobuf) const;

 private:
  boost::asio::awaitable<core::discovery::Outcome<ExportTaken>> export_to(std::string target,
                                                                          const std::string& protobuf) const;
};

}  // namespace zt::platform::observer
