#include "services/mall/domain/demo_nav.hpp"

#include <algorithm>

namespace zt::services::mall {

int demo_swing_bp(const std::string& code, const std::string& date, int swing_bp) {
  if (swing_bp <= 0) return 0;
  std::uint64_t h = 14695981039346656037ULL;
  for (char c : code + "|" + date) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  const auto span = static_cast<std::uint64_t>(2 * swing_bp + 1);
  return static_cast<int>(h % span) - swing_bp;
}

core::finance::Nav demo_nav_after(const DemoNavRule& rule, const std::string& code, core::finance::Nav previous,
                                  const std::string& date) {
  const std::int64_t bp = 10000 + rule.drift_bp + demo_swing_bp(code, date, rule.swing_bp);
  // units × bp / 10 000, half-up (both positive): NAVs stay far below the int64 range.
  const std::int64_t units = (previous.units() * bp + 5000) / 10000;
  return core::finance::Nav::from_units(std::max<std::int64_t>(units, 1));
}

}  // namespace zt::services::mall
