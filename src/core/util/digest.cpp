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

}  // namespace zt::core
