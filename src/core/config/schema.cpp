#include "core/config/schema.hpp"

#include <fmt/format.h>

#include <charconv>

namespace zt::core::config {

std::string_view type_name(Type t) {
  switch (t) {
    case Type::kString: return "string";
    case Type::kInt: return "integer";
    case Type::kBool: return "boolean";
    case Type::kDouble: return "number";
    case Type::kDuration: return "duration";
    case Type::kStringList: return "list of strings";
  }
  return "value";
}

FieldBuilder string(std::string key, std::optional<std::string> def) {
  FieldBuilder b{Field{std::move(key), Type::kString}};
  if (def) b.f.default_value = *def;
  return b;
}
FieldBuilder integer(std::string key, std::optional<std::int64_t> def) {
  FieldBuilder b{Field{std::move(key), Type::kInt}};
  if (def) b.f.default_value = *def;
  return b;
}
FieldBuilder boolean(std::string key, std::optional<bool> def) {
  FieldBuilder b{Field{std::move(key), Type::kBool}};
  if (def) b.f.default_value = *def;
  return b;
}
FieldBuilder number(std::string key, std::optional<double> def) {
  FieldBuilder b{Field{std::move(key), Type::kDouble}};
  if (def) b.f.default_value = *def;
  return b;
}
FieldBuilder duration(std::string key, std::optional<std::chrono::milliseconds> def) {
  FieldBuilder b{Field{std::move(key), Type::kDuration}};
  if (def) b.f.default_value = *def;
  return b;
}
FieldBuilder string_list(std::string key, std::optional<std::vector<std::string>> def) {
  FieldBuilder b{Field{std::move(key), Type::kStringList}};
  if (def) b.f.default_value = *def;
  return b;
}
FieldBuilder required(FieldBuilder b) {
  b.f.required = true;
  return b;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == 0 || i > 12) return std::nullopt;
  std::int64_t n = 0;
  std::from_chars(text.data(), text.data() + i, n);
  std::string_view unit = text.substr(i);
  if (unit == "ms") return std::chrono::milliseconds(n);
  if (unit == "s") return std::chrono::milliseconds(n * 1000);
  if (unit == "m") return std::chrono::milliseconds(n * 60'000);
  if (unit == "h") return std::chrono::milliseconds(n * 3'600'000);
  return std::nullopt;
}

std::string Problem::to_string() const {
  std::string where;
  if (!file.empty()) where = line > 0 ? fmt::format("{}:{}: ", file, line) : fmt::format("{}: ", file);
  return fmt::format("{}{}: {}", where, path, message);
}

namespace {
std::string join(const std::vector<Problem>& ps) {
  std::string s = "configuration is invalid:";
  for (const auto& p : ps) s += "\n  " + p.to_string();
  return s;
}
}  // namespace

ConfigError::ConfigError(std::vector<Problem> problems) : std::runtime_error(join(problems)), problems_(std::move(problems)) {}

}  // namespace zt::core::config
