// Registry, discovery and live config on the real binary, in both run modes and both backends: the
// registry in the same process as a service (`--target all`), alone (`--target registry`), and
// alone on a real etcd (`--target registry`, backend etcd), with instances as separate
// `--target system` processes that find it over HTTP.
#include <gtest/gtest.h>
#include <signal.h>

#include <future>
#include <regex>
#include <set>
#include <thread>

#include "harness/http.hpp"
#include "harness/process.hpp"
#include "harness/servers.hpp"
#include "harness/tokens.hpp"
#include "harness/zhongtai.hpp"

namespace zt::test {
namespace {

const std::string kSuiteSecret = "registry-suite-secret";

// Staff, as a gateway forwards them: what a registry process serves, and what an all-mode process
// (its gateway in front) takes from another gateway of the deployment.
HttpResponse as_staff(int port, const std::string& method, const std::string& target, const std::string& body = "",
                      std::map<std::string, std::string> headers = {}) {
  return forwarded(port, method, target, kSuiteSecret, body, staff_caller({"governance.read", "governance.write"}), headers);
}
HttpResponse as_staff_get(int port, const std::string& target) { return as_staff(port, "GET", target); }
// The audit trail is for staff with audit.read (operators change things, auditors read the trail).
HttpResponse as_auditor_get(int port, const std::string& target) {
  return forwarded(port, "GET", target, kSuiteSecret, "", staff_caller({"audit.read"}));
}

using namespace std::chrono_literals;

const Env kFastRegistry{{"ZT_REGISTRY__HEARTBEAT_INTERVAL", "500ms"},
                        {"ZT_REGISTRY__UNHEALTHY_AFTER", "3"},
                        {"ZT_REGISTRY__REMOVE_AFTER", "6"},
                        {"ZT_DISCOVERY__HEARTBEAT_INTERVAL", "500ms"},
                        // One deployment: through an all-mode node's gateway the registry takes
                        // only staff and our own services, which prove it with this key.
                        {"ZT_NODE__INTERNAL_SECRET", kSuiteSecret}};

Env with(Env base, const Env& more) {
  for (const auto& [k, v] : more) base[k] = v;
  return base;
}

std::string instances(int registry_port, const std::string& service, bool healthy_only = true) {
  return as_staff_get(registry_port, "/api/registry/v1/services/" + service + "/instances?wait_ms=0&healthy_only=" +
                                     (healthy_only ? "true" : "false"))
      .body;
}

bool lists(int registry_port, const std::string& service, int instance_port, bool healthy_only = true) {
  return instances(registry_port, service, healthy_only).find("\"port\":" + std::to_string(instance_port)) != std::string::npos;
}

long long version_of(const std::string& body) {
  std::smatch m;
  if (!std::regex_search(body, m, std::regex("\"version\":(\\d+)"))) return -1;
  return std::stoll(m[1]);
}

std::string instance_id(const Zhongtai& z) { return "zhongtai@127.0.0.1:" + std::to_string(z.port); }

// One etcd for the whole suite; each test keeps to a key prefix of its own.
EtcdServer& shared_etcd() {
  static EtcdServer etcd;
  return etcd;
}

std::string test_prefix() {
  std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  for (auto& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
  static int n = 0;
  return "/zt-test/" + name + "-" + std::to_string(++n) + "/";
}

Env etcd_env(const std::string& endpoints, const std::string& prefix) {
  return {{"ZT_REGISTRY__BACKEND", "etcd"}, {"ZT_REGISTRY__ETCD_ENDPOINTS", endpoints}, {"ZT_REGISTRY__ETCD_PREFIX", prefix}};
}

class Registry : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "etcd") prefix_ = test_prefix();
  }
  // The registry node: `all` (registry + system in one process), `registry` alone, or `etcd`
  // (`registry` alone on the etcd backend).
  std::unique_ptr<Zhongtai> start_registry(Env extra = {}, const std::string& root = "") {
    if (GetParam() == "etcd") {
      Env env = with(with(kFastRegistry, etcd_env(shared_etcd().endpoint(), prefix_)), extra);
      return std::make_unique<Zhongtai>(env, "registry", root);
    }
    return std::make_unique<Zhongtai>(with(kFastRegistry, extra), GetParam(), root);
  }
  std::unique_ptr<Zhongtai> start_instance(const Zhongtai& registry, Env extra = {}, const std::string& root = "") {
    return start_instance_at(registry.port, std::move(extra), root);
  }
  std::unique_ptr<Zhongtai> start_instance_at(int registry_port, Env extra = {}, const std::string& root = "") {
    Env env = with(kFastRegistry, {{"ZT_DISCOVERY__REGISTRY", "127.0.0.1:" + std::to_string(registry_port)}});
    return std::make_unique<Zhongtai>(with(env, extra), "system", root);
  }
  std::string prefix_;
};

