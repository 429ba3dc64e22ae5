#pragma once
// The sandbox population (config/sandbox/people.csv, embedded): the people the sandbox vendors
// know, so 公安, the operator check, 中登 and the banks tell one consistent story about them.
#include <optional>
#include <string>
#include <vector>

namespace zt::platform::vendor_kit {

struct SandboxPerson {
  std::string id_number;
  std::string name;
  std::string mobile;
  std::string card_no;
  std::string bank_code;
  int sh_accounts = 0;  // existing A-share accounts at 中登
  int sz_accounts = 0;
  std::string first_trade_date;  // empty: never traded
};

const std::vector<SandboxPerson>& sandbox_people();
const SandboxPerson* sandbox_person(const std::string& id_number);
const SandboxPerson* sandbox_person_by_card(const std::string& card_no);

}  // namespace zt::platform::vendor_kit
