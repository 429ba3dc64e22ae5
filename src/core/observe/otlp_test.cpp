#include "core/observe/otlp.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <limits>

namespace zt::core::observe {
namespace {

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xf]);
  }
  return out;
}

Span small_span() {
  Span s;
  s.trace_id = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36};
  s.span_id = {0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7};
  s.name = "GET /x";
  s.kind = SpanKind::kServer;
  s.start_unix_nano = 1;
  s.end_unix_nano = 2;
  s.attributes = {{"n", std::int64_t{-1}}};
  return s;
}

// A child of `parent`: the same trace, `parent` as its parent, its own id, `kind` and `events`.
Span child_of(const Span& parent, std::array<std::uint8_t, 8> id, SpanKind kind, std::vector<SpanEvent> events) {
  Span child = small_span();
  child.parent_span_id = parent.span_id;
  child.span_id = id;
  child.kind = kind;
  child.events = std::move(events);
  return child;
}

TEST(OtlpTraces, ProtobufBytesFollowTheSchemaFieldByField) {
  const Span s = small_span();
  const std::string got = otlp_traces_protobuf(SpanSource{"mall", "", {}, "zt", ""}, std::span<const Span>(&s, 1));
  // Built by hand from opentelemetry-proto v1 (field number << 3 | wire type):
  const std::string kv_n =
      "0a016e"                   // KeyValue.key = "n"
      "120b"                     // KeyValue.value: 11 bytes
      "18ffffffffffffffffff01";  //   AnyValue.int_value = -1 (ten-byte varint)
  const std::string span =
      "0a10"
      "4bf92f3577b34da6a3ce929d0e0e4736"  // trace_id
      "1208"
      "00f067aa0ba902b7"  // span_id (no parent: a root)
      "2a06"
      "474554202f78"  // name "GET /x"
      "3002"          // kind SERVER
      "39"
      "0100000000000000"  // start (fixed64)
      "41"
      "0200000000000000"  // end
      "4a10" +
      kv_n +  // attributes
      "8501"
      "01000000";  // flags = sampled (field 16, fixed32)
  const std::string resource =
      "0a16"
      "0a0c736572766963652e6e616d65"
      "1206"
      "0a046d616c6c";                                                                // service.name = mall
  const std::string scope = "0a027a74";                                              // name "zt"
  const std::string scope_spans = "0a04" + scope + "12" + "50" + span;               // ScopeSpans: scope, 80-byte span
  const std::string resource_spans = "0a18" + resource + "12" + "58" + scope_spans;  // 88-byte scope spans
  EXPECT_EQ(hex(got), "0a" + std::string("74") + resource_spans);                    // 116 bytes
}

