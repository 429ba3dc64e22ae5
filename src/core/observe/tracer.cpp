#include "core/observe/tracer.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace zt::core::observe {

Tracer::~Tracer() { stop(); }

void Tracer::start(TracerOptions options) {
  stop();
  options.sample_ratio = std::clamp(options.sample_ratio, 0.0, 1.0);
  options.batch_size = std::max<std::size_t>(options.batch_size, 1);
  sample_ratio_.store(options.sample_ratio, std::memory_order_relaxed);
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

void Tracer::hand_over(std::vector<RecordedSpan>& taken) {
  std::size_t batch_size = 0;
  {
    std::lock_guard lock(mutex_);
    batch_size = options_.batch_size;
  }
  std::lock_guard lock(export_mutex_);
  for (std::size_t at = 0; at < taken.size(); at += batch_size) {
    const std::size_t n = std::min(batch_size, taken.size() - at);
    std::vector<RecordedSpan> batch(std::make_move_iterator(taken.begin() + static_cast<std::ptrdiff_t>(at)),
                                    std::make_move_iterator(taken.begin() + static_cast<std::ptrdiff_t>(at + n)));
    if (export_ && export_(std::move(batch)))
      exported_.fetch_add(n, std::memory_order_relaxed);
    else
      dropped_.fetch_add(n, std::memory_order_relaxed);
  }
  taken.clear();
}

void Tracer::flush() {
  std::vector<RecordedSpan> taken;
  {
    std::lock_guard lock(mutex_);
    taken.swap(queue_);
  }
  hand_over(taken);
}

void Tracer::run() {
  std::vector<RecordedSpan> taken;
  for (;;) {
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, options_.flush_interval, [&] { return stopping_ || queue_.size() >= options_.batch_size; });
      stopping = stopping_;
      taken.swap(queue_);
      queue_.reserve(std::min(options_.batch_size, options_.queue_capacity));  // no growing under the lock
    }
    hand_over(taken);
    if (stopping) return;
  }
}

TracerStats Tracer::stats() const {
  return {recorded_.load(std::memory_order_relaxed), not_sampled_.load(std::memory_order_relaxed),
          dropped_.load(std::memory_order_relaxed), exported_.load(std::memory_order_relaxed)};
}

std::string otlp_body(std::vector<RecordedSpan>& batch, const std::string& instance, const std::string& version) {
  // Repeated fields of a protobuf message concatenate: requests of one resource each, laid end to
  // end, are one request with every resource.
  std::map<std::string_view, std::vector<Span>> by_service;
  for (auto& r : batch) by_service[r.service].push_back(std::move(r.span));
  std::string body;
  for (const auto& [service, spans] : by_service) {
    SpanSource source;
    source.service_name = std::string(service);
    source.service_instance_id = instance;
    source.scope_version = version;
    if (!version.empty()) source.attributes.push_back({"service.version", version});
    body += otlp_traces_protobuf(source, spans);
  }
  return body;
}

Tracer& tracer() {
  static Tracer t;
  return t;
}

TraceContext new_root_trace() {
  TraceContext t = TraceContext::generate();
  t.flags = tracer().sample(t.trace_id) ? 0x01 : 0x00;
  return t;
}

}  // namespace zt::core::observe
