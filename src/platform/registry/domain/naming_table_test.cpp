#include "platform/registry/domain/naming_table.hpp"

#include <gtest/gtest.h>

namespace zt::platform::registry {
namespace {

core::discovery::Registration reg(std::string id, std::int64_t weight = 100, std::string tag = "") {
  core::discovery::Registration r;
  r.service = "mall";
  r.id = std::move(id);
  r.host = "127.0.0.1";
  r.port = 8000;
  r.weight = weight;
  if (!tag.empty()) r.metadata["tag"] = tag;
  return r;
}

TEST(NamingTable, RegisteredInstancesAreListedAndEachChangeBumpsTheVersion) {
  NamingTable t({}, 1000);
  EXPECT_EQ(t.version("mall"), 0);
  EXPECT_TRUE(t.register_instance(reg("a"), 0));
  auto v1 = t.version("mall");
  EXPECT_GT(v1, 1000);
  EXPECT_FALSE(t.register_instance(reg("a"), 100));  // same content: a refresh, no change
  EXPECT_EQ(t.version("mall"), v1);
  EXPECT_TRUE(t.register_instance(reg("b", 50, "canary"), 100));
  auto snap = t.list("mall", true);
  ASSERT_EQ(snap.instances.size(), 2u);
  EXPECT_EQ(snap.instances[1].tag(), "canary");
  EXPECT_GT(snap.version, v1);
}

TEST(NamingTable, SilentInstanceTurnsUnhealthyAfterThreeIntervalsAndIsRemovedAfterTen) {
  NamingTable t({2000, 3, 10, 0.0}, 0);
  t.register_instance(reg("a"), 0);
  t.register_instance(reg("b"), 0);
  EXPECT_TRUE(t.sweep(5999).empty());
  t.heartbeat("mall", "b", 5000);
  EXPECT_EQ(t.sweep(6000), std::vector<std::string>{"mall"});
  auto healthy = t.list("mall", true);
  ASSERT_EQ(healthy.instances.size(), 1u);
  EXPECT_EQ(healthy.instances[0].id, "b");
  EXPECT_EQ(t.list("mall", false).instances.size(), 2u);  // still known, unhealthy
  EXPECT_TRUE(t.heartbeat("mall", "a", 7000));  // comes back
  EXPECT_EQ(t.list("mall", true).instances.size(), 2u);
  t.sweep(27000);
  EXPECT_TRUE(t.list("mall", false).instances.empty());
  EXPECT_FALSE(t.heartbeat("mall", "a", 27001));  // unknown now: the client must register again
}

TEST(NamingTable, OfflineAndWeightOverridesSurviveReRegistration) {
  NamingTable t({}, 0);
  t.register_instance(reg("a"), 0);
  t.register_instance(reg("b"), 0);
  auto v = t.version("mall");
  EXPECT_TRUE(t.apply_override("mall", "a", {false, std::nullopt}));
  EXPECT_GT(t.version("mall"), v);
  EXPECT_TRUE(t.apply_override("mall", "b", {std::nullopt, 300}));
  EXPECT_FALSE(t.apply_override("mall", "zz", {false, std::nullopt}));
  auto snap = t.list("mall", true);
  ASSERT_EQ(snap.instances.size(), 1u);
  EXPECT_EQ(snap.instances[0].weight, 300);
  t.deregister("mall", "a");
  t.register_instance(reg("a"), 10);  // restart of the drained instance: stays offline
  EXPECT_EQ(t.list("mall", true).instances.size(), 1u);
  EXPECT_FALSE(t.list("mall", false).instances[0].enabled);
  t.apply_override("mall", "a", {true, std::nullopt});
  EXPECT_EQ(t.list("mall", true).instances.size(), 2u);
}

TEST(NamingTable, ProtectThresholdReturnsEveryInstanceWhenTooFewAreHealthy) {
  NamingTable t({2000, 3, 10, 0.5}, 0);
  for (auto id : {"a", "b", "c", "d"}) t.register_instance(reg(id), 0);
  t.heartbeat("mall", "a", 5000);
  t.heartbeat("mall", "b", 5000);
  t.sweep(6000);  // c and d unhealthy: half healthy, not under 0.5
  auto snap = t.list("mall", true);
  EXPECT_FALSE(snap.protect_applied);
  EXPECT_EQ(snap.instances.size(), 2u);
  t.heartbeat("mall", "a", 9000);
  t.sweep(11000);  // b unhealthy too: 1 of 4 healthy
  snap = t.list("mall", true);
  EXPECT_TRUE(snap.protect_applied);
  EXPECT_EQ(snap.instances.size(), 4u);
  EXPECT_FALSE(t.list("mall", false).protect_applied);
}

TEST(NamingTable, DeregisterKeepsTheServiceVersionGrowing) {
  NamingTable t({}, 0);
  t.register_instance(reg("a"), 0);
  auto v = t.version("mall");
  EXPECT_TRUE(t.deregister("mall", "a"));
  EXPECT_FALSE(t.deregister("mall", "a"));
  EXPECT_GT(t.version("mall"), v);
  EXPECT_TRUE(t.list("mall", true).instances.empty());
}

TEST(NamingTable, SummariesCountHealthyAndServing) {
  NamingTable t({}, 0);
  t.register_instance(reg("a"), 0);
  t.register_instance(reg("b", 0), 0);
  auto s = t.services();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].instances, 2);
  EXPECT_EQ(s[0].healthy, 2);
  EXPECT_EQ(s[0].serving, 1);
}

TEST(NamingTable, LivenessAndOverridesFromASharedStoreApplyAsGiven) {
  NamingTable t({}, 0);
  EXPECT_FALSE(t.set_healthy("mall", "a", false)) << "unknown instance";
  EXPECT_FALSE(t.put_override("mall", "a", {false, 30})) << "kept for later, nothing visible yet";
  t.register_instance(reg("a"), 0);
  auto snap = t.list("mall", false);
  ASSERT_EQ(snap.instances.size(), 1u);
  EXPECT_FALSE(snap.instances[0].enabled) << "a kept override applies on registration";
  EXPECT_EQ(snap.instances[0].weight, 30);
  const auto v = t.version("mall");
  EXPECT_TRUE(t.put_override("mall", "a", {true, 30}));
  EXPECT_GT(t.version("mall"), v);
  EXPECT_FALSE(t.put_override("mall", "a", {true, 30})) << "same values: no new version";
  EXPECT_TRUE(t.set_healthy("mall", "a", false));
  EXPECT_TRUE(t.list("mall", true).instances.empty());
  EXPECT_FALSE(t.set_healthy("mall", "a", false));
  EXPECT_TRUE(t.set_healthy("mall", "a", true));
  EXPECT_EQ(t.list("mall", true).instances.size(), 1u);
}

}  // namespace
}  // namespace zt::platform::registry
