#pragma once
// The observer's log table (migrations/0003_observer_logs.sql): batches of OTLP log records in,
// searches out (by trace id, service, lowest level, words, time).
#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/observe/otlp.hpp"
#include "core/storage/database.hpp"

namespace zt::platform::observer {

class LogStore {
 public:
  // Writes the batches' records (one this sender already sent is left as it is); returns how many
  // were new. `sender`: who sent them (a service's signed identity or an ingest token's name).
  static std::int64_t add(core::storage::Tx& tx, const std::vector<core::observe::LogBatch>& batches,
                          std::int64_t received_at_ms, const std::string& sender);
  struct Search {
    std::int64_t from_unix_nano = 0, to_unix_nano = 0;
    std::optional<std::string> trace_id, service;
    int min_severity = 0;            // 0: every level
    std::vector<std::string> words;  // each must be in the text (ASCII letters of any case)
    std::int64_t limit = 100;
    bool oldest_first = false;
  };
  // Records that match, newest first (or oldest first).
  static boost::json::array search(core::storage::Tx& tx, const Search& search);
  // Removes up to `limit` records received before `unix_ms`; returns how many went.
  // (On PostgreSQL, of the default partition only: a day partition goes whole, Partitions::drop.)
  static std::int64_t purge_received_before(core::storage::Tx& tx, std::int64_t unix_ms, std::int64_t limit);
};

}  // namespace zt::platform::observer