TEST_P(Registry, InstancesRegisterResolveAndWatchersHearOfChangesAtOnce) {
  auto reg = start_registry();
  auto a = start_instance(*reg, {{"ZT_DISCOVERY__TAG", "canary"}});
  ASSERT_TRUE(eventually([&] { return lists(reg->port, "system", a->port); }, 5s));
  auto body = instances(reg->port, "system");
  EXPECT_NE(body.find("\"tag\":\"canary\""), std::string::npos) << body;
  EXPECT_NE(body.find("\"version\":\"0.1.0\""), std::string::npos) << "the build version travels as metadata";
  if (GetParam() == "all") {
    EXPECT_TRUE(lists(reg->port, "system", reg->port)) << "the in-process service registers too";
  }

  // A watch held open on the current version answers as soon as a new instance appears.
  const long long v = version_of(instances(reg->port, "system"));
  auto watch = std::async(std::launch::async, [&] {
    return as_staff_get(reg->port, "/api/registry/v1/services/system/instances?wait_ms=20000&version=" + std::to_string(v));
  });
  EXPECT_EQ(watch.wait_for(300ms), std::future_status::timeout) << "nothing changed yet: the watch holds";
  auto b = start_instance(*reg);
  auto answer = watch.get();
  EXPECT_EQ(answer.status, 200);
  EXPECT_NE(version_of(answer.body), v);
  EXPECT_NE(answer.body.find("\"port\":" + std::to_string(b->port)), std::string::npos) << answer.body;

  // Every instance resolves the others through its own discovery client.
  ASSERT_TRUE(eventually([&] {
    auto r = as_staff_get(a->admin, "/discovery/services/system");
    return r.status == 200 && r.body.find("\"port\":" + std::to_string(b->port)) != std::string::npos;
  }, 5s));

  // A clean stop deregisters at once, before the TTL could notice.
  const int b_port = b->port;
  b.reset();
  EXPECT_FALSE(lists(reg->port, "system", b_port, false));
  EXPECT_TRUE(lists(reg->port, "system", a->port));
}

TEST_P(Registry, AKilledInstanceIsUnhealthyThenRemovedWithinTheTtl) {
  auto reg = start_registry();
  auto a = start_instance(*reg);
  ASSERT_TRUE(eventually([&] { return lists(reg->port, "system", a->port); }, 5s));
  const int port = a->port;
  a->kill();
  // 3 missed heartbeats of 500 ms: unhealthy (out of the healthy list) within 1.5 s plus a sweep.
  EXPECT_TRUE(eventually([&] { return !lists(reg->port, "system", port); }, 4s));
  // 6 missed: gone from the full list too.
  EXPECT_TRUE(eventually([&] { return !lists(reg->port, "system", port, false); }, 6s));
}

TEST_P(Registry, OperatorsTakeAnInstanceOfflineAndChangeItsWeightWithAnAuditTrail) {
  auto reg = start_registry();
  auto a = start_instance(*reg);
  ASSERT_TRUE(eventually([&] { return lists(reg->port, "system", a->port); }, 5s));
  const std::string path = "/api/registry/v1/services/system/instances/" + instance_id(*a);
  // The operator is the verified staff member, in every mode; a name in the body is never taken
  // for it, and an unsigned change is refused outright.
  auto unsigned_change = http_request(reg->port, "PATCH", path, R"({"enabled": false, "author": "ops-li"})");
  EXPECT_EQ(unsigned_change.status, 401) << unsigned_change.body;
  EXPECT_NE(unsigned_change.body.find(GetParam() == "all" ? "GATEWAY_UNAUTHENTICATED" : "INTERNAL_IDENTITY_REQUIRED"),
            std::string::npos)
      << unsigned_change.body;
  auto off = as_staff(reg->port, "PATCH", path, R"({"enabled": false, "author": "ops-li"})");
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_FALSE(lists(reg->port, "system", a->port));
  EXPECT_TRUE(lists(reg->port, "system", a->port, false)) << "still registered and heartbeating, just drained";
  auto bad_weight = as_staff(reg->port, "PATCH", path, R"({"weight": 20000, "author": "ops-li"})");
  EXPECT_EQ(bad_weight.status, 400);
  auto weight = as_staff(reg->port, "PATCH", path, R"({"enabled": true, "weight": 30, "author": "ops-li"})");
  ASSERT_EQ(weight.status, 200) << weight.body;
  EXPECT_NE(weight.body.find("\"weight\":30"), std::string::npos);
  EXPECT_TRUE(lists(reg->port, "system", a->port));
  auto unknown = as_staff(reg->port, "PATCH", "/api/registry/v1/services/system/instances/nobody", R"({"enabled": false, "author": "x"})");
  EXPECT_EQ(unknown.status, 404);
  auto audit = as_auditor_get(reg->port, "/api/registry/v1/audit").body;
  EXPECT_NE(audit.find("\"action\":\"instance.offline\""), std::string::npos) << audit;
  EXPECT_NE(audit.find("\"action\":\"instance.weight\""), std::string::npos);
  EXPECT_NE(audit.find("\"actor\":\"S-harness\""), std::string::npos) << audit;
  EXPECT_EQ(audit.find("ops-li"), std::string::npos) << "the body's author is not the actor: " << audit;
}

// The flow rules' settings item (one item per concern: core/config/settings_items.hpp).
const std::string kConfig = "/api/registry/v1/configs/public/zhongtai/flow.yaml";

