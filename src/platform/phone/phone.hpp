#pragma once
// The operator three-factor check (运营商三要素): name, ID number and mobile number belong
// together. Providers: the vendor over HTTP, or the sandbox (docs/sandbox.md):
//   - a person in the sandbox population matches with their own name and mobile, and not with
//     any other;
//   - for anyone else the mobile's last digit decides: 8 — mismatch, 9 — the operator has no
//     record, any other — match.
#include <boost/asio/awaitable.hpp>
#include <boost/describe.hpp>

#include <memory>
#include <string>

#include "core/app/component.hpp"
#include "platform/vendor_kit/vendor_api.hpp"

namespace zt::platform::phone {

struct PhoneQuery {
  std::string name;
  std::string id_number;
  std::string mobile;
};
BOOST_DESCRIBE_STRUCT(PhoneQuery, (), (name, id_number, mobile))

struct PhoneCheck {
  std::string result;  // match | mismatch | no_record
  std::string message;
};
BOOST_DESCRIBE_STRUCT(PhoneCheck, (), (result, message))

class PhoneProvider {
 public:
  virtual ~PhoneProvider() = default;
  virtual boost::asio::awaitable<vendor_kit::Result<PhoneCheck>> verify(PhoneQuery q, const core::http::RequestContext* ctx) = 0;
};

core::ComponentSpec spec();

}  // namespace zt::platform::phone
