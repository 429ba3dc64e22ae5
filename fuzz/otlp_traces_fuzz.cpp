// libFuzzer target (issue 19): the OTLP traces receiver's decoder on arbitrary bytes. Besides not
// crashing, whatever it reads must survive a round trip: encoded again (protobuf) and read again,
// it says the same (compared as OTLP/JSON).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/observe/otlp.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace zt::core::observe;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto first = decode_otlp_traces_protobuf(body);
  if (!first.error.empty()) {
    if (first.spans() != 0) std::abort();  // refused means nothing kept
    return 0;
  }
  for (const auto& batch : first.batches) {
    const auto again = decode_otlp_traces_protobuf(otlp_traces_protobuf(batch.source, batch.spans));
    if (!again.error.empty() || again.batches.size() != 1) std::abort();
    if (otlp_traces_json(again.batches[0].source, again.batches[0].spans) !=
        otlp_traces_json(batch.source, batch.spans))
      std::abort();
  }
  return 0;
}