// `check` false: stored without the config center's check, so the processes' own refusal shows.
std::string publish_body(const std::string& rule_id, int count, bool check = true) {
  return R"({"content": "resilience.rules: |\n  flow:\n    - id: )" + rule_id +
         R"(\n      resource: \"GET /api/system/v1/ping\"\n      count: )" + std::to_string(count) +
         R"(\n", "format": "yaml", "author": "ops-wang", "comment": "ping limit", "check": )" + (check ? "true" : "false") + "}";
}

bool runs_rule(const Zhongtai& z, const std::string& rule_id) {
  return as_staff_get(z.admin, "/resilience/rules").body.find("id: " + rule_id) != std::string::npos;
}

TEST_P(Registry, PublishedConfigReachesListenersAndBadConfigNeverDoes) {
  auto reg = start_registry();
  auto a = start_instance(*reg);
  ASSERT_TRUE(eventually([&] { return lists(reg->port, "system", a->port); }, 5s));

  auto v1 = as_staff(reg->port, "PUT", kConfig, publish_body("ping-v1", 50));
  ASSERT_EQ(v1.status, 200) << v1.body;
  EXPECT_TRUE(eventually([&] { return runs_rule(*a, "ping-v1"); }, 5s)) << "pushed by long-poll, applied live";
  if (GetParam() == "all") {
    EXPECT_TRUE(eventually([&] { return runs_rule(*reg, "ping-v1"); }, 5s));
  }
  EXPECT_TRUE(eventually([&] {
    auto acks = as_staff_get(reg->port, kConfig + "/acks").body;
    return acks.find(instance_id(*a)) != std::string::npos && acks.find("\"applied\":true") != std::string::npos;
  }, 5s)) << "the instance acknowledges what it runs";

  // Syntax is checked before anything is stored.
  auto broken = as_staff(reg->port, "PUT", kConfig, R"({"content": "a: [1", "format": "yaml", "author": "ops-wang", "comment": ""})");
  EXPECT_EQ(broken.status, 400);
  EXPECT_NE(broken.body.find("REGISTRY_CONFIG_INVALID"), std::string::npos);
  EXPECT_NE(broken.body.find("YAML"), std::string::npos) << broken.body;

  // Valid YAML that the settings' rules refuse: the config center checks a settings item as the
  // processes would, and stores nothing ...
  auto unchecked_out = as_staff(reg->port, "PUT", kConfig, publish_body("ping-bad", -1));
  EXPECT_EQ(unchecked_out.status, 400) << unchecked_out.body;
  EXPECT_NE(unchecked_out.body.find("配置校验未通过，未发布"), std::string::npos) << unchecked_out.body;
  EXPECT_NE(unchecked_out.body.find("flow[0].count"), std::string::npos) << unchecked_out.body;
  // ... nor a setting of another concern (each has its own item, so a rollback touches one).
  auto elsewhere = as_staff(reg->port, "PUT", kConfig,
                            R"({"content": "sandbox.clock: \"\"\n", "format": "yaml", "author": "ops-wang", "comment": ""})");
  EXPECT_EQ(elsewhere.status, 400) << elsewhere.body;
  EXPECT_NE(elsewhere.body.find("该配置属于配置项 sandbox.yaml"), std::string::npos) << elsewhere.body;
  // Stored unchecked (a registry older than its readers): the instance keeps its last good rules
  // and says so.
  auto refused = as_staff(reg->port, "PUT", kConfig, publish_body("ping-bad", -1, false));
  ASSERT_EQ(refused.status, 200) << refused.body;
  EXPECT_NE(as_auditor_get(reg->port, "/api/registry/v1/audit").body.find("未经配置校验发布（check=false）"), std::string::npos)
      << "an unchecked publish says so in the audit";
  EXPECT_TRUE(eventually([&] {
    auto acks = as_staff_get(reg->port, kConfig + "/acks").body;
    return acks.find("\"applied\":false") != std::string::npos && acks.find("flow[0].count") != std::string::npos;
  }, 5s)) << as_staff_get(reg->port, kConfig + "/acks").body;
  EXPECT_TRUE(runs_rule(*a, "ping-v1"));
  EXPECT_NE(as_staff_get(a->admin, "/metrics").body.find("zt_config_updates_total{result=\"refused\"} 1"), std::string::npos);

  // Roll back to version 1: published as a new version with the old content.
  auto rb = as_staff(reg->port, "POST", kConfig + "/rollback", R"({"version": 1, "author": "ops-wang", "comment": ""})");
  ASSERT_EQ(rb.status, 200) << rb.body;
  EXPECT_NE(rb.body.find("\"version\":3"), std::string::npos) << rb.body;
  auto history = as_staff_get(reg->port, kConfig + "/history").body;
  EXPECT_NE(history.find("\"kind\":\"rollback\""), std::string::npos) << history;
  auto diff = as_staff_get(reg->port, kConfig + "/diff?from=2&to=3").body;
  EXPECT_NE(diff.find("-    - id: ping-bad"), std::string::npos) << diff;
  EXPECT_NE(diff.find("+    - id: ping-v1"), std::string::npos) << diff;
  // Back to the version the check refuses: refused; unchecked (an emergency), stored.
  EXPECT_TRUE(zt::test::refused(as_staff(reg->port, "POST", kConfig + "/rollback", R"({"version": 2, "author": "ops-wang", "comment": "回退"})"),
                                400, "REGISTRY_CONFIG_INVALID"));
  auto forced = as_staff(reg->port, "POST", kConfig + "/rollback", R"({"version": 2, "author": "ops-wang", "comment": "回退", "check": false})");
  EXPECT_EQ(forced.status, 200) << forced.body;
  EXPECT_EQ(json_field(forced.body, "version"), "4");

  // An optimistic lock on a stale version loses.
  auto stale = as_staff(reg->port, "PUT", kConfig,
                            R"({"content": "resilience.rules: ''", "format": "yaml", "author": "ops-wang", "comment": "", "expected_version": 1})");
  EXPECT_EQ(stale.status, 409);
  EXPECT_NE(stale.body.find("REGISTRY_CONFIG_CONFLICT"), std::string::npos);
}

