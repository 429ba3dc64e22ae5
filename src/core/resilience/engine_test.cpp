#include "core/resilience/engine.hpp"

#include <gtest/gtest.h>

#include "core/observe/metrics.hpp"

namespace zt::core::resilience {
namespace {

class Keys final : public KeySource {
 public:
  std::map<std::string, std::string, std::less<>> values;
  std::optional<std::string> value(std::string_view spec) const override {
    auto it = values.find(spec);
    return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
};

TEST(Engine, ResourceAndGlobalRulesBothApply) {
  FakeClock clock;
  observe::Registry metrics;
  Engine e(&metrics, clock);
  e.apply(parse_rules(R"(
flow:
  - {id: ping, resource: "GET /ping", count: 3}
  - {id: global, resource: "*", count: 5}
)"));
  Keys keys;
  int ping = 0, other = 0;
  for (int i = 0; i < 10; ++i) {
    Engine::Ticket t1, t2;
    if (e.enter("GET /ping", keys, t1).pass) ++ping, e.exit(t1, false);
    if (e.enter("GET /other", keys, t2).pass) ++other, e.exit(t2, false);
  }
  EXPECT_EQ(ping, 3);
  EXPECT_EQ(other, 2) << "the global rule's 5 were shared: 3 pings + 2 others";
  std::string text = metrics.render();
  EXPECT_NE(text.find("zt_resilience_blocked_total{rule=\"ping\"} 7"), std::string::npos) << text;
  EXPECT_NE(text.find("zt_resilience_passed_total 5"), std::string::npos) << text;
}

TEST(Engine, StatsCountEachRulesRefusalsAndKeepThemAcrossAChange) {
  FakeClock clock;
  observe::Registry metrics;
  Engine e(&metrics, clock);
  e.apply(parse_rules(R"(
flow:
  - {id: ping, resource: "GET /ping", count: 2}
  - {id: watch, resource: "GET /other", count: 1, shadow: true}
breakers:
  - {id: vendor, resource: vendor, strategy: error_count, threshold: 3}
)"));
  Keys keys;
  for (int i = 0; i < 5; ++i) {
    Engine::Ticket a, b;
    if (e.enter("GET /ping", keys, a).pass) e.exit(a, false);
    if (e.enter("GET /other", keys, b).pass) e.exit(b, false);
  }
  auto find = [](const Engine::Stats& s, const std::string& id) {
    for (const auto& r : s.rules)
      if (r.id == id) return r;
    ADD_FAILURE() << "no rule " << id;
    return Engine::RuleStats{};
  };
  auto s = e.stats();
  EXPECT_EQ(s.passed, 7u) << "2 pings and 5 others (the shadow rule only counts)";
  EXPECT_EQ(find(s, "ping").blocked, 3u);
  EXPECT_EQ(find(s, "ping").passed, 2u);
  EXPECT_EQ(find(s, "ping").kind, "flow");
  EXPECT_EQ(find(s, "watch").blocked, 0u);
  EXPECT_EQ(find(s, "watch").shadow_blocked, 4u);
  EXPECT_TRUE(find(s, "watch").shadow);
  EXPECT_EQ(find(s, "vendor").kind, "breaker");
  EXPECT_EQ(find(s, "vendor").state, "closed");
  // Enforcing the shadow rule keeps the counts so far.
  e.apply(parse_rules(R"(
flow:
  - {id: ping, resource: "GET /ping", count: 2}
  - {id: watch, resource: "GET /other", count: 1}
)"));
  s = e.stats();
  EXPECT_EQ(s.rules.size(), 2u);
  EXPECT_FALSE(find(s, "watch").shadow);
  EXPECT_EQ(find(s, "watch").shadow_blocked, 4u);
  EXPECT_EQ(find(s, "ping").blocked, 3u);
}

TEST(Engine, KeyedRulesSkipRequestsWithoutTheKey) {
  FakeClock clock;
  Engine e(nullptr, clock);
  e.apply(parse_rules("keyed:\n  - {id: per-customer, resource: '*', key: customer, rate: 1, burst: 1}\n"));
  Keys anonymous, alice;
  alice.values["customer"] = "alice";
  Engine::Ticket t;
  EXPECT_TRUE(e.enter("GET /x", alice, t).pass);
  e.exit(t, false);
  Decision d = e.enter("GET /x", alice, t);
  EXPECT_FALSE(d.pass);
  EXPECT_EQ(d.refusal, Refusal::kHotParam);
  for (int i = 0; i < 5; ++i) {
    Engine::Ticket a;
    EXPECT_TRUE(e.enter("GET /x", anonymous, a).pass);
    e.exit(a, false);
  }
}

TEST(Engine, BulkheadRefusesAndReleases) {
  FakeClock clock;
  Engine e(nullptr, clock);
  e.apply(parse_rules("bulkheads:\n  - {id: slow-vendor, resource: 'POST /v', max_concurrent: 1}\n"));
  Keys k;
  Engine::Ticket a, b;
  EXPECT_TRUE(e.enter("POST /v", k, a).pass);
  Decision d = e.enter("POST /v", k, b);
  EXPECT_FALSE(d.pass);
  EXPECT_EQ(refusal_http_status(d.refusal), 503);
  e.exit(a, false);
  EXPECT_TRUE(e.enter("POST /v", k, b).pass);
}

TEST(Engine, ARefusalLaterInTheChainGivesBackConcurrency) {
  FakeClock clock;
  Engine e(nullptr, clock);
  e.apply(parse_rules(R"(
flow:
  - {id: conc, resource: "GET /a", grade: concurrency, count: 1}
keyed:
  - {id: k, resource: "GET /a", key: ip, rate: 1, burst: 1}
)"));
  Keys k;
  k.values["ip"] = "10.0.0.1";
  Engine::Ticket t1, t2, t3;
  EXPECT_TRUE(e.enter("GET /a", k, t1).pass);
  e.exit(t1, false);
  EXPECT_FALSE(e.enter("GET /a", k, t2).pass) << "the keyed rule refuses";
  k.values["ip"] = "10.0.0.2";
  EXPECT_TRUE(e.enter("GET /a", k, t3).pass) << "the refused request did not keep the concurrency slot";
}

TEST(Engine, ApplySwapsAtomicallyAndInFlightRequestsFinishOnTheirRules) {
  FakeClock clock;
  Engine e(nullptr, clock);
  e.apply(parse_rules("flow:\n  - {id: c, resource: 'GET /a', grade: concurrency, count: 1}\n"));
  Keys k;
  Engine::Ticket old_ticket;
  EXPECT_TRUE(e.enter("GET /a", k, old_ticket).pass);
  e.apply(parse_rules("flow:\n  - {id: c2, resource: 'GET /a', grade: concurrency, count: 2}\n"));
  Engine::Ticket n1, n2, n3;
  EXPECT_TRUE(e.enter("GET /a", k, n1).pass);
  EXPECT_TRUE(e.enter("GET /a", k, n2).pass);
  EXPECT_FALSE(e.enter("GET /a", k, n3).pass);
  e.exit(old_ticket, false);  // exits against the old rule set, which it still holds
  EXPECT_EQ(e.rules().flow.at(0).id, "c2");
}

TEST(Engine, BreakerByDependencyName) {
  FakeClock clock;
  Engine e(nullptr, clock);
  e.apply(parse_rules("breakers:\n  - {id: b, resource: counter, strategy: error_count, threshold: 0, min_requests: 1}\n"));
  auto b = e.breaker("counter");
  ASSERT_TRUE(b);
  EXPECT_FALSE(e.breaker("bank"));
  Permit p = b->try_pass(clock.now());
  b->on_complete(p, kMilli, true, clock.now());
  EXPECT_EQ(b->state(), BreakerState::kOpen);
  e.apply({});
  EXPECT_EQ(b->state(), BreakerState::kOpen) << "a held breaker outlives the rule swap";
}

TEST(Engine, UnchangedRulesKeepTheirStateAcrossAnApply) {
  FakeClock clock;
  Engine e(nullptr, clock);
  const std::string base = R"(
flow:
  - {id: qps, resource: "GET /a", count: 3}
keyed:
  - {id: per-ip, resource: "GET /b", key: ip, rate: 1, burst: 1}
bulkheads:
  - {id: bh, resource: "GET /c", max_concurrent: 1}
breakers:
  - {id: br, resource: counter, strategy: error_count, threshold: 0, min_requests: 1}
)";
  e.apply(parse_rules(base));
  Keys k;
  k.values["ip"] = "10.0.0.1";
  for (int i = 0; i < 3; ++i) {
    Engine::Ticket t;
    ASSERT_TRUE(e.enter("GET /a", k, t).pass);
    e.exit(t, false);
  }
  Engine::Ticket b1, held;
  ASSERT_TRUE(e.enter("GET /b", k, b1).pass);
  e.exit(b1, false);
  ASSERT_TRUE(e.enter("GET /c", k, held).pass);  // holds the bulkhead's only slot
  auto br = e.breaker("counter");
  Permit p = br->try_pass(clock.now());
  br->on_complete(p, kMilli, true, clock.now());
  ASSERT_EQ(br->state(), BreakerState::kOpen);

  // An unrelated rule is added: nothing of the above starts afresh.
  e.apply(parse_rules(base + "  - {id: other, resource: dep2, strategy: error_count, threshold: 0, min_requests: 1}\n"));
  Engine::Ticket a4, b2, c2;
  EXPECT_FALSE(e.enter("GET /a", k, a4).pass) << "this second's 3 passes still count";
  EXPECT_FALSE(e.enter("GET /b", k, b2).pass) << "the bucket of 10.0.0.1 is still empty";
  EXPECT_FALSE(e.enter("GET /c", k, c2).pass) << "the held slot is still held";
  EXPECT_EQ(e.breaker("counter")->state(), BreakerState::kOpen) << "the breaker stays open";
  EXPECT_EQ(e.breaker("counter"), br) << "the very same breaker";
  e.exit(held, false);
  Engine::Ticket c3;
  EXPECT_TRUE(e.enter("GET /c", k, c3).pass) << "released into the bulkhead the new rules use";
  e.exit(c3, false);

  // A changed rule starts afresh; only it.
  e.apply(parse_rules(R"(
flow:
  - {id: qps, resource: "GET /a", count: 4}
keyed:
  - {id: per-ip, resource: "GET /b", key: ip, rate: 1, burst: 1}
breakers:
  - {id: br, resource: counter, strategy: error_count, threshold: 0, min_requests: 1}
)"));
  Engine::Ticket a5, b3;
  EXPECT_TRUE(e.enter("GET /a", k, a5).pass) << "a new count: new statistics";
  e.exit(a5, false);
  EXPECT_FALSE(e.enter("GET /b", k, b3).pass);
  EXPECT_EQ(e.breaker("counter")->state(), BreakerState::kOpen);
}

}  // namespace
}  // namespace zt::core::resilience

namespace zt::core::resilience {
namespace {

TEST(Engine, ClusterRulesWithoutRedisAreRefusedAndNothingChanges) {
  FakeClock clock;
  Engine e(nullptr, clock);
  e.apply(parse_rules("flow:\n  - {id: keep, resource: '*', count: 5}\n"));
  RuleSet with_cluster = parse_rules("cluster:\n  - {id: c, resource: '*', rate: 10, fail_mode: closed, fallback_rate: 2}\n");
  ASSERT_EQ(with_cluster.cluster.size(), 1u);
  EXPECT_EQ(with_cluster.cluster[0].limit.fail_mode, FailMode::kClosed);
  EXPECT_EQ(with_cluster.cluster[0].limit.local_fallback->tokens_per_period, 2);
  EXPECT_EQ(parse_rules(serialize_rules(with_cluster)).cluster.at(0).limit.local_fallback->burst, 2);
  EXPECT_THROW(e.apply(with_cluster), RuleError);
  EXPECT_EQ(e.rules().flow.at(0).id, "keep");
}

}  // namespace
}  // namespace zt::core::resilience
