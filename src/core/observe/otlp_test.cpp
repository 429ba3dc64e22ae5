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
  Span child = small_span();
  child.parent_span_id = root.span_id;
  child.span_id = {1, 2, 3, 4, 5, 6, 7, 8};
  child.kind = SpanKind::kClient;
  child.events = {{"retry", 1796601067172000000ull, {{"attempt", std::int64_t{2}}}}};
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
  Span s = small_span();
  s.attributes.clear();  // (-1 as a varint is 0xff bytes)
  s.name = "GET /\xff";
  const auto body = otlp_traces_json(SpanSource{"mall", "", {}, "zt", ""}, std::span<const Span>(&s, 1));
  EXPECT_NO_THROW(boost::json::parse(body));
  EXPECT_NE(body.find("GET /\xEF\xBF\xBD"), std::string::npos);
  const auto proto = otlp_traces_protobuf(SpanSource{"mall", "", {}, "zt", ""}, std::span<const Span>(&s, 1));
  EXPECT_EQ(proto.find("\xff"), std::string::npos);
}

}  // namespace
}  // namespace zt::core::observe
