#pragma once
// How the sandbox's demo products' NAVs move (app/demo_feed.hpp): a deterministic walk, so the
// same product on the same days shows the same NAVs on every machine. Framework-free.
#include <cstdint>
#include <string>

#include "core/finance/decimal.hpp"

namespace zt::services::mall {

// A demo product's walk: where it starts, its drift and its daily swing, in basis points of the
// previous NAV (a bond fund drifts up by about 1 bp a day and swings by 3; an equity fund swings by
// 150; an income certificate does not move).
struct DemoNavRule {
  core::finance::Nav start = core::finance::Nav::parse("1.0000");
  int drift_bp = 0;
  int swing_bp = 0;
};

// The swing of `code` on `date`, in -swing_bp..+swing_bp: FNV-1a of "code|date", uniform enough.
int demo_swing_bp(const std::string& code, const std::string& date, int swing_bp);

// The NAV on `date` after `previous` (the NAV of the trading day before):
// previous × (1 + (drift + swing) / 10 000), rounded half-up to 0.0001, never below 0.0001.
core::finance::Nav demo_nav_after(const DemoNavRule& rule, const std::string& code, core::finance::Nav previous,
                                  const std::string& date);

}  // namespace zt::services::mall