TEST(OtlpTraces, JsonUsesHexIdsNumericEnumsAndStringsFor64BitIntegers) {
  Span root = small_span();
  root.attributes = {{"http.route", std::string("/api/mall/v1/products/{code}")},
                     {"http.status_code", std::int64_t{503}},
                     {"big", std::int64_t{9007199254740993}},
                     {"ratio", 0.25},
                     {"nan", std::numeric_limits<double>::quiet_NaN()},
                     {"inf", -std::numeric_limits<double>::infinity()},
                     {"retried", true}};
  root.status = SpanStatus::kError;
  root.status_message = "上游超时";
  root.start_unix_nano = 1796601067171000123ull;
  const Span child = child_of(root, {1, 2, 3, 4, 5, 6, 7, 8}, SpanKind::kClient,
                              {{"retry", 1796601067172000000ull, {{"attempt", std::int64_t{2}}}}});
  const std::vector<Span> spans{root, child};
  const auto doc = boost::json::parse(
      otlp_traces_json(SpanSource{"mall", "mall-1", {{"host.name", std::string("h")}}, "zhongtai", "1.0"}, spans));
  const auto& rs = doc.at("resourceSpans").at(0);
  const auto& attrs = rs.at("resource").at("attributes").as_array();
  ASSERT_EQ(attrs.size(), 3u);
  EXPECT_EQ(attrs[0].at("key"), "service.name");
  EXPECT_EQ(attrs[0].at("value").at("stringValue"), "mall");
  EXPECT_EQ(attrs[1].at("key"), "service.instance.id");
  EXPECT_EQ(attrs[2].at("key"), "host.name");
  const auto& ss = rs.at("scopeSpans").at(0);
  EXPECT_EQ(ss.at("scope").at("name"), "zhongtai");
  EXPECT_EQ(ss.at("scope").at("version"), "1.0");
  const auto& a = ss.at("spans").at(0).as_object();
  EXPECT_EQ(a.at("traceId"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(a.at("spanId"), "00f067aa0ba902b7");
  EXPECT_FALSE(a.contains("parentSpanId"));
  EXPECT_EQ(a.at("kind"), 2);
  EXPECT_EQ(a.at("startTimeUnixNano"), "1796601067171000123");  // beyond 2^53: exact only as a string
  EXPECT_EQ(a.at("status").at("code"), 2);
  EXPECT_EQ(a.at("status").at("message"), "上游超时");
  const auto& values = a.at("attributes").as_array();
  EXPECT_EQ(values[0].at("value").at("stringValue"), "/api/mall/v1/products/{code}");
  EXPECT_EQ(values[1].at("value").at("intValue"), "503");
  EXPECT_EQ(values[2].at("value").at("intValue"), "9007199254740993");
  EXPECT_EQ(values[3].at("value").at("doubleValue"), 0.25);
  EXPECT_EQ(values[4].at("value").at("doubleValue"), "NaN");
  EXPECT_EQ(values[5].at("value").at("doubleValue"), "-Infinity");
  EXPECT_EQ(values[6].at("value").at("boolValue"), true);
  const auto& b = ss.at("spans").at(1).as_object();
  EXPECT_EQ(b.at("parentSpanId"), "00f067aa0ba902b7");
  EXPECT_EQ(b.at("spanId"), "0102030405060708");
  EXPECT_EQ(b.at("kind"), 3);
  EXPECT_FALSE(b.contains("status"));
  EXPECT_EQ(b.at("events").at(0).at("name"), "retry");
  EXPECT_EQ(b.at("events").at(0).at("timeUnixNano"), "1796601067172000000");
  EXPECT_EQ(b.at("events").at(0).at("attributes").at(0).at("value").at("intValue"), "2");
}

TEST(OtlpTraces, InvalidUtf8IsReplacedNeverSentAsIs) {
  EXPECT_EQ(valid_utf8("资金账户 ok"), "资金账户 ok");
  EXPECT_EQ(valid_utf8("a\xff"
                       "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(valid_utf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // an overlong '/'
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a UTF-16 surrogate
  EXPECT_EQ(valid_utf8("\xE8\xB5"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // cut short at the end
  EXPECT_EQ(valid_utf8("\xF4\x90\x80\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // past U+10FFFF
  EXPECT_EQ(valid_utf8("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");                                  // an emoji stays
  EXPECT_EQ(valid_utf8(std::string("a\0b", 3)), "a\xEF\xBF\xBD" "b");  // a NUL: text columns cannot hold it
  Span s = small_span();
  s.attributes.clear();  // (-1 as a varint is 0xff bytes)
  s.name = "GET /\xff";
  const auto body = otlp_traces_json(SpanSource{"mall", "", {}, "zt", ""}, std::span<const Span>(&s, 1));
  EXPECT_NO_THROW(boost::json::parse(body));
  EXPECT_NE(body.find("GET /\xEF\xBF\xBD"), std::string::npos);
  const auto proto = otlp_traces_protobuf(SpanSource{"mall", "", {}, "zt", ""}, std::span<const Span>(&s, 1));
  EXPECT_EQ(proto.find("\xff"), std::string::npos);
}

// A hand-framed protobuf message, for inputs encode could not make.
struct Proto {
  std::string out;
  Proto& varint(std::uint64_t v) {
    while (v >= 0x80) {
      out.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out.push_back(static_cast<char>(v));
    return *this;
  }
  Proto& field(std::uint32_t number, std::uint32_t wire) {
    return varint((static_cast<std::uint64_t>(number) << 3) | wire);
  }
  Proto& bytes(std::uint32_t number, std::string_view b) {
    field(number, 2).varint(b.size());
    out.append(b);
    return *this;
  }
  Proto& fixed64(std::uint32_t number, std::uint64_t v) {
    field(number, 1);
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return *this;
  }
};
// A request holding `span` (already framed) under service "mall".
std::string request_with(const std::string& span) {
  const std::string resource =
      Proto{}.bytes(1, Proto{}.bytes(1, "service.name").bytes(2, Proto{}.bytes(1, "mall").out).out).out;
  return Proto{}.bytes(1, Proto{}.bytes(1, resource).bytes(2, Proto{}.bytes(2, span).out).out).out;
}
const std::string kTraceId(16, '\x11'), kSpanId(8, '\x22');

// Messages are written in place with room kept for their lengths: a length of another size moves
// the message, and the bytes are still the minimal encoding (as a message built apart and copied
// in would be) at every length boundary of a varint.
TEST(OtlpTraces, NestedLengthsAreMinimalAtEveryVarintBoundary) {
  for (const std::size_t n : {0u, 1u, 100u, 127u, 128u, 300u, 16'383u, 16'384u, 20'000u, 2'097'151u, 2'097'152u}) {
    Span s = small_span();
    s.attributes = {{"k", std::string(n, 'a')}};
    s.events = {{"e", 3, {{"k", std::string(n, 'b')}}}};
    std::string span =
        Proto{}
            .bytes(1, std::string_view(reinterpret_cast<const char*>(s.trace_id.data()), 16))
            .bytes(2, std::string_view(reinterpret_cast<const char*>(s.span_id.data()), 8))
            .bytes(5, "GET /x")
            .field(6, 0)
            .varint(2)
            .fixed64(7, 1)
            .fixed64(8, 2)
            .bytes(9, Proto{}.bytes(1, "k").bytes(2, Proto{}.bytes(1, std::string(n, 'a')).out).out)
            .bytes(11, Proto{}
                           .fixed64(1, 3)
                           .bytes(2, "e")
                           .bytes(3, Proto{}.bytes(1, "k").bytes(2, Proto{}.bytes(1, std::string(n, 'b')).out).out)
                           .out)
            .field(16, 5)
            .out;
    span.append("\x01\x00\x00\x00", 4);
    const std::string resource =
        Proto{}.bytes(1, Proto{}.bytes(1, "service.name").bytes(2, Proto{}.bytes(1, "mall").out).out).out;
    const std::string scope_spans = Proto{}.bytes(1, Proto{}.bytes(1, "zt").out).bytes(2, span).out;
    const std::string want = Proto{}.bytes(1, Proto{}.bytes(1, resource).bytes(2, scope_spans).out).out;
    const SpanSource source{"mall", "", {}, "zt", ""};
    const auto got = otlp_traces_protobuf(source, std::span<const Span>(&s, 1));
    ASSERT_EQ(got.size(), want.size()) << n;
    EXPECT_TRUE(got == want) << n;
    // Appended after another request: the two laid end to end, each as it is alone.
    std::string both = otlp_traces_protobuf(source, std::span<const Span>(&s, 1));
    const Span* one[] = {&s};
    append_otlp_traces_protobuf(both, source, one);
    EXPECT_TRUE(both == want + want) << n;
  }
}

TEST(OtlpTraces, TextIsCheckedWithoutCopyingAndCopiedOnlyToReplace) {
  for (const std::string& text : {std::string(""), std::string("GET /api/mall/v1/orders"), std::string("资金账户 ok"),
                                  std::string("\xF0\x9F\x98\x80"),
                                  std::string("a\xff"
                                              "b"),
                                  std::string("\xC0\xAF"), std::string("\xED\xA0\x80"), std::string("\xE8\xB5"),
                                  std::string("\xF4\x90\x80\x80"), std::string("a\0b", 3), std::string("ok\x7f")})
    EXPECT_EQ(is_valid_utf8(text), valid_utf8(text) == text) << hex(text);
  EXPECT_TRUE(is_valid_utf8("资金账户"));
  EXPECT_FALSE(is_valid_utf8(std::string("\0", 1)));
  // Read eight bytes at a time where it can: a NUL, a stray byte or a character at any place.
  for (std::size_t at = 0; at < 24; ++at) {
    std::string text(24, 'a');
    text[at] = '\0';
    EXPECT_FALSE(is_valid_utf8(text)) << at;
    text[at] = '\xff';
    EXPECT_FALSE(is_valid_utf8(text)) << at;
    text[at] = '\x7f';
    EXPECT_TRUE(is_valid_utf8(text)) << at;
    text.replace(at, 1, "账");
    EXPECT_TRUE(is_valid_utf8(text)) << at;
    EXPECT_FALSE(is_valid_utf8(text.substr(0, at + 2))) << at;  // the character cut short at the end
  }
}

TEST(OtlpReceive, ReadsBackEverythingTheEncoderWrites) {
  Span root = small_span();
  root.attributes = {
      {"s", std::string("上游")}, {"i", std::int64_t{-42}}, {"d", 2.5}, {"b", false}, {"empty", std::string()}};
  root.status = SpanStatus::kError;
  root.status_message = "超时";
  Span child = child_of(root, {9, 9, 9, 9, 9, 9, 9, 9}, SpanKind::kConsumer,
                        {{"retry", 77, {{"attempt", std::int64_t{3}}}}, {"done", 78, {}}});
  child.trace_flags = 0;
  child.status = SpanStatus::kOk;
  const SpanSource source{"counter", "counter-2", {{"host.name", std::string("h1")}}, "zhongtai", "0.1.0"};
  const std::vector<Span> spans{root, child};
  const auto got = decode_otlp_traces_protobuf(otlp_traces_protobuf(source, spans));
  ASSERT_EQ(got.error, "");
  ASSERT_EQ(got.batches.size(), 1u);
  ASSERT_EQ(got.spans(), 2u);
  const auto& b = got.batches[0];
  EXPECT_EQ(b.source.service_name, "counter");
  EXPECT_EQ(b.source.service_instance_id, "counter-2");
  ASSERT_EQ(b.source.attributes.size(), 1u);
  EXPECT_EQ(b.source.attributes[0].key, "host.name");
  EXPECT_EQ(b.source.scope_name, "zhongtai");
  EXPECT_EQ(b.source.scope_version, "0.1.0");
  // Re-encoded, the spans read back are the spans sent.
  EXPECT_EQ(otlp_traces_json(b.source, b.spans), otlp_traces_json(source, spans));
  EXPECT_EQ(b.spans[1].events[0].attributes[0].key, "attempt");
  EXPECT_EQ(std::get<std::int64_t>(b.spans[0].attributes[1].value), -42);
  EXPECT_EQ(std::get<bool>(b.spans[0].attributes[3].value), false);
  EXPECT_EQ(b.spans[1].trace_flags, 0);
  EXPECT_EQ(b.spans[0].trace_flags, 1);
}

TEST(OtlpReceive, RefusesMalformedBodiesWithAReasonAndKeepsNothing) {
  const Span s = small_span();
  const auto good = otlp_traces_protobuf(SpanSource{"mall", "", {}, "zt", ""}, std::span<const Span>(&s, 1));
  EXPECT_EQ(decode_otlp_traces_protobuf("").spans(), 0u);  // an empty request is a request
  EXPECT_EQ(decode_otlp_traces_protobuf("").error, "");
  for (std::size_t n = 1; n < good.size(); ++n) {
    const auto cut = decode_otlp_traces_protobuf(good.substr(0, n));
    EXPECT_NE(cut.error, "") << n;
    EXPECT_EQ(cut.spans(), 0u) << n;
  }
  const auto span = [](std::string body) { return decode_otlp_traces_protobuf(request_with(body)); };
  EXPECT_EQ(span(Proto{}.bytes(1, kTraceId).bytes(2, kSpanId).bytes(5, "ok").out).error, "");
  EXPECT_NE(span(Proto{}.bytes(1, kTraceId).bytes(2, kSpanId).field(5, 0).varint(3).out).error,
            "");                                                                                // name as a number
  EXPECT_NE(span(Proto{}.bytes(1, std::string(15, '\x11')).bytes(2, kSpanId).out).error, "");   // a short trace id
  EXPECT_NE(span(Proto{}.bytes(1, kTraceId).bytes(2, std::string(9, '\x22')).out).error, "");   // a long span id
  EXPECT_NE(span(Proto{}.bytes(1, std::string(16, '\0')).bytes(2, kSpanId).out).error, "");     // an all-zero id
  EXPECT_NE(span(Proto{}.bytes(1, kTraceId).out).error, "");                                    // no span id
  EXPECT_NE(span(Proto{}.bytes(1, kTraceId).bytes(2, kSpanId).bytes(4, "abc").out).error, "");  // a 3-byte parent
  EXPECT_NE(span(Proto{}.bytes(1, kTraceId).bytes(2, kSpanId).field(99, 3).out).error, "");     // a group
  EXPECT_NE(span(Proto{}.bytes(1, kTraceId).bytes(2, kSpanId).field(9, 2).varint(1000).out).error, "");  // past the end
  std::string ten(10, static_cast<char>(0xff));
  EXPECT_NE(span(Proto{}.bytes(1, kTraceId).bytes(2, kSpanId).field(6, 0).out + ten + "\x01").error,
            "");  // a varint past 64 bits
  const auto refused = span(Proto{}.bytes(1, kTraceId).bytes(2, kSpanId).field(5, 0).varint(3).out);
  EXPECT_NE(refused.error.find("wrong wire type"), std::string::npos) << refused.error;
}

TEST(OtlpReceive, SkipsWhatItDoesNotKnowAndHoldsToItsLimits) {
  // Unknown fields anywhere (a newer schema), links and trace state: skipped.
  const std::string link = Proto{}.bytes(1, kTraceId).bytes(2, kSpanId).out;
  const auto newer = decode_otlp_traces_protobuf(request_with(Proto{}
                                                                  .bytes(1, kTraceId)
                                                                  .bytes(2, kSpanId)
                                                                  .bytes(3, "k=v")
                                                                  .bytes(5, "n")
                                                                  .bytes(13, link)
                                                                  .field(99, 0)
                                                                  .varint(7)
                                                                  .fixed64(98, 1)
                                                                  .out));
  ASSERT_EQ(newer.error, "");
  ASSERT_EQ(newer.spans(), 1u);
  EXPECT_EQ(newer.batches[0].spans[0].name, "n");
  EXPECT_EQ(newer.batches[0].spans[0].kind, SpanKind::kUnspecified);  // proto3's default, not ours (found by fuzzing)
  EXPECT_EQ(newer.batches[0].spans[0].trace_flags, 0);
  EXPECT_EQ(newer.batches[0].source.service_name, "mall");
  // No service.name: the OpenTelemetry default.
  const auto anonymous = decode_otlp_traces_protobuf(
      Proto{}
          .bytes(1, Proto{}.bytes(2, Proto{}.bytes(2, Proto{}.bytes(1, kTraceId).bytes(2, kSpanId).out).out).out)
          .out);
  ASSERT_EQ(anonymous.error, "");
  EXPECT_EQ(anonymous.batches.at(0).source.service_name, "unknown_service");
  // Arrays and key lists as JSON text; bytes as hex; deep nesting refused.
  const std::string array =
      Proto{}.bytes(5, Proto{}.bytes(1, Proto{}.bytes(1, "a").out).bytes(1, Proto{}.field(3, 0).varint(2).out).out).out;
  const std::string kvlist =
      Proto{}.bytes(6, Proto{}.bytes(1, Proto{}.bytes(1, "k").bytes(2, Proto{}.field(2, 0).varint(1).out).out).out).out;
  const std::string raw = Proto{}.bytes(7, "\x01\xab").out;
  auto attr = [](std::string key, std::string value) { return Proto{}.bytes(1, key).bytes(2, value).out; };
  const auto values = decode_otlp_traces_protobuf(request_with(Proto{}
                                                                   .bytes(1, kTraceId)
                                                                   .bytes(2, kSpanId)
                                                                   .bytes(9, attr("arr", array))
                                                                   .bytes(9, attr("kv", kvlist))
                                                                   .bytes(9, attr("raw", raw))
                                                                   .out));
  ASSERT_EQ(values.error, "");
  const auto& attrs = values.batches[0].spans[0].attributes;
  EXPECT_EQ(std::get<std::string>(attrs[0].value), R"(["a",2])");
  EXPECT_EQ(std::get<std::string>(attrs[1].value), R"({"k":true})");
  EXPECT_EQ(std::get<std::string>(attrs[2].value), "01ab");
  std::string deep = Proto{}.bytes(1, "x").out;
  for (int i = 0; i < 12; ++i) deep = Proto{}.bytes(5, Proto{}.bytes(1, deep).out).out;
  EXPECT_NE(decode_otlp_traces_protobuf(
                request_with(Proto{}.bytes(1, kTraceId).bytes(2, kSpanId).bytes(9, attr("deep", deep)).out))
                .error,
            "");
  // Limits: spans per request, attributes per span, string length.
  OtlpLimits limits;
  limits.max_spans = 1;
  limits.max_attributes = 2;
  limits.max_string = 6;
  Span s = small_span();
  s.name = "一二三四";  // 12 bytes: cut at 6, on a character boundary here
  s.attributes = {{"a", std::int64_t{1}}, {"b", std::int64_t{2}}, {"c", std::int64_t{3}}};
  const auto one = decode_otlp_traces_protobuf(
      otlp_traces_protobuf(SpanSource{"mall", "", {}, "zt", ""}, std::span<const Span>(&s, 1)), limits);
  ASSERT_EQ(one.error, "");
  EXPECT_EQ(one.batches[0].spans[0].name, "一二");
  EXPECT_EQ(one.batches[0].spans[0].attributes.size(), 2u);
  s.name = "一二三";  // 9 bytes: at 7 the cut would split a character, so it is made at 6
  limits.max_string = 7;
  const auto split = decode_otlp_traces_protobuf(
      otlp_traces_protobuf(SpanSource{"mall", "", {}, "zt", ""}, std::span<const Span>(&s, 1)), limits);
  EXPECT_EQ(split.batches[0].spans[0].name, "一二");
  // Invalid bytes become U+FFFD, three bytes each: still cut to max_string, and read again the same.
  s.name = std::string(7, '\xff');
  const auto replaced = decode_otlp_traces_protobuf(
      otlp_traces_protobuf(SpanSource{"mall", "", {}, "zt", ""}, std::span<const Span>(&s, 1)), limits);
  EXPECT_EQ(replaced.batches[0].spans[0].name, "\xEF\xBF\xBD\xEF\xBF\xBD");
  // A body that decodes to more than its budget is refused.
  OtlpLimits small;
  small.max_decoded_bytes = 4096;
  std::vector<Span> forty(40, small_span());
  EXPECT_EQ(decode_otlp_traces_protobuf(otlp_traces_protobuf(SpanSource{"mall", "", {}, "zt", ""}, forty)).error, "");
  const auto over =
      decode_otlp_traces_protobuf(otlp_traces_protobuf(SpanSource{"mall", "", {}, "zt", ""}, forty), small);
  EXPECT_NE(over.error.find("decodes to more than 4096 bytes"), std::string::npos) << over.error;
  // Empty scopes keep nothing (each would have copied the resource): each costs its place in a
  // list only — and that is charged too, so a body of nothing but empty scopes is bounded.
  std::string scopes;
  for (int i = 0; i < 200; ++i) scopes += Proto{}.bytes(2, "").out;
  const auto empty = decode_otlp_traces_protobuf(Proto{}.bytes(1, scopes).out, small);
  EXPECT_EQ(empty.error, "");
  EXPECT_TRUE(empty.batches.empty());
  for (int i = 0; i < 800; ++i) scopes += Proto{}.bytes(2, "").out;
  EXPECT_NE(decode_otlp_traces_protobuf(Proto{}.bytes(1, scopes).out, small).error, "");
  const std::vector<Span> two{small_span(), small_span()};
  const auto many =
      decode_otlp_traces_protobuf(otlp_traces_protobuf(SpanSource{"mall", "", {}, "zt", ""}, two), limits);
  EXPECT_NE(many.error.find("more spans than 1"), std::string::npos) << many.error;
  EXPECT_EQ(many.spans(), 0u);
}

TEST(OtlpReceive, ReadsOtlpJsonAsItReadsProtobuf) {
  Span root = small_span();
  root.attributes = {{"s", std::string("上游")},
                     {"i", std::int64_t{-42}},
                     {"d", 2.5},
                     {"b", false},
                     {"nan", std::numeric_limits<double>::quiet_NaN()}};
  root.status = SpanStatus::kError;
  root.status_message = "超时";
  root.start_unix_nano = 1796601067171000123ull;
  const Span child =
      child_of(root, {9, 9, 9, 9, 9, 9, 9, 9}, SpanKind::kClient, {{"retry", 77, {{"attempt", std::int64_t{3}}}}});
  const SpanSource source{"counter", "counter-2", {{"host.name", std::string("h1")}}, "zhongtai", "0.1.0"};
  const std::vector<Span> spans{root, child};
  const auto from_json = decode_otlp_traces_json(otlp_traces_json(source, spans));
  const auto from_proto = decode_otlp_traces_protobuf(otlp_traces_protobuf(source, spans));
  ASSERT_EQ(from_json.error, "");
  ASSERT_EQ(from_json.batches.size(), 1u);
  EXPECT_EQ(otlp_traces_json(from_json.batches[0].source, from_json.batches[0].spans),
            otlp_traces_json(from_proto.batches[0].source, from_proto.batches[0].spans));
  EXPECT_TRUE(std::isnan(std::get<double>(from_json.batches[0].spans[0].attributes[4].value)));
  // Other senders' spellings: enums by name, 64-bit integers as numbers, upper-case hex.
  const auto other = decode_otlp_traces_json(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{
      "traceId":"4BF92F3577B34DA6A3CE929D0E0E4736","spanId":"00F067AA0BA902B7","name":"GET /q",
      "kind":"SPAN_KIND_SERVER","startTimeUnixNano":1000,"endTimeUnixNano":"2000",
      "attributes":[{"key":"n","value":{"intValue":7}},{"key":"list","value":{"arrayValue":{"values":[{"stringValue":"a"},{"intValue":"2"}]}}}],
      "status":{"code":"STATUS_CODE_ERROR"}}]}]}]})");
  ASSERT_EQ(other.error, "");
  const auto& s = other.batches.at(0).spans.at(0);
  EXPECT_EQ(other.batches[0].source.service_name, "unknown_service");
  EXPECT_EQ(s.kind, SpanKind::kServer);
  EXPECT_EQ(s.status, SpanStatus::kError);
  EXPECT_EQ(s.start_unix_nano, 1000u);
  EXPECT_EQ(s.end_unix_nano, 2000u);
  EXPECT_EQ(s.trace_id[0], 0x4b);
  EXPECT_EQ(std::get<std::int64_t>(s.attributes[0].value), 7);
  EXPECT_EQ(std::get<std::string>(s.attributes[1].value), R"(["a",2])");
  // Key lists as JSON text, bytes as the base64 they came in, a value of no kind as "".
  const auto kinds = decode_otlp_traces_json(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{
      "traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7",
      "attributes":[{"key":"kv","value":{"kvlistValue":{"values":[{"key":"k","value":{"boolValue":true}}]}}},
                    {"key":"raw","value":{"bytesValue":"AQI="}}, {"key":"none","value":{}}]}]}]}]})");
  ASSERT_EQ(kinds.error, "");
  const auto& kv = kinds.batches.at(0).spans.at(0).attributes;
  EXPECT_EQ(std::get<std::string>(kv.at(0).value), R"({"k":true})");
  EXPECT_EQ(std::get<std::string>(kv.at(1).value), "AQI=");
  EXPECT_EQ(std::get<std::string>(kv.at(2).value), "");
}

