#include "core/observe/otlp.hpp"

#include <bit>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

#include "core/util/hex.hpp"
#include "core/util/varint.hpp"

namespace zt::core::observe {

namespace {

// ---------------------------------------------------------------- protobuf wire format

enum Wire : std::uint32_t { kVarint = 0, kFixed64 = 1, kLength = 2, kFixed32 = 5 };

std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  for (; v >= 0x80; v >>= 7) ++n;
  return n;
}

// Writes protobuf into one buffer, nested messages in place: a message is opened with room for
// its length, written, and closed — its length then put before it (a length needing more or fewer
// bytes than the room moves the message by the difference: the encoding stays the minimal one).
// No message is built apart and copied into its parent.
class ProtoWriter {
 public:
  struct Open {
    std::size_t at;    // where the length goes
    std::size_t room;  // bytes kept for it
  };
  explicit ProtoWriter(std::string& out) : out_(out) {}

  void varint(std::uint32_t field, std::uint64_t v) {
    tag(field, kVarint);
    raw_varint(v);
  }
  void fixed64(std::uint32_t field, std::uint64_t v) {
    tag(field, kFixed64);
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    out_.append(b, 8);
  }
  void fixed32(std::uint32_t field, std::uint32_t v) {
    tag(field, kFixed32);
    char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    out_.append(b, 4);
  }
  void bytes(std::uint32_t field, std::string_view bytes) {
    tag(field, kLength);
    raw_varint(bytes.size());
    out_.append(bytes);
  }
  // Text as valid UTF-8 (copied only when something in it has to be replaced).
  void string(std::uint32_t field, std::string_view text) {
    if (is_valid_utf8(text))
      bytes(field, text);
    else
      bytes(field, valid_utf8(text));
  }
  // `room`: the length's likely size in bytes (1 below 128, 2 below 16 KiB, 3 below 2 MiB).
  Open open(std::uint32_t field, std::size_t room = 1) {
    tag(field, kLength);
    const Open o{out_.size(), room};
    out_.append(room, '\0');
    return o;
  }
  void close(const Open& o) {
    const std::size_t length = out_.size() - o.at - o.room;
    const std::size_t need = varint_size(length);
    if (need > o.room)
      out_.insert(o.at + o.room, need - o.room, '\0');
    else if (need < o.room)
      out_.erase(o.at + need, o.room - need);
    std::uint64_t v = length;
    for (std::size_t i = 0; i < need; ++i, v >>= 7)
      out_[o.at + i] = static_cast<char>((v & 0x7f) | (i + 1 < need ? 0x80 : 0));
  }

 private:
  void tag(std::uint32_t field, Wire wire) { raw_varint((static_cast<std::uint64_t>(field) << 3) | wire); }
  // A varint appended at once (most are one byte: tags, short lengths).
  void raw_varint(std::uint64_t v) {
    if (v < 0x80) {
      out_.push_back(static_cast<char>(v));
      return;
    }
    char b[10];
    std::size_t n = 0;
    for (; v >= 0x80; v >>= 7) b[n++] = static_cast<char>((v & 0x7f) | 0x80);
    b[n++] = static_cast<char>(v);
    out_.append(b, n);
  }
  std::string& out_;
};

template <std::size_t N>
std::string_view raw(const std::array<std::uint8_t, N>& id) {
  return {reinterpret_cast<const char*>(id.data()), N};
}
template <std::size_t N>
bool zero(const std::array<std::uint8_t, N>& id) {
  for (auto b : id)
    if (b) return false;
  return true;
}

// common.v1: AnyValue { string_value = 1; bool_value = 2; int_value = 3; double_value = 4; }
// KeyValue { key = 1; value = 2 } — the value present even when empty (an attribute whose value
// is "" or 0).
void put_key_value(ProtoWriter& w, std::uint32_t field, const Attribute& a) {
  const auto kv = w.open(field);
  w.string(1, a.key);
  const auto value = w.open(2);
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>)
          w.string(1, v);
        else if constexpr (std::is_same_v<T, bool>)
          w.varint(2, v ? 1 : 0);
        else if constexpr (std::is_same_v<T, std::int64_t>)
          w.varint(3, static_cast<std::uint64_t>(v));
        else
          w.fixed64(4, std::bit_cast<std::uint64_t>(v));
      },
      a.value);
  w.close(value);
  w.close(kv);
}

std::vector<Attribute> resource_attributes(const SpanSource& source) {
  std::vector<Attribute> all{{"service.name", source.service_name}};
  if (!source.service_instance_id.empty()) all.push_back({"service.instance.id", source.service_instance_id});
  all.insert(all.end(), source.attributes.begin(), source.attributes.end());
  return all;
}

// trace.v1: Span { trace_id = 1; span_id = 2; trace_state = 3; parent_span_id = 4; name = 5;
// kind = 6; start_time_unix_nano = 7; end_time_unix_nano = 8; attributes = 9; events = 11;
// status = 15; flags = 16 }, Span.Event { time_unix_nano = 1; name = 2; attributes = 3 },
// Status { message = 2; code = 3 }.
void span_message(ProtoWriter& w, const Span& s) {
  w.bytes(1, raw(s.trace_id));
  w.bytes(2, raw(s.span_id));
  if (!zero(s.parent_span_id)) w.bytes(4, raw(s.parent_span_id));
  w.string(5, s.name);
  if (s.kind != SpanKind::kUnspecified) w.varint(6, static_cast<std::uint64_t>(s.kind));
  w.fixed64(7, s.start_unix_nano);
  w.fixed64(8, s.end_unix_nano);
  for (const auto& a : s.attributes) put_key_value(w, 9, a);
  for (const auto& e : s.events) {
    const auto event = w.open(11, 2);
    w.fixed64(1, e.time_unix_nano);
    w.string(2, e.name);
    for (const auto& a : e.attributes) put_key_value(w, 3, a);
    w.close(event);
  }
  if (s.status != SpanStatus::kUnset) {
    const auto status = w.open(15);
    if (!s.status_message.empty()) w.string(2, s.status_message);
    w.varint(3, static_cast<std::uint64_t>(s.status));
    w.close(status);
  }
  w.fixed32(16, s.trace_flags);
}

// logs.v1: LogRecord { time_unix_nano = 1 (fixed64); severity_number = 2; severity_text = 3;
// body = 5 (AnyValue); attributes = 6; trace_id = 9; span_id = 10; observed_time_unix_nano = 11
// (fixed64) }.
void log_message(ProtoWriter& w, const LogRecord& l) {
  w.fixed64(1, l.time_unix_nano);
  if (l.severity_number != 0) w.varint(2, static_cast<std::uint64_t>(l.severity_number));
  if (!l.severity_text.empty()) w.string(3, l.severity_text);
  const auto body = w.open(5, 2);
  w.string(1, l.body);
  w.close(body);
  for (const auto& a : l.attributes) put_key_value(w, 6, a);
  if (!zero(l.trace_id)) w.bytes(9, raw(l.trace_id));
  if (!zero(l.span_id)) w.bytes(10, raw(l.span_id));
  if (l.observed_time_unix_nano != 0) w.fixed64(11, l.observed_time_unix_nano);
}

// metrics.v1: Metric { name = 1; description = 2; unit = 3; gauge = 5; sum = 7 }, Gauge {
// data_points = 1 }, Sum { data_points = 1; aggregation_temporality = 2; is_monotonic = 3 },
// NumberDataPoint { start_time_unix_nano = 2 (fixed64); time_unix_nano = 3 (fixed64); as_double =
// 4 (double); as_int = 6 (sfixed64); attributes = 7 }.
constexpr std::uint64_t kCumulative = 2;  // AggregationTemporality

