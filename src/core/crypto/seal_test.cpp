#include "core/crypto/seal.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>

#include "core/util/digest.hpp"

namespace zt::core::crypto {
namespace {

TEST(KeyRing, SealsAndOpensBoundToItsContext) {
  auto ring = KeyRing::parse(KeyRing::generate_text("k1"));
  const auto sealed = ring.seal("13800138000", "customers.mobile");
  EXPECT_TRUE(sealed.starts_with("v1.k1."));
  EXPECT_EQ(sealed.find("13800138000"), std::string::npos);
  EXPECT_NE(ring.seal("13800138000", "customers.mobile"), sealed) << "a fresh nonce every time";
  EXPECT_EQ(ring.open(sealed, "customers.mobile"), "13800138000");
  EXPECT_FALSE(ring.open(sealed, "customers.id_number")) << "another column";
  auto raw = *base64url_decode(sealed.substr(6));
  raw[14] = static_cast<char>(raw[14] ^ 1);
  EXPECT_FALSE(ring.open("v1.k1." + base64url_encode(raw), "customers.mobile")) << "tampered";
  EXPECT_FALSE(ring.open("v1.k9." + sealed.substr(6), "customers.mobile")) << "unknown key";
  EXPECT_FALSE(ring.open("garbage", "customers.mobile"));
  EXPECT_FALSE(ring.open("v1.k1.AAAA", "customers.mobile"));
  EXPECT_EQ(ring.open(ring.seal("", "c"), "c"), "");
}

TEST(KeyRing, RotatesWithoutLosingOldCiphertextsOrLookups) {
  const auto k1 = KeyRing::generate_text("k1");
  auto old_ring = KeyRing::parse(k1);
  const auto old_sealed = old_ring.seal("110105199001011234", "id");
  const auto old_hash = old_ring.keyed_hash("110105199001011234", "id");
  auto ring = KeyRing::parse(KeyRing::generate_text("k2") + "," + k1);
  EXPECT_EQ(ring.current_id(), "k2");
  EXPECT_TRUE(ring.seal("x", "id").starts_with("v1.k2."));
  EXPECT_EQ(ring.open(old_sealed, "id"), "110105199001011234");
  EXPECT_EQ(ring.keyed_hash("110105199001011234", "id"), old_hash) << "lookups survive a rotation";
  EXPECT_NE(ring.keyed_hash("110105199001011234", "mobile"), old_hash) << "per context";
  EXPECT_NE(KeyRing::parse(KeyRing::generate_text("k1")).keyed_hash("110105199001011234", "id"), old_hash) << "keyed";
  EXPECT_EQ(old_hash.size(), 64u);
}

TEST(KeyRing, RefusesMalformedRings) {
  EXPECT_THROW(KeyRing::parse(""), KeyRingError);
  EXPECT_THROW(KeyRing::parse("k1"), KeyRingError);
  EXPECT_THROW(KeyRing::parse("k1:" + base64_encode(std::string(16, 'x'))), KeyRingError) << "short key";
  EXPECT_THROW(KeyRing::parse("bad id:" + base64_encode(std::string(32, 'x'))), KeyRingError);
  const auto k = "k1:" + base64_encode(std::string(32, 'x'));
  EXPECT_THROW(KeyRing::parse(k + "," + k), KeyRingError) << "repeated id";
}

TEST(KeyRing, IsCreatedOnceWithOwnerOnlyPermissions) {
  char tmpl[] = "/tmp/zt-keys-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string path = std::string(tmpl) + "/data.keys";
  auto created = KeyRing::load_or_create(path);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  const auto sealed = created.seal("secret", "c");
  auto loaded = KeyRing::load_or_create(path);
  EXPECT_EQ(loaded.open(sealed, "c"), "secret") << "the same key the next time";
  ::chmod(path.c_str(), 0644);
  EXPECT_THROW(KeyRing::load_or_create(path), KeyRingError) << "readable by others";
  std::remove(path.c_str());
  ::rmdir(tmpl);
}

}  // namespace
}  // namespace zt::core::crypto