TEST(OtlpReceive, RefusesMalformedJsonWithAReason) {
  auto span = [](const std::string& fields) {
    return decode_otlp_traces_json(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{)" + fields + "}]}]}]}");
  };
  const std::string ids = R"("traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7")";
  EXPECT_EQ(span(ids).error, "");
  EXPECT_EQ(decode_otlp_traces_json("{}").error, "");  // nothing to keep is a request
  EXPECT_NE(decode_otlp_traces_json("{").error.find("not JSON"), std::string::npos);
  EXPECT_NE(decode_otlp_traces_json("[]").error, "");
  EXPECT_NE(decode_otlp_traces_json(R"({"resourceSpans":{}})").error, "");
  EXPECT_NE(span(R"("traceId":"4bf92f3577b34da6a3ce929d0e0e47","spanId":"00f067aa0ba902b7")").error, "");    // short
  EXPECT_NE(span(R"("traceId":"4bf92f3577b34da6a3ce929d0e0e473z","spanId":"00f067aa0ba902b7")").error, "");  // not hex
  EXPECT_NE(span(R"("traceId":"00000000000000000000000000000000","spanId":"00f067aa0ba902b7")").error, "");  // zero
  EXPECT_NE(span(R"("spanId":"00f067aa0ba902b7")").error, "");  // no trace id
  EXPECT_NE(span(ids + R"(,"name":5)").error, "");
  EXPECT_NE(span(ids + R"(,"startTimeUnixNano":"-1")").error, "");
  EXPECT_NE(span(ids + R"(,"startTimeUnixNano":"99999999999999999999999")").error, "");
  EXPECT_NE(span(ids + R"(,"attributes":[{"key":"k","value":{"intValue":"1.5"}}])").error, "");
  EXPECT_NE(span(ids + R"(,"attributes":[{"key":"k","value":"plain"}])").error, "");
  EXPECT_NE(span(ids + R"(,"attributes":[{"key":"k","value":{"boolValue":"yes"}}])").error, "");
  EXPECT_NE(span(ids + R"(,"attributes":[{"key":"k","value":{"doubleValue":"many"}}])").error, "");
  EXPECT_NE(span(ids + R"(,"attributes":[{"key":"k","value":{"bytesValue":1}}])").error, "");
  EXPECT_NE(span(ids + R"(,"status":[])").error, "");
  EXPECT_NE(span(ids + R"(,"kind":-1)").error, "");
  const auto refused = span(ids + R"(,"events":{})");
  EXPECT_NE(refused.error.find("not an array"), std::string::npos) << refused.error;
  EXPECT_EQ(refused.spans(), 0u);
  OtlpLimits small;
  small.max_decoded_bytes = 800;  // JSON bodies over 100 bytes refused unread
  const auto big = decode_otlp_traces_json(std::string(200, ' ') + "{}", small);
  EXPECT_NE(big.error.find("over 100 bytes"), std::string::npos) << big.error;
  std::string deep = R"({"stringValue":"x"})";
  for (int i = 0; i < 12; ++i) deep = R"({"arrayValue":{"values":[)" + deep + "]}}";
  EXPECT_NE(span(ids + R"(,"attributes":[{"key":"deep","value":)" + deep + "}]").error, "");
}

