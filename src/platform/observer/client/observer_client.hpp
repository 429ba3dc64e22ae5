#pragma once
// The observer service as the platform's processes call it (a typed client,
// core/discovery/api_client.hpp): the span export.
#include <string>

#include "core/discovery/api_client.hpp"
#include "platform/observer/client/observer_api.hpp"

namespace zt::platform::observer {

class ObserverClient : core::discovery::ApiClient {
 public:
  ObserverClient(core::discovery::ServiceClient& client, std::string as)
      : ApiClient(client, "observer", "OBSERVER", std::move(as)) {}

  // One OTLP/HTTP traces body in protobuf, sent untraced (an export makes no spans to export).
  boost::asio::awaitable<core::discovery::Outcome<SpansTaken>> export_traces(const std::string& protobuf) const;
};

}  // namespace zt::platform::observer
