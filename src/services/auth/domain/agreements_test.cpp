#include "services/auth/domain/agreements.hpp"

#include <gtest/gtest.h>

#include <set>

namespace zt::services::auth {
namespace {

// A customer's acceptance is of a version: a text changed without a new version would be covered
// by acceptances of another text. Each shipped version's digest is pinned here; changing a text
// means a new version (and a new line here).
TEST(Agreements, EachVersionsTextIsPinnedByItsDigest) {
  const std::set<std::string> pinned = {
      "terms@2026-12@791b0f85a20a03ae95c16c87d3c9d5d90afe8020f6edfad9b12c775adc5bd215",
      "privacy@2026-12@91e19c1f1f14cc4d0d9664e83cd4017629499020e66d7ba73214f219b524de19",
  };
  const auto& current = current_agreements();
  ASSERT_EQ(current.size(), 2u);
  for (const auto& a : current) {
    EXPECT_TRUE(pinned.contains(a.id + "@" + a.version + "@" + a.digest))
        << a.id << " " << a.version << " has digest " << a.digest << ": a changed text needs a new version";
    EXPECT_FALSE(a.title.empty());
    EXPECT_EQ(a.digest.size(), 64u);
  }
}

}  // namespace
}  // namespace zt::services::auth
