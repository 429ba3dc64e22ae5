#pragma once
// Where each dynamic setting lives in the config center: one item per concern, so publishing or
// rolling back one concern (the sandbox clock, say) never touches another (a live flow rule).
//
//   dynamic.yaml   every setting no other item claims (mall limits, …)
//   flow.yaml      resilience.*                      flow, breaker and system rules
//   gateway.yaml   gateway.*                         routes and filters
//   sandbox.yaml   sandbox.*, *.sandbox_faults       the business clock, vendor fault injection
//   calendar.yaml  calendar.closures (whole text)    the trading calendar's closures
//
// An item is either a YAML map of the settings it claims (patterns "prefix.*", "*.suffix", or a
// name) or one setting's whole text ("calendar.yaml=calendar.closures"). A setting published in
// an item that does not claim it is refused, by the config center before it stores it and by every
// process before it applies it. Processes (discovery) and the config center (registry) read the
// same layout from the `discovery` section: config_data_id and extra_config.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config/config.hpp"

namespace zt::core::config {

struct SettingsItem {
  std::string data_id;
  std::string whole_setting;          // this item's whole text is that one setting
  std::vector<std::string> patterns;  // a map item's claims; empty for the main item (the rest)
  bool main = false;
};

class SettingsItems {
 public:
  // extra_config entries: "<data id>=<setting>" (whole text) or "<data id>=<pattern>[,<pattern>]"
  // where a pattern has a '*' at its start or end. Throws std::runtime_error on a malformed entry
  // or a data id given twice.
  SettingsItems(std::string main_data_id, const std::vector<std::string>& extra_config);
  // What the discovery section's defaults give.
  static const std::vector<std::string>& default_extra_config();

  const std::vector<SettingsItem>& items() const { return items_; }  // the main item first
  const SettingsItem* find(const std::string& data_id) const;
  // The item a setting belongs to.
  const SettingsItem& owner(const std::string& setting) const;

  // The settings an item's content sets, each checked to belong there; problems are added (the
  // content's YAML errors, a setting published in another concern's item).
  std::map<std::string, DynamicEntry> entries(const SettingsItem& item, const std::string& content,
                                              const std::string& source, std::vector<Problem>& problems) const;

  // Everything a process would refuse of this item's content on its own: what entries() finds,
  // then the settings' types and validators (DynamicSettings::check). Empty when it holds.
  std::vector<Problem> problems(const SettingsItem& item, const std::string& content, const std::string& source) const;

  // An item holding settings of other concerns (published before each concern had an item of its
  // own): its settings regrouped by the item each belongs to, as the text each item would hold
  // (a YAML map; a whole-text item's text). Empty when every setting is in its place or the
  // content does not read.
  std::map<std::string, std::string> regrouped(const SettingsItem& item, const std::string& content) const;

 private:
  static bool claims(const SettingsItem& item, const std::string& setting);
  std::vector<SettingsItem> items_;
};

}  // namespace zt::core::config
