#pragma once
// Format checks for identity data (BUSINESS §4). A checksum is never proof of identity: the 公安
// check is. These only reject what cannot possibly be valid, with a reason a customer can act on.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace zt::core::finance {

struct IdCheck {
  bool ok = false;
  std::string normalized;  // the 18-character form (upper-case X), when ok
  std::string reason;      // Simplified Chinese, when not ok
};

// Resident ID (GB 11643). Accepts 18 characters (check character 0-9 or X/x) or the legacy
// 15-digit form, which is converted to 18 (century 19). The birth date must be a real date
// strictly before `today` (the business date in Asia/Shanghai: nobody opens an account on the day
// they are born, and a UTC date would lag eight hours behind).
IdCheck check_resident_id(std::string_view id, std::chrono::year_month_day today);

// The GB 11643 check character for the first 17 digits.
char resident_id_check_char(std::string_view first17);

// Birth date encoded in a valid 18-character ID.
std::chrono::year_month_day resident_id_birth_date(std::string_view id18);

// Mainland mobile number: ^1[3-9]\d{9}$.
bool is_valid_mobile(std::string_view mobile);

// Masks for logs and responses: 110105********002X, 138****8000.
std::string mask_resident_id(std::string_view id);
std::string mask_mobile(std::string_view mobile);

}  // namespace zt::core::finance
