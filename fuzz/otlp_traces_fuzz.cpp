// libFuzzer target (issue 19): the OTLP traces receiver's decoders (protobuf and JSON) on arbitrary
// bytes. Besides not crashing, whatever they read must survive a round trip: encoded again and
// read again, it says the same (compared as OTLP/JSON).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/observe/otlp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace zt::core::observe;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto first = decode_otlp_traces_protobuf(body);
  if (!first.error.empty() && first.spans() != 0) std::abort();  // refused means nothing kept
  for (const auto& batch : first.batches) {
    const auto again = decode_otlp_traces_protobuf(otlp_traces_protobuf(batch.source, batch.spans));
    if (!again.error.empty() || again.batches.size() != 1) std::abort();
    if (otlp_traces_json(again.batches[0].source, again.batches[0].spans) !=
        otlp_traces_json(batch.source, batch.spans))
      std::abort();
  }
  // The same bytes as OTLP/JSON: read, and read again after a round trip through our JSON.
  const auto json = decode_otlp_traces_json(body);
  if (!json.error.empty()) return 0;
  for (const auto& batch : json.batches) {
    const auto text = otlp_traces_json(batch.source, batch.spans);
    const auto again = decode_otlp_traces_json(text);
    if (!again.error.empty() || again.batches.size() != 1) std::abort();
    if (otlp_traces_json(again.batches[0].source, again.batches[0].spans) != text) std::abort();
  }
  return 0;
}
