#pragma once
// HTTP/1.1 client with a keep-alive pool per upstream and io thread, connect and request
// timeouts, a response size limit, and deadline and trace propagation from the calling request.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/http/context.hpp"
#include "core/http/handler.hpp"

namespace zt::core::http {

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds request_timeout{10000};
  std::size_t max_response_bytes = 8 * 1024 * 1024;
  // Pooled connections are dropped after this idle time: keep it below the upstream's own
  // keep-alive timeout so we never reuse a connection the upstream is about to close.
  std::chrono::milliseconds pool_idle_timeout{15000};
  std::size_t max_idle_per_upstream = 64;
};

struct Upstream {
  std::string host;
  std::uint16_t port = 0;
};

class HttpClient {
 public:
  explicit HttpClient(ClientOptions options = {});
  ~HttpClient();

  // Sends req (target, method, headers, body) to the upstream. With a parent context, the
  // remaining deadline bounds the timeout and travels as x-zt-deadline-ms, and the trace continues
  // in a child span. Throws ApiError: 504 DEADLINE_EXCEEDED / 502 UPSTREAM_ERROR.
  boost::asio::awaitable<Response> send(const Upstream& upstream, Request req, const RequestContext* parent = nullptr);

  std::size_t idle_connections() const;  // on the calling thread's pool

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace zt::core::http
