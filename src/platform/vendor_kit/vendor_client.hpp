#pragma once
// The HTTP side of every vendor provider (DESIGN §6): 公安, the operator check, 中登, banks, face
// comparison, SMS. One client per vendor, with
//   - its endpoint and credentials: each request signed x-app-key, x-timestamp, x-signature =
//     hex HMAC-SHA-256(secret, "METHOD\npath\ntimestamp\nsha256(body)");
//   - a timeout per attempt, and retries for idempotent calls only (queries, checks), never for
//     ones that move something;
//   - its own circuit breaker (error ratio over a window) and its own bulkhead (calls in flight),
//     so a slow or failing vendor fails fast and cannot take other routes down with it.
// The protocol is JSON over POST: a 2xx answer is a JSON object; a 4xx is the vendor refusing
// the request (its message passed on); timeouts, 5xx and answers that are not JSON objects count
// against the breaker. Every failure is a Refusal in Chinese naming the vendor.
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>

#include "core/config/config.hpp"
#include "core/config/schema.hpp"
#include "core/resilience/breaker.hpp"
#include "core/util/refusal.hpp"

namespace zt::core::http {
struct RequestContext;
class HttpClient;
}  // namespace zt::core::http
namespace zt::core::observe {
class Registry;
class Counter;
class Histogram;
}  // namespace zt::core::observe
namespace zt::core::resilience {
class Bulkhead;
}

namespace zt::platform::vendor_kit {

using core::Refusal;

struct VendorSettings {
  std::string name;   // "identity": metrics, logs, error codes (IDENTITY_VENDOR_TIMEOUT)
  std::string title;  // "公安身份核查": what a refusal names
  std::string endpoint;  // http://host:port[/base path]
  std::string app_key;
  std::string app_secret;
  std::chrono::milliseconds timeout{3000};
  int retries = 1;  // extra attempts for idempotent calls
  std::int64_t max_concurrent = 50;
  double breaker_error_ratio = 0.5;
  int breaker_min_requests = 10;
  std::chrono::milliseconds breaker_window{10000};
  std::chrono::milliseconds breaker_recovery{10000};
};

// The settings every vendor component's section has — provider (sandbox | http), endpoint,
// app_key, app_secret, timeout, retries, max_concurrent, breaker_* — and reading them back.
std::vector<core::config::Field> vendor_fields(const std::string& default_provider = "sandbox");
VendorSettings vendor_settings(const core::config::Section& section, std::string name, std::string title);

class VendorClient {
 public:
  VendorClient(VendorSettings settings, core::observe::Registry* metrics);
  ~VendorClient();
  VendorClient(const VendorClient&) = delete;
  VendorClient& operator=(const VendorClient&) = delete;

  // POSTs `body` to endpoint + path. `idempotent`: may be sent again after a timeout or a 5xx.
  boost::asio::awaitable<std::variant<boost::json::object, Refusal>> call(std::string path, boost::json::object body, bool idempotent,
                                                                           const core::http::RequestContext* parent);

  const VendorSettings& settings() const { return settings_; }
  core::resilience::BreakerState breaker_state() const;

 private:
  struct Attempt;
  boost::asio::awaitable<Attempt> attempt(const std::string& path, const std::string& body, const core::http::RequestContext* parent);
  Refusal refusal(const std::string& what, int status, const std::string& message) const;

  VendorSettings settings_;
  std::string host_;
  std::uint16_t port_ = 0;
  std::string base_path_;
  std::unique_ptr<core::http::HttpClient> http_;
  std::unique_ptr<core::resilience::CircuitBreaker> breaker_;
  std::unique_ptr<core::resilience::Bulkhead> bulkhead_;
  core::observe::Registry* metrics_ = nullptr;
};

}  // namespace zt::platform::vendor_kit
