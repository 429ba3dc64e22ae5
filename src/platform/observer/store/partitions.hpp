#pragma once
// Day partitions of the observer's spans and log records on PostgreSQL
// (migrations/0007_observer_partitions.postgres.sql): created around now, dropped whole once past
// their retention. On SQLite there are none (every call does nothing): retention deletes rows.
#include <cstdint>
#include <string>
#include <vector>

#include "core/storage/database.hpp"

namespace zt::platform::observer {

// A partitioned table: its name and the column (nanoseconds since the Unix epoch) it is
// partitioned by a day.
struct DayPartitioned {
  const char* table;
  const char* column;
};
inline constexpr DayPartitioned kSpanDays{"observer_spans", "start_unix_nano"};
inline constexpr DayPartitioned kLogDays{"observer_logs", "time_unix_nano"};

class Partitions {
 public:
  // The days (since the Unix epoch, UTC) that have a partition of `t`, oldest first.
  static std::vector<std::int64_t> days(core::storage::Tx& tx, DayPartitioned t);
  // Creates day `day`'s partition of `t` unless there is one, moving into it the rows the default
  // partition holds of that day; true when it made one. One transaction; observers creating the
  // same day at once make it once.
  static bool create(core::storage::Tx& tx, DayPartitioned t, std::int64_t day);
  // Drops day `day`'s partition of `t` with its rows; true when there was one.
  static bool drop(core::storage::Tx& tx, DayPartitioned t, std::int64_t day);
  // The partition's name: <table>_dYYYYMMDD.
  static std::string name(DayPartitioned t, std::int64_t day);
};

}  // namespace zt::platform::observer
