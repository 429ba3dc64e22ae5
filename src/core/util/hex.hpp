#pragma once
// Lower-case hex of bytes, and back: trace and span ids, sketches kept as text.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zt::core {

inline std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

template <std::size_t N>
std::string to_hex(const std::array<std::uint8_t, N>& bytes) {
  return to_hex(std::string_view(reinterpret_cast<const char*>(bytes.data()), N));
}

// The bytes of lower-case hex; nullopt for an odd length or any other character.
inline std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  const auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = digit(hex[i]), lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi << 4 | lo));
  }
  return out;
}

// Exactly 2N lower-case hex digits into `out`; false (out untouched) otherwise.
template <std::size_t N>
bool from_hex(std::string_view hex, std::array<std::uint8_t, N>& out) {
  if (hex.size() != 2 * N) return false;
  const auto bytes = from_hex(hex);
  if (!bytes) return false;
  for (std::size_t i = 0; i < N; ++i) out[i] = static_cast<std::uint8_t>((*bytes)[i]);
  return true;
}

}  // namespace zt::core
