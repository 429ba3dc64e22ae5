#pragma once
// The clock business rules read (cut-offs, business dates, validity): the wall clock in
// Asia/Shanghai (UTC+8 all year, no daylight saving since 1991). In sandbox mode (node.sandbox)
// the dynamic setting `sandbox.clock` may pin it to an instant — "2026-03-02T14:59:00+08:00" —
// so staff and tests can exercise the 15:00 cut-off, holidays and expiry; outside sandbox mode
// the setting is ignored. Stored instants stay real UTC time (core/util/time.hpp).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/finance/calendar.hpp"

namespace zt::core::finance {

struct BusinessTime {
  Date date;               // the business date in Asia/Shanghai
  int seconds_of_day = 0;  // 0..86399, Asia/Shanghai
  std::chrono::system_clock::time_point instant;
  bool pinned = false;  // the sandbox clock, not the wall clock
};

// Set once at start from node.sandbox.
void allow_sandbox_clock(bool allowed);

BusinessTime business_now();
BusinessTime business_time(std::chrono::system_clock::time_point t);
std::string business_today();  // YYYY-MM-DD

// "2026-03-02T14:59:00+08:00", "2026-03-02T06:59:00Z" (seconds optional) -> instant; nothing when malformed.
std::optional<std::chrono::system_clock::time_point> parse_instant(std::string_view text);

// The date `months` later, clamped to the month's last day (2026-08-31 + 6 months = 2027-02-28).
Date add_months(Date d, int months);

}  // namespace zt::core::finance