LogRecord small_log() {
  LogRecord l;
  l.time_unix_nano = 1796601067171000123ull;
  l.observed_time_unix_nano = 1796601067171000999ull;
  l.severity_number = static_cast<int>(Severity::kWarn);
  l.severity_text = "warn";
  l.body = "柜台未应答，稍后重发";
  l.attributes = {{"http.route", std::string("/api/mall/v1/orders")}, {"n", std::int64_t{3}}};
  l.trace_id = small_span().trace_id;
  l.span_id = small_span().span_id;
  return l;
}

TEST(OtlpLogs, ProtobufBytesFollowTheSchemaFieldByField) {
  LogRecord l;
  l.time_unix_nano = 1;
  l.severity_number = 17;
  l.severity_text = "e";
  l.body = "x";
  l.span_id = small_span().span_id;
  const std::string got = otlp_logs_protobuf(SpanSource{"mall", "", {}, "zt", ""}, std::span<const LogRecord>(&l, 1));
  // Built by hand from opentelemetry-proto v1 logs.proto:
  const std::string record =
      "090100000000000000"  // time_unix_nano = 1 (fixed64)
      "1011"                // severity_number = 17 (ERROR)
      "1a0165"              // severity_text = "e"
      "2a030a0178"          // body = AnyValue { string_value = "x" }
      "5208"
      "00f067aa0ba902b7";  // span_id (no trace id: none written)
  const std::string want =
      "0a41"                                              // ExportLogsServiceRequest.resource_logs: 65 bytes
      "0a18"                                              // ResourceLogs.resource
      "0a160a0c736572766963652e6e616d6512060a046d616c6c"  // service.name = "mall"
      "1225"                                              // ResourceLogs.scope_logs
      "0a040a027a74"                                      // ScopeLogs.scope: name "zt"
      "121d" +                                            // ScopeLogs.log_records: 29 bytes
      record;
  EXPECT_EQ(hex(got), want);
}

