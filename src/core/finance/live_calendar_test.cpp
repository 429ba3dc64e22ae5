// The live trading calendar: shipped years, overlaid by pushed edits; a bad push changes nothing.
#include "core/finance/live_calendar.hpp"

#include <gtest/gtest.h>

#include "core/config/config.hpp"
#include "core/config/dynamic.hpp"

namespace zt::core::finance {
namespace {

const EmbeddedFile kShipped[] = {{"2026.txt", "2026-01-01..2026-01-02\n2026-10-01..2026-10-07\n"}};

void push(const std::string& closures) {
  config::DynamicSettings::global().apply({{"calendar.closures", config::DynamicEntry{closures, "test", 1}}});
}

TEST(LiveCalendar, PushedYearsReplaceShippedOnesAndABadPushChangesNothing) {
  set_embedded_calendar(kShipped);
  push("");
  const Date oct8 = parse_date("2026-10-08");
  EXPECT_TRUE(trading_calendar()->is_trading_day(oct8));
  EXPECT_FALSE(trading_calendar()->covers(2027));
  EXPECT_EQ(embedded_calendar_year(2026), kShipped[0].content);

  push("\"2026\": |\n  2026-01-01..2026-01-02\n  2026-10-01..2026-10-08\n\"2027\": |\n  2027-01-01\n");
  EXPECT_FALSE(trading_calendar()->is_trading_day(oct8)) << "the edited 2026 closes Oct 8 too";
  EXPECT_EQ(format_date(trading_calendar()->next_trading_day(parse_date("2026-09-30"))), "2026-10-09");
  EXPECT_TRUE(trading_calendar()->covers(2027)) << "a year the release did not ship";
  EXPECT_EQ(edited_calendar_years().size(), 2u);

  // Refused before anything changes, with the year and line named.
  for (const std::string& bad : {std::string("\"2026\": |\n  2026-10-01\n  2026-13-01\n"), std::string("\"2026\": |\n  2025-12-31\n"),
                                 std::string("\"26\": x\n"), std::string("- a list\n")}) {
    try {
      push(bad);
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const config::ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("交易日历"), std::string::npos) << e.what();
    }
    EXPECT_FALSE(trading_calendar()->is_trading_day(oct8)) << "the last good calendar stays";
  }
  EXPECT_THROW(parse_calendar_closures("\"2026\": |\n  2026-10-01\n  2026-13-01\n"), CalendarError);
  try {
    parse_calendar_closures("\"2026\": |\n  2026-10-01\n  2026-13-01\n");
  } catch (const CalendarError& e) {
    EXPECT_NE(std::string(e.what()).find("2026年:2"), std::string::npos) << e.what();
  }
  push("");
  EXPECT_TRUE(trading_calendar()->is_trading_day(oct8)) << "back to the shipped calendar";
}

}  // namespace
}  // namespace zt::core::finance
