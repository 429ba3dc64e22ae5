#include "core/finance/calendar.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <vector>
#include <fstream>
#include <sstream>

namespace zt::core::finance {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool is_weekend(std::chrono::sys_days d) {
  std::chrono::weekday wd{d};
  return wd == std::chrono::Saturday || wd == std::chrono::Sunday;
}

}  // namespace

Date parse_date(std::string_view t) {
  auto digits = [&](std::size_t pos, std::size_t len) {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (t[i] < '0' || t[i] > '9') throw CalendarError(fmt::format("“{}”不是日期（YYYY-MM-DD）", t));
      v = v * 10 + (t[i] - '0');
    }
    return v;
  };
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') throw CalendarError(fmt::format("“{}”不是日期（YYYY-MM-DD）", t));
  Date d{std::chrono::year{digits(0, 4)}, std::chrono::month{static_cast<unsigned>(digits(5, 2))},
         std::chrono::day{static_cast<unsigned>(digits(8, 2))}};
  if (!d.ok()) throw CalendarError(fmt::format("“{}”不是真实存在的日期", t));
  return d;
}

std::string format_date(Date d) {
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                     static_cast<unsigned>(d.day()));
}

void TradingCalendar::load_year(int year, std::string_view content, std::string_view source) {
  std::set<std::chrono::sys_days> closed;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos <= content.size()) {
    std::size_t end = content.find('\n', pos);
    if (end == std::string_view::npos) end = content.size();
    std::string_view line = content.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (auto hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    try {
      Date from, to;
      if (auto dots = line.find(".."); dots != std::string_view::npos) {
        from = parse_date(trim(line.substr(0, dots)));
        to = parse_date(trim(line.substr(dots + 2)));
      } else {
        from = to = parse_date(line);
      }
      if (static_cast<int>(from.year()) != year || static_cast<int>(to.year()) != year)
        throw CalendarError(fmt::format("日期不在{}年内", year));
      if (std::chrono::sys_days{to} < std::chrono::sys_days{from}) throw CalendarError("区间的结束日期早于开始日期");
      for (auto d = std::chrono::sys_days{from}; d <= std::chrono::sys_days{to}; d += std::chrono::days{1})
        closed.insert(d);
    } catch (const CalendarError& e) {
      throw CalendarError(fmt::format("{}:{}：{}", source, line_no, e.what()));
    }
    if (end == content.size()) break;
  }
  years_[year] = std::move(closed);
}

void TradingCalendar::load_files(std::span<const EmbeddedFile> files) {
  for (const auto& f : files) {
    std::string_view stem = f.name.substr(0, f.name.find('.'));
    int year = 0;
    for (char c : stem) {
      if (c < '0' || c > '9') throw CalendarError(fmt::format("交易日历文件“{}”应命名为<年份>.txt", f.name));
      year = year * 10 + (c - '0');
    }
    load_year(year, f.content, f.name);
  }
}

void TradingCalendar::load_directory(const std::string& dir) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) throw CalendarError(fmt::format("交易日历目录“{}”不存在", dir));
  std::vector<std::pair<std::string, std::string>> contents;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".txt") continue;
    std::ifstream in(entry.path());
    std::stringstream ss;
    ss << in.rdbuf();
    contents.emplace_back(entry.path().filename().string(), ss.str());
  }
  std::vector<EmbeddedFile> files;
  for (const auto& [name, content] : contents) files.push_back({name, content});
  load_files(files);
}

std::set<int> TradingCalendar::years() const {
  std::set<int> out;
  for (const auto& [y, _] : years_) out.insert(y);
  return out;
}

void TradingCalendar::require_year(Date d) const {
  int y = static_cast<int>(d.year());
  if (!years_.contains(y)) throw CalendarError(fmt::format("交易日历缺少{}年的数据", y));
}

bool TradingCalendar::is_trading_day(Date d) const {
  require_year(d);
  auto sd = std::chrono::sys_days{d};
  return !is_weekend(sd) && !years_.at(static_cast<int>(d.year())).contains(sd);
}

Date TradingCalendar::next_trading_day(Date d, int n) const {
  if (n < 1) throw CalendarError("交易日数应至少为1");
  auto sd = std::chrono::sys_days{d};
  while (n > 0) {
    sd += std::chrono::days{1};
    if (is_trading_day(Date{sd})) --n;
  }
  return Date{sd};
}

Date TradingCalendar::previous_trading_day(Date d, int n) const {
  if (n < 1) throw CalendarError("交易日数应至少为1");
  auto sd = std::chrono::sys_days{d};
  while (n > 0) {
    sd -= std::chrono::days{1};
    if (is_trading_day(Date{sd})) --n;
  }
  return Date{sd};
}

Date TradingCalendar::this_or_next_trading_day(Date d) const {
  return is_trading_day(d) ? d : next_trading_day(d, 1);
}

std::optional<std::string> implausible_closures(int year, const std::vector<std::string>& closed_weekdays) {
  constexpr std::size_t kFewest = 9, kMost = 30;
  const std::set<std::string> closed(closed_weekdays.begin(), closed_weekdays.end());
  const struct {
    unsigned month, day;
    const char* name;
  } statutory[] = {{1, 1, "元旦"}, {5, 1, "劳动节"}, {10, 1, "国庆节"}, {10, 2, "国庆节"}, {10, 3, "国庆节"}};
  for (const auto& h : statutory) {
    const Date d{std::chrono::year{year}, std::chrono::month{h.month}, std::chrono::day{h.day}};
    const std::chrono::weekday wd{std::chrono::sys_days{d}};
    if (wd == std::chrono::Saturday || wd == std::chrono::Sunday) continue;
    if (!closed.contains(format_date(d)))
      return fmt::format("{}年{}月{}日（{}）是法定节假日，应为休市日", year, h.month, h.day, h.name);
  }
  if (closed.size() < kFewest)
    return fmt::format("{}年只有{}个工作日休市，沪深交易所每年约15至20个，请核对是否漏填", year, closed.size());
  if (closed.size() > kMost)
    return fmt::format("{}年有{}个工作日休市，超过{}个，请核对日期区间", year, closed.size(), kMost);
  return std::nullopt;
}

}  // namespace zt::core::finance
