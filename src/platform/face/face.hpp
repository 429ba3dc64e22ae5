#pragma once
// Face services: liveness (活体检测) and comparison with a reference photo (人脸比对), a score
// against a threshold. Providers: the vendor over HTTP, or the sandbox, deterministic on the
// image bytes (docs/sandbox.md):
//   - liveness fails for images under 64 bytes or holding the marker "SPOOF"; else score 90;
//   - comparison: both images holding face tokens (ZT-FACE:<16 hex>, as the identity sandbox's
//     ID photos do) score 95 when the tokens are equal and 20 when not; identical images score
//     100; any other pair scores 30 + (first byte of SHA-256 of both) mod 40 — always below the
//     default threshold of 80.
#include <boost/asio/awaitable.hpp>
#include <boost/describe.hpp>

#include <memory>
#include <string>

#include "core/app/component.hpp"
#include "platform/vendor_kit/vendor_api.hpp"

namespace zt::platform::face {

struct LivenessQuery {
  std::string image;  // base64
};
BOOST_DESCRIBE_STRUCT(LivenessQuery, (), (image))
struct Liveness {
  bool live = false;
  std::int64_t score = 0;
  std::string message;
};
BOOST_DESCRIBE_STRUCT(Liveness, (), (live, score, message))

struct CompareQuery {
  std::string image;      // base64, the live capture
  std::string reference;  // base64, the ID photo
};
BOOST_DESCRIBE_STRUCT(CompareQuery, (), (image, reference))
struct Comparison {
  std::int64_t score = 0;
  std::int64_t threshold = 0;
  bool same_person = false;
  std::string message;
};
BOOST_DESCRIBE_STRUCT(Comparison, (), (score, threshold, same_person, message))

class FaceProvider {
 public:
  virtual ~FaceProvider() = default;
  // Images arrive decoded.
  virtual boost::asio::awaitable<vendor_kit::Result<Liveness>> liveness(std::string image, const core::http::RequestContext* ctx) = 0;
  virtual boost::asio::awaitable<vendor_kit::Result<std::int64_t>> score(std::string image, std::string reference,
                                                                     const core::http::RequestContext* ctx) = 0;
};

// The sandbox's rules, for tests and the documentation.
std::int64_t sandbox_score(const std::string& image, const std::string& reference);
bool sandbox_live(const std::string& image);

core::ComponentSpec spec();

}  // namespace zt::platform::face
