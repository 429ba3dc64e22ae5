#include "core/config/config.hpp"

#include <fmt/format.h>

#include <regex>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

extern char** environ;

namespace zt::core::config {

namespace {

// Levenshtein distance, for "did you mean" hints on misspelt keys.
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string suggestion(std::string_view wrong, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_d = 3;
  for (const auto& c : candidates) {
    std::size_t d = distance(wrong, c);
    if (d < best_d) best_d = d, best = c;
  }
  return best.empty() ? std::string() : fmt::format("（是否应为 '{}'？）", best);
}

struct Loader {
  std::string file;
  std::map<std::string, const Schema*> schemas;
  std::vector<Problem> problems;
  std::map<std::string, std::map<std::string, Value>> values;
  std::map<std::string, std::map<std::string, int>> lines;  // where each value came from
  std::map<std::string, DynamicEntry> dynamic;

  void problem(int line, std::string path, std::string message, bool from_env = false) {
    problems.push_back(Problem{from_env ? "environment" : file, line, std::move(path), std::move(message)});
  }

  const Field* find_field(const Schema& s, const std::string& key) {
    for (const auto& f : s.fields)
      if (f.key == key) return &f;
    return nullptr;
  }

  bool is_prefix_of_field(const Schema& s, const std::string& prefix) {
    for (const auto& f : s.fields)
      if (f.key.size() > prefix.size() && f.key.compare(0, prefix.size(), prefix) == 0 && f.key[prefix.size()] == '.')
        return true;
    return false;
  }

  std::optional<Value> convert_text(const Field& f, const std::string& text, std::string& error) {
    switch (f.type) {
      case Type::kString:
        return Value{text};
      case Type::kInt: {
        std::int64_t v = 0;
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || p != text.data() + text.size() || text.empty()) {
          error = fmt::format("应为整数，实际为 '{}'", text);
          return std::nullopt;
        }
        return Value{v};
      }
      case Type::kBool:
        if (text == "true") return Value{true};
        if (text == "false") return Value{false};
        error = fmt::format("应为 true 或 false，实际为 '{}'", text);
        return std::nullopt;
      case Type::kDouble: {
        double v = 0;
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || p != text.data() + text.size() || text.empty()) {
          error = fmt::format("应为数字，实际为 '{}'", text);
          return std::nullopt;
        }
        return Value{v};
      }
      case Type::kDuration: {
        auto d = parse_duration(text);
        if (!d) {
          error = fmt::format("应为时长（如 250ms、5s、2m、1h），实际为 '{}'", text);
          return std::nullopt;
        }
        return Value{*d};
      }
      case Type::kStringList: {
        std::vector<std::string> items;
        std::stringstream ss(text);
        std::string item;
        while (std::getline(ss, item, ','))
          if (!item.empty()) items.push_back(item);
        return Value{items};
      }
    }
    return std::nullopt;
  }

  bool check_range(const Field& f, const Value& v, std::string& error) {
    double n = 0;
    if (auto i = std::get_if<std::int64_t>(&v)) n = static_cast<double>(*i);
    else if (auto d = std::get_if<double>(&v)) n = *d;
    else if (auto ms = std::get_if<std::chrono::milliseconds>(&v)) n = static_cast<double>(ms->count());
    else if (auto s = std::get_if<std::string>(&v)) {
      if (!f.one_of.empty() && std::find(f.one_of.begin(), f.one_of.end(), *s) == f.one_of.end()) {
        std::string allowed;
        for (const auto& o : f.one_of) allowed += (allowed.empty() ? "" : ", ") + o;
        error = fmt::format("取值 '{}' 无效，可选：{}", *s, allowed);
        return false;
      }
      return true;
    } else {
      return true;
    }
    const bool is_duration = f.type == Type::kDuration;
    auto show = [&](double x) { return is_duration ? fmt::format("{}ms", x) : fmt::format("{}", x); };
    if (f.min && n < *f.min) {
      error = fmt::format("取值 {} 小于下限 {}", show(n), show(*f.min));
      return false;
    }
    if (f.max && n > *f.max) {
      error = fmt::format("取值 {} 大于上限 {}", show(n), show(*f.max));
      return false;
    }
    return true;
  }

  void set_value(const Schema& s, const Field& f, Value v, int line, bool from_env) {
    std::string error;
    const std::string path = s.section + "." + f.key;
    if (!check_range(f, v, error)) {
      problem(line, path, error, from_env);
      return;
    }
    values[s.section][f.key] = std::move(v);
    lines[s.section][f.key] = line;
  }

