// libFuzzer target (issue 19): the OTLP receiver's decoders — traces and logs, protobuf and JSON —
// on arbitrary bytes. Besides not crashing, whatever they read must survive a round trip: encoded
// again and read again, it says the same (compared as OTLP/JSON).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/observe/otlp.hpp"

namespace {

using namespace zt::core::observe;

// The same checks for either kind: `items` picks a batch's spans or records.
template <class Decoded, class DecodeProto, class DecodeJson, class EncodeProto, class EncodeJson, class Items>
void check(std::string_view body, DecodeProto decode_proto, DecodeJson decode_json, EncodeProto encode_proto,
           EncodeJson encode_json, Items items) {
  const Decoded first = decode_proto(body);
  if (!first.error.empty() && !first.batches.empty()) std::abort();  // refused means nothing kept
  for (const auto& batch : first.batches) {
    const Decoded again = decode_proto(encode_proto(batch.source, items(batch)));
    if (!again.error.empty() || again.batches.size() != 1) std::abort();
    if (encode_json(again.batches[0].source, items(again.batches[0])) != encode_json(batch.source, items(batch)))
      std::abort();
  }
  // The same bytes as OTLP/JSON: read, and read again after a round trip through our JSON.
  const Decoded json = decode_json(body);
  if (!json.error.empty()) return;
  for (const auto& batch : json.batches) {
    const auto text = encode_json(batch.source, items(batch));
    const Decoded again = decode_json(text);
    if (!again.error.empty() || again.batches.size() != 1) std::abort();
    if (encode_json(again.batches[0].source, items(again.batches[0])) != text) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  check<OtlpDecoded>(
      body, [](std::string_view b) { return decode_otlp_traces_protobuf(b); },
      [](std::string_view b) { return decode_otlp_traces_json(b); },
      [](const SpanSource& s, const std::vector<Span>& v) { return otlp_traces_protobuf(s, v); },
      [](const SpanSource& s, const std::vector<Span>& v) { return otlp_traces_json(s, v); },
      [](const SpanBatch& b) -> const std::vector<Span>& { return b.spans; });
  check<OtlpLogsDecoded>(
      body, [](std::string_view b) { return decode_otlp_logs_protobuf(b); },
      [](std::string_view b) { return decode_otlp_logs_json(b); },
      [](const SpanSource& s, const std::vector<LogRecord>& v) { return otlp_logs_protobuf(s, v); },
      [](const SpanSource& s, const std::vector<LogRecord>& v) { return otlp_logs_json(s, v); },
      [](const LogBatch& b) -> const std::vector<LogRecord>& { return b.records; });
  return 0;
}
