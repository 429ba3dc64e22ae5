// Flow rules on the real binary: a rules file, 429 with Retry-After, live replacement through the
// admin API, validation, and persistence across a restart.
#include <gtest/gtest.h>
#include <signal.h>

#include "harness/http.hpp"
#include "harness/process.hpp"

namespace zt::test {
namespace {

class Node {
 public:
  Node(const std::string& dir, std::map<std::string, std::string> extra = {}) : port(free_port()), admin(free_port()) {
    std::map<std::string, std::string> env{{"ZT_SERVER__PORT", std::to_string(port)},
                                           {"ZT_SERVER__HOST", "127.0.0.1"},
                                           {"ZT_ADMIN__PORT", std::to_string(admin)},
                                           {"ZT_NODE__DATA_DIR", dir + "/data"}};
    for (auto& [k, v] : extra) env[k] = v;
    process = std::make_unique<Process>(ProcessOptions{{ZT_BINARY, "serve"}, env, dir + "/zhongtai.log", "", dir});
    bool ready = eventually(
        [&] {
          try {
            return http_get(admin, "/readyz").status == 200;
          } catch (...) {
            return false;
          }
        },
        std::chrono::seconds(30));
    if (!ready) throw std::runtime_error("not ready: " + process->log_text());
  }
  ~Node() { EXPECT_EQ(process->stop(SIGTERM), 0) << process->log_text(); }

  // Sends n pings as fast as possible; returns how many got 200 and how many 429.
  std::pair<int, int> burst(int n) {
    int ok = 0, limited = 0;
    for (int i = 0; i < n; ++i) {
      auto r = http_get(port, "/api/system/v1/ping");
      if (r.status == 200) ++ok;
      if (r.status == 429) {
        ++limited;
        last_refusal = r;
      }
    }
    return {ok, limited};
  }

  int port, admin;
  std::unique_ptr<Process> process;
  HttpResponse last_refusal;
};

TEST(Resilience, RulesFileLimitsARouteWithAFriendlyRefusal) {
  TempDir dir;
  write_file(dir.path() + "/rules.yaml",
             "flow:\n  - {id: ping-limit, resource: 'GET /api/system/v1/ping', count: 5}\n");
  Node n(dir.path(), {{"ZT_RESILIENCE__RULES_FILE", dir.path() + "/rules.yaml"}});
  auto [ok, limited] = n.burst(20);
  EXPECT_LE(ok, 10) << "5 per second; the burst may straddle one second boundary";
  EXPECT_GE(ok, 5);
  EXPECT_EQ(ok + limited, 20);
  EXPECT_NE(n.last_refusal.body.find("\"code\":\"FLOW_LIMITED\""), std::string::npos) << n.last_refusal.body;
  EXPECT_NE(n.last_refusal.body.find("当前访问人数较多，请稍后再试"), std::string::npos);
  EXPECT_EQ(n.last_refusal.headers["retry-after"], "1");
  auto metrics = http_get(n.admin, "/metrics").body;
  EXPECT_NE(metrics.find("zt_resilience_blocked_total{rule=\"ping-limit\"}"), std::string::npos);
  EXPECT_NE(metrics.find("route=\"/api/system/v1/ping\",method=\"GET\",status_class=\"4xx\""), std::string::npos)
      << "refusals are measured like any response";
}

TEST(Resilience, AdminApiReplacesRulesLiveAndTheyPersist) {
  TempDir dir;
  {
    Node n(dir.path());
    EXPECT_EQ(n.burst(20).first, 20) << "no rules: nothing is limited";
    auto bad = http_request(n.admin, "PUT", "/resilience/rules", "flow:\n  - {id: x, resource: '*', count: fast}\n");
    EXPECT_EQ(bad.status, 400);
    EXPECT_NE(bad.body.find("RESILIENCE_RULES_INVALID"), std::string::npos);
    EXPECT_NE(bad.body.find("flow[0].count"), std::string::npos) << bad.body;
    EXPECT_EQ(n.burst(10).first, 10) << "an invalid update changes nothing";
    auto put = http_request(n.admin, "PUT", "/resilience/rules",
                            "flow:\n  - {id: live, resource: 'GET /api/system/v1/ping', count: 3}\n");
    EXPECT_EQ(put.status, 200) << put.body;
    EXPECT_LE(n.burst(20).first, 6);
  }
  Node again(dir.path());
  auto rules = http_get(again.admin, "/resilience/rules");
  EXPECT_NE(rules.body.find("id: live"), std::string::npos) << rules.body;
  EXPECT_LE(again.burst(20).first, 6) << "the rule survived the restart";
}

TEST(Resilience, ShadowRulesRefuseNothing) {
  TempDir dir;
  write_file(dir.path() + "/rules.yaml",
             "flow:\n  - {id: trial, resource: 'GET /api/system/v1/ping', count: 2, shadow: true}\n");
  Node n(dir.path(), {{"ZT_RESILIENCE__RULES_FILE", dir.path() + "/rules.yaml"}});
  EXPECT_EQ(n.burst(10).first, 10);
  auto metrics = http_get(n.admin, "/metrics").body;
  EXPECT_EQ(metrics.find("zt_resilience_shadow_blocked_total{rule=\"trial\"} 0"), std::string::npos)
      << "the shadow rule counted what it would have refused";
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
  Node a(d1.path(), env), b(d2.path(), env);
  auto [ok_a, limited_a] = a.burst(15);
  auto [ok_b, limited_b] = b.burst(15);
  EXPECT_EQ(ok_a + ok_b, 10) << "one bucket of 10 for both nodes (1 more per minute)";
  EXPECT_EQ(limited_a + limited_b, 20);
  EXPECT_NE(b.last_refusal.body.find("FLOW_LIMITED"), std::string::npos);
}

TEST(Resilience, ClusterRulesNeedRedis) {
  TempDir dir;
  Node n(dir.path());
  auto r = http_request(n.admin, "PUT", "/resilience/rules",
                        "cluster:\n  - {id: c, resource: '*', rate: 10}\n");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("Redis"), std::string::npos) << r.body;
  EXPECT_EQ(n.burst(5).first, 5) << "the refused rules changed nothing";
}

}  // namespace
}  // namespace zt::test