  void walk_section(const Schema& s, const YAML::Node& node, const std::string& prefix) {
    for (const auto& kv : node) {
      const std::string key = kv.first.Scalar();
      const std::string full = prefix.empty() ? key : prefix + "." + key;
      const int line = kv.first.Mark().line + 1;
      const YAML::Node& v = kv.second;
      if (const Field* f = find_field(s, full)) {
        if (f->type == Type::kStringList) {
          if (!v.IsSequence()) {
            problem(line, s.section + "." + full, "应为字符串列表");
            continue;
          }
          std::vector<std::string> items;
          for (const auto& item : v) items.push_back(item.Scalar());
          set_value(s, *f, Value{items}, line, false);
        } else if (!v.IsScalar()) {
          problem(line, s.section + "." + full, fmt::format("应为{}", type_name(f->type)));
        } else {
          std::string error;
          if (auto converted = convert_text(*f, v.Scalar(), error)) {
            set_value(s, *f, std::move(*converted), line, false);
          } else {
            problem(line, s.section + "." + full, error);
          }
        }
      } else if (v.IsMap() && is_prefix_of_field(s, full)) {
        walk_section(s, v, full);
      } else {
        std::vector<std::string> keys;
        for (const auto& fld : s.fields) keys.push_back(fld.key);
        problem(line, s.section + "." + full, "未知的配置项" + suggestion(full, keys));
      }
    }
  }

  void walk_dynamic(const YAML::Node& node, const std::string& prefix) {
    for (const auto& kv : node) {
      const std::string full = prefix.empty() ? kv.first.Scalar() : prefix + "." + kv.first.Scalar();
      if (kv.second.IsMap()) {
        walk_dynamic(kv.second, full);
      } else if (kv.second.IsScalar()) {
        dynamic[full] = DynamicEntry{kv.second.Scalar(), file, kv.first.Mark().line + 1};
      } else {
        problem(kv.first.Mark().line + 1, "dynamic." + full, "动态配置项的值必须是标量");
      }
    }
  }

  void load_yaml(const std::string& text) {
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
      problem(e.mark.line + 1, "(file)", fmt::format("YAML 语法错误：{}", e.msg));
      return;
    }
    if (!root || root.IsNull()) return;
    if (!root.IsMap()) {
      problem(1, "(file)", "配置文件顶层必须是映射（section: ...）");
      return;
    }
    std::vector<std::string> section_names{"dynamic"};
    for (const auto& [name, _] : schemas) section_names.push_back(name);
    for (const auto& kv : root) {
      const std::string name = kv.first.Scalar();
      const int line = kv.first.Mark().line + 1;
      if (name == "dynamic") {
        if (kv.second.IsMap()) walk_dynamic(kv.second, "");
        else if (!kv.second.IsNull()) problem(line, name, "应为映射");
        continue;
      }
      auto it = schemas.find(name);
      if (it == schemas.end()) {
        problem(line, name, "未知的配置节" + suggestion(name, section_names));
        continue;
      }
      if (kv.second.IsNull()) continue;
      if (!kv.second.IsMap()) {
        problem(line, name, "应为映射");
        continue;
      }
      walk_section(*it->second, kv.second, "");
    }
  }

  void apply_env(const std::vector<std::string>& env) {
    for (const auto& entry : env) {
      if (entry.rfind("ZT_", 0) != 0) continue;
      auto eq = entry.find('=');
      if (eq == std::string::npos) continue;
      std::string name = entry.substr(3, eq - 3);
      std::string value = entry.substr(eq + 1);
      auto sep = name.find("__");
      if (sep == std::string::npos) continue;  // not an override (e.g. ZT_DATA_DIR for scripts)
      std::string section = name.substr(0, sep);
      std::string rest = name.substr(sep + 2);
      std::transform(section.begin(), section.end(), section.begin(), ::tolower);
      std::transform(rest.begin(), rest.end(), rest.begin(), ::tolower);
      std::string key;
      for (std::size_t pos = 0;;) {
        auto next = rest.find("__", pos);
        key += (key.empty() ? "" : ".") + rest.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
        if (next == std::string::npos) break;
        pos = next + 2;
      }
      const std::string var = entry.substr(0, eq);
      if (section == "dynamic") {
        dynamic[key] = DynamicEntry{value, "environment " + var, 0};
        continue;
      }
      auto it = schemas.find(section);
      if (it == schemas.end()) {
        problem(0, var, fmt::format("环境变量指向未知的配置节 '{}'", section), true);
        continue;
      }
      const Field* f = find_field(*it->second, key);
      if (!f) {
        problem(0, var, fmt::format("环境变量指向未知的配置项 '{}.{}'", section, key), true);
        continue;
      }
      std::string error;
      if (auto v = convert_text(*f, value, error)) {
        set_value(*it->second, *f, std::move(*v), 0, true);
      } else {
        problem(0, var, error, true);
      }
    }
  }

  void apply_defaults() {
    for (const auto& [name, s] : schemas) {
      auto& vals = values[name];
      for (const auto& f : s->fields) {
        if (vals.contains(f.key)) continue;
        if (f.default_value) {
          vals[f.key] = *f.default_value;
        } else if (f.required) {
          problem(0, name + "." + f.key, "缺少必填配置项");
        }
      }
    }
  }
};


}  // namespace

