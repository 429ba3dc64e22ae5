// The process's span recorder (issue 19): what every process's instrumentation hands its finished
// spans to, and what takes them off the hot path to an exporter.
//
//   if (observe::tracer().recording()) observe::tracer().record("mall", std::move(span));
//
// - Head sampling: a new root trace is sampled by its id (sample_ratio; the same trace id gives the
//   same answer in every process, as OpenTelemetry's TraceIdRatioBased), and the W3C flag travels
//   with the trace. A span of a trace not sampled is still kept when it failed or was slow.
// - Bounded: spans wait in one queue of queue_capacity; past it they are dropped and counted,
//   never waited for. A thread of its own takes them every flush_interval (sooner when a batch is
//   full) and hands them to the exporter in batches of batch_size; what an exporter cannot take now
//   (its sends in flight are at their cap) goes back to the head of the queue for the next round,
//   as far as the queue has room, and the rest is dropped and counted. Log records the same, in a
//   queue of their own.
// - Nothing is recorded while no exporter is set: instrumentation checks recording() first, so a
//   process that exports nowhere does not build spans at all.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/observe/otlp.hpp"
#include "core/observe/trace.hpp"

namespace zt::core::observe {

struct TracerOptions {
  double sample_ratio = 1.0;  // of new root traces, 0 … 1
  std::chrono::microseconds keep_slower_than{std::chrono::milliseconds(500)};
  std::size_t queue_capacity = 16384;
  std::size_t batch_size = 512;
  std::chrono::milliseconds flush_interval{1000};
  // A log record for each request whose server span is kept (while log records are exported).
  bool request_logs = true;
};

// A finished span and the service that made it (one process may run many: the resource of an
// exported batch is per service).
struct RecordedSpan {
  std::string service;
  Span span;
};

// A log record and the service it is about.
struct RecordedLog {
  std::string service;
  LogRecord record;
};

// Takes a batch on the tracer's thread; false when it cannot take it now, leaving the batch as it
// was (it goes back to the queue for the next round, while the queue has room). It must not block.
using SpanExport = std::function<bool(std::vector<RecordedSpan>&& batch)>;
using LogExport = std::function<bool(std::vector<RecordedLog>&& batch)>;

struct TracerStats {
  std::uint64_t recorded = 0;     // queued for export
  std::uint64_t not_sampled = 0;  // left out by sampling
  std::uint64_t dropped = 0;      // the queue was full, or the exporter could not take them
  std::uint64_t exported = 0;     // handed to the exporter
  // Log records the same way (none are left out by sampling: every line written is exported).
  std::uint64_t logs_recorded = 0, logs_dropped = 0, logs_exported = 0;
};

class Tracer {
 public:
  Tracer() = default;
  ~Tracer();
  Tracer(const Tracer&) = delete;
  Tracer& operator=(const Tracer&) = delete;

  // Starts the thread with these options (again: stops first, keeping the exporter).
  void start(TracerOptions options);
  // Hands what is queued to the exporter, then stops the thread.
  void stop();
  // The exporter; null stops recording. Replacing it waits for a batch being handed over.
  void set_export(SpanExport exporter);
  bool recording() const { return recording_.load(std::memory_order_relaxed); }
  // The log records' exporter, beside the spans' (its own queue of queue_capacity, the same batches
  // and thread); null stops taking log records.
  void set_log_export(LogExport exporter);
  bool logging() const { return logging_.load(std::memory_order_relaxed); }
  bool request_logs() const { return logging() && request_logs_.load(std::memory_order_relaxed); }

  // Runs `task` on the tracer's thread every `every` while the thread runs (the process's resource
  // figures are sampled and sent so); null stops it. Replacing it waits for a run under way. It
  // must not block.
  void set_periodic(std::function<void()> task, std::chrono::milliseconds every);

  // This process's instance id for exported resources (the registry's instance id once known).
  void set_instance(std::string instance);
  std::string instance() const;

