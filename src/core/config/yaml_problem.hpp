#pragma once
// One mistake in a YAML document, where it is and what is wrong (Chinese, shown to operators).
#include <fmt/format.h>

#include <string>
#include <string_view>
#include <vector>

namespace zt::core::config {

struct YamlProblem {
  int line = 0;
  std::string path;  // "flow[0].count"
  std::string message;
};

// "<title>第3行 flow[0].count 应为数字；…" — one line for operators, logs and config acks.
inline std::string describe_problems(std::string_view title, const std::vector<YamlProblem>& problems) {
  std::string msg(title);
  bool first = true;
  for (const auto& p : problems) {
    msg += p.line > 0 ? fmt::format("{}第{}行 {} {}", first ? "" : "；", p.line, p.path, p.message)
                      : fmt::format("{}{} {}", first ? "" : "；", p.path, p.message);
    first = false;
  }
  return msg;
}

}  // namespace zt::core::config
