#pragma once
// Hex digests of text: SHA-256 for migration checksums, MD5 where a protocol asks for it (config
// listeners compare MD5s, as Nacos clients do). Neither is used for secrets.
#include <string>
#include <string_view>

namespace zt::core {

std::string sha256_hex(std::string_view data);
std::string md5_hex(std::string_view data);

}  // namespace zt::core
