#include "core/config/settings_items.hpp"

#include <gtest/gtest.h>

#include "core/config/dynamic.hpp"
#include "core/config/schema.hpp"

namespace zt::core::config {
namespace {

inline const DynamicKey<int> kCheckedLimit{"checked.limit", 5, [](const int& v) -> std::optional<std::string> {
                                             if (v < 0) return "应不小于0";
                                             return std::nullopt;
                                           }};

SettingsItems defaults() { return SettingsItems("dynamic.yaml", SettingsItems::default_extra_config()); }

TEST(SettingsItems, EachSettingHasOneItemByConcern) {
  const auto layout = defaults();
  EXPECT_EQ(layout.owner("resilience.rules").data_id, "flow.yaml");
  EXPECT_EQ(layout.owner("gateway.routes").data_id, "gateway.yaml");
  EXPECT_EQ(layout.owner("gateway.filters").data_id, "gateway.yaml");
  EXPECT_EQ(layout.owner("sandbox.clock").data_id, "sandbox.yaml");
  EXPECT_EQ(layout.owner("identity.sandbox_faults").data_id, "sandbox.yaml");
  EXPECT_EQ(layout.owner("calendar.closures").data_id, "calendar.yaml");
  EXPECT_EQ(layout.owner("observer.alert_rules").data_id, "observer.yaml");
  EXPECT_EQ(layout.owner("mall.max_open_orders").data_id, "dynamic.yaml")
      << "what no item claims stays in the main one";
  EXPECT_EQ(layout.owner("resilience").data_id, "dynamic.yaml") << "a prefix pattern needs the dot";
  ASSERT_NE(layout.find("sandbox.yaml"), nullptr);
  EXPECT_EQ(layout.find("other.yaml"), nullptr);
}

TEST(SettingsItems, ASettingInAnotherConcernsItemIsRefusedWithItsHome) {
  const auto layout = defaults();
  std::vector<Problem> problems;
  auto entries =
      layout.entries(*layout.find("flow.yaml"), "resilience.rules: ''\nsandbox.clock: ''\n", "flow.yaml", problems);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_TRUE(entries.contains("resilience.rules"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].path, "dynamic.sandbox.clock");
  EXPECT_NE(problems[0].message.find("该配置属于配置项 sandbox.yaml"), std::string::npos) << problems[0].message;
  EXPECT_EQ(problems[0].line, 2);

  problems.clear();
  layout.entries(*layout.find("dynamic.yaml"), "gateway.routes: ''\n", "dynamic.yaml", problems);
  ASSERT_EQ(problems.size(), 1u) << "the main item holds only what no other claims";

  problems.clear();
  layout.entries(*layout.find("flow.yaml"), "a: [1", "flow.yaml", problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].message.find("YAML"), std::string::npos);
}

TEST(SettingsItems, AWholeTextItemIsOneSetting) {
  const auto layout = defaults();
  std::vector<Problem> problems;
  auto entries = layout.entries(*layout.find("calendar.yaml"), "2027: |\n  2027-01-01\n", "calendar.yaml", problems);
  EXPECT_TRUE(problems.empty());
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries.at("calendar.closures").text, "2027: |\n  2027-01-01\n");
}

TEST(SettingsItems, ALayoutThatDoesNotHoldIsRefused) {
  EXPECT_THROW(SettingsItems("dynamic.yaml", {"flow.yaml"}), std::runtime_error);
  EXPECT_THROW(SettingsItems("dynamic.yaml", {"=resilience.*"}), std::runtime_error);
  EXPECT_THROW(SettingsItems("dynamic.yaml", {"flow.yaml=res*ilience"}), std::runtime_error);
  EXPECT_THROW(SettingsItems("dynamic.yaml", {"flow.yaml=resilience.*", "flow.yaml=gateway.*"}), std::runtime_error);
  EXPECT_THROW(SettingsItems("dynamic.yaml", {"dynamic.yaml=gateway.*"}), std::runtime_error)
      << "the main item named twice";
  EXPECT_THROW(SettingsItems("dynamic.yaml", {"odd.yaml=*sandbox*"}), std::runtime_error) << "one * at one end";
  EXPECT_THROW(SettingsItems("dynamic.yaml", {"all.yaml=*"}), std::runtime_error);
  EXPECT_THROW(SettingsItems("dynamic.yaml", {"a.yaml=sandbox.*", "b.yaml=*.clock"}), std::runtime_error)
      << "sandbox.clock claimed twice";
  EXPECT_NO_THROW(SettingsItems("dynamic.yaml", {"a.yaml=sandbox.clock,checked.limit"})) << "names without *: a map of those";
}

