#include "platform/registry/domain/config_format.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <vector>

#include "core/discovery/naming.hpp"

namespace zt::platform::registry {

namespace {

std::vector<std::string_view> lines(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t pos = 0;
  while (pos < s.size()) {
    auto nl = s.find('\n', pos);
    if (nl == std::string_view::npos) nl = s.size();
    out.push_back(s.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return out;
}

std::optional<std::string> check_properties(std::string_view content) {
  auto ls = lines(content);
  for (std::size_t i = 0; i < ls.size(); ++i) {
    std::string_view l = ls[i];
    while (!l.empty() && (l.front() == ' ' || l.front() == '\t')) l.remove_prefix(1);
    if (l.empty() || l.front() == '#' || l.front() == '!') continue;
    auto sep = l.find_first_of("=:");
    if (sep == std::string_view::npos || sep == 0) return fmt::format("第{}行不是 键=值 的形式", i + 1);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> validate_key(const core::discovery::ConfigKey& key) {
  if (!core::discovery::valid_name(key.namespace_id)) return "命名空间应为1到128位的字母、数字或 . _ - : @";
  if (!core::discovery::valid_name(key.group)) return "分组应为1到128位的字母、数字或 . _ - : @";
  if (!core::discovery::valid_name(key.data_id)) return "配置ID应为1到128位的字母、数字或 . _ - : @";
  return std::nullopt;
}

std::optional<std::string> validate_content(std::string_view format, std::string_view content) {
  if (content.size() > kMaxConfigBytes) return fmt::format("配置内容超过{}字节", kMaxConfigBytes);
  if (format == "text") return std::nullopt;
  if (format == "properties") return check_properties(content);
  if (format == "json") {
    boost::system::error_code ec;
    auto v = boost::json::parse(content, ec);
    if (ec) return fmt::format("JSON 语法错误：{}", ec.message());
    return std::nullopt;
  }
  if (format == "yaml") {
    try {
      YAML::Load(std::string(content));
    } catch (const YAML::Exception& e) {
      return fmt::format("YAML 语法错误：第{}行第{}列 {}", e.mark.line + 1, e.mark.column + 1, e.msg);
    }
    return std::nullopt;
  }
  return "格式应为 yaml、json、properties 或 text";
}

std::string line_diff(std::string_view before, std::string_view after) {
  auto a = lines(before), b = lines(after);
  std::string out;
  // Common head and tail first; the LCS runs on the changed middle only.
  std::size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) out += fmt::format(" {}\n", a[head++]);
  std::size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head && a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) ++tail;
  const std::size_t n = a.size() - head - tail, m = b.size() - head - tail;
  auto A = [&](std::size_t i) { return a[head + i]; };
  auto B = [&](std::size_t j) { return b[head + j]; };
  if (n * m > 4'000'000) {  // too large to align line by line: show the middle as replaced
    for (std::size_t i = 0; i < n; ++i) out += fmt::format("-{}\n", A(i));
    for (std::size_t j = 0; j < m; ++j) out += fmt::format("+{}\n", B(j));
  } else {
    std::vector<std::vector<std::uint32_t>> lcs(n + 1, std::vector<std::uint32_t>(m + 1, 0));
    for (std::size_t i = n; i-- > 0;)
      for (std::size_t j = m; j-- > 0;)
        lcs[i][j] = A(i) == B(j) ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    std::size_t i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && A(i) == B(j)) {
        out += fmt::format(" {}\n", A(i));
        ++i, ++j;
      } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
        out += fmt::format("-{}\n", A(i++));
      } else {
        out += fmt::format("+{}\n", B(j++));
      }
    }
  }
  for (std::size_t t = a.size() - tail; t < a.size(); ++t) out += fmt::format(" {}\n", a[t]);
  return out;
}

}  // namespace zt::platform::registry
