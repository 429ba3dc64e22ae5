#include "core/util/digest.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

namespace zt::core {

namespace {
std::string hex_digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out, &len, md, nullptr);
  std::string hex;
  hex.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", out[i]);
  return hex;
}
}  // namespace

std::string sha256_hex(std::string_view data) { return hex_digest(EVP_sha256(), data); }
std::string md5_hex(std::string_view data) { return hex_digest(EVP_md5(), data); }

std::string base64_encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  if (text.empty()) return std::string();
  std::string out(3 * (text.size() / 4), '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts padding as zero bytes: drop one per '='.
  std::size_t len = static_cast<std::size_t>(n);
  if (text.ends_with("==")) len -= 2;
  else if (text.ends_with('=')) len -= 1;
  out.resize(len);
  return out;
}

}  // namespace zt::core
