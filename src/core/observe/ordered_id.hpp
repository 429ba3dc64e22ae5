#pragma once
// An id that sorts in the order ids were made (by this process): the time, then a process-wide
// sequence, then random digits (two processes in the same millisecond keep distinct ids). For rows
// read back by time, then id — a history's lines, an audit trail's entries — so those made in the
// same millisecond (a resolution notes three at once) come back in the order they were made.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <string>

#include "core/observe/trace.hpp"

namespace zt::core::observe {

inline std::string ordered_id(const std::string& prefix, std::int64_t now_ms) {
  static std::atomic<std::uint32_t> sequence{0};
  return fmt::format("{}{:012x}{:08x}{}", prefix, static_cast<std::uint64_t>(std::max<std::int64_t>(now_ms, 0)),
                     sequence.fetch_add(1, std::memory_order_relaxed), random_hex_id(8));
}

}  // namespace zt::core::observe