// Each concern has its own item: rolling back the sandbox's clock leaves a live flow rule alone
// (with one item for everything, the rollback took the rule with it).
TEST_P(Registry, RollingBackOneConcernLeavesTheOthersAsTheyAre) {
  auto reg = start_registry();
  auto a = start_instance(*reg);
  ASSERT_TRUE(eventually([&] { return lists(reg->port, "system", a->port); }, 5s));
  const std::string sandbox = "/api/registry/v1/configs/public/zhongtai/sandbox.yaml";
  auto clock = [](const std::string& at) {
    return R"({"content": "sandbox.clock: \")" + at + R"(\"\n", "format": "yaml", "author": "ops-wang", "comment": "clock"})";
  };
  ASSERT_EQ(as_staff(reg->port, "PUT", sandbox, clock("2026-03-02T10:00:00+08:00")).status, 200);
  ASSERT_EQ(as_staff(reg->port, "PUT", kConfig, publish_body("keep-me", 30)).status, 200);
  ASSERT_TRUE(eventually([&] { return runs_rule(*a, "keep-me"); }, 5s));
  ASSERT_EQ(as_staff(reg->port, "PUT", sandbox, clock("")).status, 200);
  auto rb = as_staff(reg->port, "POST", sandbox + "/rollback", R"({"version": 1, "author": "ops-wang", "comment": "回到固定时钟"})");
  ASSERT_EQ(rb.status, 200) << rb.body;
  EXPECT_TRUE(eventually([&] {
    auto acks = as_staff_get(reg->port, sandbox + "/acks").body;
    return acks.find(instance_id(*a)) != std::string::npos && acks.find("\"version\":3") != std::string::npos &&
           acks.find("\"applied\":true") != std::string::npos;
  }, 5s)) << as_staff_get(reg->port, sandbox + "/acks").body;
  EXPECT_TRUE(runs_rule(*a, "keep-me")) << "the flow rule outlives the clock's rollback";
}

// An upgrade from one item for every setting: the registry moves each setting to the item of its
// concern once, at start, audited — live flow rules are not lost on the way.
TEST_P(Registry, SettingsFromBeforeTheSplitMoveToTheirItemsOnce) {
  TempDir reg_root;
  const Env pinned{{"ZT_SERVER__PORT", std::to_string(free_port())}, {"ZT_ADMIN__PORT", std::to_string(free_port())}};
  auto reg = start_registry(pinned, reg_root.path());
  const std::string main = "/api/registry/v1/configs/public/zhongtai/dynamic.yaml";
  // As an older version stored it (unchecked: this one refuses a flow rule in the main item).
  auto old = as_staff(reg->port, "PUT", main,
                      R"({"content": "mall.max_open_orders: 50\nresilience.rules: |\n  flow:\n    - {id: old-rule, resource: \"GET /api/system/v1/ping\", count: 9}\n", "format": "yaml", "author": "ops-wang", "comment": "旧版", "check": false})");
  ASSERT_EQ(old.status, 200) << old.body;
  reg.reset();
  reg = start_registry(pinned, reg_root.path());
  auto flow = as_staff_get(reg->port, kConfig);
  ASSERT_EQ(flow.status, 200) << flow.body;
  EXPECT_NE(flow.body.find("old-rule"), std::string::npos) << flow.body;
  EXPECT_EQ(json_field(flow.body, "version"), "1");
  auto rest = as_staff_get(reg->port, main);
  EXPECT_EQ(json_field(rest.body, "version"), "2") << rest.body;
  EXPECT_EQ(rest.body.find("resilience"), std::string::npos) << rest.body;
  EXPECT_NE(rest.body.find("mall.max_open_orders"), std::string::npos) << rest.body;
  EXPECT_NE(as_auditor_get(reg->port, "/api/registry/v1/audit").body.find("\"action\":\"config.migrate\""), std::string::npos);
  auto a = start_instance(*reg);
  EXPECT_TRUE(eventually([&] { return runs_rule(*a, "old-rule"); }, 5s)) << "the rule runs from its own item";
  // Once: a restart finds everything in its place.
  reg.reset();
  reg = start_registry(pinned, reg_root.path());
  EXPECT_EQ(json_field(as_staff_get(reg->port, main).body, "version"), "2");
  EXPECT_EQ(json_field(as_staff_get(reg->port, kConfig).body, "version"), "1");
}