TEST(OtlpLogs, ReadsBackEverythingTheEncoderWritesInBothEncodings) {
  LogRecord plain;  // no trace, no severity, no observed time
  plain.time_unix_nano = 5;
  plain.body = "启动完成";
  const std::vector<LogRecord> records{small_log(), plain};
  const SpanSource source{"counter", "counter-2", {{"host.name", std::string("h1")}}, "zhongtai", "0.1.0"};
  for (const bool json : {false, true}) {
    const auto got = json ? decode_otlp_logs_json(otlp_logs_json(source, records))
                          : decode_otlp_logs_protobuf(otlp_logs_protobuf(source, records));
    ASSERT_EQ(got.error, "") << json;
    ASSERT_EQ(got.records(), 2u);
    const auto& b = got.batches[0];
    EXPECT_EQ(b.source.service_name, "counter");
    EXPECT_EQ(b.source.service_instance_id, "counter-2");
    EXPECT_EQ(b.records[0].trace_id, small_span().trace_id);
    EXPECT_EQ(b.records[0].span_id, small_span().span_id);
    EXPECT_EQ(b.records[0].severity_number, 13);
    EXPECT_EQ(b.records[0].body, "柜台未应答，稍后重发");
    EXPECT_EQ(b.records[0].observed_time_unix_nano, 1796601067171000999ull);
    EXPECT_EQ(std::get<std::int64_t>(b.records[0].attributes[1].value), 3);
    EXPECT_EQ(b.records[1].trace_id, (std::array<std::uint8_t, 16>{}));
    EXPECT_EQ(otlp_logs_json(b.source, b.records), otlp_logs_json(source, records));
  }
}

