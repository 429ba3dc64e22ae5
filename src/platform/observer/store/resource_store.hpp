#pragma once
// Each instance's resources by minute (migrations/0006_observer_resources.sql).
#include <cstdint>
#include <string>
#include <vector>

#include "core/storage/database.hpp"
#include "platform/observer/domain/resources.hpp"

namespace zt::platform::observer {

class ResourceStore {
 public:
  // Each sample into its minute's row (service, minute, instance, sender), each figure the highest
  // of the row's and the sample's (one conditional upsert a row: two observers storing samples of
  // one minute at once both count). Samples of one row are merged first.
  static void add(core::storage::Tx& tx, const std::vector<ResourceSample>& samples);
  // The rows of `service`'s instances in minutes [from, to), newest minute first; at most `limit`
  // rows (a long range cut keeps every instance's newest minutes).
  static std::vector<ResourceSample> read(core::storage::Tx& tx, const std::string& service, std::int64_t from,
                                          std::int64_t to, std::int64_t limit);
  // Every service's rows in minutes [from, to), newest minute first; at most `limit` rows (a long
  // range cut keeps the newest minutes whole): what alert rules on instances' resources judge.
  static std::vector<ResourceSample> read_all(core::storage::Tx& tx, std::int64_t from, std::int64_t to,
                                              std::int64_t limit);
  // Removes up to `limit` rows of minutes before `minute`; how many went.
  static std::int64_t purge_before(core::storage::Tx& tx, std::int64_t minute, std::int64_t limit);
};

}  // namespace zt::platform::observer
