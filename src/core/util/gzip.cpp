#include "core/util/gzip.hpp"

#include <zlib.h>

#include <algorithm>
#include <limits>

namespace zt::core {

std::string gzip(std::string_view in) {
  if (in.size() > std::numeric_limits<uInt>::max()) return {};
  z_stream z{};
  if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&z, static_cast<uLong>(in.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END ? out : std::string();
}

Gunzip gunzip(std::string_view in, std::size_t max_out, std::string& out) {
  out.clear();
  if (in.size() > std::numeric_limits<uInt>::max()) return Gunzip::kInvalid;
  z_stream z{};
  if (inflateInit2(&z, 16 + 15) != Z_OK) return Gunzip::kInvalid;  // gzip only, not zlib or raw deflate
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    // Grows by what it has (at least 64 KiB), never past max_out + 1: one byte more than allowed
    // says "too much" without inflating the rest.
    const std::size_t room =
        std::min<std::size_t>({std::max<std::size_t>(out.size(), 64 * 1024), max_out + 1 - out.size(), 1u << 30});
    if (room == 0) break;
    const std::size_t at = out.size();
    out.resize(at + room);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + at);
    z.avail_out = static_cast<uInt>(room);
    rc = inflate(&z, Z_NO_FLUSH);
    out.resize(at + room - z.avail_out);
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;  // cut short: no more input to go on with
  }
  inflateEnd(&z);
  if (out.size() > max_out) return Gunzip::kTooLarge;
  return rc == Z_STREAM_END && z.avail_in == 0 ? Gunzip::kOk : Gunzip::kInvalid;
}

}  // namespace zt::core
