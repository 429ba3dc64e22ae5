#pragma once
// An instance's resource figures as the observer keeps them (issue 19): read from the OTLP
// metrics a process sends (core/observe/resources.hpp names them), one sample per service and
// instance of a request. Pure: no storage.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/observe/otlp.hpp"

namespace zt::platform::observer {

struct ResourceSample {
  std::string service;   // at most 256 bytes (cut on a character boundary)
  std::string instance;  // service.instance.id, the same; "unknown_instance" when the sender sent none
  std::string sender;    // who sent it: a service's signed identity, or "token:<name>"
  std::int64_t minute = 0;
  std::int64_t at_ms = 0;
  // The highest of each figure the request held; none where it held none.
  std::optional<double> cpu_cores;
  std::optional<std::int64_t> rss_bytes, open_fds, max_fds, threads;
  std::optional<double> io_busy_avg, io_busy_max;  // of the io threads' shares, 0 … 1
  std::optional<std::int64_t> blocking_queued;
};

// The samples of a metrics request `sender` sent, taken at `now_ms`: one per service and instance
// holding at least one figure the observer keeps (the rest of what it holds is left: other
// metrics, NaN, negatives). The instance's minute is the minute of receipt: a sender's clock
// cannot move it. Nullopt when the request holds more than `most` services and instances (a
// process sends one per service it runs).
std::optional<std::vector<ResourceSample>> resource_samples(const std::vector<core::observe::MetricBatch>& batches,
                                                            const std::string& sender, std::int64_t now_ms,
                                                            std::size_t most);

}  // namespace zt::platform::observer
