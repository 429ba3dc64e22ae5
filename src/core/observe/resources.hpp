#pragma once
// A process's resource figures as OTLP metrics (issue 19: per-instance CPU, memory, open files,
// io-thread busy share, blocking-pool queue), sampled every tracing.resources_interval on the
// tracer's thread and exported where the spans go — the observer keeps them per instance and
// minute; any OTLP backend takes them too. Names follow OpenTelemetry's process semantic
// conventions where there is one:
//
//   process.cpu.time                          sum, monotonic, s       CPU used since the start
//   process.memory.usage                      sum, By                 resident set
//   process.memory.virtual                    sum, By
//   process.open_file_descriptor.count        sum, {file_descriptor}
//   process.thread.count                      sum, {thread}
//   zhongtai.process.cpu.cores                gauge, {core}           CPU used over the interval ÷ its length
//   zhongtai.process.open_file_descriptor.limit  gauge, {file_descriptor}   the soft RLIMIT_NOFILE
//   zhongtai.io_thread.busy                   gauge, 1                each io thread's CPU share over the
//                                                                     interval (attribute `thread`)
//   zhongtai.blocking_pool.queued             gauge, {task}           work waiting for the blocking pool
//
// The rates (cores, busy) need two samples: the first sample has none (the sender keeps it to
// itself).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/observe/otlp.hpp"
#include "core/observe/process_metrics.hpp"

namespace zt::core::observe {

// What one sample reads.
struct ResourceReading {
  std::uint64_t time_unix_nano = 0;           // the wall clock, for the points' times
  std::uint64_t steady_nanos = 0;             // a monotonic clock, for the intervals the rates are over
  std::optional<ProcessFigures> process;      // none where /proc cannot be read
  std::vector<double> io_thread_cpu_seconds;  // each io thread's CPU time so far; < 0 for one that ended
  std::size_t blocking_queued = 0;
};

// Turns successive readings into metrics (it keeps the previous reading for the rates).
class ResourceMeter {
 public:
  std::vector<Metric> take(const ResourceReading& now);
  // Whether a reading was taken before (the first one only primes the rates).
  bool primed() const { return previous_.has_value(); }

 private:
  std::optional<ResourceReading> previous_;
};

// The metric names, for the receiver.
namespace resource_metric {
inline constexpr std::string_view kCpuTime = "process.cpu.time";
inline constexpr std::string_view kMemoryUsage = "process.memory.usage";
inline constexpr std::string_view kMemoryVirtual = "process.memory.virtual";
inline constexpr std::string_view kOpenFds = "process.open_file_descriptor.count";
inline constexpr std::string_view kThreads = "process.thread.count";
inline constexpr std::string_view kCpuCores = "zhongtai.process.cpu.cores";
inline constexpr std::string_view kFdLimit = "zhongtai.process.open_file_descriptor.limit";
inline constexpr std::string_view kIoBusy = "zhongtai.io_thread.busy";
inline constexpr std::string_view kBlockingQueued = "zhongtai.blocking_pool.queued";
}  // namespace resource_metric

// One OTLP/HTTP metrics body in protobuf: the same metrics under a resource for each of the
// process's services (each service's instances show their process's figures).
std::string otlp_metrics_body(const std::vector<Metric>& metrics, const std::vector<std::string>& services,
                              const std::string& instance, const std::string& version);

}  // namespace zt::core::observe
