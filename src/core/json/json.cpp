#include "core/json/json.hpp"

namespace zt::core::json {

boost::json::value parse_value(std::string_view text) {
  boost::system::error_code ec;
  boost::json::parse_options opts;
  opts.max_depth = 64;
  boost::json::value v = boost::json::parse(text, ec, {}, opts);
  if (ec) throw ApiError(400, codes::kInvalidJson, "请求体不是合法的 JSON");
  return v;
}

ApiError error_from_response(int status, std::string_view body) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.get_object();
    auto code = o.if_contains("code");
    auto message = o.if_contains("message");
    if (code && code->is_string() && message && message->is_string())
      return ApiError(status, std::string(code->get_string()), std::string(message->get_string()));
  }
  return ApiError(status >= 500 ? 502 : status, codes::kUpstream, "上游服务返回了无法识别的错误");
}

}  // namespace zt::core::json
