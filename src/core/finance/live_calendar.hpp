#pragma once
// The trading calendar every component asks (BUSINESS §9), kept current while the process runs:
// the years shipped with the binary (config/calendar/<year>.txt, embedded), overlaid with the
// years staff edited through the calendar service. Those edits live in the config center item
// public/zhongtai/calendar.yaml, which every process follows (discovery.extra_config) as the
// dynamic setting `calendar.closures`:
//
//   "2026": |
//     2026-01-01..2026-01-02
//     2026-02-16..2026-02-23
//
// A pushed text that does not parse is refused before anything changes (the last good stays).
#include <map>
#include <memory>
#include <span>
#include <string>

#include "core/finance/calendar.hpp"
#include "core/util/embedded.hpp"

namespace zt::core::finance {

// The years shipped with the binary; called once at start (and by tests).
void set_embedded_calendar(std::span<const EmbeddedFile> files);
// Embedded years overlaid with the current `calendar.closures`. Cheap: a snapshot rebuilt only
// when the setting changes.
std::shared_ptr<const TradingCalendar> trading_calendar();
// The edited years as `calendar.closures` holds them: year -> closures text (validated).
std::map<int, std::string> edited_calendar_years();
// The embedded year's text, or empty.
std::string embedded_calendar_year(int year);
// Parses a `calendar.closures` document; throws CalendarError naming the year and line.
std::map<int, std::string> parse_calendar_closures(const std::string& yaml_text);

}  // namespace zt::core::finance
