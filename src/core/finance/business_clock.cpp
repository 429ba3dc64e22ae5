#include "core/finance/business_clock.hpp"

#include <atomic>
#include <cctype>

#include "core/config/dynamic.hpp"

namespace zt::core::finance {

namespace {

std::atomic<bool> g_allowed{false};

const config::DynamicKey<std::string> kSandboxClock{
    "sandbox.clock", "", [](const std::string& text) -> std::optional<std::string> {
      if (text.empty() || parse_instant(text)) return std::nullopt;
      return "sandbox.clock 应为带时区的时刻，如 2026-03-02T14:59:00+08:00";
    }};

bool digits(std::string_view s) {
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return !s.empty();
}
int num(std::string_view s) { return std::stoi(std::string(s)); }

}  // namespace

void allow_sandbox_clock(bool allowed) { g_allowed.store(allowed); }

std::optional<std::chrono::system_clock::time_point> parse_instant(std::string_view t) {
  // YYYY-MM-DDTHH:MM[:SS](Z|±HH:MM)
  if (t.size() < 17 || t[10] != 'T' || t[13] != ':') return std::nullopt;
  Date date;
  try {
    date = parse_date(t.substr(0, 10));
  } catch (const CalendarError&) {
    return std::nullopt;
  }
  if (!digits(t.substr(11, 2)) || !digits(t.substr(14, 2))) return std::nullopt;
  int h = num(t.substr(11, 2)), m = num(t.substr(14, 2)), s = 0;
  std::size_t i = 16;
  if (i < t.size() && t[i] == ':') {
    if (t.size() < i + 3 || !digits(t.substr(i + 1, 2))) return std::nullopt;
    s = num(t.substr(i + 1, 2));
    i += 3;
  }
  if (h > 23 || m > 59 || s > 59) return std::nullopt;
  int offset_minutes = 0;
  const auto zone = t.substr(i);
  if (zone == "Z") {
    offset_minutes = 0;
  } else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' && digits(zone.substr(1, 2)) &&
             digits(zone.substr(4, 2))) {
    offset_minutes = (num(zone.substr(1, 2)) * 60 + num(zone.substr(4, 2))) * (zone[0] == '-' ? -1 : 1);
    if (offset_minutes > 14 * 60 || offset_minutes < -14 * 60) return std::nullopt;
  } else {
    return std::nullopt;
  }
  const auto local =
      std::chrono::sys_days{date} + std::chrono::hours{h} + std::chrono::minutes{m} + std::chrono::seconds{s};
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(local -
                                                                           std::chrono::minutes{offset_minutes});
}

BusinessTime business_time(std::chrono::system_clock::time_point t) {
  const auto shanghai = std::chrono::floor<std::chrono::seconds>(t) + std::chrono::hours{8};
  const auto day = std::chrono::floor<std::chrono::days>(shanghai);
  return BusinessTime{Date{day}, static_cast<int>((shanghai - day).count()), t, false};
}

BusinessTime business_now() {
  if (g_allowed.load(std::memory_order_relaxed)) {
    const std::string pinned = kSandboxClock.get();
    if (!pinned.empty())
      if (auto t = parse_instant(pinned)) {
        auto out = business_time(*t);
        out.pinned = true;
        return out;
      }
  }
  return business_time(std::chrono::system_clock::now());
}

std::string business_today() { return format_date(business_now().date); }

Date add_months(Date d, int months) {
  const auto ym = std::chrono::year_month{d.year(), d.month()} + std::chrono::months{months};
  const auto last = std::chrono::year_month_day_last{ym.year(), std::chrono::month_day_last{ym.month()}};
  return Date{ym.year(), ym.month(), std::min(d.day(), last.day())};
}

}  // namespace zt::core::finance
