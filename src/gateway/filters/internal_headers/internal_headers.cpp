#include "gateway/filters/internal_headers/internal_headers.hpp"

#include <string>
#include <vector>

namespace zt::gateway::filters {

std::size_t strip_internal_headers(core::http::Request& req) {
  std::vector<std::string> names;
  for (const auto& [name, value] : req.headers.fields())
    if (name.size() >= 5 && (name[0] == 'x' || name[0] == 'X') && name[1] == '-' && (name[2] == 'z' || name[2] == 'Z') &&
        (name[3] == 't' || name[3] == 'T') && name[4] == '-')
      names.push_back(name);
  for (const auto& n : names) req.headers.remove(n);
  return names.size();
}

}  // namespace zt::gateway::filters