TEST_P(Registry, GrayConfigReachesTaggedInstancesOnlyUntilPromoted) {
  auto reg = start_registry();
  auto canary = start_instance(*reg, {{"ZT_DISCOVERY__TAG", "canary"}});
  auto plain = start_instance(*reg);
  ASSERT_EQ(as_staff(reg->port, "PUT", kConfig, publish_body("base", 100)).status, 200);
  ASSERT_TRUE(eventually([&] { return runs_rule(*canary, "base") && runs_rule(*plain, "base"); }, 5s));

  std::string gray_body = publish_body("trial", 10);
  gray_body.insert(1, R"("tag": "canary", )");
  auto gray = as_staff(reg->port, "PUT", kConfig + "/gray", gray_body);
  ASSERT_EQ(gray.status, 200) << gray.body;
  EXPECT_TRUE(eventually([&] { return runs_rule(*canary, "trial"); }, 5s));
  std::this_thread::sleep_for(500ms);
  EXPECT_TRUE(runs_rule(*plain, "base")) << "an untagged instance keeps the released version";
  // The list says which items have a gray version, and for which tag.
  const auto listed = as_staff_get(reg->port, "/api/registry/v1/configs").body;
  EXPECT_NE(listed.find(R"("grays":[{"namespace_id":"public","group":"zhongtai","data_id":"flow.yaml","tag":"canary")"), std::string::npos)
      << listed;

  auto promote = as_staff(reg->port, "POST", kConfig + "/gray/promote", R"({"author": "ops-wang", "comment": ""})");
  ASSERT_EQ(promote.status, 200) << promote.body;
  EXPECT_TRUE(eventually([&] { return runs_rule(*plain, "trial"); }, 5s));
  EXPECT_EQ(as_staff_get(reg->port, kConfig + "/gray").status, 404);
  EXPECT_NE(as_staff_get(reg->port, "/api/registry/v1/configs").body.find(R"("grays":[])"), std::string::npos) << "promoted: none left";

  // A trial that goes wrong is withdrawn: the tagged instance returns to the released version.
  std::string bad_trial = publish_body("trial-2", 3);
  bad_trial.insert(1, R"("tag": "canary", )");
  ASSERT_EQ(as_staff(reg->port, "PUT", kConfig + "/gray", bad_trial).status, 200);
  ASSERT_TRUE(eventually([&] { return runs_rule(*canary, "trial-2"); }, 5s));
  auto withdrawn = as_staff(reg->port, "DELETE", kConfig + "/gray");
  ASSERT_EQ(withdrawn.status, 200) << withdrawn.body;
  EXPECT_TRUE(eventually([&] { return runs_rule(*canary, "trial"); }, 5s)) << "back on the released version";
  EXPECT_TRUE(runs_rule(*plain, "trial"));
  EXPECT_EQ(as_staff_get(reg->port, kConfig + "/gray").status, 404);
  EXPECT_TRUE(refused(as_staff(reg->port, "DELETE", kConfig + "/gray"), 404, "REGISTRY_CONFIG_NOT_FOUND", "该配置没有灰度版本")) << "nothing left to withdraw";
}

TEST_P(Registry, ARegistryOutageChangesNothingAndInstancesReturnWithinAHeartbeat) {
  TempDir reg_root, a_root;
  const int reg_port = free_port(), reg_admin = free_port();
  const Env pinned{{"ZT_SERVER__PORT", std::to_string(reg_port)}, {"ZT_ADMIN__PORT", std::to_string(reg_admin)}};
  auto reg = start_registry(pinned, reg_root.path());
  auto a = start_instance(*reg, {}, a_root.path());
  auto b = start_instance(*reg);
  ASSERT_TRUE(eventually([&] {
    auto r = as_staff_get(a->admin, "/discovery/services/system");
    return r.body.find("\"port\":" + std::to_string(b->port)) != std::string::npos;
  }, 5s));

  reg.reset();  // the registry goes away
  EXPECT_EQ(as_staff_get(a->port, "/api/system/v1/ping").status, 200) << "instances keep serving";
  auto seen = as_staff_get(a->admin, "/discovery/services/system");
  EXPECT_NE(seen.body.find("\"port\":" + std::to_string(b->port)), std::string::npos) << "and keep resolving";

  // An instance restarted while the registry is down resolves from its saved snapshot.
  const Env a_env{{"ZT_SERVER__PORT", std::to_string(a->port)}, {"ZT_ADMIN__PORT", std::to_string(a->admin)}};
  a.reset();
  a = start_instance_at(reg_port, a_env, a_root.path());
  auto restored = as_staff_get(a->admin, "/discovery/services/system");
  EXPECT_EQ(restored.status, 200) << restored.body;
  EXPECT_NE(restored.body.find("\"port\":" + std::to_string(b->port)), std::string::npos) << restored.body;

  // The registry comes back (empty when embedded: instances are ephemeral); every instance is
  // registered again within a heartbeat.
  reg = start_registry(pinned, reg_root.path());
  // A heartbeat is 500 ms here; the bound is for a loaded machine, not the claim.
  EXPECT_TRUE(eventually([&] { return lists(reg_port, "system", a->port) && lists(reg_port, "system", b->port); }, 10s))
      << instances(reg_port, "system");
}

// ---- the service client ----

