#pragma once
// Wall-clock instants as stored and shown: UTC, ISO 8601 with milliseconds ("…T12:00:00.123Z").
#include <chrono>
#include <cstdint>
#include <string>

namespace zt::core {

std::string utc_timestamp(std::chrono::system_clock::time_point t = std::chrono::system_clock::now());
// The same for a time kept as milliseconds since the Unix epoch (as the stores keep it).
std::string utc_timestamp_ms(std::int64_t unix_ms);

// Milliseconds since the Unix epoch, now.
std::int64_t unix_millis();

}  // namespace zt::core
