#pragma once
// The observer's span table (migrations/0001_observer_spans.sql): batches in, one trace out.
#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/observe/otlp.hpp"
#include "core/storage/database.hpp"

namespace zt::platform::observer {

// Attributes as one JSON object (key → value), as the trace view and the log search show them.
boost::json::object attributes_json(const std::vector<core::observe::Attribute>& attributes);

class SpanStore {
 public:
  // Writes the batches' spans (a span this sender already sent is left as it is); returns how many
  // were new.
  // `sender`: the service that sent them (its signed identity), whatever service names they carry.
  static std::int64_t add(core::storage::Tx& tx, const std::vector<core::observe::SpanBatch>& batches,
                          std::int64_t received_at_ms, const std::string& sender);
  // The trace's spans in start order, as the trace view shows them (the first `limit`); empty when
  // none is stored.
  static boost::json::array trace(core::storage::Tx& tx, const std::string& trace_id, std::int64_t limit);
  // Server spans that started in [from, to) (nanoseconds) and match, newest first: what the trace
  // search lists, one line per span (a trace crossing several services shows once per service
  // unless `service` narrows it).
  struct Search {
    std::int64_t from_unix_nano = 0, to_unix_nano = 0;
    std::optional<std::string> service, endpoint;
    bool errors_only = false;
    std::int64_t min_duration_ns = 0;
    std::int64_t limit = 20;
  };
  static boost::json::array search(core::storage::Tx& tx, const Search& search);
  // Removes up to `limit` spans received before `unix_ms`; returns how many went.
  // (On PostgreSQL, of the default partition only: a day partition goes whole, Partitions::drop.)
  static std::int64_t purge_received_before(core::storage::Tx& tx, std::int64_t unix_ms, std::int64_t limit);
};

}  // namespace zt::platform::observer