long long count_of(const std::string& body, const std::string& key) {
  std::smatch m;
  if (!std::regex_search(body, m, std::regex("\"" + key + "\":(\\d+)"))) return -1;
  return std::stoll(m[1]);
}

TEST_P(Registry, ServiceCallsFollowTheWeightsAcrossRealInstances) {
  auto reg = start_registry();
  auto a = start_instance(*reg, {{"ZT_DISCOVERY__WEIGHT", "100"}});
  auto b = start_instance(*reg, {{"ZT_DISCOVERY__WEIGHT", "200"}});
  auto c = start_instance(*reg, {{"ZT_DISCOVERY__WEIGHT", "700"}});
  ASSERT_TRUE(eventually([&] {
    auto r = as_staff_get(a->admin, "/discovery/services/system").body;
    return r.find("\"port\":" + std::to_string(b->port)) != std::string::npos &&
           r.find("\"port\":" + std::to_string(c->port)) != std::string::npos;
  }, 5s));
  // `a` calls the `system` service over the network (not itself in-process) 10,000 times.
  auto probe = http_request(a->admin, "POST", "/discovery/services/system/probe?calls=10000&local=false", "");
  ASSERT_EQ(probe.status, 200) << probe.body;
  EXPECT_EQ(count_of(probe.body, "ok"), 10000) << probe.body;
  long long total = 0;
  std::vector<std::pair<const Zhongtai*, double>> expected{{a.get(), 0.1}, {b.get(), 0.2}, {c.get(), 0.7}};
  if (GetParam() == "all") {
    // The registry process runs `system` too, with the default weight 100.
    expected = {{a.get(), 100.0 / 1100}, {b.get(), 200.0 / 1100}, {c.get(), 700.0 / 1100}, {reg.get(), 100.0 / 1100}};
  }
  for (const auto& [z, share] : expected) {
    const long long n = count_of(probe.body, instance_id(*z));
    total += n;
    EXPECT_NEAR(static_cast<double>(n), share * 10000, share * 10000 * 0.05) << instance_id(*z) << "\n" << probe.body;
  }
  EXPECT_EQ(total, 10000);

  // In-process when the service runs here: no network, no balancing.
  auto local = http_request(a->admin, "POST", "/discovery/services/system/probe?calls=3&local=true", "");
  EXPECT_EQ(count_of(local.body, "in-process"), 3) << local.body;
}

TEST_P(Registry, RetriesAndOutlierEjectionHideADeadInstanceFromIdempotentCalls) {
  auto reg = start_registry({{"ZT_REGISTRY__REMOVE_AFTER", "100"}, {"ZT_REGISTRY__UNHEALTHY_AFTER", "60"}});
  auto a = start_instance(*reg);
  auto b = start_instance(*reg);
  auto dead = start_instance(*reg);
  ASSERT_TRUE(eventually([&] {
    auto r = as_staff_get(a->admin, "/discovery/services/system").body;
    return r.find("\"port\":" + std::to_string(dead->port)) != std::string::npos &&
           r.find("\"port\":" + std::to_string(b->port)) != std::string::npos;
  }, 5s));
  dead->kill();  // still listed for a long while: the registry keeps it for 60 missed heartbeats
  auto probe = http_request(a->admin, "POST", "/discovery/services/system/probe?calls=60&local=false", "");
  ASSERT_EQ(probe.status, 200) << probe.body;
  EXPECT_EQ(count_of(probe.body, "ok"), 60) << "every GET retried elsewhere: " << probe.body;
  EXPECT_EQ(count_of(probe.body, instance_id(*dead)), -1) << "the dead one never answered";
  auto metrics = as_staff_get(a->admin, "/metrics").body;
  EXPECT_NE(metrics.find("zt_service_ejections_total{service=\"system\"} 1"), std::string::npos) << metrics;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(metrics, m, std::regex("zt_service_retries_total\\{service=\"system\"\\} (\\d+)")));
  EXPECT_GE(std::stoi(m[1]), 5) << "five consecutive failures before the ejection, each retried";
  EXPECT_LE(std::stoi(m[1]), 7) << "then the ejected instance is no longer tried";
}

