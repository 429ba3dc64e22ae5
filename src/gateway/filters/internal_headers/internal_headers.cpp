#include "gateway/filters/internal_headers/internal_headers.hpp"

#include <string>
#include <vector>

namespace zt::gateway::filters {

namespace {
bool internal(const std::string& name) {
  return name.size() >= 5 && (name[0] == 'x' || name[0] == 'X') && name[1] == '-' && (name[2] == 'z' || name[2] == 'Z') &&
         (name[3] == 't' || name[3] == 'T') && name[4] == '-';
}

template <class Message>
std::size_t strip(Message& m) {
  std::vector<std::string> names;
  for (const auto& [name, value] : m.headers.fields())
    if (internal(name)) names.push_back(name);
  for (const auto& n : names) m.headers.remove(n);
  return names.size();
}
}  // namespace

std::size_t strip_internal_headers(core::http::Request& req) { return strip(req); }

void clean_response(core::http::Response& res) {
  strip(res);
  core::http::strip_hop_by_hop(res.headers);  // an upstream's Connection, Keep-Alive, Upgrade … are its own
  res.headers.remove("server");
  res.headers.remove("x-powered-by");
  if (!res.headers.has("x-content-type-options")) res.headers.set("x-content-type-options", "nosniff");
}

}  // namespace zt::gateway::filters
