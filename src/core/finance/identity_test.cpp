#include "core/finance/identity.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace zt::core::finance {
namespace {

using namespace std::chrono;
constexpr year_month_day kToday{year{2026}, month{11}, day{25}};

TEST(ResidentId, AcceptsTheStandardTestVector) {
  auto r = check_resident_id("11010519491231002X", kToday);
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(r.normalized, "11010519491231002X");
  EXPECT_TRUE(check_resident_id("11010519491231002x", kToday).ok);
}

TEST(ResidentId, ConvertsFifteenDigitsToEighteen) {
  auto r = check_resident_id("130503670401001", kToday);
  ASSERT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(r.normalized, "130503196704010016");
}

TEST(ResidentId, RefusesAWrongCheckCharacter) {
  auto r = check_resident_id("110105194912310021", kToday);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "身份证号码校验位不正确");
}

TEST(ResidentId, RefusesImpossibleOrFutureBirthDates) {
  std::string feb30 = "11010519490230001";
  feb30.push_back(resident_id_check_char(feb30));
  EXPECT_FALSE(check_resident_id(feb30, kToday).ok);
  std::string future = "11010520301231001";
  future.push_back(resident_id_check_char(future));
  auto r = check_resident_id(future, kToday);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "身份证号码中的出生日期应早于今天");
  // Born today: not yet; born yesterday: a real (if young) date — the age rules are the callers'.
  const auto d = [](std::chrono::sys_days day) {
    const std::chrono::year_month_day ymd{day};
    std::string id = fmt::format("110105{:04}{:02}{:02}001", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                                 static_cast<unsigned>(ymd.day()));
    id.push_back(resident_id_check_char(id));
    return id;
  };
  const auto today = std::chrono::sys_days{kToday};
  EXPECT_EQ(check_resident_id(d(today), kToday).reason, "身份证号码中的出生日期应早于今天");
  EXPECT_TRUE(check_resident_id(d(today - std::chrono::days{1}), kToday).ok);
}

TEST(ResidentId, RefusesWrongLengthsAndCharacters) {
  EXPECT_FALSE(check_resident_id("", kToday).ok);
  EXPECT_FALSE(check_resident_id("1101051949123100", kToday).ok);
  EXPECT_FALSE(check_resident_id("11010519491231002Y", kToday).ok);
  EXPECT_FALSE(check_resident_id("1101051949123A002X", kToday).ok);
  EXPECT_FALSE(check_resident_id("13050367040100A", kToday).ok);
}

TEST(Mobile, FollowsTheMainlandPattern) {
  EXPECT_TRUE(is_valid_mobile("13800138000"));
  EXPECT_TRUE(is_valid_mobile("19912345678"));
  EXPECT_FALSE(is_valid_mobile("12800138000"));
  EXPECT_FALSE(is_valid_mobile("1380013800"));
  EXPECT_FALSE(is_valid_mobile("138001380000"));
  EXPECT_FALSE(is_valid_mobile("1380013800a"));
  EXPECT_FALSE(is_valid_mobile("+8613800138000"));
}

TEST(Masking, HidesTheMiddle) {
  EXPECT_EQ(mask_resident_id("11010519491231002X"), "110105********002X");
  EXPECT_EQ(mask_mobile("13800138000"), "138****8000");
}

}  // namespace
}  // namespace zt::core::finance