void metric_message(ProtoWriter& w, const Metric& m) {
  w.string(1, m.name);
  if (!m.description.empty()) w.string(2, m.description);
  if (!m.unit.empty()) w.string(3, m.unit);
  if (m.kind == MetricKind::kOther) return;
  const auto data = w.open(m.kind == MetricKind::kSum ? 7 : 5, 2);
  for (const auto& p : m.points) {
    const auto point = w.open(1, 2);
    if (p.start_time_unix_nano != 0) w.fixed64(2, p.start_time_unix_nano);
    w.fixed64(3, p.time_unix_nano);
    if (const auto* d = std::get_if<double>(&p.value))
      w.fixed64(4, std::bit_cast<std::uint64_t>(*d));
    else
      w.fixed64(6, static_cast<std::uint64_t>(std::get<std::int64_t>(p.value)));  // sfixed64: two's complement
    for (const auto& a : p.attributes) put_key_value(w, 7, a);
    w.close(point);
  }
  if (m.kind == MetricKind::kSum) {
    w.varint(2, kCumulative);
    if (m.monotonic) w.varint(3, 1);
  }
  w.close(data);
}

// Export{Trace,Logs}ServiceRequest { resource_X = 1 } → ResourceX { resource = 1; scope_X = 2 }
// → Resource { attributes = 1 }, ScopeX { scope = 1; X = 2 }, InstrumentationScope { name = 1;
// version = 2 }: the same layout for spans and log records. Appended to `out` (requests laid end
// to end are one request: repeated fields concatenate).
template <class Item, class Encode>
void append_request(std::string& out, const SpanSource& source, std::span<const Item* const> items, Encode encode) {
  ProtoWriter w(out);
  const auto resource_items = w.open(1, 3);
  const auto resource = w.open(1, 2);
  for (const auto& a : resource_attributes(source)) put_key_value(w, 1, a);
  w.close(resource);
  const auto scope_items = w.open(2, 3);
  const auto scope = w.open(1);
  w.string(1, source.scope_name);
  if (!source.scope_version.empty()) w.string(2, source.scope_version);
  w.close(scope);
  for (const Item* item : items) {
    const auto m = w.open(2, 2);
    encode(w, *item);
    w.close(m);
  }
  w.close(scope_items);
  w.close(resource_items);
}

template <class Item, class Encode>
std::string request_protobuf(const SpanSource& source, std::span<const Item> items, Encode encode) {
  std::vector<const Item*> pointers;
  pointers.reserve(items.size());
  for (const auto& item : items) pointers.push_back(&item);
  std::string out;
  out.reserve(256 + 320 * items.size());
  append_request<Item>(out, source, std::span<const Item* const>(pointers), encode);
  return out;
}

// ---------------------------------------------------------------- OTLP/JSON


boost::json::object json_key_value(const Attribute& a) {
  boost::json::object value;
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>)
          value["stringValue"] = valid_utf8(v);
        else if constexpr (std::is_same_v<T, bool>)
          value["boolValue"] = v;
        else if constexpr (std::is_same_v<T, std::int64_t>)
          value["intValue"] = std::to_string(v);  // 64-bit: a string
        else if (std::isfinite(v))
          value["doubleValue"] = v;
        else
          value["doubleValue"] = std::isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity");  // protobuf's JSON mapping
      },
      a.value);
  return {{"key", valid_utf8(a.key)}, {"value", std::move(value)}};
}

boost::json::array json_attributes(const std::vector<Attribute>& attributes) {
  boost::json::array out;
  for (const auto& a : attributes) out.push_back(json_key_value(a));
  return out;
}

boost::json::object json_span(const Span& s) {
  boost::json::object o{{"traceId", core::to_hex(s.trace_id)}, {"spanId", core::to_hex(s.span_id)}};
  if (!zero(s.parent_span_id)) o["parentSpanId"] = core::to_hex(s.parent_span_id);
  o["name"] = valid_utf8(s.name);
  if (s.kind != SpanKind::kUnspecified) o["kind"] = static_cast<int>(s.kind);
  o["startTimeUnixNano"] = std::to_string(s.start_unix_nano);
  o["endTimeUnixNano"] = std::to_string(s.end_unix_nano);
  if (!s.attributes.empty()) o["attributes"] = json_attributes(s.attributes);
  if (!s.events.empty()) {
    boost::json::array events;
    for (const auto& e : s.events) {
      boost::json::object event{{"timeUnixNano", std::to_string(e.time_unix_nano)}, {"name", valid_utf8(e.name)}};
      if (!e.attributes.empty()) event["attributes"] = json_attributes(e.attributes);
      events.push_back(std::move(event));
    }
    o["events"] = std::move(events);
  }
  if (s.status != SpanStatus::kUnset) {
    boost::json::object status{{"code", static_cast<int>(s.status)}};
    if (!s.status_message.empty()) status["message"] = valid_utf8(s.status_message);
    o["status"] = std::move(status);
  }
  o["flags"] = s.trace_flags;
  return o;
}

boost::json::object json_log(const LogRecord& l) {
  boost::json::object o{{"timeUnixNano", std::to_string(l.time_unix_nano)}};
  if (l.observed_time_unix_nano != 0) o["observedTimeUnixNano"] = std::to_string(l.observed_time_unix_nano);
  if (l.severity_number != 0) o["severityNumber"] = l.severity_number;
  if (!l.severity_text.empty()) o["severityText"] = valid_utf8(l.severity_text);
  o["body"] = boost::json::object{{"stringValue", valid_utf8(l.body)}};
  if (!l.attributes.empty()) o["attributes"] = json_attributes(l.attributes);
  if (!zero(l.trace_id)) o["traceId"] = core::to_hex(l.trace_id);
  if (!zero(l.span_id)) o["spanId"] = core::to_hex(l.span_id);
  return o;
}

boost::json::object json_metric(const Metric& m) {
  boost::json::object o{{"name", valid_utf8(m.name)}};
  if (!m.description.empty()) o["description"] = valid_utf8(m.description);
  if (!m.unit.empty()) o["unit"] = valid_utf8(m.unit);
  if (m.kind == MetricKind::kOther) return o;
  boost::json::array points;
  for (const auto& p : m.points) {
    boost::json::object point{{"timeUnixNano", std::to_string(p.time_unix_nano)}};
    if (p.start_time_unix_nano != 0) point["startTimeUnixNano"] = std::to_string(p.start_time_unix_nano);
    if (const auto* d = std::get_if<double>(&p.value)) {
      if (std::isfinite(*d))
        point["asDouble"] = *d;
      else
        point["asDouble"] = std::isnan(*d) ? "NaN" : (*d > 0 ? "Infinity" : "-Infinity");
    } else {
      point["asInt"] = std::to_string(std::get<std::int64_t>(p.value));
    }
    if (!p.attributes.empty()) point["attributes"] = json_attributes(p.attributes);
    points.push_back(std::move(point));
  }
  boost::json::object data{{"dataPoints", std::move(points)}};
  if (m.kind == MetricKind::kSum) {
    data["aggregationTemporality"] = kCumulative;
    data["isMonotonic"] = m.monotonic;
    o["sum"] = std::move(data);
  } else {
    o["gauge"] = std::move(data);
  }
  return o;
}

