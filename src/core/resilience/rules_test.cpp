#include "core/resilience/rules.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace zt::core::resilience {
namespace {

const char* kExample = R"(
flow:
  - {id: ping-qps, resource: "GET /api/system/v1/ping", count: 100}
  - {id: orders-warm, resource: "POST /api/mall/v1/orders", count: 50, behavior: warm_up, warm_up_seconds: 20}
  - {id: sweep-queue, resource: "*", count: 10, behavior: queue, max_queueing_ms: 200, shadow: true}
keyed:
  - id: per-customer
    resource: "*"
    key: customer
    rate: 30
    period_ms: 60000
    burst: 10
    overrides: {"vip-1": {rate: 300, burst: 100}}
breakers:
  - {id: counter-errors, resource: counter, strategy: error_ratio, threshold: 0.4, min_requests: 10, recovery_ms: 5000}
  - {id: csdc-slow, resource: csdc, strategy: slow_ratio, threshold: 0.5, max_rt_ms: 800, probes: 2}
bulkheads:
  - {id: counter-bulkhead, resource: counter, max_concurrent: 32}
system: {max_qps: 20000, max_avg_rt_ms: 500, max_cpu: 0.9}
)";

TEST(Rules, ParsesEveryKind) {
  RuleSet r = parse_rules(kExample);
  ASSERT_EQ(r.flow.size(), 3u);
  EXPECT_EQ(r.flow[1].behavior, FlowBehavior::kWarmUp);
  EXPECT_EQ(r.flow[1].warm_up_seconds, 20);
  EXPECT_EQ(r.flow[2].max_queueing, 200 * kMilli);
  EXPECT_TRUE(r.flow[2].shadow);
  ASSERT_EQ(r.keyed.size(), 1u);
  EXPECT_EQ(r.keyed[0].spec.period, 60 * kSecond);
  EXPECT_EQ(r.keyed[0].overrides.at("vip-1").tokens_per_period, 300);
  ASSERT_EQ(r.breakers.size(), 2u);
  EXPECT_EQ(r.breakers[1].strategy, BreakerStrategy::kSlowRatio);
  EXPECT_EQ(r.breakers[1].max_rt, 800 * kMilli);
  EXPECT_EQ(r.bulkheads.at(0).max_concurrent, 32);
  ASSERT_TRUE(r.system);
  EXPECT_EQ(*r.system->max_avg_rt, 500 * kMilli);
  EXPECT_FALSE(r.system->max_concurrency);
}

TEST(Rules, SerialisedRulesReadBackTheSame) {
  RuleSet a = parse_rules(kExample);
  std::string text = serialize_rules(a);
  RuleSet b = parse_rules(text);
  EXPECT_EQ(serialize_rules(b), text);
  EXPECT_EQ(b.keyed[0].overrides.at("vip-1").burst, 100);
}

TEST(Rules, JsonIsAcceptedToo) {
  RuleSet r = parse_rules(R"({"flow":[{"id":"a","resource":"*","count":5}]})");
  EXPECT_EQ(r.flow.at(0).count, 5);
}

std::vector<RuleProblem> problems(const char* text) {
  try {
    parse_rules(text);
  } catch (const RuleError& e) {
    return e.problems();
  }
  return {};
}

TEST(Rules, ErrorsNameTheFieldAndLine) {
  auto p = problems("flow:\n  - id: a\n    resource: x\n    count: -1\n    behaviour: reject\n");
  std::sort(p.begin(), p.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].path, "flow[0].count");
  EXPECT_EQ(p[0].line, 4);
  EXPECT_EQ(p[1].path, "flow[0].behaviour");
  EXPECT_EQ(p[1].message, "未知的字段");
}

TEST(Rules, RefusesBadChoicesMissingFieldsAndDuplicates) {
  auto p = problems(R"(
flow:
  - {id: a, resource: x, count: 1, behavior: fast}
  - {id: a, resource: y, count: 1}
  - {resource: z, count: 1}
keyed:
  - {id: k, resource: "*", key: cookie, rate: 0}
breakers:
  - {id: b, resource: c, strategy: error_ratio, threshold: 1.5}
bulkheads:
  - {id: h, resource: c}
extra: 1
)");
  std::vector<std::string> paths;
  for (const auto& x : p) paths.push_back(x.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"(rules).extra", "flow[0].behavior", "flow[1].id", "flow[2].id",
                                             "keyed[0].key", "keyed[0].rate", "breakers[0].threshold",
                                             "bulkheads[0].max_concurrent"}));
}

TEST(Rules, ConcurrencyRulesOnlyReject) {
  auto p = problems("flow:\n  - {id: a, resource: x, grade: concurrency, count: 3, behavior: queue}\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].path, "flow[0].behavior");
}

TEST(Rules, SyntaxErrorsHaveALine) {
  auto p = problems("flow: [\n");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_GT(p[0].line, 0);
}

}  // namespace
}  // namespace zt::core::resilience
