// Flow rules on the real binary: a rules file, 429 with Retry-After, live replacement through the
// admin API, validation, and persistence across a restart.
#include <gtest/gtest.h>
#include <signal.h>

#include <regex>

#include "harness/http.hpp"
#include "harness/process.hpp"
#include "harness/zhongtai.hpp"

namespace zt::test {
namespace {

// Sends n pings as fast as possible; counts 200s and 429s and keeps the last refusal.
struct Burst {
  int ok = 0;
  int limited = 0;
  HttpResponse last_refusal;
  // How many one-second windows the burst touched: a rule of `count` a second admits at most
  // count × windows of it. A loaded machine may stretch a burst over several seconds, so the
  // bound follows the time it took rather than assume it took less than one.
  int windows = 0;
  int admits_at_most(int per_second) const { return per_second * windows; }
};
Burst burst(const Zhongtai& z, int n) {
  Burst b;
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    auto r = http_get(z.port, "/api/system/v1/ping");
    if (r.status == 200) ++b.ok;
    if (r.status == 429) {
      ++b.limited;
      b.last_refusal = r;
    }
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  b.windows = static_cast<int>(took.count() / 1000) + 2;  // a burst shorter than a second may straddle a boundary
  return b;
}

TEST(Resilience, RulesFileLimitsARouteWithAFriendlyRefusal) {
  TempDir dir;
  write_file(dir.path() + "/rules.yaml",
             "flow:\n  - {id: ping-limit, resource: 'GET /api/system/v1/ping', count: 5}\n");
  Zhongtai n(Env{{"ZT_RESILIENCE__RULES_FILE", dir.path() + "/rules.yaml"}});
  Burst b = burst(n, 20);
  auto& [ok, limited, last_refusal, windows] = b;
  EXPECT_LE(ok, b.admits_at_most(5)) << "5 per second, over " << windows << " windows";
  EXPECT_GE(ok, 5);
  EXPECT_GT(limited, 0) << "20 pings took " << windows - 2 << " s or more: too slow a machine to see the limit";
  EXPECT_EQ(ok + limited, 20);
  EXPECT_NE(last_refusal.body.find("\"code\":\"FLOW_LIMITED\""), std::string::npos) << last_refusal.body;
  EXPECT_NE(last_refusal.body.find("当前访问人数较多，请稍后再试"), std::string::npos);
  EXPECT_EQ(last_refusal.headers["retry-after"], "1");
  auto metrics = http_get(n.admin, "/metrics").body;
  EXPECT_NE(metrics.find("zt_resilience_blocked_total{rule=\"ping-limit\"}"), std::string::npos);
  EXPECT_NE(metrics.find("route=\"/api/system/v1/ping\",method=\"GET\",status_class=\"4xx\""), std::string::npos)
      << "refusals are measured like any response";
}

TEST(Resilience, AdminApiReplacesRulesLiveAndTheyPersist) {
  TempDir dir;
  {
    Zhongtai n(Env{}, "all", dir.path());
    EXPECT_EQ(burst(n, 20).ok, 20) << "no rules: nothing is limited";
    auto bad = http_request(n.admin, "PUT", "/resilience/rules", "flow:\n  - {id: x, resource: '*', count: fast}\n");
    EXPECT_EQ(bad.status, 400);
    EXPECT_NE(bad.body.find("RESILIENCE_RULES_INVALID"), std::string::npos);
    EXPECT_NE(bad.body.find("flow[0].count"), std::string::npos) << bad.body;
    EXPECT_EQ(burst(n, 10).ok, 10) << "an invalid update changes nothing";
    auto put = http_request(n.admin, "PUT", "/resilience/rules",
                            "flow:\n  - {id: live, resource: 'GET /api/system/v1/ping', count: 3}\n");
    EXPECT_EQ(put.status, 200) << put.body;
    const Burst limited = burst(n, 20);
    EXPECT_LE(limited.ok, limited.admits_at_most(3));
    EXPECT_GT(limited.limited, 0);
  }
  Zhongtai again(Env{}, "all", dir.path());
  auto rules = http_get(again.admin, "/resilience/rules");
  EXPECT_NE(rules.body.find("id: live"), std::string::npos) << rules.body;
  const Burst after = burst(again, 20);
  EXPECT_LE(after.ok, after.admits_at_most(3)) << "the rule survived the restart";
  EXPECT_GT(after.limited, 0) << "the rule survived the restart";
}

TEST(Resilience, ShadowRulesRefuseNothing) {
  TempDir dir;
  write_file(dir.path() + "/rules.yaml",
             "flow:\n  - {id: trial, resource: 'GET /api/system/v1/ping', count: 2, shadow: true}\n");
  Zhongtai n(Env{{"ZT_RESILIENCE__RULES_FILE", dir.path() + "/rules.yaml"}});
  const Burst b = burst(n, 10);
  EXPECT_EQ(b.ok, 10);
  auto metrics = http_get(n.admin, "/metrics").body;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(metrics, m, std::regex(R"(zt_resilience_shadow_blocked_total\{rule="trial"\} (\d+))")))
      << metrics;
  // 2 per second: of 10 quick pings all but 2 a window would have been refused, and every one of
  // them was served.
  EXPECT_GE(std::stoi(m[1]), 10 - b.admits_at_most(2)) << "the shadow rule counted what it would have refused";
  EXPECT_GT(std::stoi(m[1]), 0);
}

}  // namespace
}  // namespace zt::test

#include "harness/servers.hpp"

namespace zt::test {
namespace {

TEST(Resilience, ClusterRuleHoldsAcrossTwoNodesSharingRedis) {
  RedisServer redis;
  TempDir d1, d2;
  const std::string rules =
      "cluster:\n  - {id: ping-cluster, resource: 'GET /api/system/v1/ping', rate: 1, period_ms: 60000, burst: 10}\n";
  write_file(d1.path() + "/rules.yaml", rules);
  std::map<std::string, std::string> env{{"ZT_RESILIENCE__RULES_FILE", d1.path() + "/rules.yaml"},
                                         {"ZT_RESILIENCE__REDIS_HOST", "127.0.0.1"},
                                         {"ZT_RESILIENCE__REDIS_PORT", std::to_string(redis.port())}};
  Zhongtai a(env, "all", d1.path()), b(env, "all", d2.path());
  Burst from_a = burst(a, 15), from_b = burst(b, 15);
  EXPECT_EQ(from_a.ok + from_b.ok, 10) << "one bucket of 10 for both nodes (1 more per minute)";
  EXPECT_EQ(from_a.limited + from_b.limited, 20);
  EXPECT_NE(from_b.last_refusal.body.find("FLOW_LIMITED"), std::string::npos);
}

TEST(Resilience, ClusterRulesNeedRedis) {
  Zhongtai n;
  auto r = http_request(n.admin, "PUT", "/resilience/rules",
                        "cluster:\n  - {id: c, resource: '*', rate: 10}\n");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("Redis"), std::string::npos) << r.body;
  EXPECT_EQ(burst(n, 5).ok, 5) << "the refused rules changed nothing";
}

}  // namespace
}  // namespace zt::test