template <class Item, class ToJson>
std::string request_json(const SpanSource& source, std::span<const Item> items, ToJson to_json,
                         std::string_view resources, std::string_view scopes, std::string_view list_name) {
  boost::json::object scope{{"name", valid_utf8(source.scope_name)}};
  if (!source.scope_version.empty()) scope["version"] = valid_utf8(source.scope_version);
  boost::json::array list;
  for (const auto& item : items) list.push_back(to_json(item));
  boost::json::object scope_items{{"scope", std::move(scope)}, {list_name, std::move(list)}};
  boost::json::object resource{{"attributes", json_attributes(resource_attributes(source))}};
  boost::json::object resource_items{{"resource", std::move(resource)},
                                     {scopes, boost::json::array{std::move(scope_items)}}};
  return boost::json::serialize(boost::json::object{{resources, boost::json::array{std::move(resource_items)}}});
}

}  // namespace

std::string otlp_traces_protobuf(const SpanSource& source, std::span<const Span> spans) {
  return request_protobuf(source, spans, span_message);
}

void append_otlp_traces_protobuf(std::string& out, const SpanSource& source, std::span<const Span* const> spans) {
  append_request<Span>(out, source, spans, span_message);
}

std::string otlp_traces_json(const SpanSource& source, std::span<const Span> spans) {
  return request_json(source, spans, json_span, "resourceSpans", "scopeSpans", "spans");
}

std::string otlp_logs_protobuf(const SpanSource& source, std::span<const LogRecord> records) {
  return request_protobuf(source, records, log_message);
}

void append_otlp_logs_protobuf(std::string& out, const SpanSource& source, std::span<const LogRecord* const> records) {
  append_request<LogRecord>(out, source, records, log_message);
}

std::string otlp_logs_json(const SpanSource& source, std::span<const LogRecord> records) {
  return request_json(source, records, json_log, "resourceLogs", "scopeLogs", "logRecords");
}

std::string otlp_metrics_protobuf(const SpanSource& source, std::span<const Metric> metrics) {
  return request_protobuf(source, metrics, metric_message);
}

void append_otlp_metrics_protobuf(std::string& out, const SpanSource& source, std::span<const Metric* const> metrics) {
  append_request<Metric>(out, source, metrics, metric_message);
}

std::string otlp_metrics_json(const SpanSource& source, std::span<const Metric> metrics) {
  return request_json(source, metrics, json_metric, "resourceMetrics", "scopeMetrics", "metrics");
}

// ---------------------------------------------------------------- decoding (a receiver's side)

namespace {

struct Malformed {
  std::string why;
};

// The limits, and what is left of the request's budget of decoded bytes: every string kept, every
// value, span and batch is charged, so no body decodes to more than max_decoded_bytes.
struct Reading {
  const OtlpLimits& limits;
  std::size_t left;
  void charge(std::size_t n) {
    if (n > left)
      throw Malformed{"the request decodes to more than " + std::to_string(limits.max_decoded_bytes) + " bytes"};
    left -= n;
  }
};

// Reads protobuf's wire format from untrusted bytes: every read is bounds-checked.
class WireReader {
 public:
  explicit WireReader(std::string_view in) : in_(in) {}
  // The next field's number and wire type; false at the end.
  bool next(std::uint32_t& field, std::uint32_t& type) {
    if (at_ == in_.size()) return false;
    const std::uint64_t key = varint();
    field = static_cast<std::uint32_t>(key >> 3);
    type = static_cast<std::uint32_t>(key & 7);
    if (field == 0 || key >> 32) throw Malformed{"a field number out of range"};
    return true;
  }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    if (!core::read_varint(in_, at_, v)) throw Malformed{"a varint cut short or past 64 bits"};
    return v;
  }
  std::uint64_t fixed(int bytes) {
    if (in_.size() - at_ < static_cast<std::size_t>(bytes)) throw Malformed{"cut short in a fixed-size field"};
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(in_[at_++])) << (8 * i);
    return v;
  }
  std::string_view bytes() {
    const std::uint64_t n = varint();
    if (n > in_.size() - at_) throw Malformed{"a length past the end"};
    auto out = in_.substr(at_, static_cast<std::size_t>(n));
    at_ += static_cast<std::size_t>(n);
    return out;
  }
  void skip(std::uint32_t type) {
    switch (type) {
      case kVarint:
        varint();
        return;
      case kFixed64:
        fixed(8);
        return;
      case kLength:
        bytes();
        return;
      case kFixed32:
        fixed(4);
        return;
      default:
        throw Malformed{"an unknown wire type"};  // groups (3, 4) are not in OTLP
    }
  }

 private:
  std::string_view in_;
  std::size_t at_ = 0;
};

void expect(std::uint32_t type, Wire wanted, std::uint32_t field, const char* message) {
  if (type != wanted)
    throw Malformed{std::string("field ") + std::to_string(field) + " of " + message + " has the wrong wire type"};
}

// Valid UTF-8 of at most max_string bytes, cut at a character boundary: a string read twice
// reads the same (nothing to replace, nothing to cut the second time).
std::string text_of(std::string_view raw, Reading& r) {
  std::string text = valid_utf8(raw, r.limits.max_string);
  r.charge(text.size() + 32);
  return text;
}

constexpr int kMaxDepth = 8;

// common.v1.AnyValue as JSON (for arrays and key lists, kept as text): string 1, bool 2, int 3,
// double 4, array 5 (ArrayValue { values = 1 }), kvlist 6 (KeyValueList { values = 1 }), bytes 7.
boost::json::value any_json(std::string_view raw, Reading& r, int depth);

boost::json::value list_json(std::string_view raw, bool keyed, Reading& r, int depth) {
  if (depth > kMaxDepth) throw Malformed{"values nested too deep"};
  boost::json::array items;
  boost::json::object keys;
  WireReader in(raw);
  std::uint32_t field = 0, type = 0;
  while (in.next(field, type)) {
    if (field != 1) {
      in.skip(type);
      continue;
    }
    expect(type, kLength, field, keyed ? "KeyValueList" : "ArrayValue");
    const auto item = in.bytes();
    if (!keyed) {
      if (items.size() < r.limits.max_attributes) items.push_back(any_json(item, r, depth + 1));
      continue;
    }
    WireReader kv(item);
    std::string key;
    boost::json::value value;
    std::uint32_t f = 0, t = 0;
    while (kv.next(f, t)) {
      if (f == 1) {
        expect(t, kLength, f, "KeyValue");
        key = text_of(kv.bytes(), r);
      } else if (f == 2) {
        expect(t, kLength, f, "KeyValue");
        value = any_json(kv.bytes(), r, depth + 1);
      } else {
        kv.skip(t);
      }
    }
    if (keys.size() < r.limits.max_attributes) keys[key] = std::move(value);
  }
  if (keyed) return keys;
  return items;
}

boost::json::value any_json(std::string_view raw, Reading& r, int depth) {
  r.charge(sizeof(boost::json::value));
  boost::json::value out;  // null: an empty AnyValue
  WireReader in(raw);
  std::uint32_t field = 0, type = 0;
  while (in.next(field, type)) {
    switch (field) {
      case 1:
        expect(type, kLength, field, "AnyValue");
        out = text_of(in.bytes(), r);
        break;
      case 2:
        expect(type, kVarint, field, "AnyValue");
        out = in.varint() != 0;
        break;
      case 3:
        expect(type, kVarint, field, "AnyValue");
        out = static_cast<std::int64_t>(in.varint());
        break;
      case 4: {
        expect(type, kFixed64, field, "AnyValue");
        const double d = std::bit_cast<double>(in.fixed(8));
        if (std::isfinite(d) || depth == 0)  // an attribute's own value stays a double, NaN too
          out = d;
        else
          out = std::isnan(d) ? "NaN" : (d > 0 ? "Infinity" : "-Infinity");
        break;
      }
      case 5:
        expect(type, kLength, field, "AnyValue");
        out = list_json(in.bytes(), false, r, depth);
        break;
      case 6:
        expect(type, kLength, field, "AnyValue");
        out = list_json(in.bytes(), true, r, depth);
        break;
      case 7: {
        expect(type, kLength, field, "AnyValue");
        std::string text = core::to_hex(in.bytes().substr(0, r.limits.max_string / 2));
        r.charge(text.size() + 32);
        out = std::move(text);
        break;
      }
      default:
        in.skip(type);
    }
  }
  return out;
}

