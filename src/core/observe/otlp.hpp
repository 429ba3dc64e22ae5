// OTLP trace payloads (issue 19): the spans a process exports, encoded as the body of an
// OTLP/HTTP `POST /v1/traces` — protobuf (`application/x-protobuf`, an ExportTraceServiceRequest
// of opentelemetry-proto v1) or OTLP/JSON (`application/json`: ids in hex, enums as numbers, 64-bit
// integers as decimal strings). Either is accepted by the observer and by any OTLP backend (an
// OpenTelemetry Collector, Jaeger, Tempo, SkyWalking's OTLP receiver).
//
// Strings are sent as valid UTF-8 (each invalid byte becomes U+FFFD): a protobuf string that is
// not UTF-8 makes strict decoders refuse the whole batch.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace zt::core::observe {

struct Attribute {
  std::string key;
  std::variant<std::string, std::int64_t, double, bool> value;
};

enum class SpanKind : int { kUnspecified = 0, kInternal = 1, kServer = 2, kClient = 3, kProducer = 4, kConsumer = 5 };
enum class SpanStatus : int { kUnset = 0, kOk = 1, kError = 2 };

struct SpanEvent {
  std::string name;
  std::uint64_t time_unix_nano = 0;
  std::vector<Attribute> attributes;
};

struct Span {
  std::array<std::uint8_t, 16> trace_id{};
  std::array<std::uint8_t, 8> span_id{};
  std::array<std::uint8_t, 8> parent_span_id{};  // all zero at a root
  std::uint8_t trace_flags = 0x01;               // W3C flags (sampled)
  std::string name;                              // a route template, never a raw path with ids
  SpanKind kind = SpanKind::kInternal;
  std::uint64_t start_unix_nano = 0;
  std::uint64_t end_unix_nano = 0;
  std::vector<Attribute> attributes;
  std::vector<SpanEvent> events;
  SpanStatus status = SpanStatus::kUnset;
  std::string status_message;  // with kError
};

// Who sent the spans: `service.name` and `service.instance.id` first, then the rest.
struct SpanSource {
  std::string service_name;
  std::string service_instance_id;
  std::vector<Attribute> attributes;  // e.g. host.name, service.version, deployment.environment
  std::string scope_name = "zhongtai";
  std::string scope_version;
};

// One ExportTraceServiceRequest holding `spans` under one resource and one scope.
std::string otlp_traces_protobuf(const SpanSource& source, std::span<const Span> spans);
// The same request appended to `out` (requests laid end to end are one request: repeated fields
// concatenate), its spans by address — an exporter's batch by service, encoded where it lies.
void append_otlp_traces_protobuf(std::string& out, const SpanSource& source, std::span<const Span* const> spans);
std::string otlp_traces_json(const SpanSource& source, std::span<const Span> spans);

// What a receiver reads from an OTLP/HTTP traces body: one batch per resource and scope with
// spans, its source from the resource's attributes (`service.name`, "unknown_service" when absent,
// and `service.instance.id`; the rest kept as attributes). Array and key-list values are kept as
// JSON text (cut at max_string like any string, then no longer whole JSON), bytes as hex; links
// and trace state are skipped; strings are made valid UTF-8 and cut at max_string bytes on a
// character boundary; attributes past max_attributes on a span or event are dropped. Everything
// kept is charged to max_decoded_bytes: a body that would decode to more is refused.
struct SpanBatch {
  SpanSource source;
  std::vector<Span> spans;
};
struct OtlpLimits {
  std::size_t max_spans = 100'000;
  std::size_t max_attributes = 128;
  std::size_t max_events = 128;
  std::size_t max_string = 4096;
  std::size_t max_decoded_bytes = 64u << 20;
};
struct OtlpDecoded {
  std::vector<SpanBatch> batches;
  std::string error;  // empty when the body was read; else why not (nothing is kept then)
  std::size_t spans() const;
};
// An ExportTraceServiceRequest in protobuf, from anyone (the input is not trusted: every length is
// checked, every field's wire type too; unknown fields are skipped as the schema evolves).
OtlpDecoded decode_otlp_traces_protobuf(std::string_view body, const OtlpLimits& limits = {});
// The same request in OTLP/JSON (what the OpenTelemetry JS SDK's HTTP exporter sends by default):
// ids in hex, enums as numbers or their names, 64-bit integers as strings or numbers. A body
// over an eighth of max_decoded_bytes is refused before it is parsed.
OtlpDecoded decode_otlp_traces_json(std::string_view body, const OtlpLimits& limits = {});

// ---------------------------------------------------------------- logs
//
// OTLP log payloads, the body of an OTLP/HTTP `POST /v1/logs` (an ExportLogsServiceRequest of
// opentelemetry-proto v1, laid out as traces are: resources, scopes, records). A record carries the
// trace and span it was written in, so one search by trace id finds every process's lines.

