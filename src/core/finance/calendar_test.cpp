#include "core/finance/calendar.hpp"

#include <gtest/gtest.h>

std::span<const zt::core::EmbeddedFile> zt_calendar_files();

namespace zt::core::finance {
namespace {

TradingCalendar shipped() {
  TradingCalendar c;
  c.load_files(zt_calendar_files());
  return c;
}

TEST(TradingCalendar, ShipsTwentyFiveAndTwentySix) {
  auto c = shipped();
  EXPECT_TRUE(c.covers(2025));
  EXPECT_TRUE(c.covers(2026));
}

TEST(TradingCalendar, HolidaysAndWeekendsAreClosed) {
  auto c = shipped();
  EXPECT_FALSE(c.is_trading_day(parse_date("2026-01-01")));
  EXPECT_FALSE(c.is_trading_day(parse_date("2026-01-02")));
  EXPECT_TRUE(c.is_trading_day(parse_date("2026-01-05")));
  EXPECT_FALSE(c.is_trading_day(parse_date("2026-02-16")));
  EXPECT_FALSE(c.is_trading_day(parse_date("2026-02-23")));
  EXPECT_TRUE(c.is_trading_day(parse_date("2026-02-24")));
  EXPECT_FALSE(c.is_trading_day(parse_date("2026-09-25")));
  EXPECT_FALSE(c.is_trading_day(parse_date("2025-10-08")));
  EXPECT_TRUE(c.is_trading_day(parse_date("2025-10-09")));
}

TEST(TradingCalendar, MakeUpWorkdaysOnWeekendsAreNotTradingDays) {
  auto c = shipped();
  for (const char* d : {"2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"})
    EXPECT_FALSE(c.is_trading_day(parse_date(d))) << d;
}

TEST(TradingCalendar, NextAndPreviousSkipClosures) {
  auto c = shipped();
  EXPECT_EQ(format_date(c.next_trading_day(parse_date("2026-02-13"))), "2026-02-24");
  EXPECT_EQ(format_date(c.next_trading_day(parse_date("2026-02-13"), 2)), "2026-02-25");
  EXPECT_EQ(format_date(c.previous_trading_day(parse_date("2026-02-24"))), "2026-02-13");
  EXPECT_EQ(format_date(c.next_trading_day(parse_date("2026-09-30"))), "2026-10-08");
  EXPECT_EQ(format_date(c.this_or_next_trading_day(parse_date("2026-10-03"))), "2026-10-08");
  EXPECT_EQ(format_date(c.next_trading_day(parse_date("2025-12-31"))), "2026-01-05");
}

TEST(TradingCalendar, AYearWithoutDataIsAnErrorNotAGuess) {
  auto c = shipped();
  EXPECT_THROW(c.is_trading_day(parse_date("2027-01-04")), CalendarError);
  EXPECT_THROW(c.next_trading_day(parse_date("2026-12-31")), CalendarError);
}

TEST(TradingCalendar, MalformedFilesNameTheLine) {
  TradingCalendar c;
  try {
    c.load_year(2026, "2026-01-01\n2026-13-01\n", "2026.txt");
    FAIL() << "expected an error";
  } catch (const CalendarError& e) {
    EXPECT_NE(std::string(e.what()).find("2026.txt:2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(c.load_year(2026, "2025-01-01\n", "2026.txt"), CalendarError);
  EXPECT_THROW(c.load_year(2026, "2026-03-05..2026-03-01\n", "2026.txt"), CalendarError);
}

}  // namespace
}  // namespace zt::core::finance
