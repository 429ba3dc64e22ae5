#pragma once
// Configuration schema: each component declares its section's keys with type, default, range and
// whether they are required. Loading checks a file against the schemas of the components that
// run, and every error names the key path and the file line.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace zt::core::config {

enum class Type { kString, kInt, kBool, kDouble, kDuration, kStringList };

std::string_view type_name(Type t);

using Value = std::variant<std::string, std::int64_t, bool, double, std::chrono::milliseconds, std::vector<std::string>>;

struct Field {
  std::string key;  // dotted path inside the section: "limits.max_body_bytes"
  Type type;
  std::optional<Value> default_value;  // absent and not required: the key is optional
  bool required = false;
  std::optional<double> min;  // for numbers; for durations in milliseconds
  std::optional<double> max;
  std::vector<std::string> one_of;  // allowed strings
  std::string help;
};

struct Schema {
  std::string section;
  std::vector<Field> fields;
  std::string help;
};

// Field builders keep schemas readable:
//   config::integer("port", 8080).range(1, 65535).describe("public port")
struct FieldBuilder {
  Field f;
  FieldBuilder& range(double lo, double hi) {
    f.min = lo;
    f.max = hi;
    return *this;
  }
  FieldBuilder& at_least(double lo) {
    f.min = lo;
    return *this;
  }
  FieldBuilder& choices(std::vector<std::string> c) {
    f.one_of = std::move(c);
    return *this;
  }
  FieldBuilder& describe(std::string h) {
    f.help = std::move(h);
    return *this;
  }
  operator Field() const { return f; }  // NOLINT(google-explicit-constructor)
};

FieldBuilder string(std::string key, std::optional<std::string> def = std::nullopt);
FieldBuilder integer(std::string key, std::optional<std::int64_t> def = std::nullopt);
FieldBuilder boolean(std::string key, std::optional<bool> def = std::nullopt);
FieldBuilder number(std::string key, std::optional<double> def = std::nullopt);
FieldBuilder duration(std::string key, std::optional<std::chrono::milliseconds> def = std::nullopt);
FieldBuilder string_list(std::string key, std::optional<std::vector<std::string>> def = std::nullopt);
FieldBuilder required(FieldBuilder b);

// "250ms", "5s", "2m", "1h" -> milliseconds; nullopt when malformed.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

struct Problem {
  std::string file;
  int line = 0;  // 1-based; 0 when it comes from the environment or has no place
  std::string path;  // "server.port"
  std::string message;
  std::string to_string() const;
};

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<Problem> problems);
  const std::vector<Problem>& problems() const { return problems_; }

 private:
  std::vector<Problem> problems_;
};

}  // namespace zt::core::config