// An attribute's value read as JSON: scalars as themselves (a double stays a double, NaN too), an
// empty value as "", arrays and key lists as JSON text.
void set_value(Attribute& a, const boost::json::value& v, Reading& r) {
  if (v.is_string())
    a.value = std::string(v.as_string());
  else if (v.is_bool())
    a.value = v.as_bool();
  else if (v.is_int64())
    a.value = v.as_int64();
  else if (v.is_double())
    a.value = v.as_double();
  else if (v.is_null())
    a.value = std::string();
  else
    a.value = text_of(boost::json::serialize(v), r);
}

// A KeyValue as an attribute: scalars as themselves, the rest as JSON text.
Attribute attribute_of(std::string_view raw, Reading& r) {
  r.charge(sizeof(Attribute));
  Attribute a{"", std::string()};
  WireReader in(raw);
  std::uint32_t field = 0, type = 0;
  while (in.next(field, type)) {
    if (field == 1) {
      expect(type, kLength, field, "KeyValue");
      a.key = text_of(in.bytes(), r);
    } else if (field == 2) {
      expect(type, kLength, field, "KeyValue");
      set_value(a, any_json(in.bytes(), r, 0), r);
    } else {
      in.skip(type);
    }
  }
  return a;
}

template <std::size_t N>
void id_of(std::string_view raw, std::array<std::uint8_t, N>& id, const char* what) {
  if (raw.size() != N) throw Malformed{std::string("a ") + what + " of " + std::to_string(raw.size()) + " bytes"};
  std::memcpy(id.data(), raw.data(), N);
}

Span span_of(std::string_view raw, Reading& r) {
  r.charge(sizeof(Span));
  Span s;
  s.trace_flags = 0;  // proto3 defaults for what the sender left out
  s.kind = SpanKind::kUnspecified;
  bool has_trace = false, has_span = false;
  WireReader in(raw);
  std::uint32_t field = 0, type = 0;
  while (in.next(field, type)) {
    switch (field) {
      case 1:
        expect(type, kLength, field, "Span");
        id_of(in.bytes(), s.trace_id, "trace id");
        has_trace = true;
        break;
      case 2:
        expect(type, kLength, field, "Span");
        id_of(in.bytes(), s.span_id, "span id");
        has_span = true;
        break;
      case 4: {
        expect(type, kLength, field, "Span");
        const auto parent = in.bytes();
        if (!parent.empty()) id_of(parent, s.parent_span_id, "parent span id");
        break;
      }
      case 5:
        expect(type, kLength, field, "Span");
        s.name = text_of(in.bytes(), r);
        break;
      case 6: {
        expect(type, kVarint, field, "Span");
        const auto kind = in.varint();
        s.kind = kind <= 5 ? static_cast<SpanKind>(kind) : SpanKind::kUnspecified;
        break;
      }
      case 7:
        expect(type, kFixed64, field, "Span");
        s.start_unix_nano = in.fixed(8);
        break;
      case 8:
        expect(type, kFixed64, field, "Span");
        s.end_unix_nano = in.fixed(8);
        break;
      case 9: {
        expect(type, kLength, field, "Span");
        const auto kv = in.bytes();
        if (s.attributes.size() < r.limits.max_attributes) s.attributes.push_back(attribute_of(kv, r));
        break;
      }
      case 11: {
        expect(type, kLength, field, "Span");
        const auto raw_event = in.bytes();
        if (s.events.size() >= r.limits.max_events) break;
        r.charge(sizeof(SpanEvent));
        SpanEvent e;
        WireReader ev(raw_event);
        std::uint32_t f = 0, t = 0;
        while (ev.next(f, t)) {
          if (f == 1) {
            expect(t, kFixed64, f, "Span.Event");
            e.time_unix_nano = ev.fixed(8);
          } else if (f == 2) {
            expect(t, kLength, f, "Span.Event");
            e.name = text_of(ev.bytes(), r);
          } else if (f == 3) {
            expect(t, kLength, f, "Span.Event");
            const auto kv = ev.bytes();
            if (e.attributes.size() < r.limits.max_attributes) e.attributes.push_back(attribute_of(kv, r));
          } else {
            ev.skip(t);
          }
        }
        s.events.push_back(std::move(e));
        break;
      }
      case 15: {
        expect(type, kLength, field, "Span");
        WireReader st(in.bytes());
        std::uint32_t f = 0, t = 0;
        while (st.next(f, t)) {
          if (f == 2) {
            expect(t, kLength, f, "Status");
            s.status_message = text_of(st.bytes(), r);
          } else if (f == 3) {
            expect(t, kVarint, f, "Status");
            const auto code = st.varint();
            s.status = code <= 2 ? static_cast<SpanStatus>(code) : SpanStatus::kUnset;
          } else {
            st.skip(t);
          }
        }
        break;
      }
      case 16:
        expect(type, kFixed32, field, "Span");
        s.trace_flags = static_cast<std::uint8_t>(in.fixed(4) & 0xff);
        break;
      default:
        in.skip(type);  // trace_state, dropped counts, links
    }
  }
  if (!has_trace || !has_span) throw Malformed{"a span without its trace id or span id"};
  if (zero(s.trace_id) || zero(s.span_id)) throw Malformed{"a span with an all-zero id"};
  return s;
}

// A body's AnyValue as text: a string as itself, anything else as JSON text.
std::string body_text(const boost::json::value& v, Reading& r) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_null()) return {};
  return text_of(boost::json::serialize(v), r);
}

int severity_of(std::uint64_t n) { return n <= 24 ? static_cast<int>(n) : 0; }

LogRecord log_of(std::string_view raw, Reading& r) {
  r.charge(sizeof(LogRecord));
  LogRecord l;
  WireReader in(raw);
  std::uint32_t field = 0, type = 0;
  while (in.next(field, type)) {
    switch (field) {
      case 1:
        expect(type, kFixed64, field, "LogRecord");
        l.time_unix_nano = in.fixed(8);
        break;
      case 2:
        expect(type, kVarint, field, "LogRecord");
        l.severity_number = severity_of(in.varint());
        break;
      case 3:
        expect(type, kLength, field, "LogRecord");
        l.severity_text = text_of(in.bytes(), r);
        break;
      case 5:
        expect(type, kLength, field, "LogRecord");
        l.body = body_text(any_json(in.bytes(), r, 0), r);
        break;
      case 6: {
        expect(type, kLength, field, "LogRecord");
        const auto kv = in.bytes();
        if (l.attributes.size() < r.limits.max_attributes) l.attributes.push_back(attribute_of(kv, r));
        break;
      }
      case 9: {  // empty when the record was not written in a trace
        expect(type, kLength, field, "LogRecord");
        const auto id = in.bytes();
        if (!id.empty()) id_of(id, l.trace_id, "trace id");
        break;
      }
      case 10: {
        expect(type, kLength, field, "LogRecord");
        const auto id = in.bytes();
        if (!id.empty()) id_of(id, l.span_id, "span id");
        break;
      }
      case 11:
        expect(type, kFixed64, field, "LogRecord");
        l.observed_time_unix_nano = in.fixed(8);
        break;
      default:
        in.skip(type);  // dropped count, flags, event name
    }
  }
  return l;
}

