#include "services/mall/app/settings.hpp"

#include <stdexcept>

#include "core/observe/trace.hpp"

namespace zt::services::mall {

namespace {

int seconds_of(const std::string& hhmm) {
  if (hhmm.size() != 5 || hhmm[2] != ':') throw std::invalid_argument("mall.cutoff: HH:MM");
  const int h = std::stoi(hhmm.substr(0, 2)), m = std::stoi(hhmm.substr(3, 2));
  if (h < 0 || h > 23 || m < 0 || m > 59) throw std::invalid_argument("mall.cutoff: HH:MM");
  return h * 3600 + m * 60;
}

}  // namespace

MallSettings settings_of(const core::config::Section& c, const std::string& node) {
  MallSettings s;
  s.rules.income_certificate_max_holders = static_cast<int>(c.get_int("income_certificate_max_holders"));
  s.rules.income_certificate_min_protected = Money::parse(c.get_string("income_certificate_min_protected"));
  s.rules.income_certificate_min_unprotected = Money::parse(c.get_string("income_certificate_min_unprotected"));
  s.rules.qualified_min_purchase = Money::parse(c.get_string("qualified_min_purchase"));
  s.cutoff = seconds_of(c.get_string("cutoff"));
  s.read_cache = c.get_duration("read_cache");
  const int attempts = static_cast<int>(c.get_int("confirm_attempts"));
  const int expire_after_days = static_cast<int>(c.get_int("expire_after_days"));
  s.confirmation = ConfirmationSettings{
      c.get_duration("confirm_interval"),           c.get_duration("redrive_after"), expire_after_days,
      node + "-" + core::observe::random_hex_id(4), c.get_duration("lease"),         attempts};
  s.desk = StuckDeskSettings{c.get_duration("stuck_after"), attempts, expire_after_days};
  s.stuck_refresh = c.get_duration("stuck_refresh");
  s.demo_products = c.get_bool("demo_products");
  s.demo_interval = c.get_duration("demo_interval");
  return s;
}

}  // namespace zt::services::mall
