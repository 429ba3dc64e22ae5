#pragma once
// What a request says of its body: its media type and its content coding, read the one way the
// gateway's validation and the services that take several kinds of body both need.
#include <cctype>
#include <string>
#include <string_view>

#include "core/http/message.hpp"

namespace zt::core::http {

// The Content-Type without its parameters ("application/json" of "application/json; charset=utf-8").
inline std::string_view media_type(const Request& req) {
  std::string_view type = req.headers.get("content-type").value_or("");
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return type;
}

// The Content-Encoding in lower case (codings are case-insensitive, RFC 9110 §8.4.1), trimmed; ""
// when the body is not encoded (no header, or "identity").
inline std::string content_coding(const Request& req) {
  std::string coding(req.headers.get("content-encoding").value_or(""));
  for (auto& c : coding) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  while (!coding.empty() && coding.back() == ' ') coding.pop_back();
  return coding == "identity" ? std::string() : coding;
}

}  // namespace zt::core::http
