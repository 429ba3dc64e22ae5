#include "core/app/graph.hpp"

#include <gtest/gtest.h>

namespace zt::core {
namespace {

ComponentSpec c(std::string name, std::vector<std::string> deps) {
  ComponentSpec s;
  s.name = std::move(name);
  s.dependencies = std::move(deps);
  return s;
}

std::vector<std::string> names(const std::vector<const ComponentSpec*>& v) {
  std::vector<std::string> out;
  for (const auto* s : v) out.push_back(s->name);
  return out;
}

TEST(TargetGraph, ResolvesDependenciesFirst) {
  std::vector<ComponentSpec> specs{c("admin", {}), c("server", {"admin"}), c("mall", {"server", "counter"}),
                                   c("counter", {"server"})};
  EXPECT_EQ(names(resolve_targets(specs, {"mall"})), (std::vector<std::string>{"admin", "server", "counter", "mall"}));
  EXPECT_EQ(names(resolve_targets(specs, {"all"})), (std::vector<std::string>{"admin", "server", "counter", "mall"}));
  EXPECT_EQ(names(resolve_targets(specs, {"counter", "admin"})), (std::vector<std::string>{"admin", "server", "counter"}));
}

TEST(TargetGraph, AfterOrdersWithoutPullingIn) {
  std::vector<ComponentSpec> specs{c("admin", {}), c("discovery", {"admin"}), c("registry", {"admin"}),
                                   c("system", {"discovery"})};
  specs[1].after = {"registry"};
  EXPECT_EQ(names(resolve_targets(specs, {"all"})), (std::vector<std::string>{"admin", "registry", "discovery", "system"}));
  EXPECT_EQ(names(resolve_targets(specs, {"system"})), (std::vector<std::string>{"admin", "discovery", "system"}))
      << "split: the registry is not started just because discovery orders after it";
  specs[1].after = {"nowhere"};
  EXPECT_THROW(resolve_targets(specs, {"all"}), TargetError);
}

TEST(TargetGraph, FollowersRunWhereverAllTheirDependenciesRun) {
  std::vector<ComponentSpec> specs{c("admin", {}), c("registry", {"admin"}), c("discovery", {"admin"}),
                                   c("span_export", {"discovery"}), c("mall", {"discovery"})};
  specs[3].follows_dependencies = true;
  EXPECT_EQ(names(resolve_targets(specs, {"mall"})),
            (std::vector<std::string>{"admin", "discovery", "mall", "span_export"}));
  EXPECT_EQ(names(resolve_targets(specs, {"registry"})), (std::vector<std::string>{"admin", "registry"}))
      << "no discovery here: the follower stays out";
  specs[3].follows_dependencies = false;
  EXPECT_EQ(names(resolve_targets(specs, {"mall"})), (std::vector<std::string>{"admin", "discovery", "mall"}));
}

TEST(TargetGraph, UnknownTargetListsValidOnes) {
  std::vector<ComponentSpec> specs{c("admin", {}), c("server", {"admin"})};
  try {
    resolve_targets(specs, {"gatewy"});
    FAIL();
  } catch (const TargetError& e) {
    EXPECT_STREQ(e.what(), "unknown target 'gatewy'; valid targets: all, admin, server");
  }
}

TEST(TargetGraph, CycleIsSpelledOut) {
  std::vector<ComponentSpec> specs{c("a", {"b"}), c("b", {"c"}), c("c", {"a"}), c("d", {})};
  try {
    resolve_targets(specs, {"a"});
    FAIL();
  } catch (const TargetError& e) {
    EXPECT_STREQ(e.what(), "dependency cycle: a -> b -> c -> a");
  }
  EXPECT_THROW(validate_graph(specs), TargetError);
}

TEST(TargetGraph, UnknownDependencyAndDuplicatesAreRefused) {
  EXPECT_THROW(resolve_targets({c("a", {"zz"})}, {"a"}), TargetError);
  EXPECT_THROW(resolve_targets({c("a", {}), c("a", {})}, {"a"}), TargetError);
  EXPECT_THROW(resolve_targets({c("all", {})}, {"all"}), TargetError);
}

TEST(TargetGraph, DescribesEveryTargetAndAll) {
  std::string d = describe_graph({c("admin", {}), c("server", {"admin"})});
  EXPECT_NE(d.find("server"), std::string::npos);
  EXPECT_NE(d.find("[needs: admin]"), std::string::npos);
  EXPECT_NE(d.find("all"), std::string::npos);
}

TEST(SplitList, TrimsAndDropsEmpties) {
  EXPECT_EQ(split_list(" a, b ,,c"), (std::vector<std::string>{"a", "b", "c"}));
}

}  // namespace
}  // namespace zt::core
