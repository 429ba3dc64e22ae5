// The auth service's settings as its use cases take them: the defaults, what a file sets, and how
// long a retired signing key stays published.
#include "services/auth/app/settings.hpp"

#include <gtest/gtest.h>

#include "services/auth/auth_component.hpp"

namespace zt::services::auth {
namespace {

AuthSettings load(const std::string& yaml) {
  const auto config = core::config::Config::load_text(yaml, "test.yaml", {spec().schema}, {});
  return settings_of(config.section("auth"));
}

TEST(AuthSettings, DefaultsAndFileValues) {
  const auto d = load("");
  EXPECT_EQ(d.access_ttl, std::chrono::minutes(15));
  EXPECT_EQ(d.staff_access_ttl, std::chrono::minutes(5));
  EXPECT_EQ(d.policy.code_ttl, std::chrono::minutes(5));
  EXPECT_EQ(d.policy.max_tries, 5);
  EXPECT_EQ(d.policy.refresh_ttl, std::chrono::hours(30 * 24));
  EXPECT_EQ(d.argon2.memory_kib, 19456u);
  EXPECT_EQ(d.argon2.iterations, 2u);
  EXPECT_EQ(d.issuer, "zhongtai");
  EXPECT_EQ(d.audience, "zhongtai-api");
  EXPECT_FALSE(d.secure_cookies);

  const auto s = load("auth:\n  access_ttl: 2m\n  max_tries: 3\n  attempts_per_number: 4\n  secure_cookies: true\n");
  EXPECT_EQ(s.access_ttl, std::chrono::minutes(2));
  EXPECT_EQ(s.policy.max_tries, 3);
  EXPECT_EQ(s.attempts_per_number, 4);
  EXPECT_TRUE(s.secure_cookies);
}

// A rotation never signs anybody out: the retired key verifies every token it signed until the
// last of them expires — a staff token too, when staff tokens are set to live longer.
TEST(AuthSettings, ARetiredKeyStaysPublishedWhileAnyTokenItSignedLives) {
  EXPECT_EQ(load("").retired_key_published(), std::chrono::minutes(20)) << "15 min customer tokens + 5";
  const auto staff_longer = load("auth:\n  access_ttl: 1m\n  staff_access_ttl: 1h\n");
  EXPECT_EQ(staff_longer.retired_key_published(), std::chrono::minutes(65))
      << "the staff token's hour, not the customer token's minute";
}

}  // namespace
}  // namespace zt::services::auth
