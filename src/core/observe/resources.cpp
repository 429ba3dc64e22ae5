#include "core/observe/resources.hpp"

namespace zt::core::observe {

namespace {

Metric metric(std::string_view name, std::string_view unit, MetricKind kind, bool monotonic = false) {
  Metric m;
  m.name = std::string(name);
  m.unit = std::string(unit);
  m.kind = kind;
  m.monotonic = monotonic;
  return m;
}

NumberPoint point(std::uint64_t at, std::variant<double, std::int64_t> value, std::uint64_t start = 0) {
  NumberPoint p;
  p.time_unix_nano = at;
  p.start_time_unix_nano = start;
  p.value = value;
  return p;
}

std::int64_t i64(std::uint64_t v) {
  return v > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(v);
}

}  // namespace

std::vector<Metric> ResourceMeter::take(const ResourceReading& now) {
  namespace rm = resource_metric;
  std::vector<Metric> out;
  const std::uint64_t at = now.time_unix_nano;
  // The interval by the monotonic clock: a wall clock stepped back or forth moves no rate.
  const bool later = previous_ && now.steady_nanos > previous_->steady_nanos;
  const double seconds = later ? static_cast<double>(now.steady_nanos - previous_->steady_nanos) / 1e9 : 0;
  if (const auto& p = now.process) {
    const auto start = p->start_time_seconds > 0 ? static_cast<std::uint64_t>(p->start_time_seconds * 1e9) : 0;
    out.push_back(metric(rm::kCpuTime, "s", MetricKind::kSum, true));
    out.back().points.push_back(point(at, p->cpu_seconds, start));
    out.push_back(metric(rm::kMemoryUsage, "By", MetricKind::kSum));
    out.back().points.push_back(point(at, i64(p->resident_bytes)));
    out.push_back(metric(rm::kMemoryVirtual, "By", MetricKind::kSum));
    out.back().points.push_back(point(at, i64(p->virtual_bytes)));
    out.push_back(metric(rm::kOpenFds, "{file_descriptor}", MetricKind::kSum));
    out.back().points.push_back(point(at, i64(p->open_fds)));
    out.push_back(metric(rm::kThreads, "{thread}", MetricKind::kSum));
    out.back().points.push_back(point(at, i64(p->threads)));
    out.push_back(metric(rm::kFdLimit, "{file_descriptor}", MetricKind::kGauge));
    out.back().points.push_back(point(at, i64(p->max_fds)));
    // CPU seconds never go back; a reading that does (another process's figures) gives no rate.
    if (later && previous_->process && p->cpu_seconds >= previous_->process->cpu_seconds) {
      out.push_back(metric(rm::kCpuCores, "{core}", MetricKind::kGauge));
      out.back().points.push_back(point(at, (p->cpu_seconds - previous_->process->cpu_seconds) / seconds));
    }
  }
  if (later) {
    Metric busy = metric(rm::kIoBusy, "1", MetricKind::kGauge);
    const auto& before = previous_->io_thread_cpu_seconds;
    for (std::size_t i = 0; i < now.io_thread_cpu_seconds.size() && i < before.size(); ++i) {
      const double a = before[i], b = now.io_thread_cpu_seconds[i];
      if (a < 0 || b < a) continue;  // a thread that ended (or a clock that cannot be read)
      auto p = point(at, std::min(1.0, (b - a) / seconds));
      p.attributes.push_back({"thread", static_cast<std::int64_t>(i)});
      busy.points.push_back(std::move(p));
    }
    if (!busy.points.empty()) out.push_back(std::move(busy));
  }
  out.push_back(metric(rm::kBlockingQueued, "{task}", MetricKind::kGauge));
  out.back().points.push_back(point(at, i64(now.blocking_queued)));
  previous_ = now;
  return out;
}

std::string otlp_metrics_body(const std::vector<Metric>& metrics, const std::vector<std::string>& services,
                              const std::string& instance, const std::string& version) {
  std::vector<const Metric*> pointers;
  for (const auto& m : metrics) pointers.push_back(&m);
  std::string body;
  for (const auto& service : services) {
    SpanSource source;
    source.service_name = service;
    source.service_instance_id = instance;
    source.scope_version = version;
    if (!version.empty()) source.attributes.push_back({"service.version", version});
    append_otlp_metrics_protobuf(body, source, std::span<const Metric* const>(pointers));
  }
  return body;
}

}  // namespace zt::core::observe
