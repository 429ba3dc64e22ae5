#include "core/finance/identity.hpp"

#include <array>

namespace zt::core::finance {
namespace {

bool all_digits(std::string_view s) {
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return !s.empty();
}

int to_int(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

IdCheck refuse(std::string reason) { return IdCheck{false, {}, std::move(reason)}; }

}  // namespace

char resident_id_check_char(std::string_view first17) {
  static constexpr std::array<int, 17> kWeights{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr std::string_view kMap = "10X98765432";
  int sum = 0;
  for (std::size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return kMap[static_cast<std::size_t>(sum % 11)];
}

std::chrono::year_month_day resident_id_birth_date(std::string_view id18) {
  using namespace std::chrono;
  return year_month_day{year{to_int(id18.substr(6, 4))}, month{static_cast<unsigned>(to_int(id18.substr(10, 2)))},
                        day{static_cast<unsigned>(to_int(id18.substr(12, 2)))}};
}

IdCheck check_resident_id(std::string_view id, std::chrono::year_month_day today) {
  std::string id18;
  if (id.size() == 15) {
    if (!all_digits(id)) return refuse("15位身份证号码只能包含数字");
    id18 = std::string(id.substr(0, 6)) + "19" + std::string(id.substr(6, 9));
    id18.push_back(resident_id_check_char(id18));
  } else if (id.size() == 18) {
    if (!all_digits(id.substr(0, 17))) return refuse("身份证号码前17位必须是数字");
    char last = id[17];
    if (last == 'x') last = 'X';
    if (!((last >= '0' && last <= '9') || last == 'X')) return refuse("身份证号码最后一位必须是数字或X");
    id18 = std::string(id.substr(0, 17)) + last;
    if (resident_id_check_char(id18) != last) return refuse("身份证号码校验位不正确");
  } else {
    return refuse("身份证号码应为18位（或旧版15位）");
  }
  auto birth = resident_id_birth_date(id18);
  if (!birth.ok() || birth.year() < std::chrono::year{1900}) return refuse("身份证号码中的出生日期无效");
  if (std::chrono::sys_days{birth} >= std::chrono::sys_days{today}) return refuse("身份证号码中的出生日期应早于今天");
  return IdCheck{true, std::move(id18), {}};
}

bool is_valid_mobile(std::string_view m) {
  return m.size() == 11 && m[0] == '1' && m[1] >= '3' && m[1] <= '9' && all_digits(m);
}

std::string mask_resident_id(std::string_view id) {
  if (id.size() < 10) return std::string(id.size(), '*');
  return std::string(id.substr(0, 6)) + std::string(id.size() - 10, '*') + std::string(id.substr(id.size() - 4));
}

std::string mask_mobile(std::string_view m) {
  if (m.size() < 7) return std::string(m.size(), '*');
  return std::string(m.substr(0, 3)) + std::string(m.size() - 7, '*') + std::string(m.substr(m.size() - 4));
}

}  // namespace zt::core::finance