// logs.v1 SeverityNumber: 1–4 TRACE, 5–8 DEBUG, 9–12 INFO, 13–16 WARN, 17–20 ERROR, 21–24 FATAL.
enum class Severity : int { kUnspecified = 0, kDebug = 5, kInfo = 9, kWarn = 13, kError = 17, kFatal = 21 };

struct LogRecord {
  std::uint64_t time_unix_nano = 0;           // when it happened (0: unknown)
  std::uint64_t observed_time_unix_nano = 0;  // when it was collected
  int severity_number = 0;                    // 0 … 24 (Severity's ranges)
  std::string severity_text;                  // e.g. "warn"
  std::string body;                           // a string body; any other kind as JSON text
  std::vector<Attribute> attributes;
  std::array<std::uint8_t, 16> trace_id{};  // all zero: not written in a trace
  std::array<std::uint8_t, 8> span_id{};
};

// One ExportLogsServiceRequest holding `records` under one resource and one scope.
std::string otlp_logs_protobuf(const SpanSource& source, std::span<const LogRecord> records);
void append_otlp_logs_protobuf(std::string& out, const SpanSource& source, std::span<const LogRecord* const> records);
std::string otlp_logs_json(const SpanSource& source, std::span<const LogRecord> records);

// What a receiver reads from an OTLP/HTTP logs body, under the same rules and limits as spans
// (max_spans bounds the records of one request, max_events is unused).
struct LogBatch {
  SpanSource source;
  std::vector<LogRecord> records;
};
struct OtlpLogsDecoded {
  std::vector<LogBatch> batches;
  std::string error;  // empty when the body was read; else why not (nothing is kept then)
  std::size_t records() const;
};
OtlpLogsDecoded decode_otlp_logs_protobuf(std::string_view body, const OtlpLimits& limits = {});
OtlpLogsDecoded decode_otlp_logs_json(std::string_view body, const OtlpLimits& limits = {});

// ---------------------------------------------------------------- metrics
//
// OTLP metric payloads, the body of an OTLP/HTTP `POST /v1/metrics` (an ExportMetricsServiceRequest
// of opentelemetry-proto v1, laid out as traces are), as far as a process's resource figures need:
// gauges and sums of number data points. A receiver skips the other kinds (histograms, summaries)
// of a request it reads: they arrive as metrics of kind kOther with no points.

enum class MetricKind : int { kOther = 0, kGauge = 1, kSum = 2 };

struct NumberPoint {
  std::uint64_t start_time_unix_nano = 0;  // a cumulative sum's start (0: unknown)
  std::uint64_t time_unix_nano = 0;
  std::variant<double, std::int64_t> value = 0.0;
  std::vector<Attribute> attributes;
  double number() const {
    return std::holds_alternative<double>(value) ? std::get<double>(value)
                                                 : static_cast<double>(std::get<std::int64_t>(value));
  }
};

struct Metric {
  std::string name;  // e.g. process.memory.usage
  std::string description;
  std::string unit;  // UCUM: "By", "s", "1", "{thread}"
  MetricKind kind = MetricKind::kGauge;
  bool monotonic = false;  // a sum that only grows (its points cumulative since start_time)
  std::vector<NumberPoint> points;
};

// One ExportMetricsServiceRequest holding `metrics` under one resource and one scope (sums are
// sent with cumulative temporality).
std::string otlp_metrics_protobuf(const SpanSource& source, std::span<const Metric> metrics);
void append_otlp_metrics_protobuf(std::string& out, const SpanSource& source, std::span<const Metric* const> metrics);
std::string otlp_metrics_json(const SpanSource& source, std::span<const Metric> metrics);

// What a receiver reads from an OTLP/HTTP metrics body, under the same rules and limits as spans
// (max_spans bounds the metrics of one request, max_events the points of one metric).
struct MetricBatch {
  SpanSource source;
  std::vector<Metric> metrics;
};
struct OtlpMetricsDecoded {
  std::vector<MetricBatch> batches;
  std::string error;  // empty when the body was read; else why not (nothing is kept then)
  std::size_t metrics() const;
};
OtlpMetricsDecoded decode_otlp_metrics_protobuf(std::string_view body, const OtlpLimits& limits = {});
OtlpMetricsDecoded decode_otlp_metrics_json(std::string_view body, const OtlpLimits& limits = {});

// `text` with every byte that is not part of a well-formed UTF-8 sequence, and every NUL (which
// PostgreSQL's text cannot hold), replaced by U+FFFD.
std::string valid_utf8(std::string_view text);
// Whether valid_utf8 would give `text` back unchanged (read without copying it).
bool is_valid_utf8(std::string_view text);
// The same, then cut to at most `max_bytes` on a character boundary (cut again, it is unchanged).
std::string valid_utf8(std::string_view text, std::size_t max_bytes);

}  // namespace zt::core::observe
