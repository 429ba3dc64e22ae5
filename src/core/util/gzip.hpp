#pragma once
// gzip (RFC 1952) both ways, for HTTP bodies: static files sent compressed, OTLP exports received
// compressed (issue 19).
#include <cstddef>
#include <string>
#include <string_view>

namespace zt::core {

// `in` compressed (level 6); empty when zlib fails.
std::string gzip(std::string_view in);

// `in` decompressed into `out` — one gzip member, nothing after it. kInvalid when it is not gzip,
// is cut short or corrupt; kTooLarge when it would decompress to more than `max_out` bytes (a
// small body that inflates to gigabytes is refused as soon as it passes the bound, never held
// whole). `out` holds nothing useful unless kOk.
enum class Gunzip { kOk, kInvalid, kTooLarge };
Gunzip gunzip(std::string_view in, std::size_t max_out, std::string& out);

}  // namespace zt::core