TEST(SettingsItems, AnItemFromBeforeTheSplitIsRegroupedByConcern) {
  const auto layout = defaults();
  const auto& main = *layout.find("dynamic.yaml");
  EXPECT_TRUE(layout.regrouped(main, "mall.max_open_orders: 50\n").empty()) << "nothing out of place";
  EXPECT_TRUE(layout.regrouped(main, "a: [1").empty()) << "what does not read is left alone";
  const auto moved = layout.regrouped(
      main, "mall.max_open_orders: 50\nresilience.rules: |\n  flow:\n    - {id: a, resource: \"*\", count: 5}\nsandbox.clock: \"\"\n");
  ASSERT_EQ(moved.size(), 3u);
  std::vector<Problem> problems;
  auto flow = layout.entries(*layout.find("flow.yaml"), moved.at("flow.yaml"), "flow.yaml", problems);
  auto sandbox = layout.entries(*layout.find("sandbox.yaml"), moved.at("sandbox.yaml"), "sandbox.yaml", problems);
  auto rest = layout.entries(main, moved.at("dynamic.yaml"), "dynamic.yaml", problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(flow.at("resilience.rules").text, "flow:\n  - {id: a, resource: \"*\", count: 5}\n");
  EXPECT_EQ(sandbox.at("sandbox.clock").text, "");
  EXPECT_EQ(rest.at("mall.max_open_orders").text, "50");
  EXPECT_EQ(rest.size(), 1u);
}

TEST(DynamicSettings, CheckSaysWhatApplyWouldRefuseAndChangesNothing) {
  auto& s = DynamicSettings::global();
  s.apply({{"checked.limit", {"7", "f", 1}}});
  const auto problems = DynamicSettings::check(
      {{"checked.limit", {"-1", "f", 2}}, {"no.such.key", {"1", "f", 3}}, {"test.flag", {"maybe", "f", 4}}});
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].message, "应不小于0");
  EXPECT_EQ(problems[1].message, "未知的动态配置项");
  EXPECT_NE(problems[2].message.find("maybe"), std::string::npos);
  EXPECT_TRUE(DynamicSettings::check({{"checked.limit", {"0", "f", 1}}}).empty());
  EXPECT_EQ(kCheckedLimit.get(), 7) << "checking applies nothing";
  s.apply({});
}

// What the registry checks before it stores an item, and what a process checks of an item it saved
// before a restart: the layout's refusals and the settings' own, in that order.
TEST(SettingsItems, AnItemsProblemsAreTheLayoutsThenTheSettingsOwn) {
  const auto layout = defaults();
  const auto& main = *layout.find("dynamic.yaml");
  EXPECT_TRUE(layout.problems(main, "checked.limit: 3\n", "dynamic.yaml").empty());
  const auto problems = layout.problems(main, "checked.limit: -1\nsandbox.clock: ''\n", "dynamic.yaml");
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_NE(problems[0].message.find("该配置属于配置项 sandbox.yaml"), std::string::npos) << problems[0].message;
  EXPECT_EQ(problems[1].message, "应不小于0");
  EXPECT_EQ(kCheckedLimit.get(), 5) << "checking applies nothing";
  ASSERT_EQ(layout.problems(main, "a: [1", "dynamic.yaml").size(), 1u);
}

}  // namespace
}  // namespace zt::core::config
