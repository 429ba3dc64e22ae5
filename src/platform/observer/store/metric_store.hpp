#pragma once
// The observer's per-minute figures (migrations/0002_observer_metrics.sql): minutes of the rollup
// in, merged series out.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/observe/rollup.hpp"
#include "core/storage/database.hpp"

namespace zt::platform::observer {

using Minutes = std::map<std::int64_t, core::observe::MinuteSeries>;

class MetricStore {
 public:
  // Appends every series of every minute as rows of `part` (unique to one flush); returns how many
  // were new (a part written again, after an answer that was lost, adds nothing).
  static std::int64_t add(core::storage::Tx& tx, const Minutes& minutes, const std::string& part);
  // The series of `scope` (of `service` when given) in minutes [from, to), the rows of each minute
  // and series merged. A row whose sketch cannot be read is left out and counted in `unreadable`.
  static Minutes read(core::storage::Tx& tx, core::observe::SeriesScope scope,
                      const std::optional<std::string>& service, std::int64_t from, std::int64_t to,
                      std::size_t* unreadable = nullptr);
  // The same rows added up over the whole range, series by series (memory bounded by the series,
  // not the minutes).
  static std::map<core::observe::SeriesKey, core::observe::Figures> totals(core::storage::Tx& tx,
                                                                           core::observe::SeriesScope scope,
                                                                           const std::optional<std::string>& service,
                                                                           std::int64_t from, std::int64_t to);
  // Removes up to `limit` rows of minutes before `minute`; returns how many went.
  static std::int64_t purge_before(core::storage::Tx& tx, std::int64_t minute, std::int64_t limit);
};

// Adds `more` into `into`, minute by minute and series by series.
void merge_into(Minutes& into, const Minutes& more);

}  // namespace zt::platform::observer
