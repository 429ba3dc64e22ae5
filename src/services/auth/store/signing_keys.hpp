#pragma once
// The keys access tokens are signed with (ES256), kept in auth_signing_keys with the private half
// sealed by the node key ring. One key signs; a retired key loses its private half and stays
// published in the JWKS for as long as tokens it signed can live, so a rotation never signs
// anybody out.
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/crypto/jwt.hpp"
#include "core/crypto/seal.hpp"
#include "core/storage/database.hpp"

namespace zt::services::auth {

class SigningKeys {
 public:
  SigningKeys(const core::crypto::KeyRing& ring, std::int64_t publish_after_retire_ms)
      : ring_(ring), publish_after_retire_ms_(publish_after_retire_ms) {}

  // Reads the keys; makes the first one when there is none in service.
  void load(core::storage::Tx& tx, std::int64_t now_ms);
  // Reads the keys again (another instance may have rotated).
  void reload(core::storage::Tx& tx) { read(tx); }
  // A new signing key; the previous one retires (still verifying its tokens).
  std::string rotate(core::storage::Tx& tx, std::int64_t now_ms);

  std::string sign(const boost::json::object& claims) const;
  std::string jwks(std::int64_t now_ms) const;  // the JSON document
  std::string current_kid() const;

 private:
  struct Entry {
    std::string kid;
    std::shared_ptr<const core::crypto::Jwk> key;
    std::int64_t created_at_ms = 0;
    std::int64_t retired_at_ms = 0;  // 0: in service
  };
  void read(core::storage::Tx& tx);

  const core::crypto::KeyRing& ring_;
  std::int64_t publish_after_retire_ms_;
  mutable std::mutex mutex_;
  std::vector<Entry> keys_;  // newest first; keys_[0] signs
};

}  // namespace zt::services::auth
