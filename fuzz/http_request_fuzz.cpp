// Feeds arbitrary bytes to the server's request parser, in arbitrary chunkings, then routes what
// parses. Any crash, sanitizer report or broken invariant is a finding.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/http/parser.hpp"
#include "core/http/router.hpp"

using namespace zt::core::http;

namespace {

const Router& router() {
  static Router r = [] {
    Router x;
    Handler h;  // never invoked: the fuzzer only matches
    x.add(Method::kGet, "/api/system/v1/ping", h);
    x.add(Method::kGet, "/api/mall/v1/products/{code}", h);
    x.add(Method::kPost, "/api/mall/v1/products/{code}/orders", h);
    x.add(Method::kGet, "/api/mall/v1/orders/{id}", h);
    x.add(Method::kDelete, "/api/mall/v1/orders/{id}", h);
    return x;
  }();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the chunk size, so split reads are explored too.
  std::size_t chunk = 1 + data[0] % 64;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  ParserLimits limits;
  limits.max_header_bytes = 2048;
  limits.max_body_bytes = 4096;
  RequestParser parser(limits);
  std::size_t pos = 0;
  std::string pending;
  while (pos < input.size() && parser.state() == RequestParser::State::kNeedMore) {
    pending.append(input.substr(pos, chunk));
    pos += chunk;
    std::size_t used = parser.feed(pending);
    if (used > pending.size()) std::abort();
    pending.erase(0, used);
  }
  if (parser.state() == RequestParser::State::kNeedMore) parser.feed_eof();
  if (parser.state() == RequestParser::State::kError) {
    int s = parser.error().status;
    if (s != 400 && s != 413 && s != 431) std::abort();
    return 0;
  }
  if (parser.state() == RequestParser::State::kDone) {
    Request req = parser.take();
    if (req.body.size() > limits.max_body_bytes) std::abort();
    RouteMatch m = router().match(req.method, req.path());
    if (m.kind == RouteMatch::Kind::kFound && m.route == nullptr) std::abort();
    (void)req.query_param("cursor");
  }
  return 0;
}