TEST(OtlpLogs, ReadsWhatOtherSendersWriteAndRefusesMalformedRecords) {
  // The SDK's OTLP/JSON: enum names, a structured body kept as JSON text, empty ids.
  const auto sdk = decode_otlp_logs_json(R"({"resourceLogs":[{"resource":{"attributes":[
      {"key":"service.name","value":{"stringValue":"h5"}}]},"scopeLogs":[{"scope":{"name":"web"},"logRecords":[
      {"timeUnixNano":"7","severityNumber":"SEVERITY_NUMBER_ERROR2","severityText":"ERROR",
       "body":{"kvlistValue":{"values":[{"key":"k","value":{"intValue":"1"}}]}},"traceId":"","spanId":""}]}]}]})");
  ASSERT_EQ(sdk.error, "");
  ASSERT_EQ(sdk.records(), 1u);
  EXPECT_EQ(sdk.batches[0].records[0].severity_number, 18);
  EXPECT_EQ(sdk.batches[0].records[0].body, R"({"k":1})");
  EXPECT_EQ(sdk.batches[0].source.service_name, "h5");
  // Refused whole, with a reason: a bad id, a wrong wire type, too many records, a cut body.
  EXPECT_NE(decode_otlp_logs_json(R"({"resourceLogs":[{"scopeLogs":[{"logRecords":[{"traceId":"zz"}]}]}]})").error, "");
  const auto record = [](std::string body) {
    return decode_otlp_logs_protobuf(Proto{}.bytes(1, Proto{}.bytes(2, Proto{}.bytes(2, body).out).out).out);
  };
  EXPECT_EQ(record(Proto{}.bytes(9, kTraceId).bytes(10, kSpanId).out).error, "");
  EXPECT_EQ(record(Proto{}.bytes(9, "").out).error, "");  // empty: no trace
  EXPECT_NE(record(Proto{}.bytes(9, std::string(15, '\x11')).out).error, "");
  const auto wrong = record(Proto{}.field(3, 0).varint(1).out);
  EXPECT_NE(wrong.error.find("wrong wire type"), std::string::npos) << wrong.error;
  const auto unknown_level = record(Proto{}.field(2, 0).varint(99).out);
  ASSERT_EQ(unknown_level.records(), 1u) << unknown_level.error;
  EXPECT_EQ(unknown_level.batches[0].records[0].severity_number, 0);
  const std::vector<LogRecord> two{small_log(), small_log()};
  OtlpLimits one;
  one.max_spans = 1;
  const auto many = decode_otlp_logs_protobuf(otlp_logs_protobuf(SpanSource{"m", "", {}, "zt", ""}, two), one);
  EXPECT_NE(many.error.find("more log records than 1"), std::string::npos) << many.error;
  EXPECT_EQ(many.records(), 0u);
  const auto good = otlp_logs_protobuf(SpanSource{"m", "", {}, "zt", ""}, two);
  for (std::size_t n = 1; n < good.size(); n += 7)
    EXPECT_NE(decode_otlp_logs_protobuf(good.substr(0, n)).error, "") << n;
}

