#pragma once
// The trading calendar (BUSINESS §9): trading days are weekdays that are not exchange closures.
// Weekend make-up workdays (调休) are not trading days. The closures are data, one file per year;
// a question about a year with no data is an error, never a guess.
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/embedded.hpp"

namespace zt::core::finance {

using Date = std::chrono::year_month_day;

class CalendarError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "2026-02-16" -> Date; throws CalendarError on anything else.
Date parse_date(std::string_view text);
std::string format_date(Date d);

// Whether a year's closures look like the exchanges' (a check on what staff type, BUSINESS §9):
// the statutory days fixed by date (元旦 1 January, 劳动节 1 May, 国庆节 1–3 October) closed when
// they fall on a weekday, and 9 to 30 weekday closures in all (the exchanges close on about 15 to
// 20 a year). An empty year would make every holiday a trading day. Returns the reason in Chinese,
// or nothing when plausible. `closed_weekdays` are the year's closed weekdays (YYYY-MM-DD).
std::optional<std::string> implausible_closures(int year, const std::vector<std::string>& closed_weekdays);

class TradingCalendar {
 public:
  // One file per year named "<year>.txt": lines "YYYY-MM-DD" (a closed day) or
  // "YYYY-MM-DD..YYYY-MM-DD" (closed, inclusive); '#' starts a comment.
  void load_year(int year, std::string_view content, std::string_view source_name);
  void load_files(std::span<const EmbeddedFile> files);
  void load_directory(const std::string& dir);

  bool covers(int year) const { return years_.contains(year); }
  std::set<int> years() const;
  bool is_trading_day(Date d) const;
  // The n-th trading day strictly after (before) d; n >= 1.
  Date next_trading_day(Date d, int n = 1) const;
  Date previous_trading_day(Date d, int n = 1) const;
  // d itself when it is a trading day, else the next one.
  Date this_or_next_trading_day(Date d) const;

 private:
  void require_year(Date d) const;
  std::map<int, std::set<std::chrono::sys_days>> years_;
};

}  // namespace zt::core::finance