std::map<std::string, DynamicEntry> parse_dynamic_text(const std::string& text, const std::string& file_name) {
  Loader l;
  l.file = file_name;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError({Problem{file_name, e.mark.line + 1, "(yaml)", "YAML 语法错误：" + e.msg}});
  }
  if (root.IsNull()) return {};
  if (!root.IsMap()) throw ConfigError({Problem{file_name, 1, "(root)", "动态配置应为 键: 值 的映射"}});
  l.walk_dynamic(root, "");
  if (!l.problems.empty()) throw ConfigError(l.problems);
  return l.dynamic;
}

Config Config::load_text(const std::string& text, const std::string& file_name, const std::vector<Schema>& schemas,
                         const std::vector<std::string>& env) {
  Loader l;
  l.file = file_name;
  for (const auto& s : schemas) l.schemas[s.section] = &s;
  l.load_yaml(text);
  l.apply_env(env);
  l.apply_defaults();
  if (!l.problems.empty()) throw ConfigError(l.problems);
  Config c;
  for (auto& [name, vals] : l.values) c.sections_.emplace(name, Section(name, std::move(vals)));
  c.dynamic_ = std::move(l.dynamic);
  return c;
}

Config Config::load(const std::string& path, const std::vector<Schema>& schemas, const std::vector<std::string>& env) {
  std::string text;
  if (!path.empty()) {
    std::ifstream in(path);
    if (!in) throw ConfigError({Problem{path, 0, "(file)", "无法读取配置文件"}});
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  return load_text(text, path.empty() ? "(defaults)" : path, schemas, env);
}

const Section& Config::section(const std::string& name) const {
  static const Section kEmpty;
  auto it = sections_.find(name);
  return it == sections_.end() ? kEmpty : it->second;
}

std::string mask_credentials(std::string text) {
  // "scheme://user:password@host" -> "scheme://user:******@host"
  for (std::size_t at = text.find("://"); at != std::string::npos; at = text.find("://", at + 3)) {
    const std::size_t start = at + 3;
    const std::size_t end = text.find_first_of("/?# \t\n\"'", start);
    const std::size_t authority_end = end == std::string::npos ? text.size() : end;
    const std::size_t atsign = text.rfind('@', authority_end);
    if (atsign == std::string::npos || atsign < start) continue;
    const std::size_t colon = text.find(':', start);
    if (colon == std::string::npos || colon > atsign) continue;
    text.replace(colon + 1, atsign - colon - 1, "******");
  }
  // "password=secret", "PASSWORD = 'a b'", "password: x" (libpq DSNs, query strings, YAML inside
  // a dynamic setting), quoted or not, any case.
  static const std::regex kKeyValue(R"(((?:password|passwd|pwd|secret|token|api_key)\s*[=:]\s*)('[^']*'|"[^"]*"|[^\s;&,}]+))",
                                    std::regex::icase);
  return std::regex_replace(text, kKeyValue, "$1******");
}

std::string Config::dump() const {
  YAML::Emitter out;
  out << YAML::BeginMap;
  auto secret = [](const std::string& key) {
    for (const char* word : {"password", "secret", "key", "token", "dsn"})
      if (key.find(word) != std::string::npos) return true;
    return false;
  };
  for (const auto& [name, s] : sections_) {
    out << YAML::Key << name << YAML::Value << YAML::BeginMap;
    for (const auto& [k, v] : s.values()) {
      out << YAML::Key << k << YAML::Value;
      if (secret(k)) {
        out << "******";
        continue;
      }
      std::visit(
          [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::chrono::milliseconds>) {
              out << fmt::format("{}ms", x.count());
            } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
              out << YAML::Flow << YAML::BeginSeq;
              for (const auto& i : x) out << mask_credentials(i);
              out << YAML::EndSeq;
            } else if constexpr (std::is_same_v<T, std::string>) {
              out << mask_credentials(x);
            } else {
              out << x;
            }
          },
          v);
    }
    out << YAML::EndMap;
  }
  if (!dynamic_.empty()) {
    out << YAML::Key << "dynamic" << YAML::Value << YAML::BeginMap;
    for (const auto& [k, e] : dynamic_) out << YAML::Key << k << YAML::Value << mask_credentials(e.text);
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

const Value& Section::at(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) throw std::out_of_range(fmt::format("configuration key {}.{} is not set", name_, key));
  return it->second;
}

std::string Section::get_string(const std::string& key) const { return std::get<std::string>(at(key)); }
std::int64_t Section::get_int(const std::string& key) const { return std::get<std::int64_t>(at(key)); }
bool Section::get_bool(const std::string& key) const { return std::get<bool>(at(key)); }
double Section::get_double(const std::string& key) const {
  const Value& v = at(key);
  if (auto i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  return std::get<double>(v);
}
std::chrono::milliseconds Section::get_duration(const std::string& key) const {
  return std::get<std::chrono::milliseconds>(at(key));
}
std::vector<std::string> Section::get_strings(const std::string& key) const {
  return std::get<std::vector<std::string>>(at(key));
}

std::vector<std::string> process_environment() {
  std::vector<std::string> out;
  for (char** e = environ; e && *e; ++e) out.emplace_back(*e);
  return out;
}

}  // namespace zt::core::config
