// The mall's settings as its use cases take them: the defaults, what a file sets, the values the
// confirmation job and the stuck-order desk share, and a cut-off that is not a time refused.
#include "services/mall/app/settings.hpp"

#include <gtest/gtest.h>

#include "services/mall/mall_component.hpp"

namespace zt::services::mall {
namespace {

MallSettings load(const std::string& yaml) {
  const auto config = core::config::Config::load_text(yaml, "test.yaml", {spec().schema}, {});
  return settings_of(config.section("mall"), "node-1");
}

TEST(MallSettings, DefaultsFileValuesAndTheSharedOnes) {
  const auto d = load("");
  EXPECT_EQ(d.cutoff, 15 * 3600);
  EXPECT_EQ(d.rules.income_certificate_max_holders, 200);
  EXPECT_EQ(d.rules.qualified_min_purchase.to_string(), "1000000.00");
  EXPECT_EQ(d.confirmation.lease, std::chrono::milliseconds(60000));
  EXPECT_EQ(d.confirmation.instance.rfind("node-1-", 0), 0u)
      << "the node's name and a suffix: " << d.confirmation.instance;
  EXPECT_NE(load("").confirmation.instance, d.confirmation.instance)
      << "two processes of one node never share a holder name";

  const auto s = load("mall:\n  cutoff: \"14:30\"\n  confirm_attempts: 3\n  expire_after_days: 7\n  stuck_after: 2m\n");
  EXPECT_EQ(s.cutoff, 14 * 3600 + 30 * 60);
  EXPECT_EQ(s.confirmation.confirm_attempts, 3);
  EXPECT_EQ(s.desk.confirm_attempts, 3) << "the desk judges 'refused for good' by the job's own count";
  EXPECT_EQ(s.confirmation.expire_after_days, 7);
  EXPECT_EQ(s.desk.expire_after_days, 7);
  EXPECT_EQ(s.desk.stuck_after, std::chrono::milliseconds(120000));
}

TEST(MallSettings, ACutOffThatIsNotATimeIsRefused) {
  for (const char* bad : {"1430", "24:00", "14:60", "ab:cd", "9:30"})
    EXPECT_THROW(load(std::string("mall:\n  cutoff: \"") + bad + "\"\n"), std::invalid_argument) << bad;
}

}  // namespace
}  // namespace zt::services::mall
