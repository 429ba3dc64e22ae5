#pragma once
// Reading a YAML document written by people (rules, routes) field by field: every problem is
// collected with its line and path ("flow[0].count") and a Chinese message, so one answer names
// every mistake instead of the first.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/config/yaml_problem.hpp"

namespace zt::core::config {

class YamlReader {
 public:
  std::vector<YamlProblem> problems;

  void problem(const YAML::Node& n, const std::string& path, std::string msg) {
    problems.push_back({n.IsDefined() ? n.Mark().line + 1 : 0, path, std::move(msg)});
  }

  // Checks that every key of `item` is one of `allowed`.
  void known_keys(const YAML::Node& item, const std::string& path, std::initializer_list<const char*> allowed) {
    for (const auto& kv : item) {
      std::string k = kv.first.Scalar();
      bool ok = false;
      for (const char* a : allowed) ok |= k == a;
      if (!ok) problems.push_back({kv.first.Mark().line + 1, path + "." + k, "未知的字段"});
    }
  }

  std::string str(const YAML::Node& item, const std::string& path, const char* key, bool required,
                  std::string def = "") {
    YAML::Node n = item[key];
    if (!n) {
      if (required) problem(item, path + "." + key, "缺少必填字段");
      return def;
    }
    if (!n.IsScalar() || n.Scalar().empty()) {
      problem(n, path + "." + key, "应为非空字符串");
      return def;
    }
    return n.Scalar();
  }

  // A number within [lo, hi]; T decides between "应为数字" (double) and "应为整数" (integers).
  template <class T>
  T number(const YAML::Node& item, const std::string& path, const char* key, bool required, T def, T lo, T hi) {
    YAML::Node n = item[key];
    if (!n) {
      if (required) problem(item, path + "." + key, "缺少必填字段");
      return def;
    }
    T v{};
    try {
      v = n.as<T>();
    } catch (const YAML::Exception&) {
      problem(n, path + "." + key, std::is_integral_v<T> ? "应为整数" : "应为数字");
      return def;
    }
    if (v < lo || v > hi) {
      problem(n, path + "." + key, fmt::format("取值 {} 超出范围 [{}, {}]", v, lo, hi));
      return def;
    }
    return v;
  }
  double num(const YAML::Node& item, const std::string& path, const char* key, bool required, double def, double lo,
             double hi) {
    return number<double>(item, path, key, required, def, lo, hi);
  }
  std::int64_t integer(const YAML::Node& item, const std::string& path, const char* key, bool required,
                       std::int64_t def, std::int64_t lo, std::int64_t hi) {
    return number<std::int64_t>(item, path, key, required, def, lo, hi);
  }

  bool flag(const YAML::Node& item, const std::string& path, const char* key) {
    YAML::Node n = item[key];
    if (!n) return false;
    try {
      return n.as<bool>();
    } catch (const YAML::Exception&) {
      problem(n, path + "." + key, "应为 true 或 false");
      return false;
    }
  }

  template <class E>
  E choice(const YAML::Node& item, const std::string& path, const char* key, E def,
           std::initializer_list<std::pair<const char*, E>> options) {
    YAML::Node n = item[key];
    if (!n) return def;
    std::string v = n.IsScalar() ? n.Scalar() : "";
    std::string names;
    for (const auto& [name, e] : options) {
      if (v == name) return e;
      names += (names.empty() ? "" : ", ") + std::string(name);
    }
    problem(n, path + "." + key, fmt::format("取值 '{}' 无效，可选：{}", v, names));
    return def;
  }
};


}  // namespace zt::core::config