TEST_P(Registry, CallerIdentityDeadlineAndTraceTravelSignedBetweenProcesses) {
  const Env secret{{"ZT_NODE__INTERNAL_SECRET", "cluster-key-1"}};
  auto reg = start_registry(secret);
  auto a = start_instance(*reg, secret);
  auto b = start_instance(*reg, secret);
  ASSERT_TRUE(eventually([&] {
    return as_staff_get(a->admin, "/discovery/services/system").body.find("\"port\":" + std::to_string(b->port)) != std::string::npos;
  }, 5s));
  auto probe = http_request(a->admin, "POST", "/discovery/services/system/probe?calls=1&local=false&path=/api/system/v1/whoami", "");
  ASSERT_EQ(probe.status, 200) << probe.body;
  EXPECT_NE(probe.body.find(R"(\"caller_kind\":\"service\")"), std::string::npos) << probe.body;
  EXPECT_NE(probe.body.find(R"(\"caller\":\"system\")"), std::string::npos) << probe.body;
  const long long deadline = count_of(std::regex_replace(probe.body, std::regex("\\\\\""), "\""), "deadline_ms");
  EXPECT_GT(deadline, 0);
  EXPECT_LE(deadline, 5000) << "the caller's 5 s call budget, not the callee's 30 s default";

  // In-process: the same identity, set directly.
  auto local = http_request(a->admin, "POST", "/discovery/services/system/probe?calls=1&local=true&path=/api/system/v1/whoami", "");
  EXPECT_NE(local.body.find(R"(\"caller\":\"system\")"), std::string::npos) << local.body;

  // Anyone else sending the header is refused, and so is a plain request: a process with no
  // gateway serves only our own calls. What a gateway forwards for an anonymous client is anonymous.
  auto forged = http_request(b->port, "GET", "/api/system/v1/whoami", "", {{"x-zt-identity", "v1.e30=.00"}});
  EXPECT_EQ(forged.status, 401);
  EXPECT_NE(forged.body.find("INTERNAL_IDENTITY_INVALID"), std::string::npos);
  auto plain = http_get(b->port, "/api/system/v1/whoami");
  EXPECT_EQ(plain.status, 401);
  EXPECT_NE(plain.body.find("INTERNAL_IDENTITY_REQUIRED"), std::string::npos) << plain.body;
  auto edge = forwarded(b->port, "GET", "/api/system/v1/whoami", "cluster-key-1");
  EXPECT_NE(edge.body.find("\"caller_kind\":\"anonymous\""), std::string::npos) << edge.body;
  // Signed with another deployment's key: refused.
  EXPECT_TRUE(refused(forwarded(b->port, "GET", "/api/system/v1/whoami", "another-deployment"), 401, "INTERNAL_IDENTITY_INVALID"));
  // A traceparent sent by the caller continues on the callee.
  auto traced = forwarded(b->port, "GET", "/api/system/v1/whoami", "cluster-key-1", "", {},
                          {{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}});
  EXPECT_NE(traced.body.find("4bf92f3577b34da6a3ce929d0e0e4736"), std::string::npos) << traced.body;
}

// ---- etcd HA: three members, two stateless registry nodes ----

// The member currently leading the etcd cluster.
int etcd_leader(const EtcdCluster& cluster) {
  for (int m = 0; m < cluster.size(); ++m) {
    try {
      auto st = http_request(cluster.port(m), "POST", "/v3/maintenance/status", "{}", {{"Content-Type", "application/json"}});
      std::smatch member, leader;
      if (st.status == 200 && std::regex_search(st.body, member, std::regex("\"member_id\":\"(\\d+)\"")) &&
          std::regex_search(st.body, leader, std::regex("\"leader\":\"(\\d+)\"")) && member[1] == leader[1])
        return m;
    } catch (...) {
    }
  }
  return -1;
}

std::string current_config(int registry_port) { return as_staff_get(registry_port, kConfig).body; }

