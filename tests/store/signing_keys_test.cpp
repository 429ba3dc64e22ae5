// Signing-key rotation with overlap, on SQLite: the new key signs at once, the retired one keeps
// verifying while its tokens can live and loses its private half, the JWKS then drops it.
#include "services/auth/store/signing_keys.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "core/storage/database.hpp"
#include "harness/process.hpp"

std::span<const zt::core::EmbeddedFile> zt_auth_migrations();

namespace zt::services::auth {
namespace {

constexpr std::int64_t kT0 = 1'800'000'000'000;
constexpr std::int64_t kOverlap = 20 * 60'000;  // access TTL + 5 minutes

std::vector<std::string> published(const SigningKeys& keys, std::int64_t now) {
  std::vector<std::string> kids;
  const auto doc = boost::json::parse(keys.jwks(now));
  for (const auto& k : doc.at("keys").as_array()) {
    EXPECT_FALSE(k.as_object().contains("d")) << "no private member in the JWKS";
    kids.emplace_back(k.at("kid").as_string());
  }
  return kids;
}

// True when the token verifies with a key of the JWKS, as the gateway would check it.
bool verifies(const std::string& jwks, const std::string& token) {
  auto parsed = core::crypto::jwt_parse(token);
  if (!parsed) return false;
  const auto doc = boost::json::parse(jwks);
  for (const auto& k : doc.at("keys").as_array()) {
    auto key = core::crypto::Jwk::from_json(k.as_object());
    if (key.kid() == parsed->kid) return key.verify(parsed->signing_input, parsed->signature);
  }
  return false;
}

class SigningKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    core::storage::Options o;
    o.driver = "sqlite";
    o.sqlite_path = dir_.path() + "/auth.db";
    db = core::storage::Database::open(o);
    core::storage::migrate(*db, zt_auth_migrations());
  }
  test::TempDir dir_{"zt-keys"};
  std::unique_ptr<core::storage::Database> db;
  const core::crypto::KeyRing ring = core::crypto::KeyRing::parse(core::crypto::KeyRing::generate_text("k1"));
};

TEST_F(SigningKeysTest, RotationSignsWithTheNewKeyAndVerifiesTheOldUntilItsTokensExpire) {
  SigningKeys keys(ring, kOverlap);
  db->write_blocking([&](core::storage::Tx& tx) { keys.load(tx, kT0); });
  const std::string first = keys.current_kid();
  const boost::json::object claims{{"sub", "C000000000001"}};
  const std::string old_token = keys.sign(claims);

  std::string second;
  db->write_blocking([&](core::storage::Tx& tx) { second = keys.rotate(tx, kT0 + 1000); });
  EXPECT_NE(second, first);
  EXPECT_EQ(keys.current_kid(), second);
  const std::string new_token = keys.sign(claims);
  EXPECT_EQ(core::crypto::jwt_parse(new_token)->kid, second) << "new tokens carry the new key";
  EXPECT_EQ(published(keys, kT0 + 2000), (std::vector<std::string>{second, first}));
  EXPECT_TRUE(verifies(keys.jwks(kT0 + 2000), old_token)) << "old tokens keep verifying";
  EXPECT_TRUE(verifies(keys.jwks(kT0 + 2000), new_token));

  // The retired key's private half is gone from storage; a second instance reads the same state.
  db->read_blocking([&](core::storage::Tx& tx) {
    auto rows = tx.query("SELECT private_sealed FROM auth_signing_keys WHERE kid = ?", {first});
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows.at(0).string(0), "");
  });
  SigningKeys other(ring, kOverlap);
  db->write_blocking([&](core::storage::Tx& tx) { other.load(tx, kT0 + 3000); });
  EXPECT_EQ(other.current_kid(), second) << "no extra rotation at start";
  EXPECT_TRUE(verifies(other.jwks(kT0 + 3000), old_token));

  // Once every token it signed has expired, the old key leaves the JWKS.
  EXPECT_EQ(published(keys, kT0 + 1000 + kOverlap - 1).size(), 2u);
  EXPECT_EQ(published(keys, kT0 + 1000 + kOverlap), (std::vector<std::string>{second}));
  EXPECT_FALSE(verifies(keys.jwks(kT0 + 1000 + kOverlap), old_token));
}

TEST_F(SigningKeysTest, AKeyRingThatCannotOpenTheSigningKeyStopsTheStart) {
  SigningKeys keys(ring, kOverlap);
  db->write_blocking([&](core::storage::Tx& tx) { keys.load(tx, kT0); });
  const auto wrong = core::crypto::KeyRing::parse(core::crypto::KeyRing::generate_text("k1"));
  SigningKeys stranger(wrong, kOverlap);
  EXPECT_THROW(db->write_blocking([&](core::storage::Tx& tx) { stranger.load(tx, kT0 + 1); }), std::runtime_error);
}

}  // namespace
}  // namespace zt::services::auth
