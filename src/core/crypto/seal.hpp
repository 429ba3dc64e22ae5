#pragma once
// Personal data and secrets at rest (DESIGN §4): AES-256-GCM with a key ring, and keyed hashes
// for finding a record by a value that is stored only encrypted.
//
//   KeyRing ring = KeyRing::parse("k2:<base64 32 bytes>,k1:<base64 32 bytes>");  // first one seals
//   std::string stored = ring.seal("13800138000", "customers.mobile");         // "v1.k2.<base64url>"
//   std::optional<std::string> mobile = ring.open(stored, "customers.mobile");
//   std::string lookup = ring.keyed_hash("13800138000", "customers.mobile");   // hex, stable per key
//
// Every ciphertext names the key that sealed it, so keys rotate without a migration stop: add a new
// key in front, old ciphertexts still open, re-seal at leisure. The context string is bound as
// associated data: a ciphertext moved to another column does not open there. Keyed hashes use a
// key derived (HKDF-SHA256) from the *last* key of the ring — the original one, which rotation
// leaves in place — so lookups survive a rotation; retiring that key needs a re-index.
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace zt::core::crypto {

class KeyRingError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class KeyRing {
 public:
  // "id:base64key[,id:base64key…]", each key 32 bytes; the first seals. Throws KeyRingError.
  static KeyRing parse(std::string_view text);
  // The ring kept in `path` (mode 0600): read when the file exists, else a new key is made and the
  // file written (embedded mode's first start). Throws KeyRingError when the file is unreadable,
  // malformed, or readable by others.
  static KeyRing load_or_create(const std::string& path);
  // A fresh single-key ring text (for tools and tests).
  static std::string generate_text(std::string_view id);

  const std::string& current_id() const { return current_; }
  std::string seal(std::string_view plaintext, std::string_view context) const;
  // nullopt when the key is unknown, the text malformed, or it was tampered with or sealed for
  // another context.
  std::optional<std::string> open(std::string_view sealed, std::string_view context) const;
  std::string keyed_hash(std::string_view value, std::string_view context) const;

  // A key check value (16 hex digits of an HMAC of a fixed text): tells whether data sealed with
  // a key id can be opened with this ring, without revealing the key. Empty for an unknown id.
  std::string check_value(std::string_view id) const;
  // The same for the key keyed hashes are made with (lookups by hashed mobile number and such).
  std::string hash_check_value() const;
  std::vector<std::string> ids() const;

 private:
  std::map<std::string, std::string, std::less<>> keys_;  // id -> 32 raw bytes
  std::string current_;
  std::string hash_key_;  // derived from the last key
};

}  // namespace zt::core::crypto
