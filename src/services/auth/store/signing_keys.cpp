#include "services/auth/store/signing_keys.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include "services/auth/store/auth_store.hpp"

namespace zt::services::auth {

namespace {
constexpr const char* kContext = "auth_signing_keys.private";
}

void SigningKeys::read(core::storage::Tx& tx) {
  auto rows = tx.query(
      "SELECT kid, private_sealed, public_jwk, created_at_ms, retired_at_ms FROM auth_signing_keys ORDER BY created_at_ms DESC, kid DESC");
  std::vector<Entry> keys;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows.at(i);
    const std::int64_t retired = r.is_null(4) ? 0 : r.int64(4);
    std::string json = r.string(2);
    if (retired == 0) {
      // Only the key in service has its private half (rotate() erases a retired one's).
      auto opened = ring_.open(r.string(1), kContext);
      if (!opened) throw std::runtime_error("auth: signing key " + r.string(0) + " does not open with this node's data keys");
      json = std::move(*opened);
    }
    auto key = std::make_shared<const core::crypto::Jwk>(core::crypto::Jwk::from_json(boost::json::parse(json).as_object()));
    keys.push_back({r.string(0), std::move(key), r.int64(3), retired});
  }
  std::lock_guard lock(mutex_);
  keys_ = std::move(keys);
}

void SigningKeys::load(core::storage::Tx& tx, std::int64_t now_ms) {
  read(tx);
  bool in_service = false;
  {
    std::lock_guard lock(mutex_);
    in_service = !keys_.empty() && keys_.front().retired_at_ms == 0;
  }
  if (!in_service) rotate(tx, now_ms);
}

std::string SigningKeys::rotate(core::storage::Tx& tx, std::int64_t now_ms) {
  const std::string kid = fmt::format("es256-{}-{}", now_ms / 1000, random_token(6));
  const auto key = core::crypto::Jwk::generate(core::crypto::JwtAlg::kES256, kid);
  // The retired key verifies (its public half stays published) but never signs again: its
  // private half is erased, not kept sealed.
  tx.exec("UPDATE auth_signing_keys SET retired_at_ms = ?, private_sealed = '' WHERE retired_at_ms IS NULL", {now_ms});
  tx.exec("INSERT INTO auth_signing_keys (kid, alg, private_sealed, public_jwk, created_at_ms) VALUES (?, 'ES256', ?, ?, ?)",
          {kid, ring_.seal(boost::json::serialize(key.private_json()), kContext), boost::json::serialize(key.public_json()), now_ms});
  read(tx);
  return kid;
}

std::string SigningKeys::sign(const boost::json::object& claims) const {
  std::shared_ptr<const core::crypto::Jwk> key;
  {
    std::lock_guard lock(mutex_);
    key = keys_.front().key;
  }
  return core::crypto::jwt_sign(*key, claims);
}

std::string SigningKeys::current_kid() const {
  std::lock_guard lock(mutex_);
  return keys_.empty() ? "" : keys_.front().kid;
}

std::string SigningKeys::jwks(std::int64_t now_ms) const {
  boost::json::array out;
  std::lock_guard lock(mutex_);
  for (const auto& k : keys_)
    if (k.retired_at_ms == 0 || k.retired_at_ms + publish_after_retire_ms_ > now_ms) out.push_back(k.key->public_json());
  return boost::json::serialize(boost::json::object{{"keys", out}});
}

}  // namespace zt::services::auth
