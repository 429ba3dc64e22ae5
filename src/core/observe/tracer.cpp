#include "core/observe/tracer.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <map>
#include <utility>

#include "core/observe/blocking_parent.hpp"
#include "core/util/hex.hpp"

namespace zt::core::observe {

Tracer::~Tracer() { stop(); }

void Tracer::start(TracerOptions options) {
  stop();
  options.sample_ratio = std::clamp(options.sample_ratio, 0.0, 1.0);
  options.batch_size = std::max<std::size_t>(options.batch_size, 1);
  sample_ratio_.store(options.sample_ratio, std::memory_order_relaxed);
  request_logs_.store(options.request_logs, std::memory_order_relaxed);
  keep_slower_than_ns_.store(std::chrono::duration_cast<std::chrono::nanoseconds>(options.keep_slower_than).count(),
                             std::memory_order_relaxed);
  {
    std::lock_guard lock(mutex_);
    options_ = options;
    stopping_ = false;
  }
  thread_ = std::thread([this] { run(); });
}

void Tracer::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Tracer::set_export(SpanExport exporter) {
  std::lock_guard lock(export_mutex_);
  recording_.store(static_cast<bool>(exporter), std::memory_order_relaxed);
  export_ = std::move(exporter);
}

void Tracer::set_log_export(LogExport exporter) {
  std::lock_guard lock(export_mutex_);
  logging_.store(static_cast<bool>(exporter), std::memory_order_relaxed);
  log_export_ = std::move(exporter);
}

void Tracer::set_periodic(std::function<void()> task, std::chrono::milliseconds every) {
  {
    std::lock_guard lock(periodic_mutex_);
    periodic_ = std::move(task);
    periodic_every_ = std::max(every, std::chrono::milliseconds(1));
    periodic_next_ = std::chrono::steady_clock::now();  // the first run at once
  }
  {
    std::lock_guard lock(mutex_);  // the thread is waiting, or will see it before it waits
    periodic_changed_ = true;
  }
  wake_.notify_all();
}

std::chrono::milliseconds Tracer::run_periodic(std::chrono::milliseconds longest) {
  std::lock_guard lock(periodic_mutex_);
  if (!periodic_) return longest;
  auto now = std::chrono::steady_clock::now();
  if (now >= periodic_next_) {
    try {
      periodic_();
    } catch (...) {  // a task's trouble is its own: the spans go on
    }
    now = std::chrono::steady_clock::now();
    periodic_next_ = std::max(periodic_next_ + periodic_every_, now);
  }
  const auto until = std::chrono::ceil<std::chrono::milliseconds>(periodic_next_ - now);
  return std::clamp(until, std::chrono::milliseconds(1), longest);
}

void Tracer::set_instance(std::string instance) {
  std::lock_guard lock(mutex_);
  instance_ = std::move(instance);
}

std::string Tracer::instance() const {
  std::lock_guard lock(mutex_);
  return instance_;
}

bool Tracer::sample(const std::array<std::uint8_t, 16>& trace_id) const {
  const double ratio = sample_ratio_.load(std::memory_order_relaxed);
  if (ratio >= 1.0) return true;
  if (ratio <= 0.0) return false;
  // The id's last eight bytes as a number below 2^64, against ratio × 2^64 (random ids are
  // uniform there; W3C level 2 makes the rightmost bytes the random ones).
  std::uint64_t x = 0;
  for (std::size_t i = 8; i < 16; ++i) x = x << 8 | trace_id[i];
  return static_cast<double>(x) < std::ldexp(ratio, 64);
}

void Tracer::record(std::string service, Span span) {
  if (!recording()) return;
  const std::chrono::nanoseconds duration(static_cast<std::int64_t>(span.end_unix_nano - span.start_unix_nano));
  if (!wanted(span.trace_flags, span.status == SpanStatus::kError, duration)) {
    not_sampled_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  bool full_batch = false;
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= options_.queue_capacity) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    queue_.push_back(RecordedSpan{std::move(service), std::move(span)});
    full_batch = queue_.size() == options_.batch_size;
  }
  recorded_.fetch_add(1, std::memory_order_relaxed);
  if (full_batch) wake_.notify_one();
}

