#include "core/discovery/balancer.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

namespace zt::core::discovery {
namespace {

std::vector<Instance> instances(std::vector<std::pair<std::string, std::int64_t>> spec) {
  std::vector<Instance> out;
  for (auto& [id, w] : spec) {
    Instance i;
    i.service = "mall";
    i.id = id;
    i.host = "127.0.0.1";
    i.port = 8000;
    i.weight = w;
    out.push_back(i);
  }
  return out;
}

TEST(Balancer, UnknownNameListsTheValidOnes) {
  try {
    make_balancer("random");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("weighted_round_robin"), std::string::npos);
  }
}

TEST(Balancer, RoundRobinVisitsEachInTurn) {
  auto lb = make_balancer("round_robin");
  auto c = instances({{"a", 1}, {"b", 1}, {"c", 1}});
  std::map<std::string, int> n;
  for (int i = 0; i < 300; ++i) ++n[c[lb->pick(c, "")].id];
  EXPECT_EQ(n["a"], 100);
  EXPECT_EQ(n["b"], 100);
  EXPECT_EQ(n["c"], 100);
}

TEST(Balancer, WeightedRoundRobinHonoursWeightsWithinFivePercentOver10000Picks) {
  auto lb = make_balancer("weighted_round_robin");
  auto c = instances({{"a", 100}, {"b", 300}, {"c", 600}});
  std::map<std::string, int> n;
  for (int i = 0; i < 10000; ++i) ++n[c[lb->pick(c, "")].id];
  EXPECT_NEAR(n["a"], 1000, 50);
  EXPECT_NEAR(n["b"], 3000, 150);
  EXPECT_NEAR(n["c"], 6000, 300);
}

TEST(Balancer, WeightedRoundRobinInterleavesRatherThanBursts) {
  auto lb = make_balancer("weighted_round_robin");
  auto c = instances({{"a", 1}, {"b", 1}, {"c", 3}});
  std::string seq;
  for (int i = 0; i < 5; ++i) seq += c[lb->pick(c, "")].id;
  EXPECT_EQ(seq, "cacbc");  // never "ccc" in a row
}

TEST(Balancer, WeightZeroTakesNothing) {
  auto lb = make_balancer("weighted_round_robin");
  auto c = instances({{"a", 0}, {"b", 5}});
  for (int i = 0; i < 50; ++i) EXPECT_EQ(c[lb->pick(c, "")].id, "b");
}

TEST(Balancer, PowerOfTwoAvoidsTheBusyInstance) {
  auto lb = make_balancer("p2c");
  auto c = instances({{"a", 100}, {"b", 100}});
  for (int i = 0; i < 10; ++i) lb->on_start(c[0]);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(c[lb->pick(c, "")].id, "b");
  for (int i = 0; i < 10; ++i) lb->on_finish(c[0]);
  for (int i = 0; i < 10; ++i) lb->on_start(c[1]);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(c[lb->pick(c, "")].id, "a");
}

TEST(Balancer, ConsistentHashIsStableAndMovesOnlyTheRemovedInstancesKeys) {
  auto lb = make_balancer("consistent_hash");
  auto c = instances({{"a", 100}, {"b", 100}, {"c", 100}, {"d", 100}});
  std::map<std::string, std::string> before;
  std::map<std::string, int> share;
  for (int k = 0; k < 4000; ++k) {
    std::string key = "customer-" + std::to_string(k);
    before[key] = c[lb->pick(c, key)].id;
    EXPECT_EQ(c[lb->pick(c, key)].id, before[key]);  // same key, same instance
    ++share[before[key]];
  }
  for (const auto& [id, n] : share) EXPECT_NEAR(n, 1000, 250) << id;
  auto fewer = instances({{"a", 100}, {"b", 100}, {"d", 100}});
  int moved = 0;
  for (const auto& [key, id] : before) {
    std::string now = fewer[lb->pick(fewer, key)].id;
    if (id != "c") {
      EXPECT_EQ(now, id) << key;
    }
    if (now != id) ++moved;
  }
  EXPECT_EQ(moved, share["c"]);
}

TEST(Balancer, StableHashDoesNotDependOnTheProcess) {
  EXPECT_EQ(stable_hash(""), stable_hash(""));
  EXPECT_NE(stable_hash("a"), stable_hash("b"));
  EXPECT_EQ(stable_hash("customer-42"), stable_hash(std::string("customer-") + "42"));
}

}  // namespace
}  // namespace zt::core::discovery
