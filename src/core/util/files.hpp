#pragma once
// Small files the platform keeps beside its databases (persisted rules, discovery snapshots).
#include <optional>
#include <string>

namespace zt::core {

// The whole file, or nothing when it cannot be read.
std::optional<std::string> read_text_file(const std::string& path);
// Writes to a temporary file, flushes it to disk and renames it over `path`, so a crash leaves
// either the old or the new content, never a torn one. Creates parent directories. Throws
// std::runtime_error naming the file.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace zt::core
