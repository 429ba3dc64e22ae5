#include "core/observe/trace.hpp"

#include <algorithm>
#include <random>

#include "core/util/hex.hpp"

namespace zt::core::observe {
namespace {

// xoshiro-style fast generator per thread, seeded from the OS; ids need uniqueness, not secrecy.
std::uint64_t next_random() {
  thread_local std::uint64_t s0 = [] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  }();
  thread_local std::uint64_t s1 = [] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) ^ rd() ^ 0x9e3779b97f4a7c15ULL;
  }();
  std::uint64_t x = s0, y = s1;
  s0 = y;
  x ^= x << 23;
  s1 = x ^ y ^ (x >> 17) ^ (y >> 26);
  return s1 + y;
}

template <std::size_t N>
void fill_random(std::array<std::uint8_t, N>& a) {
  do {
    for (std::size_t i = 0; i < N; i += 8) {
      std::uint64_t r = next_random();
      for (std::size_t j = 0; j < 8 && i + j < N; ++j) a[i + j] = static_cast<std::uint8_t>(r >> (j * 8));
    }
  } while (std::all_of(a.begin(), a.end(), [](std::uint8_t b) { return b == 0; }));
}

constexpr char kHex[] = "0123456789abcdef";


int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // W3C requires lower-case hex
}

template <std::size_t N>
bool from_hex(std::string_view s, std::array<std::uint8_t, N>& out) {
  if (s.size() != N * 2) return false;
  bool nonzero = false;
  for (std::size_t i = 0; i < N; ++i) {
    int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    nonzero |= out[i] != 0;
  }
  return nonzero;
}

}  // namespace

TraceContext TraceContext::generate() {
  TraceContext t;
  fill_random(t.trace_id);
  fill_random(t.span_id);
  return t;
}

std::optional<TraceContext> TraceContext::parse(std::string_view tp) {
  // version "00" is 55 characters; later versions may append fields after a '-'.
  if (tp.size() < 55 || tp[2] != '-' || tp[35] != '-' || tp[52] != '-') return std::nullopt;
  if (tp.substr(0, 2) == "ff" || hex_value(tp[0]) < 0 || hex_value(tp[1]) < 0) return std::nullopt;
  if (tp.substr(0, 2) == "00" && tp.size() != 55) return std::nullopt;
  if (tp.size() > 55 && tp[55] != '-') return std::nullopt;
  TraceContext t;
  std::array<std::uint8_t, 1> flags{};
  if (!from_hex(tp.substr(3, 32), t.trace_id) || !from_hex(tp.substr(36, 16), t.parent_span_id)) return std::nullopt;
  int hi = hex_value(tp[53]), lo = hex_value(tp[54]);
  if (hi < 0 || lo < 0) return std::nullopt;
  flags[0] = static_cast<std::uint8_t>(hi << 4 | lo);
  t.flags = flags[0];
  fill_random(t.span_id);
  return t;
}

TraceContext TraceContext::child() const {
  TraceContext c = *this;
  c.parent_span_id = span_id;
  fill_random(c.span_id);
  return c;
}

std::string TraceContext::trace_id_hex() const { return to_hex(trace_id); }
std::string TraceContext::span_id_hex() const { return to_hex(span_id); }
std::string TraceContext::parent_span_id_hex() const { return to_hex(parent_span_id); }

std::string TraceContext::traceparent() const {
  std::string s = "00-" + to_hex(trace_id) + "-" + to_hex(span_id) + "-";
  s.push_back(kHex[flags >> 4]);
  s.push_back(kHex[flags & 0xf]);
  return s;
}

std::string random_hex_id(std::size_t bytes) {
  std::string s;
  s.reserve(bytes * 2);
  for (std::size_t i = 0; i < bytes; i += 8) {
    std::uint64_t r = next_random();
    for (std::size_t j = 0; j < 8 && i + j < bytes; ++j) {
      auto b = static_cast<std::uint8_t>(r >> (j * 8));
      s.push_back(kHex[b >> 4]);
      s.push_back(kHex[b & 0xf]);
    }
  }
  return s;
}

}  // namespace zt::core::observe
