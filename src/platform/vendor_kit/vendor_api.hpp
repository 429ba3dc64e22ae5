#pragma once
// What every vendor platform service shares (identity, phone, csdc, bank, face): its operations
// are POST /api/<service>/v1/<operation> for the platform's own services only (a vendor check
// costs money and carries personal data), each answering a value or a Refusal in the error
// shape; the HTTP adapter turns the vendor's JSON into the same types.
#include <boost/asio/awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <variant>

#include "core/finance/business_clock.hpp"
#include "core/finance/identity.hpp"
#include "core/http/error.hpp"
#include "core/http/router.hpp"
#include "core/json/json.hpp"
#include "core/util/refusal.hpp"
#include "platform/vendor_kit/vendor_client.hpp"

namespace zt::platform::vendor_kit {

template <class T>
using Result = std::variant<T, core::Refusal>;

// Registers POST `path`: the body parsed as Req (400 naming the field when it does not),
// `op(req, ctx)` awaited, its value answered as JSON or its refusal thrown in the error shape.
template <class Req, class Op>
void add_operation(core::http::Router& router, const std::string& path, const std::string& service, Op op) {
  router.add(core::http::Method::kPost, path,
             [op, service](core::http::Request& req, core::http::RequestContext& ctx) -> boost::asio::awaitable<core::http::Response> {
               if (ctx.calling_service.empty()) {
                 std::string code = service;
                 for (auto& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                 throw core::http::ApiError(403, code + "_SERVICE_ONLY", "仅限内部服务调用");
               }
               auto body = core::json::parse<Req>(req.body);
               auto out = co_await op(std::move(body), ctx);
               // A 5xx here is the vendor's (unreachable, failing): the answer says so.
               if (auto* r = std::get_if<core::Refusal>(&out))
                 throw r->status >= 500 ? core::http::ApiError::upstream(r->status, r->code, r->message)
                                        : core::http::ApiError(r->status, r->code, r->message);
               co_return core::http::Response::json(200, core::json::serialize(std::get<0>(out)));
             });
}

// A vendor's answer read as T; an answer of the wrong shape is the vendor's fault, not ours.
template <class T>
Result<T> from_vendor(std::variant<boost::json::object, core::Refusal>&& answer, const VendorSettings& s) {
  if (auto* r = std::get_if<core::Refusal>(&answer)) return std::move(*r);
  try {
    return core::json::parse<T>(boost::json::serialize(std::get<boost::json::object>(answer)));
  } catch (const core::http::ApiError&) {
    std::string code = s.name;
    for (auto& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return core::Refusal{502, code + "_VENDOR_BAD_RESPONSE", s.title + "返回了无法识别的结果"};
  }
}

// Checks an ID number (GB 11643, a real past birth date) before any provider is asked, and
// puts it in its 18-character form; the refusal's code is <PREFIX>_ID_INVALID.
inline std::optional<core::Refusal> normalise_id_number(std::string& id_number, const std::string& prefix) {
  // Today in Asia/Shanghai, as the counter checks it (a UTC date lags until 08:00 there).
  const auto id = core::finance::check_resident_id(id_number, core::finance::business_time(std::chrono::system_clock::now()).date);
  if (!id.ok) return core::Refusal{400, prefix + "_ID_INVALID", id.reason};
  id_number = id.normalized;
  return std::nullopt;
}

template <class T>
boost::json::object to_object(const T& value) {
  return boost::json::parse(core::json::serialize(value)).as_object();
}

}  // namespace zt::platform::vendor_kit
