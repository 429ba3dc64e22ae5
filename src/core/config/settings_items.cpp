#include "core/config/settings_items.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <stdexcept>

#include "core/config/dynamic.hpp"
#include "core/config/schema.hpp"

namespace zt::core::config {

namespace {

std::vector<std::string> split_patterns(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!part.empty()) out.push_back(std::move(part));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

const std::vector<std::string>& SettingsItems::default_extra_config() {
  static const std::vector<std::string> kDefaults = {
      "calendar.yaml=calendar.closures",
      "flow.yaml=resilience.*",
      "gateway.yaml=gateway.*",
      "observer.yaml=observer.alert_rules",
      "sandbox.yaml=sandbox.*,*.sandbox_faults",
  };
  return kDefaults;
}

SettingsItems::SettingsItems(std::string main_data_id, const std::vector<std::string>& extra_config) {
  items_.push_back(SettingsItem{std::move(main_data_id), "", {}, true});
  for (const auto& extra : extra_config) {
    const auto eq = extra.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == extra.size())
      throw std::runtime_error("discovery.extra_config: \"" + extra +
                               "\" should be <data id>=<setting> or <data id>=<pattern>,…");
    SettingsItem item{extra.substr(0, eq), "", {}, false};
    const std::string claim = extra.substr(eq + 1);
    if (claim.find('*') == std::string::npos && claim.find(',') == std::string::npos) {
      item.whole_setting = claim;
    } else {
      item.patterns = split_patterns(claim);
      for (const auto& p : item.patterns) {
        const auto stars = std::count(p.begin(), p.end(), '*');
        if (stars > 1 || p == "*" || (stars == 1 && p.front() != '*' && p.back() != '*'))
          throw std::runtime_error("discovery.extra_config: pattern \"" + p + "\" should start or end with one *");
      }
    }
    if (find(item.data_id))
      throw std::runtime_error("discovery.extra_config: item \"" + item.data_id + "\" given twice");
    items_.push_back(std::move(item));
  }
  // One home per setting: two items claiming a declared setting would leave it to their order.
  for (const auto& [name, info] : DynamicSettings::registry()) {
    std::string claimed;
    for (const auto& i : items_) {
      if (i.main || !claims(i, name)) continue;
      if (!claimed.empty())
        throw std::runtime_error(
            fmt::format("discovery.extra_config: {} and {} both claim the setting {}", claimed, i.data_id, name));
      claimed = i.data_id;
    }
  }
}

const SettingsItem* SettingsItems::find(const std::string& data_id) const {
  for (const auto& i : items_)
    if (i.data_id == data_id) return &i;
  return nullptr;
}

bool SettingsItems::claims(const SettingsItem& item, const std::string& setting) {
  if (!item.whole_setting.empty()) return item.whole_setting == setting;
  for (const auto& p : item.patterns) {
    if (p.back() == '*' && setting.size() >= p.size() - 1 && setting.compare(0, p.size() - 1, p, 0, p.size() - 1) == 0)
      return true;
    if (p.front() == '*' && setting.size() >= p.size() - 1 &&
        setting.compare(setting.size() - (p.size() - 1), p.size() - 1, p, 1, p.size() - 1) == 0)
      return true;
    if (p == setting) return true;
  }
  return false;
}

const SettingsItem& SettingsItems::owner(const std::string& setting) const {
  for (const auto& i : items_)
    if (!i.main && claims(i, setting)) return i;
  return items_.front();
}

std::map<std::string, DynamicEntry> SettingsItems::entries(const SettingsItem& item, const std::string& content,
                                                           const std::string& source,
                                                           std::vector<Problem>& problems) const {
  if (!item.whole_setting.empty()) return {{item.whole_setting, DynamicEntry{content, source, 0}}};
  std::map<std::string, DynamicEntry> out;
  try {
    out = parse_dynamic_text(content, source);
  } catch (const ConfigError& e) {
    problems.insert(problems.end(), e.problems().begin(), e.problems().end());
    return {};
  }
  for (auto it = out.begin(); it != out.end();) {
    const SettingsItem& home = owner(it->first);
    if (&home != &item) {
      problems.push_back(
          {it->second.file, it->second.line, "dynamic." + it->first,
           fmt::format("该配置属于配置项 {}，请在那里发布（每类配置一个配置项，回滚时互不影响）", home.data_id)});
      it = out.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::vector<Problem> SettingsItems::problems(const SettingsItem& item, const std::string& content,
                                            const std::string& source) const {
  std::vector<Problem> out;
  const auto found = entries(item, content, source, out);
  const auto refused = DynamicSettings::check(found);
  out.insert(out.end(), refused.begin(), refused.end());
  return out;
}

std::map<std::string, std::string> SettingsItems::regrouped(const SettingsItem& item,
                                                            const std::string& content) const {
  if (!item.whole_setting.empty()) return {};
  std::map<std::string, DynamicEntry> entries;
  try {
    entries = parse_dynamic_text(content, item.data_id);
  } catch (const ConfigError&) {
    return {};
  }
  std::map<std::string, std::map<std::string, std::string>> by_item;
  bool misplaced = false;
  for (const auto& [name, entry] : entries) {
    const SettingsItem& home = owner(name);
    misplaced = misplaced || &home != &item;
    by_item[home.data_id][name] = entry.text;
  }
  if (!misplaced) return {};
  std::map<std::string, std::string> out;
  for (const auto& [data_id, settings] : by_item) {
    const SettingsItem* home = find(data_id);
    if (home && !home->whole_setting.empty()) {
      out[data_id] = settings.begin()->second;
      continue;
    }
    YAML::Emitter e;
    e << YAML::BeginMap;
    for (const auto& [name, text] : settings) {
      e << YAML::Key << name << YAML::Value;
      if (text.find('\n') != std::string::npos) e << YAML::Literal;
      e << text;
    }
    e << YAML::EndMap;
    out[data_id] = std::string(e.c_str()) + "\n";
  }
  if (!out.contains(item.data_id)) out[item.data_id] = "";
  return out;
}

}  // namespace zt::core::config
