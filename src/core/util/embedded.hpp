#pragma once
// Files compiled into the binary (migrations, calendar data) by cmake/embed.cmake.
#include <span>
#include <string_view>

namespace zt::core {

struct EmbeddedFile {
  std::string_view name;
  std::string_view content;
};

}  // namespace zt::core
