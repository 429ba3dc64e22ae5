#pragma once
// The base of every typed service client (src/<area>/<service>/client/<service>_client.hpp): one
// service's calls, with the service's own wire types (<service>_api.hpp beside it), the paths in
// one place, and every answer read the same way. A call ends in one of three outcomes:
//
//   T        done: the service's answer, read as its type;
//   Refusal  the service said no for good and nothing was done: a 4xx other than 401, 403, 408 and
//            429 carrying one of the service's own codes (<PREFIX>_…), other than
//            <PREFIX>_REQUEST_REUSED;
//   Unknown  anything else — no answer, a timeout, a 5xx, a 408 or 429, an answer that is not the
//            service's (a restarting instance's 404, a proxy's error page), a 401 or 403 (about the
//            caller, not about an earlier attempt), an answer that cannot be read, or a reused
//            request id. The call may or may not have taken effect: send the
//            same request again (services answer a request id once, then repeat that answer) or
//            look it up; never treat it as failed.
//
// Callers of an operation that moves money, shares or quota record the exact request before the
// first send and send those bytes again (see platform/counter/client/counter_client.hpp).
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/http/message.hpp"
#include "core/json/json.hpp"
#include "core/util/refusal.hpp"

namespace zt::core::http {
struct RequestContext;
}

namespace zt::core::discovery {

class ServiceClient;

struct Unknown {
  int status = 0;       // 0: no answer at all
  std::string code;     // what answered instead, if anything
  std::string message;
};

template <class T>
using Outcome = std::variant<T, Refusal, Unknown>;

enum class Verdict { kDone, kRefused, kUnknown };
// How an HTTP answer from a service whose codes start with `prefix` ("COUNTER") is read.
Verdict classify(int status, std::string_view code, std::string_view prefix);

class ApiClient {
 public:
  // service: the name it is registered under; prefix: its x-zt-code-prefix; as: the calling
  // service (it signs the calls).
  ApiClient(ServiceClient& client, std::string service, std::string prefix, std::string as);

  // Each attempt's time limit (never past the caller's deadline); the service client's by default.
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

 protected:
  struct Reply {
    Verdict verdict = Verdict::kUnknown;
    int status = 0;
    std::string body;
    std::string code, message;
  };
  boost::asio::awaitable<Reply> send(http::Method method, const std::string& target, const std::string& body,
                                     const http::RequestContext* ctx) const;
  // How a body other than JSON is sent, and whether the call is traced (CallOptions::traced).
  struct Sending {
    std::string content_type = "application/json";
    bool traced = true;
  };
  boost::asio::awaitable<Reply> send(http::Method method, const std::string& target, const std::string& body,
                                     const http::RequestContext* ctx, Sending how) const;

  // The outcome of a reply whose answer `read` turns into a T (an answer that cannot be read is
  // unknown: the service may have acted on it).
  template <class T, class Read>
  static Outcome<T> outcome(Reply& reply, Read read) {
    switch (reply.verdict) {
      case Verdict::kDone:
        try {
          return read(reply.body);
        } catch (const std::exception& e) {
          return unreadable(reply, e);
        }
      case Verdict::kRefused:
        return Refusal{reply.status, std::move(reply.code), std::move(reply.message)};
      case Verdict::kUnknown:
        break;
    }
    return Unknown{reply.status, std::move(reply.code), std::move(reply.message)};
  }

  // The outcome of a reply whose answer is a T's JSON.
  template <class T>
  static Outcome<T> outcome(Reply& reply) {
    return outcome<T>(reply, [](const std::string& body) { return json::parse<T>(body); });
  }

  // A path segment from a value the caller holds (an id, an account, a code): anything but the
  // unreserved characters of RFC 3986 (letters, digits, '-', '.', '_', '~') is percent-encoded, so
  // it cannot change the path (services refuse an encoded unreserved character as not canonical,
  // and a '.' or '..' segment likewise).
  static std::string segment(std::string_view value);

 private:
  static Unknown unreadable(const Reply& reply, const std::exception& e);

  ServiceClient& client_;
  std::string service_, prefix_, as_;
  std::optional<std::chrono::milliseconds> timeout_;
};

}  // namespace zt::core::discovery