void Tracer::record_log(RecordedLog log) {
  if (!logging()) return;
  bool full_batch = false;
  {
    std::lock_guard lock(mutex_);
    if (log_queue_.size() >= options_.queue_capacity) {
      logs_dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    log_queue_.push_back(std::move(log));
    full_batch = log_queue_.size() == options_.batch_size;
  }
  logs_recorded_.fetch_add(1, std::memory_order_relaxed);
  if (full_batch) wake_.notify_one();
}

namespace {

// `taken` to `to` in batches of batch_size, until it cannot take one now; what it did not take is
// left in `taken` (none when there is no exporter: then it is dropped and counted).
template <class Item, class Export>
void hand_in_batches(std::vector<Item>& taken, std::size_t batch_size, const Export& to,
                     std::atomic<std::uint64_t>& exported, std::atomic<std::uint64_t>& dropped) {
  std::size_t at = 0;
  for (; at < taken.size(); at += batch_size) {
    const std::size_t n = std::min(batch_size, taken.size() - at);
    std::vector<Item> batch(std::make_move_iterator(taken.begin() + static_cast<std::ptrdiff_t>(at)),
                            std::make_move_iterator(taken.begin() + static_cast<std::ptrdiff_t>(at + n)));
    if (!to) {
      dropped.fetch_add(n, std::memory_order_relaxed);
      continue;
    }
    if (!to(std::move(batch))) {  // not taken: the exporter left `batch` as it was
      std::move(batch.begin(), batch.end(), taken.begin() + static_cast<std::ptrdiff_t>(at));
      break;
    }
    exported.fetch_add(n, std::memory_order_relaxed);
  }
  taken.erase(taken.begin(), taken.begin() + static_cast<std::ptrdiff_t>(std::min(at, taken.size())));
}

// What the exporter could not take goes back to the head of the queue, ahead of what came since,
// as far as the queue has room; the rest is dropped and counted.
template <class Item>
void put_back(std::vector<Item>& left, std::vector<Item>& queue, std::size_t capacity,
              std::atomic<std::uint64_t>& dropped) {
  if (left.empty()) return;
  const std::size_t room = capacity > queue.size() ? capacity - queue.size() : 0;
  const std::size_t kept = std::min(room, left.size());
  dropped.fetch_add(left.size() - kept, std::memory_order_relaxed);
  queue.insert(queue.begin(), std::make_move_iterator(left.begin()),
               std::make_move_iterator(left.begin() + static_cast<std::ptrdiff_t>(kept)));
  left.clear();
}

}  // namespace

bool Tracer::hand_over(std::vector<RecordedSpan>& spans, std::vector<RecordedLog>& logs) {
  std::size_t batch_size = 0;
  {
    std::lock_guard lock(mutex_);
    batch_size = options_.batch_size;
  }
  {
    std::lock_guard lock(export_mutex_);
    hand_in_batches(spans, batch_size, export_, exported_, dropped_);
    hand_in_batches(logs, batch_size, log_export_, logs_exported_, logs_dropped_);
  }
  const bool left = !spans.empty() || !logs.empty();
  std::lock_guard lock(mutex_);
  put_back(spans, queue_, options_.queue_capacity, dropped_);
  put_back(logs, log_queue_, options_.queue_capacity, logs_dropped_);
  return left;
}

void Tracer::flush() {
  std::vector<RecordedSpan> spans;
  std::vector<RecordedLog> logs;
  {
    std::lock_guard lock(mutex_);
    spans.swap(queue_);
    logs.swap(log_queue_);
  }
  hand_over(spans, logs);
}

void Tracer::run() {
  // Encoding batches is background work: on a core it shares with an io thread, the io thread
  // (serving a request) goes first. Five levels below the process, not more: under sustained load
  // the thread still gets about a quarter of the core, enough to keep up at full sampling (what it
  // cannot take is dropped and counted, never waited for).
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  errno = 0;
  const int nice = ::getpriority(PRIO_PROCESS, tid);
  if (errno == 0) ::setpriority(PRIO_PROCESS, tid, std::min(nice + 5, 19));
  std::vector<RecordedSpan> spans;
  std::vector<RecordedLog> logs;
  bool left = false;
  for (;;) {
    bool stopping = false;
    std::chrono::milliseconds flush_interval{};
    {
      std::lock_guard lock(mutex_);
      flush_interval = options_.flush_interval;
    }
    const auto wait = run_periodic(flush_interval);
    {
      std::unique_lock lock(mutex_);
      // After a round the exporter could not take whole, the next waits the full interval: a full
      // batch put back must not wake the thread again at once (it would spin while the sends in
      // flight are at their cap).
      wake_.wait_for(lock, wait, [&] {
        return stopping_ || std::exchange(periodic_changed_, false) ||
               (!left && (queue_.size() >= options_.batch_size || log_queue_.size() >= options_.batch_size));
      });
      stopping = stopping_;
      spans.swap(queue_);
      logs.swap(log_queue_);
      // No growing under the lock.
      queue_.reserve(std::min(options_.batch_size, options_.queue_capacity));
      log_queue_.reserve(std::min(options_.batch_size, options_.queue_capacity));
    }
    left = hand_over(spans, logs);
    if (stopping) return;
  }
}

TracerStats Tracer::stats() const {
  TracerStats s;
  s.recorded = recorded_.load(std::memory_order_relaxed);
  s.not_sampled = not_sampled_.load(std::memory_order_relaxed);
  s.dropped = dropped_.load(std::memory_order_relaxed);
  s.exported = exported_.load(std::memory_order_relaxed);
  s.logs_recorded = logs_recorded_.load(std::memory_order_relaxed);
  s.logs_dropped = logs_dropped_.load(std::memory_order_relaxed);
  s.logs_exported = logs_exported_.load(std::memory_order_relaxed);
  return s;
}

namespace {

// Repeated fields of a protobuf message concatenate: requests of one resource each, laid end to
// end, are one request with every resource. Each item is encoded where it lies in the batch.
template <class Recorded, class Item, class Append>
std::string body_by_service(const std::vector<Recorded>& batch, Item Recorded::*item, const std::string& instance,
                            const std::string& version, Append append) {
  std::map<std::string_view, std::vector<const Item*>> by_service;
  for (const auto& r : batch) by_service[r.service].push_back(&(r.*item));
  std::string body;
  body.reserve(256 * by_service.size() + 320 * batch.size());
  for (const auto& [service, items] : by_service) {
    SpanSource source;
    source.service_name = std::string(service);
    source.service_instance_id = instance;
    source.scope_version = version;
    if (!version.empty()) source.attributes.push_back({"service.version", version});
    append(body, source, std::span<const Item* const>(items));
  }
  return body;
}

}  // namespace

std::string otlp_body(const std::vector<RecordedSpan>& batch, const std::string& instance, const std::string& version) {
  return body_by_service(batch, &RecordedSpan::span, instance, version, append_otlp_traces_protobuf);
}

std::string otlp_logs_body(const std::vector<RecordedLog>& batch, const std::string& instance,
                           const std::string& version) {
  return body_by_service(batch, &RecordedLog::record, instance, version, append_otlp_logs_protobuf);
}

RecordedLog log_record_of(std::string service, int severity, std::string_view level_text, std::string_view message,
                          std::string_view trace_id_hex, std::string_view span_id_hex, std::uint64_t unix_nanos) {
  RecordedLog out{std::move(service), {}};
  auto& r = out.record;
  r.time_unix_nano = unix_nanos;
  r.observed_time_unix_nano = unix_nanos;
  r.severity_number = severity;
  r.severity_text = std::string(level_text);
  r.body = std::string(message);
  if (!core::from_hex(trace_id_hex, r.trace_id) || !core::from_hex(span_id_hex, r.span_id)) {
    r.trace_id = {};
    r.span_id = {};
  }
  return out;
}

Tracer& tracer() {
  static Tracer t;
  return t;
}

namespace {
thread_local const SpanOrigin* t_blocking_parent = nullptr;
}  // namespace

const SpanOrigin* blocking_span_parent() noexcept { return t_blocking_parent; }

BlockingParentScope::BlockingParentScope(const SpanOrigin* parent) noexcept
    : previous_(std::exchange(t_blocking_parent, parent)) {}

BlockingParentScope::~BlockingParentScope() { t_blocking_parent = previous_; }

TraceContext new_root_trace() {
  TraceContext t = TraceContext::generate();
  t.flags = tracer().sample(t.trace_id) ? 0x01 : 0x00;
  return t;
}

std::uint64_t unix_nanos() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

void record_dependency_span(const SpanOrigin& parent, std::string name, std::string peer,
                            std::vector<Attribute> attributes, std::uint64_t start_unix_nano,
                            std::chrono::nanoseconds took, bool failed, std::string status_message) noexcept try {
  auto& t = tracer();
  if (took.count() < 0 || !t.wanted(parent.trace.flags, failed, took)) return;
  const TraceContext call = parent.trace.child();
  Span span;
  span.trace_id = call.trace_id;
  span.span_id = call.span_id;
  span.parent_span_id = parent.trace.span_id;
  span.trace_flags = parent.trace.flags;
  span.name = std::move(name);
  span.kind = SpanKind::kClient;
  span.start_unix_nano = start_unix_nano;
  span.end_unix_nano = start_unix_nano + static_cast<std::uint64_t>(took.count());
  span.attributes = std::move(attributes);
  span.attributes.push_back({"peer.service", std::move(peer)});
  if (failed) {
    span.status = SpanStatus::kError;
    span.status_message = std::move(status_message);
  }
  t.record(parent.service, std::move(span));
} catch (...) {
  // A span lost (out of memory): the call's own outcome stands.
}

}  // namespace zt::core::observe
