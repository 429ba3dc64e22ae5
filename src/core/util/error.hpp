#pragma once
// The one error shape (DESIGN §3): {"code": "...", "message": "<zh-CN>", "trace_id": "..."}.
// Handlers throw ApiError; the server turns it into the response. Codes are stable identifiers.
// In the base floor (util/): every floor throws it — a JSON field that does not parse, a blocking
// pool that is full — and the HTTP layer answers it.
#include <stdexcept>
#include <string>

namespace zt::core {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, std::string message)
      : std::runtime_error(message), status_(status), code_(std::move(code)) {}
  // A failure of something this process called — another service, a vendor, its store — rather
  // than of this process: the answer says so (x-zt-failure-origin: upstream), and a caller's
  // breaker and outlier detection do not hold it against this instance, since every instance
  // would answer the same. (A counter that is down must not take the whole mall off the gateway.)
  static ApiError upstream(int status, std::string code, std::string message) {
    ApiError e(status, std::move(code), std::move(message));
    e.upstream_ = true;
    return e;
  }
  int status() const { return status_; }
  const std::string& code() const { return code_; }
  std::string message() const { return what(); }
  bool from_upstream() const { return upstream_; }

 private:
  int status_;
  std::string code_;
  bool upstream_ = false;
};

// Codes the core itself produces.
namespace codes {
inline constexpr const char* kBadRequest = "BAD_REQUEST";
inline constexpr const char* kInvalidJson = "INVALID_JSON";
inline constexpr const char* kInvalidField = "INVALID_FIELD";
inline constexpr const char* kNotFound = "NOT_FOUND";
inline constexpr const char* kMethodNotAllowed = "METHOD_NOT_ALLOWED";
inline constexpr const char* kHeadersTooLarge = "HEADERS_TOO_LARGE";
inline constexpr const char* kBodyTooLarge = "BODY_TOO_LARGE";
inline constexpr const char* kTimeout = "REQUEST_TIMEOUT";
inline constexpr const char* kDeadlineExceeded = "DEADLINE_EXCEEDED";
inline constexpr const char* kOverloaded = "SERVER_BUSY";
inline constexpr const char* kUnavailable = "SERVICE_UNAVAILABLE";
inline constexpr const char* kUpstream = "UPSTREAM_ERROR";
inline constexpr const char* kInternal = "INTERNAL_ERROR";
}  // namespace codes

}  // namespace zt::core
