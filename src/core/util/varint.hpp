// Base-128 varints (protobuf's, LEB128 unsigned): the latency sketch's encoding and the OTLP
// payloads share them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace zt::core {

inline void append_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Reads the varint at `at` (moved past it); false when the input ends inside it or it runs past
// 64 bits — `at` is then left anywhere.
inline bool read_varint(std::string_view in, std::size_t& at, std::uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (at >= in.size()) return false;
    const auto byte = static_cast<std::uint8_t>(in[at++]);
    const std::uint64_t bits = byte & 0x7f;
    if (shift == 63 && bits > 1) return false;
    v |= bits << shift;
    if (!(byte & 0x80)) return true;
  }
  return false;
}

}  // namespace zt::core
