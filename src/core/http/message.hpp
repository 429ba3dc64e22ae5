#pragma once
// Light HTTP message types shared by the server, the client, routers and middleware.
// No Beast here: these headers are included by every service (DESIGN §8).
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zt::core::http {

enum class Method { kGet, kHead, kPost, kPut, kDelete, kPatch, kOptions, kOther };

std::string_view method_name(Method m);
Method parse_method(std::string_view name);

bool iequals(std::string_view a, std::string_view b);

// Header fields in arrival order; look-ups ignore case.
class Headers {
 public:
  std::optional<std::string_view> get(std::string_view name) const;
  bool has(std::string_view name) const { return get(name).has_value(); }
  // Every field of that name combined in order ("a, b"), as RFC 9110 §5.3 reads repeated fields.
  std::string combined(std::string_view name) const;
  void set(std::string_view name, std::string_view value);  // replaces every field of that name
  void add(std::string_view name, std::string_view value);
  void remove(std::string_view name);
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }
  std::size_t size() const { return fields_.size(); }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

struct Request {
  Method method = Method::kGet;
  std::string method_text;  // as received, for kOther
  std::string target;       // raw request-target: "/a/b?x=1"
  Headers headers;
  std::string body;
  bool keep_alive = true;

  std::string_view path() const;   // target before '?', still percent-encoded
  std::string_view query() const;  // target after '?'
  // The first value of a query parameter, percent-decoded ('+' is a space).
  std::optional<std::string> query_param(std::string_view name) const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  static Response json(int status, std::string body);
  static Response text(int status, std::string body, std::string_view content_type = "text/plain; charset=utf-8");
};

// Percent-decoding; nullopt on a malformed escape.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space);
// The segments of an absolute path ("/a/b/" -> "a", "b", ""); empty when it does not start with '/'.
std::vector<std::string_view> path_segments(std::string_view path);

std::string_view reason_phrase(int status);

// A path in the one spelling routes are written in: absolute, no empty segment ("//"), no "." or
// ".." segment, no encoded "/", "." or "\\", no NUL, backslash or control character, every "%"
// a valid escape. Anything else could name one resource to a router and another to a service
// behind it, so it is refused before routing.
bool canonical_path(std::string_view path);

// Hop-by-hop fields (RFC 9110 §7.6.1): they describe one connection and never cross a proxy.
// The field names a Connection header lists (as views into `headers`).
std::vector<std::string_view> connection_options(const Headers& headers);
// Connection and what it names, Keep-Alive, Proxy-*, TE, Trailer, Transfer-Encoding, Upgrade and
// Expect. (Content-Length is framing: each sender writes its own.)
bool hop_by_hop(std::string_view name, const std::vector<std::string_view>& named_by_connection);
// Removes every hop-by-hop field (an answer relayed from an upstream, say).
void strip_hop_by_hop(Headers& headers);

}  // namespace zt::core::http
