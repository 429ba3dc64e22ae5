#pragma once
// The loaded configuration: a YAML file (optional) + environment overrides ZT_SECTION__KEY,
// validated against component schemas. Sections are read through typed accessors.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/config/schema.hpp"

namespace zt::core::config {

class Section {
 public:
  Section() = default;
  Section(std::string name, std::map<std::string, Value> values) : name_(std::move(name)), values_(std::move(values)) {}
  const std::string& name() const { return name_; }
  bool has(const std::string& key) const { return values_.contains(key); }
  std::string get_string(const std::string& key) const;
  std::int64_t get_int(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  double get_double(const std::string& key) const;
  std::chrono::milliseconds get_duration(const std::string& key) const;
  std::vector<std::string> get_strings(const std::string& key) const;
  const std::map<std::string, Value>& values() const { return values_; }

 private:
  const Value& at(const std::string& key) const;
  std::string name_;
  std::map<std::string, Value> values_;
};

// Raw values for the dynamic settings section: key -> (text, line).
struct DynamicEntry {
  std::string text;
  std::string file;
  int line = 0;
};

// Credentials inside a value hidden for display: the password of "scheme://user:password@host"
// and of "password=…" in key=value strings (a libpq DSN).
std::string mask_credentials(std::string text);

class Config {
 public:
  // Loads and validates. `path` may be empty (defaults + environment only). `env` is the process
  // environment (tests pass their own). Throws ConfigError listing every problem found.
  static Config load(const std::string& path, const std::vector<Schema>& schemas,
                     const std::vector<std::string>& env);
  static Config load_text(const std::string& text, const std::string& file_name, const std::vector<Schema>& schemas,
                          const std::vector<std::string>& env);

  const Section& section(const std::string& name) const;
  bool has_section(const std::string& name) const { return sections_.contains(name); }
  const std::map<std::string, DynamicEntry>& dynamic() const { return dynamic_; }
  // The effective configuration as YAML, for the admin listener's config dump. Keys whose name
  // suggests a secret (password, secret, key, token, dsn) are masked.
  std::string dump() const;

 private:
  std::map<std::string, Section> sections_;
  std::map<std::string, DynamicEntry> dynamic_;
};

// A YAML document of dynamic settings ("resilience.rules: ...", nested maps allowed), as pushed by
// the config center. Throws ConfigError naming the line.
std::map<std::string, DynamicEntry> parse_dynamic_text(const std::string& text, const std::string& file_name);

// The process environment as "NAME=value" strings.
std::vector<std::string> process_environment();

}  // namespace zt::core::config