Metric gauge_of(std::string name, double v) {
  Metric m;
  m.name = std::move(name);
  m.unit = "1";
  m.points.push_back(NumberPoint{0, 1, v, {}});
  return m;
}

TEST(OtlpMetrics, ProtobufBytesFollowTheSchemaFieldByField) {
  const std::vector<Metric> metrics{gauge_of("g", 0.5)};
  const std::string got = otlp_metrics_protobuf(SpanSource{"mall", "", {}, "zt", ""}, metrics);
  // Built by hand from opentelemetry-proto v1 metrics.proto:
  const std::string metric =
      "0a0167"               // name = "g"
      "1a0131"               // unit = "1"
      "2a14"                 // gauge: 20 bytes
      "0a12"                 // Gauge.data_points: 18 bytes
      "190100000000000000"   // time_unix_nano = 1 (fixed64)
      "21000000000000e03f";  // as_double = 0.5
  const std::string want =
      "0a40"                                              // ExportMetricsServiceRequest.resource_metrics
      "0a18"                                              // ResourceMetrics.resource
      "0a160a0c736572766963652e6e616d6512060a046d616c6c"  // service.name = "mall"
      "1224"                                              // ResourceMetrics.scope_metrics
      "0a040a027a74"                                      // ScopeMetrics.scope: name "zt"
      "121c" +                                            // ScopeMetrics.metrics: 28 bytes
      metric;
  EXPECT_EQ(hex(got), want);
}

