#include "core/observe/otlp.hpp"

#include <bit>
#include <boost/json.hpp>
#include <cmath>

namespace zt::core::observe {

namespace {

// ---------------------------------------------------------------- protobuf wire format

enum Wire : std::uint32_t { kVarint = 0, kFixed64 = 1, kLength = 2, kFixed32 = 5 };

void varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
void tag(std::string& out, std::uint32_t field, Wire wire) {
  varint(out, (static_cast<std::uint64_t>(field) << 3) | wire);
}
void put_varint(std::string& out, std::uint32_t field, std::uint64_t v) {
  tag(out, field, kVarint);
  varint(out, v);
}
void put_fixed64(std::string& out, std::uint32_t field, std::uint64_t v) {
  tag(out, field, kFixed64);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_fixed32(std::string& out, std::uint32_t field, std::uint32_t v) {
  tag(out, field, kFixed32);
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_bytes(std::string& out, std::uint32_t field, std::string_view bytes) {
  tag(out, field, kLength);
  varint(out, bytes.size());
  out.append(bytes);
}
void put_string(std::string& out, std::uint32_t field, std::string_view text) {
  put_bytes(out, field, valid_utf8(text));
}

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
// KeyValue { key = 1; value = 2; }
std::string key_value(const Attribute& a) {
  std::string value;
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>)
          put_string(value, 1, v);
        else if constexpr (std::is_same_v<T, bool>)
          put_varint(value, 2, v ? 1 : 0);
        else if constexpr (std::is_same_v<T, std::int64_t>)
          put_varint(value, 3, static_cast<std::uint64_t>(v));
        else
          put_fixed64(value, 4, std::bit_cast<std::uint64_t>(v));
      },
      a.value);
  std::string kv;
  put_string(kv, 1, a.key);
  put_bytes(kv, 2, value);  // present even when empty: an attribute whose value is "" or 0
  return kv;
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
std::string span_message(const Span& s) {
  std::string m;
  put_bytes(m, 1, raw(s.trace_id));
  put_bytes(m, 2, raw(s.span_id));
  if (!zero(s.parent_span_id)) put_bytes(m, 4, raw(s.parent_span_id));
  put_string(m, 5, s.name);
  if (s.kind != SpanKind::kUnspecified) put_varint(m, 6, static_cast<std::uint64_t>(s.kind));
  put_fixed64(m, 7, s.start_unix_nano);
  put_fixed64(m, 8, s.end_unix_nano);
  for (const auto& a : s.attributes) put_bytes(m, 9, key_value(a));
  for (const auto& e : s.events) {
    std::string event;
    put_fixed64(event, 1, e.time_unix_nano);
    put_string(event, 2, e.name);
    for (const auto& a : e.attributes) put_bytes(event, 3, key_value(a));
    put_bytes(m, 11, event);
  }
  if (s.status != SpanStatus::kUnset) {
    std::string status;
    if (!s.status_message.empty()) put_string(status, 2, s.status_message);
    put_varint(status, 3, static_cast<std::uint64_t>(s.status));
    put_bytes(m, 15, status);
  }
  put_fixed32(m, 16, s.trace_flags);
  return m;
}

// ---------------------------------------------------------------- OTLP/JSON

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xf]);
  }
  return out;
}

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
  boost::json::object o{{"traceId", hex(raw(s.trace_id))}, {"spanId", hex(raw(s.span_id))}};
  if (!zero(s.parent_span_id)) o["parentSpanId"] = hex(raw(s.parent_span_id));
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

}  // namespace

std::string otlp_traces_protobuf(const SpanSource& source, std::span<const Span> spans) {
  // ExportTraceServiceRequest { resource_spans = 1 } → ResourceSpans { resource = 1;
  // scope_spans = 2 } → Resource { attributes = 1 }, ScopeSpans { scope = 1; spans = 2 },
  // InstrumentationScope { name = 1; version = 2 }.
  std::string resource;
  for (const auto& a : resource_attributes(source)) put_bytes(resource, 1, key_value(a));
  std::string scope;
  put_string(scope, 1, source.scope_name);
  if (!source.scope_version.empty()) put_string(scope, 2, source.scope_version);
  std::string scope_spans;
  put_bytes(scope_spans, 1, scope);
  for (const auto& s : spans) put_bytes(scope_spans, 2, span_message(s));
  std::string resource_spans;
  put_bytes(resource_spans, 1, resource);
  put_bytes(resource_spans, 2, scope_spans);
  std::string request;
  put_bytes(request, 1, resource_spans);
  return request;
}

std::string otlp_traces_json(const SpanSource& source, std::span<const Span> spans) {
  boost::json::object scope{{"name", valid_utf8(source.scope_name)}};
  if (!source.scope_version.empty()) scope["version"] = valid_utf8(source.scope_version);
  boost::json::array list;
  for (const auto& s : spans) list.push_back(json_span(s));
  boost::json::object scope_spans{{"scope", std::move(scope)}, {"spans", std::move(list)}};
  boost::json::object resource{{"attributes", json_attributes(resource_attributes(source))}};
  boost::json::object resource_spans{{"resource", std::move(resource)},
                                     {"scopeSpans", boost::json::array{std::move(scope_spans)}}};
  return boost::json::serialize(boost::json::object{{"resourceSpans", boost::json::array{std::move(resource_spans)}}});
}

std::string valid_utf8(std::string_view text) {
  auto in = [](unsigned char c, unsigned lo, unsigned hi) { return c >= lo && c <= hi; };
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    auto at = [&](std::size_t k) -> unsigned char {
      return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0;
    };
    std::size_t n = 0;  // the length of a well-formed sequence here (Unicode table 3-7), 0 when none
    if (c < 0x80)
      n = 1;
    else if (in(c, 0xc2, 0xdf) && in(at(1), 0x80, 0xbf))
      n = 2;
    else if (c == 0xe0 && in(at(1), 0xa0, 0xbf) && in(at(2), 0x80, 0xbf))
      n = 3;
    else if ((in(c, 0xe1, 0xec) || in(c, 0xee, 0xef)) && in(at(1), 0x80, 0xbf) && in(at(2), 0x80, 0xbf))
      n = 3;
    else if (c == 0xed && in(at(1), 0x80, 0x9f) && in(at(2), 0x80, 0xbf))
      n = 3;
    else if (c == 0xf0 && in(at(1), 0x90, 0xbf) && in(at(2), 0x80, 0xbf) && in(at(3), 0x80, 0xbf))
      n = 4;
    else if (in(c, 0xf1, 0xf3) && in(at(1), 0x80, 0xbf) && in(at(2), 0x80, 0xbf) && in(at(3), 0x80, 0xbf))
      n = 4;
    else if (c == 0xf4 && in(at(1), 0x80, 0x8f) && in(at(2), 0x80, 0xbf) && in(at(3), 0x80, 0xbf))
      n = 4;
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
