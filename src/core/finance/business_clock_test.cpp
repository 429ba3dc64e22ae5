#include "core/finance/business_clock.hpp"

#include <gtest/gtest.h>

#include "core/config/dynamic.hpp"

namespace zt::core::finance {
namespace {

TEST(BusinessClock, InstantsParseWithTheirZoneAndMapToShanghaiTime) {
  auto t = parse_instant("2026-03-02T14:59:00+08:00");
  ASSERT_TRUE(t);
  auto b = business_time(*t);
  EXPECT_EQ(format_date(b.date), "2026-03-02");
  EXPECT_EQ(b.seconds_of_day, 14 * 3600 + 59 * 60);
  // 16:30 UTC is 00:30 the next day in Shanghai.
  b = business_time(*parse_instant("2026-03-02T16:30Z"));
  EXPECT_EQ(format_date(b.date), "2026-03-03");
  EXPECT_EQ(b.seconds_of_day, 30 * 60);
  EXPECT_EQ(*parse_instant("2026-03-02T07:00:00Z"), *parse_instant("2026-03-02T15:00:00+08:00"));
  EXPECT_EQ(*parse_instant("2026-03-02T02:00:00-05:00"), *parse_instant("2026-03-02T15:00:00+08:00"));
  for (const char* bad :
       {"", "2026-03-02", "2026-03-02T15:00", "2026-02-30T15:00Z", "2026-03-02T24:00Z", "2026-03-02T15:60Z",
        "2026-03-02T15:00+8", "2026-03-02 15:00Z", "2026-03-02T15:00:0Z", "2026-03-02T15:00+15:00"})
    EXPECT_FALSE(parse_instant(bad)) << bad;
}

TEST(BusinessClock, MonthsAddClampedToTheMonthsLastDay) {
  EXPECT_EQ(format_date(add_months(parse_date("2026-03-02"), 24)), "2028-03-02");
  EXPECT_EQ(format_date(add_months(parse_date("2026-08-31"), 6)), "2027-02-28");
  EXPECT_EQ(format_date(add_months(parse_date("2027-08-31"), 6)), "2028-02-29");
  EXPECT_EQ(format_date(add_months(parse_date("2026-12-15"), 1)), "2027-01-15");
}

TEST(BusinessClock, TheSandboxClockIsIgnoredUnlessAllowed) {
  auto& d = config::DynamicSettings::global();
  d.apply({{"sandbox.clock", config::DynamicEntry{"2030-01-02T10:00:00+08:00"}}});
  allow_sandbox_clock(false);
  EXPECT_FALSE(business_now().pinned);
  allow_sandbox_clock(true);
  EXPECT_TRUE(business_now().pinned);
  EXPECT_EQ(business_today(), "2030-01-02");
  EXPECT_THROW(d.apply({{"sandbox.clock", config::DynamicEntry{"tomorrow"}}}), config::ConfigError);
  EXPECT_EQ(business_today(), "2030-01-02") << "a bad value changes nothing";
  d.apply({});
  EXPECT_FALSE(business_now().pinned);
  allow_sandbox_clock(false);
}

}  // namespace
}  // namespace zt::core::finance
