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
  int status() const { return status_; }
  const std::string& code() const { return code_; }
  std::string message() const { return what(); }

 private:
  int status_;
  std::string code_;
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
