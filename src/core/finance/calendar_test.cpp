#include "core/finance/calendar.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

std::span<const zt::core::EmbeddedFile> zt_calendar_files();

namespace zt::core::finance {
namespace {

TradingCalendar shipped() {
  TradingCalendar c;
  c.load_files(zt_calendar_files());
  return c;
}

// The weekdays a year's closures close.
std::vector<std::string> weekdays_closed(int year, const std::string& closures) {
  TradingCalendar c;
  c.load_year(year, closures, "test");
  std::vector<std::string> out;
  for (auto d = std::chrono::sys_days{std::chrono::year{year} / 1 / 1}; d <= std::chrono::sys_days{std::chrono::year{year} / 12 / 31};
       d += std::chrono::days{1}) {
    const std::chrono::weekday wd{d};
    if (wd != std::chrono::Saturday && wd != std::chrono::Sunday && !c.is_trading_day(Date{d})) out.push_back(format_date(Date{d}));
  }
  return out;
}

TEST(TradingCalendar, ClosuresThatCannotBeTheExchangesAreCalledImplausible) {
  for (const auto& file : zt_calendar_files()) {
    const int year = std::stoi(std::string(file.name).substr(file.name.rfind('/') + 1, 4));
    EXPECT_FALSE(implausible_closures(year, weekdays_closed(year, std::string(file.content)))) << "the shipped " << year;
  }
  EXPECT_EQ(implausible_closures(2026, weekdays_closed(2026, "")).value_or(""), "2026年1月1日（元旦）是法定节假日，应为休市日")
      << "an empty year would make every holiday a trading day";
  EXPECT_EQ(implausible_closures(2026, weekdays_closed(2026, "2026-01-01..2026-01-02\n2026-05-01\n2026-10-01..2026-10-07\n"))
                .value_or(""),
            "2026年只有8个工作日休市，沪深交易所每年约15至20个，请核对是否漏填");
  EXPECT_EQ(implausible_closures(2026, weekdays_closed(2026, "2026-01-01\n2026-05-01\n2026-02-16..2026-02-23\n")).value_or(""),
            "2026年10月1日（国庆节）是法定节假日，应为休市日");
  EXPECT_EQ(implausible_closures(2026, weekdays_closed(2026, "2026-01-01..2026-02-28\n2026-05-01\n2026-10-01..2026-10-07\n"))
                .value_or(""),
            "2026年有48个工作日休市，超过30个，请核对日期区间");
  // 2027-05-01 is a Saturday: 劳动节 then needs no weekday closure.
  EXPECT_FALSE(implausible_closures(2027, weekdays_closed(2027, "2027-01-01\n2027-02-08..2027-02-12\n2027-05-03..2027-05-05\n"
                                                               "2027-10-01..2027-10-07\n")));
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
