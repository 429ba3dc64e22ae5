#pragma once
// Product risk levels (产品风险等级) R1–R5 as customers and staff read them: one vocabulary for
// every service that shows or matches a product's risk (BUSINESS §1).
#include <fmt/format.h>

#include <string>

namespace zt::core::finance {

inline std::string risk_name(int risk) { return fmt::format("R{}", risk); }  // "R4"

inline std::string risk_title(int risk) {  // "中高风险"
  static const char* const kTitles[] = {"低风险", "中低风险", "中风险", "中高风险", "高风险"};
  return risk >= 1 && risk <= 5 ? kTitles[risk - 1] : "未知";
}

}  // namespace zt::core::finance
