#pragma once
// What the observer shows of a series (issue 19): calls per minute, error rate and SLA, average,
// p50/p75/p90/p95/p99 and the slowest, Apdex — each read from the merged Figures of the minutes
// asked for (percentiles within 1 % from the latency sketch).
#include <boost/json.hpp>
#include <cstdint>

#include "core/observe/rollup.hpp"

namespace zt::platform::observer {

// `minutes`: how many minutes the figures span (calls per minute divide by it).
boost::json::object figures_json(const core::observe::Figures& f, std::int64_t minutes, double apdex_threshold_micros);

// A time range of a query, in milliseconds since the Unix epoch, and the minutes it covers:
// [from_minute, to_minute), the minute holding `to` included unless `to` is where it begins.
struct Range {
  std::int64_t from_ms = 0, to_ms = 0;
  std::int64_t from_minute = 0, to_minute = 0;
  std::int64_t minutes() const { return to_minute - from_minute; }
};
// From ?from_ms= and ?to_ms= (defaults: the last 30 minutes up to now), at most `max_span_ms`
// long; nullopt when either is not a number, from is not before to, the span is too long, or `to`
// is more than a day ahead of now.
std::optional<Range> range_of(const std::optional<std::string>& from_ms, const std::optional<std::string>& to_ms,
                              std::int64_t now_ms, std::int64_t max_span_ms);

}  // namespace zt::platform::observer
