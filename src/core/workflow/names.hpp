#pragma once
// What the workflow stores put into their SQL from the service that uses them: its table and
// column names, checked once when the store is made (a programming error, never user input).
#include <stdexcept>
#include <string>

namespace zt::core::workflow {

// `name` when it is a plain SQL identifier (a letter or '_' first, then letters, digits, '_'),
// else std::invalid_argument.
inline const std::string& sql_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 63 && !(name[0] >= '0' && name[0] <= '9');
  for (char c : name)
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
  if (!ok) throw std::invalid_argument("not a plain SQL name: '" + name + "'");
  return name;
}

}  // namespace zt::core::workflow
