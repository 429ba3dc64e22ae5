#pragma once
// One way for a component to call another service by name, with the same behaviour whether the
// service runs in this process or elsewhere:
//
//   auto r = co_await client.call("counter", std::move(req), &ctx);   // ctx: the current request's
//
// - In this process (`--target all`): straight into the local request chain, no socket — the same
//   middleware (metrics, flow rules) a remote call meets.
// - Elsewhere: resolved through discovery, balanced by name (weighted round robin by default),
//   over keep-alive HTTP.
// - Both ways: the caller's deadline bounds every attempt and travels on; the trace continues in a
//   child span; the request id and the caller's identity travel (signed between processes, see
//   core/http/identity.hpp).
// - Retries only for idempotent calls (GET, HEAD, OPTIONS, PUT, DELETE unless told otherwise), on
//   another instance when there is one, within a retry budget (20 % of calls + 10/s).
// - Per instance: a circuit breaker (error ratio) and outlier ejection (consecutive failures) from
//   the flow-control library; an instance the breaker refuses or that is ejected is skipped.
// - Failures arrive in the project's error shape: the service's own error responses are returned
//   as they are; when no answer could be had, ApiError 503 SERVICE_UNAVAILABLE, 504
//   DEADLINE_EXCEEDED or 502 UPSTREAM_ERROR (call_ok() also throws a service's error response).
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/http/client.hpp"
#include "core/http/context.hpp"
#include "core/http/identity.hpp"
#include "core/http/message.hpp"
#include "core/observe/trace.hpp"
#include "core/resilience/breaker.hpp"
#include "core/resilience/outlier.hpp"

namespace zt::core::observe {
class Registry;
}

namespace zt::core::discovery {

class Discovery;

struct CallOptions {
  // The service making the call (one this process runs; it signs with its keys). Default: the
  // process's first service.
  std::string as;
  // Forwarded for an outside client (the gateway only): the parent's caller and address travel as
  // the edge caller, and the call is no service call at the other end.
  bool edge = false;
  std::optional<bool> idempotent;                    // default: by method
  std::optional<std::chrono::milliseconds> timeout;  // per attempt; never past the caller's deadline
  std::string hash_key;                              // for consistent_hash
  std::string tag;  // prefer instances tagged so (gray release); all instances when none is
  bool prefer_local = true;                          // false: over the network even when local
  // false: no client span, and the callee gets the trace unsampled (the span exporter's own
  // calls, which must not make spans to export).
  bool traced = true;
  // Set by the client itself (what a caller puts here is dropped): the trace of the work the
  // calling coroutine does when no request context is passed (a traced job's run,
  // core/net/work_executor.hpp).
  std::optional<observe::TraceContext> work_trace;
};

struct ServiceClientOptions {
  std::string balancer = "weighted_round_robin";
  int max_attempts = 3;
  // Calls in flight to one service from this process, over the network (a bulkhead per upstream,
  // so one slow service cannot hold every connection and coroutine); 0: no limit. Beyond it a
  // call is refused at once with 503 SERVER_BUSY.
  std::int64_t max_concurrent = 1000;
  double retry_budget_ratio = 0.2;
  double retry_budget_min_per_second = 10.0;
  std::chrono::milliseconds timeout{5000};
  std::chrono::milliseconds resolve_wait{3000};
  resilience::OutlierOptions outlier;
  resilience::BreakerRule breaker;  // per instance (id and resource are set per instance)
};

struct CallResult {
  http::Response response;
  std::string instance;  // the instance that answered ("" in-process)
  int attempts = 0;
  bool local = false;
};

class ServiceClient {
 public:
  // self: the service this process calls as by default; keys: its service keys (none: calls carry
  // no identity, and services that need one refuse them).
  ServiceClient(Discovery& discovery, std::string self, std::shared_ptr<const http::ServiceKeys> keys,
                ServiceClientOptions options, observe::Registry* metrics);
  ~ServiceClient();

  boost::asio::awaitable<CallResult> call(std::string service, http::Request req, const http::RequestContext* parent,
                                          CallOptions options = {});
  // Like call(), and a 4xx/5xx answer is thrown as the service's ApiError.
  boost::asio::awaitable<http::Response> call_ok(std::string service, http::Request req,
                                                 const http::RequestContext* parent, CallOptions options = {});

  const ServiceClientOptions& options() const { return options_; }

 private:
  struct Upstream;
  std::shared_ptr<Upstream> upstream(const std::string& service);
  boost::asio::awaitable<CallResult> call_local(const std::string& service, http::Request& req,
                                                const http::RequestContext* parent,
                                                std::chrono::steady_clock::time_point deadline, const CallOptions& options);
  const std::string& caller_name(const CallOptions& options) const;
  boost::asio::awaitable<CallResult> call_remote(const std::string& service, http::Request& req,
                                                 const http::RequestContext* parent,
                                                 std::chrono::steady_clock::time_point deadline,
                                                 const CallOptions& options);

  Discovery& discovery_;
  std::string self_;
  std::shared_ptr<const http::ServiceKeys> keys_;
  ServiceClientOptions options_;
  observe::Registry* metrics_;
  http::HttpClient http_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Upstream>> upstreams_;
};

}  // namespace zt::core::discovery
