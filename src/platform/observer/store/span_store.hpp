#pragma once
// The observer's span table (migrations/0001_observer_spans.sql): batches in, one trace out.
#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "core/observe/otlp.hpp"
#include "core/storage/database.hpp"

namespace zt::platform::observer {

class SpanStore {
 public:
  // Writes the batches' spans (a span already stored is left as it is); returns how many were new.
  static std::int64_t add(core::storage::Tx& tx, const std::vector<core::observe::SpanBatch>& batches,
                          std::int64_t received_at_ms);
  // The trace's spans in start order, as the trace view shows them; empty when none is stored.
  static boost::json::array trace(core::storage::Tx& tx, const std::string& trace_id);
};

// The ids as stored: lower-case hex.
std::string hex_id(const std::uint8_t* bytes, std::size_t n);

}  // namespace zt::platform::observer