TEST(RegistryEtcdCluster, TwoRegistryNodesStayConsistentAndLoseNothingWhenTheEtcdLeaderDies) {
  EtcdCluster etcd(3);
  // The leader first: both nodes talk to it and watch through it until it dies.
  int first = -1;
  ASSERT_TRUE(eventually([&] { return (first = etcd_leader(etcd)) >= 0; }, 10s));
  std::string endpoints = "127.0.0.1:" + std::to_string(etcd.port(first));
  for (int m = 0; m < etcd.size(); ++m)
    if (m != first) endpoints += ",127.0.0.1:" + std::to_string(etcd.port(m));
  const Env backend = with(kFastRegistry, etcd_env(endpoints, "/zt-ha/"));
  auto reg1 = std::make_unique<Zhongtai>(backend, "registry");
  auto reg2 = std::make_unique<Zhongtai>(backend, "registry");
  auto instance_of = [&](const Zhongtai& reg) {
    Env env = with(kFastRegistry, {{"ZT_DISCOVERY__REGISTRY", "127.0.0.1:" + std::to_string(reg.port)}});
    return std::make_unique<Zhongtai>(env, "system");
  };
  auto a = instance_of(*reg1);  // heartbeats through node 1
  auto b = instance_of(*reg2);  // through node 2
  auto both_list = [&](int port) {
    return lists(reg1->port, "system", port) && lists(reg2->port, "system", port);
  };
  ASSERT_TRUE(eventually([&] { return both_list(a->port) && both_list(b->port); }, 5s))
      << instances(reg1->port, "system") << "\n" << instances(reg2->port, "system");

  // A change through either node is served by both, and reaches instances following the other.
  ASSERT_EQ(as_staff(reg1->port, "PUT", kConfig, publish_body("ha-v1", 40)).status, 200);
  // The writing node answers once it serves the change; the other follows through its watch.
  EXPECT_NE(current_config(reg1->port).find("ha-v1"), std::string::npos) << "read-your-writes on the writing node";
  EXPECT_TRUE(eventually([&] { return current_config(reg2->port).find("ha-v1") != std::string::npos; }, 2s));
  EXPECT_TRUE(eventually([&] { return runs_rule(*b, "ha-v1") && runs_rule(*a, "ha-v1"); }, 5s));
  auto off = as_staff(reg2->port, "PATCH", "/api/registry/v1/services/system/instances/" + instance_id(*a),
                          R"({"weight": 7, "author": "ops-li"})");
  ASSERT_EQ(off.status, 200) << off.body;
  EXPECT_TRUE(eventually([&] { return instances(reg1->port, "system").find("\"weight\":7") != std::string::npos; }, 2s));

  // Both nodes publish at once: every change gets its own version, none is lost.
  {
    std::vector<std::future<HttpResponse>> pending;
    for (int i = 0; i < 10; ++i) {
      const int port = i % 2 == 0 ? reg1->port : reg2->port;
      pending.push_back(std::async(std::launch::async, [port, i] {
        return as_staff(port, "PUT", kConfig, publish_body("race-" + std::to_string(i), 10 + i));
      }));
    }
    std::set<long long> versions;
    for (auto& p : pending) {
      auto r = p.get();
      ASSERT_EQ(r.status, 200) << r.body;
      versions.insert(version_of(r.body));
    }
    EXPECT_EQ(versions.size(), 10u) << "distinct versions";
    EXPECT_EQ(*versions.begin(), 2);
    EXPECT_EQ(*versions.rbegin(), 11);
  }
  EXPECT_TRUE(eventually([&] {
    auto one = current_config(reg1->port);
    return one.find("\"version\":11") != std::string::npos && one == current_config(reg2->port);
  }, 2s)) << "both nodes serve the last version";

  // Kill the leader (the member both nodes talk to, unless a loaded machine made etcd elect another
  // meanwhile; then the nodes' own member stays, and the election is what is tested): the
  // survivors elect another and nothing is lost.
  const int leader = etcd_leader(etcd);
  ASSERT_GE(leader, 0);
  if (leader != first) std::cout << "etcd elected member " << leader << " before the test killed it (the nodes talk to " << first << ")\n";
  etcd.kill(leader);
  auto v12 = std::string();
  ASSERT_TRUE(eventually([&] {
    auto r = as_staff(reg2->port, "PUT", kConfig, publish_body("after-failover", 55));
    v12 = r.body;
    return r.status == 200;
  }, 10s, 200ms)) << v12;
  EXPECT_TRUE(eventually([&] { return current_config(reg1->port).find("after-failover") != std::string::npos; }, 5s));
  EXPECT_TRUE(eventually([&] { return runs_rule(*a, "after-failover") && runs_rule(*b, "after-failover"); }, 5s));
  // Instances kept their leases alive through the failover (heartbeats every 500 ms, unhealthy
  // after 1.5 s): still listed, and a new instance registered now shows on both nodes.
  std::this_thread::sleep_for(2s);
  EXPECT_TRUE(both_list(a->port) && both_list(b->port)) << instances(reg1->port, "system");
  auto c = instance_of(*reg2);
  EXPECT_TRUE(eventually([&] { return both_list(c->port); }, 5s));
  auto history = as_staff_get(reg1->port, kConfig + "/history?limit=100").body;
  for (int i = 0; i < 10; ++i)
    EXPECT_NE(history.find("id: race-" + std::to_string(i)), std::string::npos) << "version of race-" << i << " kept";
  EXPECT_EQ(as_auditor_get(reg1->port, "/api/registry/v1/audit?limit=100").body,
            as_auditor_get(reg2->port, "/api/registry/v1/audit?limit=100").body);
  EXPECT_NE(as_auditor_get(reg1->port, "/api/registry/v1/audit?limit=100").body.find("\"action\":\"instance.weight\""),
            std::string::npos);

  // A registry node restarted now catches up from etcd alone.
  reg1.reset();
  reg1 = std::make_unique<Zhongtai>(backend, "registry");
  EXPECT_EQ(current_config(reg1->port), current_config(reg2->port));
  EXPECT_TRUE(both_list(a->port) && both_list(c->port));
}

TEST(RegistryEtcdOutage, WritesAreRefusedClearlyAndReadsServedWhileEtcdIsDown) {
  EtcdCluster etcd(1);
  const Env backend = with(kFastRegistry, etcd_env(etcd.endpoints(), "/zt-outage/"));
  auto reg = std::make_unique<Zhongtai>(backend, "registry");
  ASSERT_EQ(as_staff(reg->port, "PUT", kConfig, publish_body("before", 10)).status, 200);
  etcd.kill(0);
  auto refused = as_staff(reg->port, "PUT", kConfig, publish_body("during", 20));
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("REGISTRY_STORE_UNAVAILABLE"), std::string::npos) << refused.body;
  EXPECT_NE(refused.body.find("注册中心存储暂不可用"), std::string::npos);
  auto served = as_staff_get(reg->port, kConfig);
  EXPECT_EQ(served.status, 200);
  EXPECT_NE(served.body.find("before"), std::string::npos) << "the last state is still served";
  etcd.restart(0);
  ASSERT_TRUE(eventually([&] { return as_staff(reg->port, "PUT", kConfig, publish_body("after", 30)).status == 200; }, 10s, 200ms));
  EXPECT_TRUE(eventually([&] { return current_config(reg->port).find("after") != std::string::npos; }, 5s))
      << "the watch resumed";
}

INSTANTIATE_TEST_SUITE_P(Modes, Registry, ::testing::Values("all", "registry", "etcd"), [](const auto& info) {
  return info.param == "all" ? "All" : info.param == "registry" ? "Split" : "Etcd";
});

}  // namespace
}  // namespace zt::test
