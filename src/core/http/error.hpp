#pragma once
// The error shape as the HTTP layer names it (core::http::ApiError, core::http::codes) — defined in
// the base floor (core/util/error.hpp) so that every floor can throw it — and its serialisation.
#include <string>
#include <string_view>

#include "core/util/error.hpp"

namespace zt::core::http {

using core::ApiError;
namespace codes = core::codes;

// Serialises the error shape: {"code": "...", "message": "...", "trace_id": "..."}.
std::string error_body(std::string_view code, std::string_view message, std::string_view trace_id);

}  // namespace zt::core::http
