#pragma once
// Request parameters every service reads the same way; refusals carry the service's code prefix
// ("COUNTER" -> COUNTER_BAD_PARAM) in the error shape.
#include <fmt/format.h>

#include <charconv>
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

// ?name= as an integer in [lo, hi], `fallback` when absent; anything else is 400
// <prefix>_BAD_PARAM with `message` (what the caller reads: the bounds, in Chinese).
inline std::int64_t int_param(const Request& req, std::string_view name, std::int64_t fallback, std::int64_t lo,
                              std::int64_t hi, std::string_view prefix, std::string_view message) {
  const auto text = req.query_param(name);
  if (!text) return fallback;
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || p != text->data() + text->size() || v < lo || v > hi)
    throw ApiError(400, fmt::format("{}_BAD_PARAM", prefix), std::string(message));
  return v;
}

}  // namespace zt::core::http
