// The demo products' NAV walk: deterministic, within its swing, rounded half-up to 0.0001.
#include "services/mall/domain/demo_nav.hpp"

#include <gtest/gtest.h>

namespace zt::services::mall {
namespace {

using core::finance::Nav;

TEST(DemoNav, TheSameProductAndDayGiveTheSameNavOnEveryMachine) {
  // FNV-1a 64 of "DEMO03|2026-12-04" mod 301, minus 150, is −108 (docs/sandbox.md's rule, worked
  // out by hand): 1.2345 × (1 + (3 − 108) / 10 000) = 1.22153775 → 1.2215.
  EXPECT_EQ(demo_swing_bp("DEMO03", "2026-12-04", 150), -108);
  EXPECT_EQ(demo_swing_bp("DEMO02", "2026-03-04", 80), -33);
  const DemoNavRule equity{Nav::parse("0.9500"), 3, 150};
  EXPECT_EQ(demo_nav_after(equity, "DEMO03", Nav::parse("1.2345"), "2026-12-04"), Nav::parse("1.2215"));
  // Another day or product moves differently (most of the time: these two do).
  EXPECT_NE(demo_swing_bp("DEMO03", "2026-12-04", 150), demo_swing_bp("DEMO03", "2026-12-07", 150));
  EXPECT_NE(demo_swing_bp("DEMO03", "2026-12-04", 150), demo_swing_bp("DEMO02", "2026-12-04", 150));
}

TEST(DemoNav, TheSwingStaysWithinItsBoundAndCoversIt) {
  int low = 0, high = 0;
  for (int day = 1; day <= 28; ++day)
    for (const char* code : {"DEMO01", "DEMO02", "DEMO03", "DEMO04"}) {
      const int s = demo_swing_bp(code, "2026-02-" + std::string(day < 10 ? "0" : "") + std::to_string(day), 30);
      ASSERT_GE(s, -30);
      ASSERT_LE(s, 30);
      low = std::min(low, s);
      high = std::max(high, s);
    }
  EXPECT_LT(low, -15) << "112 draws should reach well into the lower half";
  EXPECT_GT(high, 15);
  EXPECT_EQ(demo_swing_bp("DEMO05", "2026-12-04", 0), 0);
}

TEST(DemoNav, ANavIsThePreviousTimesTheMoveRoundedHalfUp) {
  // No swing: 1.0000 × (1 + 1 bp) = 1.0001 exactly; 1.2345 × 1.0001 = 1.23462345 -> 1.2346.
  const DemoNavRule bond{Nav::parse("1.0000"), 1, 0};
  EXPECT_EQ(demo_nav_after(bond, "DEMO01", Nav::parse("1.0000"), "2026-12-04"), Nav::parse("1.0001"));
  EXPECT_EQ(demo_nav_after(bond, "DEMO01", Nav::parse("1.2345"), "2026-12-04"), Nav::parse("1.2346"));
  // 1.0005 × 1.0005 = 1.00100025 -> 1.0010 (below the half); 1.5 × 1.0005 = 1.50075 -> 1.5008 (the half rounds up).
  const DemoNavRule five{Nav::parse("1.0000"), 5, 0};
  EXPECT_EQ(demo_nav_after(five, "X", Nav::parse("1.0005"), "2026-12-04"), Nav::parse("1.0010"));
  EXPECT_EQ(demo_nav_after(five, "X", Nav::parse("1.5000"), "2026-12-04"), Nav::parse("1.5008"));
  // A certificate does not move; a NAV never reaches zero.
  EXPECT_EQ(demo_nav_after(DemoNavRule{}, "DEMO05", Nav::parse("1.0000"), "2026-12-04"), Nav::parse("1.0000"));
  const DemoNavRule crash{Nav::parse("1.0000"), -9999, 0};
  EXPECT_EQ(demo_nav_after(crash, "X", Nav::parse("0.0001"), "2026-12-04"), Nav::parse("0.0001"));
}

}  // namespace
}  // namespace zt::services::mall
