#pragma once
// A deliberately independent HTTP/1.1 client over POSIX sockets for functional tests: it can send
// malformed and hostile bytes that a real client library would refuse to produce.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace zt::test {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  bool closed = false;  // the server closed the connection after this response
};

class RawConnection {
 public:
  RawConnection(const std::string& host, int port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  bool send(const std::string& bytes);  // false when the peer has closed
  // Reads one response; nullopt on timeout or when the connection closed first.
  // `head`: the answer to a HEAD request (a Content-Length, no body).
  std::optional<HttpResponse> read_response(std::chrono::milliseconds timeout = std::chrono::seconds(10), bool head = false);
  // True when the peer closed the connection within the timeout.
  bool wait_closed(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
  std::string buffer_;
};

// An admin port started by the harness, and its token: requests to it carry the token unless they
// bring their own Authorization (tests of the admin listener's refusals do).
void remember_admin_port(int port, const std::string& token);
inline const std::string kHarnessAdminToken = "harness-admin-token-0123456789abcdef";

HttpResponse http_request(int port, const std::string& method, const std::string& target, const std::string& body = "",
                          const std::map<std::string, std::string>& headers = {});
inline HttpResponse http_get(int port, const std::string& target) { return http_request(port, "GET", target); }

// The value of one series in a process's Prometheus text at its admin port (`name` or
// `name{label="v"}`), -1 when the series is not there.
std::int64_t metric(int admin, const std::string& series);

// A JSON string literal (quoted, escaped) of text.
std::string json_string(const std::string& text);
// The first value of a string, boolean or integer member `name` in a JSON text — enough for tests to
// read an answer without a JSON library in the way. A member that is absent or null is a test
// failure (reported with the body) and reads as "<none>": a check against it cannot pass by
// accident. Inside `eventually` (polling for a state not reached yet) absence is not a failure.
std::string json_field(const std::string& body, const std::string& name);
// The same, nullopt when the member is absent or null (for checks that it is).
std::optional<std::string> json_field_if(const std::string& body, const std::string& name);

// Passes when `r` is a refusal in the project's error shape with this status and code (and this
// message, when one is given); otherwise says what came instead. EXPECT_TRUE(refused(…)).
::testing::AssertionResult refused(const HttpResponse& r, int status, const std::string& code, const std::string& message = "");

// The agreements in force as a sign-in body's "agreements" member ([{"id": …, "version": …}, …]),
// read from GET /api/auth/v1/agreements on `port` (what the app shows and the customer ticks).
std::string agreements_accepted(int port);

// The config-center item (public/zhongtai/<item>) a settings text belongs to: that of its first
// setting — flow.yaml, gateway.yaml, sandbox.yaml or dynamic.yaml (core/config/settings_items.hpp).
std::string settings_item_of(const std::string& content);

// Publishes `content` as dynamic settings in the item of its concern (settings_item_of) through the
// registry API on `port`; returns the answer. With the deployment's master, straight at a registry
// process (signed as a gateway forwarding staff). `check` false: stored without the config
// center's check, for a test of the processes' own refusal.
HttpResponse publish_dynamic(int port, const std::string& content, const std::string& comment = "test",
                            const std::string& master = "", bool check = true);

}  // namespace zt::test