// A point, or none when it holds no value (an SDK's "no recorded value").
std::optional<NumberPoint> point_of(std::string_view raw, Reading& r) {
  r.charge(sizeof(NumberPoint));
  NumberPoint p;
  bool valued = false;
  WireReader in(raw);
  std::uint32_t field = 0, type = 0;
  while (in.next(field, type)) {
    switch (field) {
      case 2:
        expect(type, kFixed64, field, "NumberDataPoint");
        p.start_time_unix_nano = in.fixed(8);
        break;
      case 3:
        expect(type, kFixed64, field, "NumberDataPoint");
        p.time_unix_nano = in.fixed(8);
        break;
      case 4:
        expect(type, kFixed64, field, "NumberDataPoint");
        p.value = std::bit_cast<double>(in.fixed(8));
        valued = true;
        break;
      case 6:
        expect(type, kFixed64, field, "NumberDataPoint");
        p.value = static_cast<std::int64_t>(in.fixed(8));
        valued = true;
        break;
      case 7: {
        expect(type, kLength, field, "NumberDataPoint");
        const auto kv = in.bytes();
        if (p.attributes.size() < r.limits.max_attributes) p.attributes.push_back(attribute_of(kv, r));
        break;
      }
      default:
        in.skip(type);  // exemplars, flags
    }
  }
  if (!valued) return std::nullopt;
  return p;
}

// A Gauge's or a Sum's points into `m` (past max_events, the rest are left out).
void data_of(std::string_view raw, Metric& m, Reading& r) {
  WireReader in(raw);
  std::uint32_t field = 0, type = 0;
  while (in.next(field, type)) {
    if (field == 1) {
      expect(type, kLength, field, "a metric's data");
      const auto raw_point = in.bytes();
      if (m.points.size() < r.limits.max_events)
        if (auto point = point_of(raw_point, r)) m.points.push_back(std::move(*point));
    } else if (field == 3 && m.kind == MetricKind::kSum) {
      expect(type, kVarint, field, "Sum");
      m.monotonic = in.varint() != 0;
    } else {
      in.skip(type);  // the temporality (a sum's points are read as they are)
    }
  }
}

Metric metric_of(std::string_view raw, Reading& r) {
  r.charge(sizeof(Metric));
  Metric m;
  m.kind = MetricKind::kOther;
  WireReader in(raw);
  std::uint32_t field = 0, type = 0;
  while (in.next(field, type)) {
    switch (field) {
      case 1:
      case 2:
      case 3:
        expect(type, kLength, field, "Metric");
        (field == 1 ? m.name : field == 2 ? m.description : m.unit) = text_of(in.bytes(), r);
        break;
      case 5:
      case 7: {
        expect(type, kLength, field, "Metric");
        m.kind = field == 5 ? MetricKind::kGauge : MetricKind::kSum;
        m.monotonic = false;
        m.points.clear();
        data_of(in.bytes(), m, r);
        break;
      }
      default:
        in.skip(type);  // histograms, summaries, metadata: not read
    }
  }
  return m;
}

}  // namespace

// ---------------------------------------------------------------- OTLP/JSON decoding

