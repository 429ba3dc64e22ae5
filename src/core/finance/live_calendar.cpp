#include "core/finance/live_calendar.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <mutex>

#include "core/config/dynamic.hpp"

namespace zt::core::finance {

std::map<int, std::string> parse_calendar_closures(const std::string& text) {
  std::map<int, std::string> out;
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return out;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw CalendarError(fmt::format("交易日历不是有效的 YAML：第{}行 {}", e.mark.line + 1, e.msg));
  }
  if (root.IsNull()) return out;
  if (!root.IsMap()) throw CalendarError("交易日历应为“年份: 休市日期”的映射");
  for (const auto& kv : root) {
    const auto key = kv.first.as<std::string>();
    int year = 0;
    if (key.size() != 4 || key.find_first_not_of("0123456789") != std::string::npos || (year = std::stoi(key)) < 1990 || year > 2100)
      throw CalendarError(fmt::format("“{}”不是年份（1990至2100）", key));
    if (!kv.second.IsScalar()) throw CalendarError(fmt::format("{}年的休市日期应为文本，每行一个日期或区间", year));
    const auto closures = kv.second.as<std::string>();
    TradingCalendar check;
    check.load_year(year, closures, fmt::format("{}年", year));  // throws naming the line
    out[year] = closures;
  }
  return out;
}

namespace {

const config::DynamicKey<std::string> kClosures{"calendar.closures", "", [](const std::string& text) -> std::optional<std::string> {
                                                  try {
                                                    parse_calendar_closures(text);
                                                  } catch (const CalendarError& e) {
                                                    return std::string("交易日历无效：") + e.what();
                                                  }
                                                  return std::nullopt;
                                                }};

struct State {
  std::mutex mutex;  // serialises rebuilds
  std::vector<std::pair<std::string, std::string>> embedded;  // file name, content
  std::atomic<std::shared_ptr<const TradingCalendar>> current;
  std::string built_from = "\x01";  // the closures text `current` was built from
};

State& state() {
  static State s;
  return s;
}

std::shared_ptr<const TradingCalendar> build(State& s, const std::string& closures) {
  auto cal = std::make_shared<TradingCalendar>();
  std::vector<EmbeddedFile> files;
  for (const auto& [name, content] : s.embedded) files.push_back({name, content});
  cal->load_files(files);
  for (const auto& [year, text] : parse_calendar_closures(closures)) cal->load_year(year, text, fmt::format("{}年", year));
  return cal;
}

void rebuild(State& s) {
  const std::string closures = kClosures.get();
  std::lock_guard lock(s.mutex);
  if (closures == s.built_from && s.current.load()) return;
  s.current.store(build(s, closures));
  s.built_from = closures;
}

}  // namespace

void set_embedded_calendar(std::span<const EmbeddedFile> files) {
  auto& s = state();
  // Subscribed outside our own lock: the settings call back (into rebuild) holding theirs.
  static std::once_flag subscribed;
  std::call_once(subscribed, [] { config::DynamicSettings::global().subscribe(kClosures.name(), [](const auto&) { rebuild(state()); }); });
  {
    std::lock_guard lock(s.mutex);
    s.embedded.clear();
    for (const auto& f : files) s.embedded.emplace_back(std::string(f.name), std::string(f.content));
    s.built_from = "\x01";
  }
  rebuild(s);
}

std::shared_ptr<const TradingCalendar> trading_calendar() {
  auto& s = state();
  if (auto c = s.current.load()) return c;
  rebuild(s);
  return s.current.load();
}

std::map<int, std::string> edited_calendar_years() { return parse_calendar_closures(kClosures.get()); }

std::string embedded_calendar_year(int year) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  for (const auto& [name, content] : s.embedded)
    if (name == fmt::format("{}.txt", year)) return content;
  return {};
}

}  // namespace zt::core::finance
