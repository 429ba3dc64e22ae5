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
  // Each sample into its minute's row, each figure the highest of the row's and the sample's (one
  // conditional upsert a row: two observers storing samples of one minute at once both count).
  // The samples are of distinct (service, instance, minute).
  static void add(core::storage::Tx& tx, const std::vector<ResourceSample>& samples);
  // The rows of `service`'s instances in minutes [from, to), by instance then minute; at most
  // `limit` rows.
  static std::vector<ResourceSample> read(core::storage::Tx& tx, const std::string& service, std::int64_t from,
                                          std::int64_t to, std::int64_t limit);
  // Removes up to `limit` rows of minutes before `minute`; how many went.
  static std::int64_t purge_before(core::storage::Tx& tx, std::int64_t minute, std::int64_t limit);
};

}  // namespace zt::platform::observer
