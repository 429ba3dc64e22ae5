#pragma once
// Config-center content rules (framework-free): key names, syntax checks by format before a
// publish, the MD5 listeners compare, and the line diff the console shows.
#include <optional>
#include <string>
#include <string_view>

#include "core/discovery/config_types.hpp"

namespace zt::platform::registry {

inline constexpr std::size_t kMaxConfigBytes = 1024 * 1024;

// The Chinese reason of the first problem with a key, or nothing.
std::optional<std::string> validate_key(const core::discovery::ConfigKey& key);
// Checks the content parses as its format (yaml, json, properties, text); the reason names the line.
std::optional<std::string> validate_content(std::string_view format, std::string_view content);
// A unified-style line diff ("-old", "+new", " same") from `before` to `after`.
std::string line_diff(std::string_view before, std::string_view after);

}  // namespace zt::platform::registry
