#pragma once
// The 公安 identity check (身份核查): does this ID number belong to this name, and the ID photo.
// Two providers (DESIGN §6): the vendor over HTTP, and the sandbox, whose rules are
// (docs/sandbox.md):
//   - the ID number must pass GB 11643 (checked before any provider is asked);
//   - a person in the sandbox population (config/sandbox/people.csv) matches their own name and
//     no other;
//   - anyone else matches, except sequence codes (digits 15–17) 999 — no record — and 998 — the
//     name does not match;
//   - a match can carry a photo: an SVG ID picture holding the face token ZT-FACE:<16 hex>,
//     which the face sandbox recognises.
#include <boost/asio/awaitable.hpp>
#include <boost/describe.hpp>

#include "core/app/component.hpp"

#include <memory>
#include <optional>
#include <string>

#include "platform/vendor_kit/vendor_api.hpp"

namespace zt::core::http {
struct RequestContext;
}

namespace zt::platform::identity {

struct IdentityQuery {
  std::string name;
  std::string id_number;
  std::optional<bool> with_photo;
};
BOOST_DESCRIBE_STRUCT(IdentityQuery, (), (name, id_number, with_photo))

struct IdentityCheck {
  std::string result;   // match | mismatch | no_record
  std::string message;  // Chinese
  std::optional<std::string> photo;  // base64, when asked for and matched
};
BOOST_DESCRIBE_STRUCT(IdentityCheck, (), (result, message, photo))

class IdentityProvider {
 public:
  virtual ~IdentityProvider() = default;
  virtual boost::asio::awaitable<vendor_kit::Result<IdentityCheck>> verify(IdentityQuery q, const core::http::RequestContext* ctx) = 0;
};

// The face token of a person's sandbox ID photo (the face sandbox compares by it).
std::string sandbox_face_token(const std::string& id_number);
// The sandbox ID photo: an SVG holding the face token, base64.
std::string sandbox_photo(const std::string& id_number);

std::unique_ptr<IdentityProvider> make_sandbox();
std::unique_ptr<IdentityProvider> make_http(vendor_kit::VendorSettings settings, core::observe::Registry* metrics);

core::ComponentSpec spec();

}  // namespace zt::platform::identity
