#include "core/crypto/seal.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "core/util/digest.hpp"

namespace zt::core::crypto {

namespace {

constexpr std::size_t kKeyBytes = 32, kNonceBytes = 12, kTagBytes = 16;

struct CipherFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};

bool valid_id(std::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  return true;
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) throw KeyRingError("no randomness");
  return out;
}

std::string hkdf(std::string_view key, std::string_view info) {
  std::string out(kKeyBytes, '\0');
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr), &EVP_PKEY_CTX_free);
  std::size_t len = out.size();
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_hkdf_md(ctx.get(), EVP_sha256()) != 1 ||
      EVP_PKEY_CTX_set1_hkdf_key(ctx.get(), reinterpret_cast<const unsigned char*>(key.data()), static_cast<int>(key.size())) != 1 ||
      EVP_PKEY_CTX_add1_hkdf_info(ctx.get(), reinterpret_cast<const unsigned char*>(info.data()), static_cast<int>(info.size())) != 1 ||
      EVP_PKEY_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len) != 1)
    throw KeyRingError("key derivation failed");
  return out;
}

}  // namespace

KeyRing KeyRing::parse(std::string_view text) {
  KeyRing ring;
  while (!text.empty()) {
    const auto comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\n')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\n')) item.remove_suffix(1);
    if (item.empty()) continue;
    const auto colon = item.find(':');
    if (colon == std::string_view::npos) throw KeyRingError("key ring entries are id:base64key");
    const auto id = item.substr(0, colon);
    if (!valid_id(id)) throw KeyRingError("key id must be 1-32 letters, digits, - or _");
    auto raw = base64_decode(item.substr(colon + 1));
    if (!raw || raw->size() != kKeyBytes) throw KeyRingError("key " + std::string(id) + " is not 32 bytes of base64");
    if (!ring.keys_.emplace(std::string(id), std::move(*raw)).second) throw KeyRingError("key id " + std::string(id) + " repeated");
    if (ring.current_.empty()) ring.current_ = std::string(id);
    ring.hash_key_ = hkdf(ring.keys_.at(std::string(id)), "zhongtai keyed hash");
  }
  if (ring.current_.empty()) throw KeyRingError("the key ring is empty");
  return ring;
}

std::string KeyRing::generate_text(std::string_view id) { return std::string(id) + ":" + base64_encode(random_bytes(kKeyBytes)); }

KeyRing KeyRing::load_or_create(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if ((st.st_mode & 077) != 0) throw KeyRingError(path + " must not be readable by group or others (chmod 600)");
    std::ifstream in(path);
    if (!in) throw KeyRingError("cannot read " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    return parse(ss.str());
  }
  const std::string text = generate_text("k1") + "\n";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) throw KeyRingError("cannot create " + path);
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) throw KeyRingError("cannot write " + path);
  return parse(text);
}

std::string KeyRing::seal(std::string_view plaintext, std::string_view context) const {
  const std::string& key = keys_.at(current_);
  const std::string nonce = random_bytes(kNonceBytes);
  std::string out = nonce + std::string(plaintext.size(), '\0') + std::string(kTagBytes, '\0');
  std::unique_ptr<EVP_CIPHER_CTX, CipherFree> c(EVP_CIPHER_CTX_new());
  int len = 0;
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (!c || EVP_EncryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, reinterpret_cast<const unsigned char*>(key.data()), o) != 1 ||
      EVP_EncryptUpdate(c.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(context.data()), static_cast<int>(context.size())) != 1 ||
      EVP_EncryptUpdate(c.get(), o + kNonceBytes, &len, reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(c.get(), o + kNonceBytes + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, o + kNonceBytes + plaintext.size()) != 1)
    throw KeyRingError("encryption failed");
  return "v1." + current_ + "." + base64url_encode(out);
}

std::optional<std::string> KeyRing::open(std::string_view sealed, std::string_view context) const {
  if (!sealed.starts_with("v1.")) return std::nullopt;
  sealed.remove_prefix(3);
  const auto dot = sealed.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto key = keys_.find(sealed.substr(0, dot));
  if (key == keys_.end()) return std::nullopt;
  auto raw = base64url_decode(sealed.substr(dot + 1));
  if (!raw || raw->size() < kNonceBytes + kTagBytes) return std::nullopt;
  const std::size_t n = raw->size() - kNonceBytes - kTagBytes;
  std::string plain(n, '\0');
  auto* r = reinterpret_cast<unsigned char*>(raw->data());
  std::unique_ptr<EVP_CIPHER_CTX, CipherFree> c(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!c || EVP_DecryptInit_ex(c.get(), EVP_aes_256_gcm(), nullptr, reinterpret_cast<const unsigned char*>(key->second.data()), r) != 1 ||
      EVP_DecryptUpdate(c.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(context.data()), static_cast<int>(context.size())) != 1 ||
      EVP_DecryptUpdate(c.get(), reinterpret_cast<unsigned char*>(plain.data()), &len, r + kNonceBytes, static_cast<int>(n)) != 1 ||
      EVP_CIPHER_CTX_ctrl(c.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, r + kNonceBytes + n) != 1 ||
      EVP_DecryptFinal_ex(c.get(), reinterpret_cast<unsigned char*>(plain.data()) + len, &len) != 1)
    return std::nullopt;
  return plain;
}

std::string KeyRing::keyed_hash(std::string_view value, std::string_view context) const {
  const std::string& k = hash_key_;
  std::string mac(32, '\0');
  std::size_t len = 0;
  const std::string input = std::string(context) + '\0' + std::string(value);
  if (!EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, k.data(), k.size(),
                 reinterpret_cast<const unsigned char*>(input.data()), input.size(), reinterpret_cast<unsigned char*>(mac.data()),
                 mac.size(), &len))
    throw KeyRingError("keyed hash failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : mac) {
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  return hex;
}

namespace {
std::string kcv(std::string_view key) { return hmac_sha256_hex(key, "zhongtai key check v1").substr(0, 16); }
}  // namespace

std::string KeyRing::check_value(std::string_view id) const {
  auto it = keys_.find(id);
  return it == keys_.end() ? std::string() : kcv(it->second);
}

std::string KeyRing::hash_check_value() const { return kcv(hash_key_); }

std::vector<std::string> KeyRing::ids() const {
  std::vector<std::string> out;
  for (const auto& [id, key] : keys_) out.push_back(id);
  return out;
}

}  // namespace zt::core::crypto
