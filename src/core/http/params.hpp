#pragma once
// Request parameters every service reads the same way; refusals carry the service's code prefix
// ("COUNTER" -> COUNTER_BAD_PARAM) in the error shape.
#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/http/context.hpp"
#include "core/http/error.hpp"
#include "core/http/message.hpp"

namespace zt::core::http {

// A path parameter of the matched route ("" when absent).
inline std::string path_param(const RequestContext& ctx, const char* name) {
  return std::string(ctx.param(name).value_or(""));
}

// ?limit= for a cursor-paged list: 1..100, 20 when absent.
inline std::int64_t limit_param(const Request& req, std::string_view prefix) {
  const auto text = req.query_param("limit").value_or("20");
  try {
    std::size_t used = 0;
    const auto v = std::stoll(text, &used);
    if (used == text.size() && v >= 1 && v <= 100) return v;
  } catch (...) {
  }
  throw ApiError(400, fmt::format("{}_BAD_PARAM", prefix), "limit 应为1到100之间的整数");
}

}  // namespace zt::core::http