TEST(OtlpMetrics, ReadsBackGaugesAndSumsInBothEncodings) {
  Metric sum;
  sum.name = "process.cpu.time";
  sum.unit = "s";
  sum.kind = MetricKind::kSum;
  sum.monotonic = true;
  sum.points.push_back(NumberPoint{7, 9, 1.25, {}});
  Metric threads;
  threads.name = "process.thread.count";
  threads.kind = MetricKind::kSum;
  threads.points.push_back(NumberPoint{0, 9, std::int64_t{-3}, {}});
  Metric busy = gauge_of("zhongtai.io_thread.busy", 0.25);
  busy.points[0].attributes.push_back({"thread", std::int64_t{0}});
  busy.points.push_back(NumberPoint{0, 9, std::numeric_limits<double>::quiet_NaN(), {{"thread", std::int64_t{1}}}});
  const std::vector<Metric> metrics{sum, threads, busy};
  const SpanSource source{"counter", "counter-2", {}, "zhongtai", "0.1.0"};
  for (const bool json : {false, true}) {
    const auto got = json ? decode_otlp_metrics_json(otlp_metrics_json(source, metrics))
                          : decode_otlp_metrics_protobuf(otlp_metrics_protobuf(source, metrics));
    ASSERT_EQ(got.error, "") << json;
    ASSERT_EQ(got.metrics(), 3u);
    const auto& b = got.batches[0];
    EXPECT_EQ(b.source.service_instance_id, "counter-2");
    EXPECT_EQ(b.metrics[0].kind, MetricKind::kSum);
    EXPECT_TRUE(b.metrics[0].monotonic);
    EXPECT_EQ(b.metrics[0].unit, "s");
    EXPECT_EQ(b.metrics[0].points[0].start_time_unix_nano, 7u);
    EXPECT_EQ(b.metrics[0].points[0].number(), 1.25);
    EXPECT_FALSE(b.metrics[1].monotonic);
    EXPECT_EQ(std::get<std::int64_t>(b.metrics[1].points[0].value), -3);
    EXPECT_EQ(b.metrics[2].kind, MetricKind::kGauge);
    ASSERT_EQ(b.metrics[2].points.size(), 2u);
    EXPECT_EQ(std::get<std::int64_t>(b.metrics[2].points[1].attributes[0].value), 1);
    EXPECT_TRUE(std::isnan(b.metrics[2].points[1].number()));
    EXPECT_EQ(otlp_metrics_json(b.source, b.metrics), otlp_metrics_json(source, metrics));
  }
}

TEST(OtlpMetrics, SkipsKindsItDoesNotReadAndRefusesMalformedMetrics) {
  // An SDK's OTLP/JSON: a histogram (not read: no points), asInt as a string, an unknown field.
  const auto sdk = decode_otlp_metrics_json(R"({"resourceMetrics":[{"resource":{"attributes":[
      {"key":"service.name","value":{"stringValue":"h5"}}]},"scopeMetrics":[{"metrics":[
      {"name":"http.server.duration","histogram":{"dataPoints":[{"count":"3"}]}},
      {"name":"process.memory.usage","unit":"By","sum":{"dataPoints":[{"asInt":"1048576","timeUnixNano":"5"}],
       "aggregationTemporality":2},"metadata":[]}]}]}]})");
  ASSERT_EQ(sdk.error, "");
  ASSERT_EQ(sdk.metrics(), 2u);
  EXPECT_EQ(sdk.batches[0].metrics[0].kind, MetricKind::kOther);
  EXPECT_TRUE(sdk.batches[0].metrics[0].points.empty());
  EXPECT_EQ(std::get<std::int64_t>(sdk.batches[0].metrics[1].points[0].value), 1048576);
  EXPECT_NE(decode_otlp_metrics_json(R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[
      {"name":"x","gauge":{"dataPoints":[{"asInt":"1.5"}]}}]}]}]})")
                .error,
            "");
  EXPECT_NE(decode_otlp_metrics_json(R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[
      {"name":"x","gauge":{"dataPoints":[{"asDouble":"lots"}]}}]}]}]})")
                .error,
            "");
  EXPECT_NE(decode_otlp_metrics_json(R"({"resourceMetrics":[{"scopeMetrics":[{"metrics":[
      {"name":"x","sum":{"isMonotonic":"yes","dataPoints":[]}}]}]}]})")
                .error,
            "");
  // Protobuf: a histogram skipped, a wrong wire type refused, a body cut anywhere refused.
  const auto metric = [](std::string body) {
    return decode_otlp_metrics_protobuf(Proto{}.bytes(1, Proto{}.bytes(2, Proto{}.bytes(2, body).out).out).out);
  };
  const auto histogram = metric(Proto{}.bytes(1, "h").bytes(9, Proto{}.bytes(1, "anything").out).out);
  ASSERT_EQ(histogram.error, "");
  EXPECT_EQ(histogram.batches[0].metrics[0].kind, MetricKind::kOther);
  const auto wrong = metric(Proto{}.bytes(5, Proto{}.bytes(1, Proto{}.field(4, 0).varint(1).out).out).out);
  EXPECT_NE(wrong.error.find("wrong wire type"), std::string::npos) << wrong.error;
  // Points past max_events are left out; metrics past max_spans refuse the request.
  Metric many = gauge_of("g", 1);
  many.points.resize(5, many.points[0]);
  OtlpLimits limits;
  limits.max_events = 3;
  const std::vector<Metric> one{many};
  const auto cut = decode_otlp_metrics_protobuf(otlp_metrics_protobuf(SpanSource{"m", "", {}, "zt", ""}, one), limits);
  ASSERT_EQ(cut.error, "");
  EXPECT_EQ(cut.batches[0].metrics[0].points.size(), 3u);
  limits.max_spans = 1;
  const std::vector<Metric> two{many, many};
  const auto refused =
      decode_otlp_metrics_protobuf(otlp_metrics_protobuf(SpanSource{"m", "", {}, "zt", ""}, two), limits);
  EXPECT_NE(refused.error.find("more metrics than 1"), std::string::npos) << refused.error;
  const auto good = otlp_metrics_protobuf(SpanSource{"m", "", {}, "zt", ""}, two);
  for (std::size_t n = 1; n < good.size(); n += 5)
    EXPECT_NE(decode_otlp_metrics_protobuf(good.substr(0, n)).error, "") << n;
}

}  // namespace
}  // namespace zt::core::observe
