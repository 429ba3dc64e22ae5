#pragma once
// The HTTP/1.1 server: keep-alive, limits against hostile clients, graceful drain.
// Transport only: the handler it is given (usually a Pipeline) does routing and middleware.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/http/handler.hpp"
#include "core/http/parser.hpp"

namespace zt::core::net {
class IoRuntime;
}
namespace zt::core::observe {
class Registry;
}

namespace zt::core::http {

struct ServerLimits {
  ParserLimits parser;
  std::chrono::milliseconds header_timeout{10000};  // first byte to end of header (slowloris)
  std::chrono::milliseconds body_timeout{30000};    // end of header to end of body
  std::chrono::milliseconds write_timeout{30000};
  std::chrono::milliseconds idle_timeout{60000};    // keep-alive wait between requests
  std::size_t max_connections = 10000;
  std::chrono::milliseconds drain_timeout{20000};
};

struct ServerOptions {
  std::string name = "public";  // metrics label: public or admin
  std::string host = "0.0.0.0";
  std::uint16_t port = 0;  // 0 picks a free port; see port()
  ServerLimits limits;
  // Each connection's coroutines on an executor with a work slot, so that a request's storage
  // transactions and Redis commands are spans under it (tracing.dependency_spans). Decided from
  // the configuration, not from whether the tracer records yet: a connection accepted before the
  // exporter starts keeps its executor for its whole keep-alive life.
  bool work_slots = false;
};

class HttpServer {
 public:
  HttpServer(net::IoRuntime& runtime, ServerOptions options, Handler handler, observe::Registry* metrics);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and starts accepting on every io thread. Throws std::runtime_error naming the address.
  void start();
  std::uint16_t port() const;
  std::size_t connections() const;
  // Stops accepting, closes idle connections, lets in-flight requests finish (each answered with
  // "Connection: close") up to drain_timeout, then closes the rest. Blocks: call it from the main
  // thread, not an io thread.
  void drain();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace zt::core::http
