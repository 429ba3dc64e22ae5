#pragma once
// The observer's per-minute figures (migrations/0002_observer_metrics.sql): minutes of the rollup
// in, merged series out.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

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
  // not the minutes): the hours wholly inside it that are summed (roll_up_hour) from their hourly
  // rows, the rest from the minutes.
  static std::map<core::observe::SeriesKey, core::observe::Figures> totals(core::storage::Tx& tx,
                                                                           core::observe::SeriesScope scope,
                                                                           const std::optional<std::string>& service,
                                                                           std::int64_t from, std::int64_t to);
  // Sums hour `hour`'s minute rows (hours since the Unix epoch) into its hourly rows when it is
  // dirty — minute rows were stored for it (add() marks it) since it was last summed; false when
  // it is clean. Only for an hour whose minutes should no longer change: spans are counted up to
  // RollupLimits::minutes_back late (rows stored later make it dirty again).
  static bool roll_up_hour(core::storage::Tx& tx, std::int64_t hour, std::int64_t now_ms);
  // Up to `limit` dirty hours before `before_hour`, oldest first.
  static std::vector<std::int64_t> hours_to_roll(core::storage::Tx& tx, std::int64_t before_hour, std::int64_t limit);
  // Removes up to `limit` rows of minutes before `minute`, and the hours wholly before it; returns
  // how many minute rows went.
  static std::int64_t purge_before(core::storage::Tx& tx, std::int64_t minute, std::int64_t limit);
};

// Adds `more` into `into`, minute by minute and series by series.
void merge_into(Minutes& into, const Minutes& more);

}  // namespace zt::platform::observer