  // Whether a new root trace with this id is sampled.
  bool sample(const std::array<std::uint8_t, 16>& trace_id) const;
  // Whether a span with these flags, failed or not, this long would be kept (instrumentation asks
  // before building one).
  bool wanted(std::uint8_t trace_flags, bool failed, std::chrono::nanoseconds duration) const {
    return recording() && ((trace_flags & 0x01) != 0 || failed ||
                           duration.count() >= keep_slower_than_ns_.load(std::memory_order_relaxed));
  }
  // Queues the span when it is wanted (sampled, failed or slow) and there is room.
  void record(std::string service, Span span);
  // Queues the log record when log records are exported and there is room.
  void record_log(RecordedLog log);
  // Hands what is queued to the exporter now, on the calling thread (tests, shutdown).
  void flush();
  TracerStats stats() const;

 private:
  void run();
  // True when the exporter left some of them (they wait in the queue for the next round).
  bool hand_over(std::vector<RecordedSpan>& spans, std::vector<RecordedLog>& logs);

  mutable std::mutex mutex_;  // the queues, the options, the instance
  std::condition_variable wake_;
  std::vector<RecordedSpan> queue_;
  std::vector<RecordedLog> log_queue_;
  TracerOptions options_;
  std::string instance_;
  bool stopping_ = false;
  bool periodic_changed_ = false;  // set_periodic was called: the thread looks again at once
  std::thread thread_;

  // Held while the periodic task runs, and while it is replaced.
  std::mutex periodic_mutex_;
  std::function<void()> periodic_;
  std::chrono::milliseconds periodic_every_{0};
  std::chrono::steady_clock::time_point periodic_next_{};
  // Runs the periodic task when it is due; how long until it is due next (flush_interval at most).
  std::chrono::milliseconds run_periodic(std::chrono::milliseconds longest);

  std::mutex export_mutex_;  // held while the exporter runs, and while it is replaced
  SpanExport export_;
  LogExport log_export_;
  std::atomic<bool> recording_{false}, logging_{false}, request_logs_{true};
  std::atomic<double> sample_ratio_{1.0};
  std::atomic<std::int64_t> keep_slower_than_ns_{500'000'000};

  std::atomic<std::uint64_t> recorded_{0}, not_sampled_{0}, dropped_{0}, exported_{0};
  std::atomic<std::uint64_t> logs_recorded_{0}, logs_dropped_{0}, logs_exported_{0};
};

// A batch as one OTLP/HTTP traces body in protobuf: one resource per service (service.name, and
// this process's instance and version), its spans in the order they were recorded.
std::string otlp_body(const std::vector<RecordedSpan>& batch, const std::string& instance, const std::string& version);
// The same for log records: one OTLP/HTTP logs body.
std::string otlp_logs_body(const std::vector<RecordedLog>& batch, const std::string& instance,
                           const std::string& version);

// A log line as a record of `service`'s: its time, level, text and the trace it was written in
// (the ids in hex as the line carries them; none when they do not read).
RecordedLog log_record_of(std::string service, int severity, std::string_view level_text, std::string_view message,
                          std::string_view trace_id_hex, std::string_view span_id_hex, std::uint64_t unix_nanos);

// The process's tracer.
Tracer& tracer();

// A client span of `parent`'s request for a call it made to a dependency — a database
// transaction, a Redis command — recorded under the request's service when wanted (sampled,
// failed or slow). `peer` names the edge it is counted in ("db:postgresql", "redis"); the name
// and attributes never hold a key or a statement's values. `took` by the monotonic clock. Never
// throws: recording never changes how the call ended.
void record_dependency_span(const SpanOrigin& parent, std::string name, std::string peer,
                            std::vector<Attribute> attributes, std::uint64_t start_unix_nano,
                            std::chrono::nanoseconds took, bool failed, std::string status_message = "") noexcept;
// Nanoseconds since the Unix epoch, now.
std::uint64_t unix_nanos();

// A new root trace, sampled as the process's tracer says (TraceContext::generate() is always
// sampled).
TraceContext new_root_trace();

}  // namespace zt::core::observe
