// Interop helper for otlp_decode.mjs (issue 19):
//   otlp_sample <dir>               writes one OTLP trace payload in both encodings (traces.pb,
//                                   traces.json), spans using every field and value kind
//                                   core/observe/otlp.cpp writes, for a reference decoder to read,
//                                   and one logs payload the same way (logs.pb, logs.json);
//   otlp_sample --reencode <file>   reads a protobuf payload someone else made (the OpenTelemetry
//                                   SDK) with our receiver's decoder and prints each batch as
//                                   OTLP/JSON, a line each (or "error: …" and exit 1);
//   otlp_sample --reencode-json <file>  the same for an OTLP/JSON payload.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "core/observe/otlp.hpp"

using namespace zt::core::observe;

int main(int argc, char** argv) {
  if (argc == 3 && (std::string(argv[1]) == "--reencode" || std::string(argv[1]) == "--reencode-json")) {
    std::ifstream in(argv[2], std::ios::binary);
    const std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto decoded =
        std::string(argv[1]) == "--reencode" ? decode_otlp_traces_protobuf(body) : decode_otlp_traces_json(body);
    if (!decoded.error.empty()) {
      std::printf("error: %s\n", decoded.error.c_str());
      return 1;
    }
    for (const auto& batch : decoded.batches) std::printf("%s\n", otlp_traces_json(batch.source, batch.spans).c_str());
    return 0;
  }
  if (argc != 2) {
    std::fprintf(stderr, "usage: otlp_sample <dir> | otlp_sample --reencode <file>\n");
    return 2;
  }
  Span root;
  root.trace_id = {0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36};
  root.span_id = {0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7};
  root.name = "POST /api/mall/v1/orders";
  root.kind = SpanKind::kServer;
  root.start_unix_nano = 1796601067171000123ull;
  root.end_unix_nano = 1796601067175250456ull;
  root.attributes = {{"http.route", std::string("/api/mall/v1/orders")},
                     {"http.response.status_code", std::int64_t{409}},
                     {"zt.caller_kind", std::string("customer")},
                     {"zt.big", std::int64_t{-9007199254740993}},
                     {"zt.ratio", 0.125},
                     {"zt.retried", false}};
  root.status = SpanStatus::kError;
  root.status_message = "可用资金不足";
  Span child;
  child.trace_id = root.trace_id;
  child.parent_span_id = root.span_id;
  child.span_id = {1, 2, 3, 4, 5, 6, 7, 8};
  child.trace_flags = 0;
  child.name = "counter place_order";
  child.kind = SpanKind::kClient;
  child.start_unix_nano = root.start_unix_nano + 1'000'000;
  child.end_unix_nano = root.start_unix_nano + 3'500'000;
  child.attributes = {{"peer.service", std::string("counter")}, {"bad", std::string("\xff")}};
  child.events = {{"retry", child.start_unix_nano + 2'000'000, {{"attempt", std::int64_t{2}}}},
                  {"sent", child.end_unix_nano, {}}};
  child.status = SpanStatus::kOk;
  const SpanSource source{"mall", "mall-7f9c", {{"service.version", std::string("0.1.0")}}, "zhongtai", "0.1.0"};
  const std::vector<Span> spans{root, child};
  const std::string dir = argv[1];
  std::ofstream(dir + "/traces.pb", std::ios::binary) << otlp_traces_protobuf(source, spans);
  std::ofstream(dir + "/traces.json", std::ios::binary) << otlp_traces_json(source, spans);
  // Log records: one in the root span's trace with every field, one written in no trace.
  LogRecord in_trace;
  in_trace.time_unix_nano = root.start_unix_nano + 500'000;
  in_trace.observed_time_unix_nano = in_trace.time_unix_nano + 7;
  in_trace.severity_number = static_cast<int>(Severity::kWarn);
  in_trace.severity_text = "warn";
  in_trace.body = "mall: 柜台未应答，稍后重发";
  in_trace.attributes = {{"zt.log_kind", std::string("request")}, {"zt.duration_ms", 4.25}};
  in_trace.trace_id = root.trace_id;
  in_trace.span_id = root.span_id;
  LogRecord plain;
  plain.time_unix_nano = root.end_unix_nano;
  plain.severity_number = static_cast<int>(Severity::kInfo);
  plain.severity_text = "info";
  plain.body = "observer: started";
  const std::vector<LogRecord> records{in_trace, plain};
  std::ofstream(dir + "/logs.pb", std::ios::binary) << otlp_logs_protobuf(source, records);
  std::ofstream(dir + "/logs.json", std::ios::binary) << otlp_logs_json(source, records);
  return 0;
}
