#include "core/config/dynamic.hpp"

#include <fmt/format.h>

#include <charconv>

namespace zt::core::config {

namespace {

std::optional<DynamicValue> convert(Type type, const std::string& text) {
  switch (type) {
    case Type::kBool:
      if (text == "true") return DynamicValue{true};
      if (text == "false") return DynamicValue{false};
      return std::nullopt;
    case Type::kInt: {
      std::int64_t v = 0;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || p != text.data() + text.size() || text.empty()) return std::nullopt;
      return DynamicValue{v};
    }
    case Type::kDouble: {
      double v = 0;
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec != std::errc() || p != text.data() + text.size() || text.empty()) return std::nullopt;
      return DynamicValue{v};
    }
    case Type::kString:
      return DynamicValue{text};
    case Type::kDuration:
      if (auto d = parse_duration(text)) return DynamicValue{*d};
      return std::nullopt;
    case Type::kStringList:
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

DynamicSettings& DynamicSettings::global() {
  static DynamicSettings instance;
  return instance;
}

std::map<std::string, DynamicKeyInfo>& DynamicSettings::registry() {
  static std::map<std::string, DynamicKeyInfo> keys;
  return keys;
}

void DynamicSettings::declare(DynamicKeyInfo info) {
  auto [it, inserted] = registry().emplace(info.name, info);
  if (!inserted && it->second.type != info.type)
    throw std::logic_error(fmt::format("dynamic key {} declared twice with different types", info.name));
}

DynamicSettings::DynamicSettings() : snapshot_(std::make_shared<const Snapshot>()) {}

namespace {

// The values `entries` set, converted and checked; what is wrong goes to `problems`.
std::map<std::string, DynamicValue, std::less<>> converted(const std::map<std::string, DynamicEntry>& entries,
                                                           std::vector<Problem>& problems) {
  std::map<std::string, DynamicValue, std::less<>> out;
  for (const auto& [name, entry] : entries) {
    auto it = DynamicSettings::registry().find(name);
    if (it == DynamicSettings::registry().end()) {
      problems.push_back({entry.file, entry.line, "dynamic." + name, "未知的动态配置项"});
      continue;
    }
    auto v = convert(it->second.type, entry.text);
    if (!v) {
      problems.push_back({entry.file, entry.line, "dynamic." + name,
                          fmt::format("应为{}，实际为 '{}'", type_name(it->second.type), entry.text)});
      continue;
    }
    if (it->second.validator) {
      if (auto refused = it->second.validator(*v)) {
        problems.push_back({entry.file, entry.line, "dynamic." + name, *refused});
        continue;
      }
    }
    out[name] = *v;
  }
  return out;
}

}  // namespace

std::vector<Problem> DynamicSettings::check(const std::map<std::string, DynamicEntry>& entries) {
  std::vector<Problem> problems;
  converted(entries, problems);
  return problems;
}

void DynamicSettings::apply(const std::map<std::string, DynamicEntry>& entries) {
  std::vector<Problem> problems;
  auto next = std::make_shared<Snapshot>();
  for (const auto& [name, info] : registry()) (*next)[name] = info.default_value;
  for (auto& [name, value] : converted(entries, problems)) (*next)[name] = std::move(value);
  if (!problems.empty()) throw ConfigError(problems);

  std::vector<Callback> to_call;
  std::shared_ptr<const Snapshot> published;
  {
    std::lock_guard lock(mutex_);
    auto previous = snapshot_.load();
    published = next;
    snapshot_.store(published, std::memory_order_release);
    for (const auto& [id, sub] : subscribers_) {
      auto before = previous->find(sub.first);
      auto after = published->find(sub.first);
      bool changed = (before == previous->end()) != (after == published->end()) ||
                     (before != previous->end() && after != published->end() && before->second != after->second);
      if (changed) to_call.push_back(sub.second);
    }
  }
  for (const auto& cb : to_call) cb(*published);
}

std::uint64_t DynamicSettings::subscribe(const std::string& key, Callback cb) {
  std::lock_guard lock(mutex_);
  std::uint64_t id = next_id_++;
  subscribers_.emplace(id, std::make_pair(key, std::move(cb)));
  return id;
}

void DynamicSettings::unsubscribe(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  subscribers_.erase(id);
}

}  // namespace zt::core::config
