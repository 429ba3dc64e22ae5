#pragma once
// One mistake in a YAML document, where it is and what is wrong (Chinese, shown to operators).
#include <string>

namespace zt::core::config {

struct YamlProblem {
  int line = 0;
  std::string path;  // "flow[0].count"
  std::string message;
};

}  // namespace zt::core::config
