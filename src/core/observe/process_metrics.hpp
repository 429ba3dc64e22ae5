#pragma once
// The process's own resource figures (issue 19: per-instance CPU, memory, open files), read from
// /proc when scraped, in the names Prometheus client libraries use (process_cpu_seconds_total,
// process_resident_memory_bytes, …), so dashboards and rules written for them work unchanged.
#include <cstdint>
#include <optional>
#include <string>

namespace zt::core::observe {

struct ProcessFigures {
  double cpu_seconds = 0;  // user + system
  std::uint64_t resident_bytes = 0;
  std::uint64_t virtual_bytes = 0;
  std::uint64_t open_fds = 0;
  std::uint64_t max_fds = 0;
  std::uint64_t threads = 0;
  double start_time_seconds = 0;  // since the Unix epoch
};

// Nullopt where /proc cannot be read (not Linux, or hidden).
std::optional<ProcessFigures> read_process_figures();

// Prometheus text exposition of the figures ("" when they cannot be read).
std::string process_metrics_text();

}  // namespace zt::core::observe
