#include "core/http/error.hpp"

#include "core/observe/log.hpp"

namespace zt::core::http {

std::string error_body(std::string_view code, std::string_view message, std::string_view trace_id) {
  std::string out;
  out.reserve(48 + code.size() + message.size() + trace_id.size());
  out += "{\"code\":\"";
  log::append_json_escaped(out, code);
  out += "\",\"message\":\"";
  log::append_json_escaped(out, message);
  out += "\",\"trace_id\":\"";
  log::append_json_escaped(out, trace_id);
  out += "\"}";
  return out;
}

}  // namespace zt::core::http