namespace {

const boost::json::value* member(const boost::json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it == o.end() || it->value().is_null() ? nullptr : &it->value();
}
const boost::json::object& object_of(const boost::json::value& v, const char* what) {
  if (!v.is_object()) throw Malformed{std::string(what) + " is not an object"};
  return v.as_object();
}
const boost::json::array& array_of(const boost::json::object& o, std::string_view key, const char* what) {
  static const boost::json::array none;
  const auto* v = member(o, key);
  if (!v) return none;
  if (!v->is_array()) throw Malformed{std::string(what) + "." + std::string(key) + " is not an array"};
  return v->as_array();
}
std::string_view string_at(const boost::json::object& o, std::string_view key, const char* what) {
  const auto* v = member(o, key);
  if (!v) return {};
  if (!v->is_string()) throw Malformed{std::string(what) + "." + std::string(key) + " is not a string"};
  return v->as_string();
}
// A 64-bit unsigned integer: a decimal string (protobuf's JSON mapping) or a number.
std::uint64_t u64_at(const boost::json::object& o, std::string_view key, const char* what) {
  const auto* v = member(o, key);
  if (!v) return 0;
  if (v->is_uint64()) return v->as_uint64();
  if (v->is_int64() && v->as_int64() >= 0) return static_cast<std::uint64_t>(v->as_int64());
  if (v->is_string()) {
    const auto text = v->as_string();
    std::uint64_t n = 0;
    if (text.empty() || text.size() > 20)
      throw Malformed{std::string(what) + "." + std::string(key) + " is not a number"};
    for (char c : text) {
      if (c < '0' || c > '9' || n > (UINT64_MAX - static_cast<std::uint64_t>(c - '0')) / 10)
        throw Malformed{std::string(what) + "." + std::string(key) + " is not a number"};
      n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n;
  }
  throw Malformed{std::string(what) + "." + std::string(key) + " is not a number"};
}
// An enum: its number, or its name ("SPAN_KIND_SERVER") from `names` (index = number).
std::uint64_t enum_at(const boost::json::object& o, std::string_view key, std::initializer_list<std::string_view> names,
                      const char* what) {
  const auto* v = member(o, key);
  if (v && v->is_string()) {
    std::uint64_t i = 0;
    for (auto name : names) {
      if (v->as_string() == name) return i;
      ++i;
    }
    return 0;  // an unknown name: unspecified, as an unknown number
  }
  return u64_at(o, key, what);
}
template <std::size_t N>
void hex_id(std::string_view text, std::array<std::uint8_t, N>& id, const char* what) {
  auto digit = [&](char c) -> std::uint8_t {
    if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<std::uint8_t>(c - 'A' + 10);
    throw Malformed{std::string("a ") + what + " that is not hex"};
  };
  if (text.size() != 2 * N)
    throw Malformed{std::string("a ") + what + " of " + std::to_string(text.size()) + " hex digits"};
  for (std::size_t i = 0; i < N; ++i)
    id[i] = static_cast<std::uint8_t>(digit(text[2 * i]) << 4 | digit(text[2 * i + 1]));
}

// An AnyValue as plain JSON (as any_json does for protobuf).
boost::json::value plain_json(const boost::json::value& any, Reading& r, int depth) {
  if (depth > kMaxDepth) throw Malformed{"values nested too deep"};
  r.charge(sizeof(boost::json::value));
  if (!any.is_object()) throw Malformed{"an attribute value is not an object"};
  const auto& o = any.as_object();
  if (const auto* v = member(o, "stringValue")) {
    if (!v->is_string()) throw Malformed{"stringValue is not a string"};
    return boost::json::value(text_of(v->as_string(), r));
  }
  if (const auto* v = member(o, "boolValue")) {
    if (!v->is_bool()) throw Malformed{"boolValue is not a boolean"};
    return *v;
  }
  if (const auto* v = member(o, "intValue")) {
    if (v->is_int64()) return *v;
    if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
      return static_cast<std::int64_t>(v->as_uint64());
    if (v->is_string()) {
      const std::string text(v->as_string());
      std::size_t used = 0;
      std::int64_t n = 0;
      try {
        n = std::stoll(text, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == text.size() && !text.empty()) return n;
    }
    throw Malformed{"intValue is not a 64-bit integer"};
  }
  if (const auto* v = member(o, "doubleValue")) {
    if (v->is_number()) {
      boost::system::error_code ec;
      const double d = v->to_number<double>(ec);
      return d;
    }
    if (v->is_string()) {
      const auto t = v->as_string();
      if (t == "NaN") return std::numeric_limits<double>::quiet_NaN();
      if (t == "Infinity") return std::numeric_limits<double>::infinity();
      if (t == "-Infinity") return -std::numeric_limits<double>::infinity();
    }
    throw Malformed{"doubleValue is not a number"};
  }
  if (const auto* v = member(o, "arrayValue")) {
    boost::json::array items;
    for (const auto& item : array_of(object_of(*v, "arrayValue"), "values", "arrayValue")) {
      if (items.size() >= r.limits.max_attributes) break;
      items.push_back(plain_json(item, r, depth + 1));
    }
    return items;
  }
  if (const auto* v = member(o, "kvlistValue")) {
    boost::json::object keys;
    for (const auto& kv : array_of(object_of(*v, "kvlistValue"), "values", "kvlistValue")) {
      if (keys.size() >= r.limits.max_attributes) break;
      const auto& pair = object_of(kv, "a key-value");
      const std::string key = text_of(string_at(pair, "key", "a key-value"), r);
      const auto* value = member(pair, "value");
      keys[key] = value ? plain_json(*value, r, depth + 1) : boost::json::value();
    }
    return keys;
  }
  if (const auto* v = member(o, "bytesValue")) {  // base64 in protobuf's JSON mapping: kept as given
    if (!v->is_string()) throw Malformed{"bytesValue is not a string"};
    return boost::json::value(text_of(v->as_string(), r));
  }
  return nullptr;
}

Attribute json_attribute(const boost::json::value& kv, Reading& r) {
  r.charge(sizeof(Attribute));
  const auto& o = object_of(kv, "an attribute");
  Attribute a{text_of(string_at(o, "key", "an attribute"), r), std::string()};
  const auto* value = member(o, "value");
  if (!value) return a;
  set_value(a, plain_json(*value, r, 0), r);
  return a;
}

std::vector<Attribute> json_attributes_of(const boost::json::object& o, Reading& r, const char* what) {
  std::vector<Attribute> out;
  for (const auto& kv : array_of(o, "attributes", what)) {
    if (out.size() >= r.limits.max_attributes) break;
    out.push_back(json_attribute(kv, r));
  }
  return out;
}

Span json_span_of(const boost::json::value& v, Reading& r) {
  r.charge(sizeof(Span));
  const auto& o = object_of(v, "a span");
  Span s;
  s.trace_flags = static_cast<std::uint8_t>(u64_at(o, "flags", "a span") & 0xff);
  hex_id(string_at(o, "traceId", "a span"), s.trace_id, "trace id");
  hex_id(string_at(o, "spanId", "a span"), s.span_id, "span id");
  if (auto parent = string_at(o, "parentSpanId", "a span"); !parent.empty())
    hex_id(parent, s.parent_span_id, "parent span id");
  if (zero(s.trace_id) || zero(s.span_id)) throw Malformed{"a span with an all-zero id"};
  s.name = text_of(string_at(o, "name", "a span"), r);
  const auto kind = enum_at(o, "kind",
                            {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT",
                             "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"},
                            "a span");
  s.kind = kind <= 5 ? static_cast<SpanKind>(kind) : SpanKind::kUnspecified;
  s.start_unix_nano = u64_at(o, "startTimeUnixNano", "a span");
  s.end_unix_nano = u64_at(o, "endTimeUnixNano", "a span");
  s.attributes = json_attributes_of(o, r, "a span");
  for (const auto& e : array_of(o, "events", "a span")) {
    if (s.events.size() >= r.limits.max_events) break;
    r.charge(sizeof(SpanEvent));
    const auto& eo = object_of(e, "an event");
    s.events.push_back({text_of(string_at(eo, "name", "an event"), r), u64_at(eo, "timeUnixNano", "an event"),
                        json_attributes_of(eo, r, "an event")});
  }
  if (const auto* st = member(o, "status")) {
    const auto& so = object_of(*st, "a status");
    s.status_message = text_of(string_at(so, "message", "a status"), r);
    const auto code = enum_at(so, "code", {"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"}, "a status");
    s.status = code <= 2 ? static_cast<SpanStatus>(code) : SpanStatus::kUnset;
  }
  return s;
}

LogRecord json_log_of(const boost::json::value& v, Reading& r) {
  r.charge(sizeof(LogRecord));
  const auto& o = object_of(v, "a log record");
  LogRecord l;
  l.time_unix_nano = u64_at(o, "timeUnixNano", "a log record");
  l.observed_time_unix_nano = u64_at(o, "observedTimeUnixNano", "a log record");
  l.severity_number = severity_of(enum_at(
      o, "severityNumber",
      {"SEVERITY_NUMBER_UNSPECIFIED", "SEVERITY_NUMBER_TRACE", "SEVERITY_NUMBER_TRACE2", "SEVERITY_NUMBER_TRACE3",
       "SEVERITY_NUMBER_TRACE4",      "SEVERITY_NUMBER_DEBUG", "SEVERITY_NUMBER_DEBUG2", "SEVERITY_NUMBER_DEBUG3",
       "SEVERITY_NUMBER_DEBUG4",      "SEVERITY_NUMBER_INFO",  "SEVERITY_NUMBER_INFO2",  "SEVERITY_NUMBER_INFO3",
       "SEVERITY_NUMBER_INFO4",       "SEVERITY_NUMBER_WARN",  "SEVERITY_NUMBER_WARN2",  "SEVERITY_NUMBER_WARN3",
       "SEVERITY_NUMBER_WARN4",       "SEVERITY_NUMBER_ERROR", "SEVERITY_NUMBER_ERROR2", "SEVERITY_NUMBER_ERROR3",
       "SEVERITY_NUMBER_ERROR4",      "SEVERITY_NUMBER_FATAL", "SEVERITY_NUMBER_FATAL2", "SEVERITY_NUMBER_FATAL3",
       "SEVERITY_NUMBER_FATAL4"},
      "a log record"));
  l.severity_text = text_of(string_at(o, "severityText", "a log record"), r);
  if (const auto* body = member(o, "body")) l.body = body_text(plain_json(*body, r, 0), r);
  l.attributes = json_attributes_of(o, r, "a log record");
  if (const auto id = string_at(o, "traceId", "a log record"); !id.empty()) hex_id(id, l.trace_id, "trace id");
  if (const auto id = string_at(o, "spanId", "a log record"); !id.empty()) hex_id(id, l.span_id, "span id");
  return l;
}

// A data point's number: asDouble (a number, or "NaN" / "Infinity" / "-Infinity" as protobuf's
// JSON mapping writes them) or asInt (a decimal string or a number).
std::optional<NumberPoint> json_point_of(const boost::json::value& v, Reading& r) {
  r.charge(sizeof(NumberPoint));
  const auto& o = object_of(v, "a data point");
  NumberPoint p;
  p.time_unix_nano = u64_at(o, "timeUnixNano", "a data point");
  p.start_time_unix_nano = u64_at(o, "startTimeUnixNano", "a data point");
  if (const auto* d = member(o, "asDouble")) {
    if (d->is_number()) {
      p.value = d->to_number<double>();
    } else if (d->is_string() &&
               (d->as_string() == "NaN" || d->as_string() == "Infinity" || d->as_string() == "-Infinity")) {
      p.value = d->as_string() == "NaN"        ? std::numeric_limits<double>::quiet_NaN()
                : d->as_string() == "Infinity" ? std::numeric_limits<double>::infinity()
                                               : -std::numeric_limits<double>::infinity();
    } else {
      throw Malformed{"a data point's asDouble is not a number"};
    }
  } else if (const auto* i = member(o, "asInt")) {
    if (i->is_int64()) {
      p.value = i->as_int64();
    } else if (i->is_string()) {
      const auto text = i->as_string();
      std::int64_t n = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
      if (ec != std::errc() || end != text.data() + text.size() || text.empty())
        throw Malformed{"a data point's asInt is not a 64-bit integer"};
      p.value = n;
    } else {
      throw Malformed{"a data point's asInt is not a 64-bit integer"};
    }
  } else {
    return std::nullopt;  // no recorded value
  }
  p.attributes = json_attributes_of(o, r, "a data point");
  return p;
}

Metric json_metric_of(const boost::json::value& v, Reading& r) {
  r.charge(sizeof(Metric));
  const auto& o = object_of(v, "a metric");
  Metric m;
  m.kind = MetricKind::kOther;
  m.name = text_of(string_at(o, "name", "a metric"), r);
  m.description = text_of(string_at(o, "description", "a metric"), r);
  m.unit = text_of(string_at(o, "unit", "a metric"), r);
  const auto* gauge = member(o, "gauge");
  const auto* sum = member(o, "sum");
  if (!gauge && !sum) return m;  // a histogram, a summary: not read
  m.kind = gauge ? MetricKind::kGauge : MetricKind::kSum;
  const auto& data = object_of(gauge ? *gauge : *sum, "a metric's data");
  for (const auto& point : array_of(data, "dataPoints", "a metric's data")) {
    if (m.points.size() >= r.limits.max_events) break;
    if (auto p = json_point_of(point, r)) m.points.push_back(std::move(*p));
  }
  if (sum)
    if (const auto* mono = member(data, "isMonotonic")) {
      if (!mono->is_bool()) throw Malformed{"a sum's isMonotonic is not true or false"};
      m.monotonic = mono->as_bool();
    }
  return m;
}

}  // namespace

namespace {

// What differs between a traces and a logs request: the names of its levels and how one item is
// read. The rest (resources, scopes, limits, the budget) is the same code.
struct TraceShape {
  using Decoded = OtlpDecoded;
  using Batch = SpanBatch;
  static constexpr const char* kResource = "ResourceSpans";
  static constexpr const char* kScope = "ScopeSpans";
  static constexpr const char* kRequest = "ExportTraceServiceRequest";
  static constexpr const char* kWhat = "spans";
  static constexpr std::string_view kJsonResources = "resourceSpans", kJsonScopes = "scopeSpans", kJsonItems = "spans";
  static std::vector<Span>& items(SpanBatch& b) { return b.spans; }
  static Span read(std::string_view raw, Reading& r) { return span_of(raw, r); }
  static Span read_json(const boost::json::value& v, Reading& r) { return json_span_of(v, r); }
};
struct LogShape {
  using Decoded = OtlpLogsDecoded;
  using Batch = LogBatch;
  static constexpr const char* kResource = "ResourceLogs";
  static constexpr const char* kScope = "ScopeLogs";
  static constexpr const char* kRequest = "ExportLogsServiceRequest";
  static constexpr const char* kWhat = "log records";
  static constexpr std::string_view kJsonResources = "resourceLogs", kJsonScopes = "scopeLogs",
                                    kJsonItems = "logRecords";
  static std::vector<LogRecord>& items(LogBatch& b) { return b.records; }
  static LogRecord read(std::string_view raw, Reading& r) { return log_of(raw, r); }
  static LogRecord read_json(const boost::json::value& v, Reading& r) { return json_log_of(v, r); }
};

struct MetricShape {
  using Decoded = OtlpMetricsDecoded;
  using Batch = MetricBatch;
  static constexpr const char* kResource = "ResourceMetrics";
  static constexpr const char* kScope = "ScopeMetrics";
  static constexpr const char* kRequest = "ExportMetricsServiceRequest";
  static constexpr const char* kWhat = "metrics";
  static constexpr std::string_view kJsonResources = "resourceMetrics", kJsonScopes = "scopeMetrics",
                                    kJsonItems = "metrics";
  static std::vector<Metric>& items(MetricBatch& b) { return b.metrics; }
  static Metric read(std::string_view raw, Reading& r) { return metric_of(raw, r); }
  static Metric read_json(const boost::json::value& v, Reading& r) { return json_metric_of(v, r); }
};

template <class Shape>
typename Shape::Decoded decode_json(std::string_view body, const OtlpLimits& limits) {
  typename Shape::Decoded out;
  Reading r{limits, limits.max_decoded_bytes};
  try {
    if (body.size() > limits.max_decoded_bytes / 8)
      throw Malformed{"a JSON body over " + std::to_string(limits.max_decoded_bytes / 8) + " bytes"};
    boost::json::parse_options options;
    options.max_depth = 64;
    boost::system::error_code ec;
    const auto doc = boost::json::parse(body, ec, {}, options);
    if (ec) throw Malformed{"not JSON (" + ec.message() + ")"};
    std::size_t total = 0;
    for (const auto& rs_value : array_of(object_of(doc, "the request"), Shape::kJsonResources, "the request")) {
      const auto& rs = object_of(rs_value, Shape::kResource);
      SpanSource source{"unknown_service", "", {}, "", ""};
      const std::size_t before_resource = r.left;
      if (const auto* resource = member(rs, "resource")) {
        for (auto& a : json_attributes_of(object_of(*resource, "a resource"), r, "a resource")) {
          const auto* text = std::get_if<std::string>(&a.value);
          if (a.key == "service.name" && text && !text->empty())
            source.service_name = *text;
          else if (a.key == "service.instance.id" && text)
            source.service_instance_id = *text;
          else
            source.attributes.push_back(std::move(a));
        }
      }
      const std::size_t source_cost = before_resource - r.left + sizeof(typename Shape::Batch);
      for (const auto& ss_value : array_of(rs, Shape::kJsonScopes, Shape::kResource)) {
        const auto& ss = object_of(ss_value, Shape::kScope);
        const auto& items = array_of(ss, Shape::kJsonItems, Shape::kScope);
        if (items.empty()) continue;
        r.charge(source_cost);
        typename Shape::Batch batch{source, {}};
        if (const auto* scope = member(ss, "scope")) {
          const auto& so = object_of(*scope, "a scope");
          batch.source.scope_name = text_of(string_at(so, "name", "a scope"), r);
          batch.source.scope_version = text_of(string_at(so, "version", "a scope"), r);
        }
        for (const auto& item : items) {
          if (++total > limits.max_spans)
            throw Malformed{"more " + std::string(Shape::kWhat) + " than " + std::to_string(limits.max_spans) +
                            " in one request"};
          Shape::items(batch).push_back(Shape::read_json(item, r));
        }
        out.batches.push_back(std::move(batch));
      }
    }
  } catch (const Malformed& m) {
    out.batches.clear();
    out.error = m.why;
  } catch (const std::exception& e) {
    out.batches.clear();
    out.error = e.what();
  }
  return out;
}

template <class Shape>
typename Shape::Decoded decode_protobuf(std::string_view body, const OtlpLimits& limits) {
  typename Shape::Decoded out;
  Reading r{limits, limits.max_decoded_bytes};
  try {
    std::size_t total = 0;
    WireReader request(body);
    std::uint32_t field = 0, type = 0;
    while (request.next(field, type)) {
      if (field != 1) {
        request.skip(type);
        continue;
      }
      expect(type, kLength, field, Shape::kRequest);
      WireReader rs(request.bytes());
      SpanSource source{"unknown_service", "", {}, "", ""};
      const std::size_t before_resource = r.left;
      std::vector<std::string_view> scopes;
      std::uint32_t f = 0, t = 0;
      while (rs.next(f, t)) {
        if (f == 1) {
          expect(t, kLength, f, Shape::kResource);
          WireReader resource(rs.bytes());
          std::uint32_t rf = 0, rt = 0;
          while (resource.next(rf, rt)) {
            if (rf != 1) {
              resource.skip(rt);
              continue;
            }
            expect(rt, kLength, rf, "Resource");
            auto a = attribute_of(resource.bytes(), r);
            const auto* text = std::get_if<std::string>(&a.value);
            if (a.key == "service.name" && text && !text->empty())
              source.service_name = *text;
            else if (a.key == "service.instance.id" && text)
              source.service_instance_id = *text;
            else if (source.attributes.size() < r.limits.max_attributes)
              source.attributes.push_back(std::move(a));
          }
        } else if (f == 2) {
          expect(t, kLength, f, Shape::kResource);
          r.charge(sizeof(std::string_view));  // empty scopes cost nothing else: bounded too
          scopes.push_back(rs.bytes());
        } else {
          rs.skip(t);
        }
      }
      // What the resource cost, charged again for each batch that copies it (a batch is made only
      // for a scope with items: empty scopes cost nothing).
      const std::size_t source_cost = before_resource - r.left + sizeof(typename Shape::Batch);
      for (auto raw_scope : scopes) {
        typename Shape::Batch batch{SpanSource{"", "", {}, "", ""}, {}};
        bool charged = false;
        WireReader ss(raw_scope);
        while (ss.next(f, t)) {
          if (f == 1) {
            expect(t, kLength, f, Shape::kScope);
            WireReader scope(ss.bytes());
            std::uint32_t sf = 0, st = 0;
            while (scope.next(sf, st)) {
              if (sf == 1 || sf == 2) {
                expect(st, kLength, sf, "InstrumentationScope");
                (sf == 1 ? batch.source.scope_name : batch.source.scope_version) = text_of(scope.bytes(), r);
              } else {
                scope.skip(st);
              }
            }
          } else if (f == 2) {
            expect(t, kLength, f, Shape::kScope);
            if (++total > r.limits.max_spans)
              throw Malformed{"more " + std::string(Shape::kWhat) + " than " + std::to_string(r.limits.max_spans) +
                              " in one request"};
            if (!charged) {
              r.charge(source_cost);
              charged = true;
            }
            Shape::items(batch).push_back(Shape::read(ss.bytes(), r));
          } else {
            ss.skip(t);
          }
        }
        if (Shape::items(batch).empty()) continue;
        const std::string scope_name = std::move(batch.source.scope_name),
                          scope_version = std::move(batch.source.scope_version);
        batch.source = source;
        batch.source.scope_name = scope_name;
        batch.source.scope_version = scope_version;
        out.batches.push_back(std::move(batch));
      }
    }
  } catch (const Malformed& m) {
    out.batches.clear();
    out.error = m.why;
  } catch (const std::exception& e) {  // allocation and the like: refused, never a crash
    out.batches.clear();
    out.error = e.what();
  }
  return out;
}

}  // namespace

OtlpDecoded decode_otlp_traces_json(std::string_view body, const OtlpLimits& limits) {
  return decode_json<TraceShape>(body, limits);
}
OtlpDecoded decode_otlp_traces_protobuf(std::string_view body, const OtlpLimits& limits) {
  return decode_protobuf<TraceShape>(body, limits);
}
OtlpLogsDecoded decode_otlp_logs_json(std::string_view body, const OtlpLimits& limits) {
  return decode_json<LogShape>(body, limits);
}
OtlpLogsDecoded decode_otlp_logs_protobuf(std::string_view body, const OtlpLimits& limits) {
  return decode_protobuf<LogShape>(body, limits);
}

OtlpMetricsDecoded decode_otlp_metrics_json(std::string_view body, const OtlpLimits& limits) {
  return decode_json<MetricShape>(body, limits);
}
OtlpMetricsDecoded decode_otlp_metrics_protobuf(std::string_view body, const OtlpLimits& limits) {
  return decode_protobuf<MetricShape>(body, limits);
}

std::size_t OtlpMetricsDecoded::metrics() const {
  std::size_t n = 0;
  for (const auto& b : batches) n += b.metrics.size();
  return n;
}

std::size_t OtlpDecoded::spans() const {
  std::size_t n = 0;
  for (const auto& b : batches) n += b.spans.size();
  return n;
}

std::size_t OtlpLogsDecoded::records() const {
  std::size_t n = 0;
  for (const auto& b : batches) n += b.records.size();
  return n;
}

std::string valid_utf8(std::string_view text, std::size_t max_bytes) {
  // Past max_bytes nothing is kept, so only that much is read (invalid bytes may grow threefold).
  std::string out = valid_utf8(text.substr(0, max_bytes));
  if (out.size() > max_bytes) {
    std::size_t n = max_bytes;
    while (n > 0 && (static_cast<unsigned char>(out[n]) & 0xc0) == 0x80) --n;
    out.resize(n);
  }
  return out;
}

namespace {

// The length of the well-formed UTF-8 sequence at text[i] (Unicode table 3-7), 0 when there is
// none there — or a NUL (PostgreSQL's text, and C strings, end at it).
std::size_t utf8_sequence(std::string_view text, std::size_t i) {
  auto in = [](unsigned char c, unsigned lo, unsigned hi) { return c >= lo && c <= hi; };
  auto at = [&](std::size_t k) -> unsigned char {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0;
  };
  const auto c = static_cast<unsigned char>(text[i]);
  if (c < 0x80) return c == 0 ? 0 : 1;
  if (in(c, 0xc2, 0xdf) && in(at(1), 0x80, 0xbf)) return 2;
  if (c == 0xe0 && in(at(1), 0xa0, 0xbf) && in(at(2), 0x80, 0xbf)) return 3;
  if ((in(c, 0xe1, 0xec) || in(c, 0xee, 0xef)) && in(at(1), 0x80, 0xbf) && in(at(2), 0x80, 0xbf)) return 3;
  if (c == 0xed && in(at(1), 0x80, 0x9f) && in(at(2), 0x80, 0xbf)) return 3;
  if (c == 0xf0 && in(at(1), 0x90, 0xbf) && in(at(2), 0x80, 0xbf) && in(at(3), 0x80, 0xbf)) return 4;
  if (in(c, 0xf1, 0xf3) && in(at(1), 0x80, 0xbf) && in(at(2), 0x80, 0xbf) && in(at(3), 0x80, 0xbf)) return 4;
  if (c == 0xf4 && in(at(1), 0x80, 0x8f) && in(at(2), 0x80, 0xbf) && in(at(3), 0x80, 0xbf)) return 4;
  return 0;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    // Eight bytes at a time while they are ASCII and none is NUL (most text sent is).
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
    while (text.size() - i >= 8) {
      std::uint64_t w;
      std::memcpy(&w, text.data() + i, 8);
      if ((w & kHighs) != 0 || ((w - kOnes) & ~w & kHighs) != 0) break;
      i += 8;
    }
    if (i == text.size()) break;
    const auto c = static_cast<unsigned char>(text[i]);
    if (c != 0 && c < 0x80) {  // the common case, ASCII
      ++i;
      continue;
    }
    const std::size_t n = utf8_sequence(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t n = utf8_sequence(text, i);
    if (n == 0) {
      out.append("\xEF\xBF\xBD");
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

}  // namespace zt::core::observe
