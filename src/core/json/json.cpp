#include "core/json/json.hpp"

namespace zt::core::json {

boost::json::value parse_value(std::string_view text) {
  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = 64;
  boost::json::value v = boost::json::parse(text, ec, {}, opts);
  if (ec) throw http::ApiError(400, http::codes::kInvalidJson, "请求体不是合法的 JSON");
  return v;
}

}  // namespace zt::core::json
