// The gateway under load on the real binaries, split: a gateway in front of two system instances
// found through a registry node. Routes reloaded every 100 ms for 20 s fail no request; an
// instance killed mid-load is ejected, idempotent requests retried on the other within the retry
// budget, and it takes traffic again once it is back.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "harness/http.hpp"
#include "harness/process.hpp"
#include "harness/zhongtai.hpp"

namespace zt::test {
namespace {

using namespace std::chrono_literals;

// Client threads sending GET requests over keep-alive connections until stopped, counting
// answers by status and by the node that served them.
class Load {
 public:
  Load(int port, std::string path, int threads) : port_(port), path_(std::move(path)) {
    for (int t = 0; t < threads; ++t) threads_.emplace_back([this] { run(); });
  }
  ~Load() { stop(); }
  void stop() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  std::map<int, int> statuses() const {
    std::lock_guard lock(mutex_);
    return statuses_;
  }
  std::map<std::string, int> nodes() const {
    std::lock_guard lock(mutex_);
    return nodes_;
  }
  int total() const {
    int n = 0;
    for (auto& [s, c] : statuses()) n += c;
    return n;
  }
  int failed() const {
    int n = 0;
    for (auto& [s, c] : statuses())
      if (s != 200) n += c;
    return n;
  }
  std::string sample_failure() const {
    std::lock_guard lock(mutex_);
    return sample_;
  }

 private:
  void run() {
    std::unique_ptr<RawConnection> c;
    const std::string req = "GET " + path_ + " HTTP/1.1\r\nHost: t\r\n\r\n";
    static const std::regex node_re("\"node\":\"([^\"]*)\"");
    while (!stop_) {
      std::optional<HttpResponse> r;
      try {
        if (!c) c = std::make_unique<RawConnection>("127.0.0.1", port_);
        if (c->send(req)) r = c->read_response(30s);
      } catch (...) {
      }
      std::lock_guard lock(mutex_);
      if (!r) {
        statuses_[0]++;  // no answer at all: a dropped connection counts as a failure
        c.reset();
        continue;
      }
      statuses_[r->status]++;
      if (r->status != 200 && sample_.empty()) sample_ = std::to_string(r->status) + " " + r->body;
      std::smatch m;
      if (std::regex_search(r->body, m, node_re)) nodes_[m[1]]++;
      if (r->closed) c.reset();
    }
  }
  int port_;
  std::string path_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::map<int, int> statuses_;
  std::map<std::string, int> nodes_;
  std::string sample_;
  std::vector<std::thread> threads_;
};

std::string routes(int generation) {
  // Two shapes of the table, both carrying the load's path: the reload swaps real differences.
  std::string out = "gateway.routes: |\n  routes:\n";
  if (generation % 2) out += "    - {id: spare, path: /api/spare/, service: system}\n";
  out += "    - {id: whoami-" + std::to_string(generation % 2) +
         ", path: /api/system/v1/whoami, match: exact, methods: [GET], service: system, timeout_ms: 5000}\n";
  out += "    - {id: system, path: /api/system/, service: system}\n";
  return out;
}

struct Cluster {
  Zhongtai reg{{{"ZT_NODE__INTERNAL_SECRET", "gateway-load-suite"}}, "registry"};
  Env to_registry{{"ZT_DISCOVERY__REGISTRY", "127.0.0.1:" + std::to_string(reg.port)}, {"ZT_NODE__INTERNAL_SECRET", "gateway-load-suite"}};
  std::unique_ptr<Zhongtai> a, b;
  std::unique_ptr<Zhongtai> gateway;
  Env named(const std::string& name) {
    Env e = to_registry;
    e["ZT_NODE__NAME"] = name;
    return e;
  }
  Cluster() {
    a = std::make_unique<Zhongtai>(named("sys-a"), "system");
    b = std::make_unique<Zhongtai>(named("sys-b"), "system");
    gateway = std::make_unique<Zhongtai>(named("gw"), "gateway");
    // Both instances serving through the gateway before the load starts.
    EXPECT_TRUE(eventually([&] {
      std::set<std::string> seen;
      for (int i = 0; i < 20; ++i) {
        auto r = http_get(gateway->port, "/api/system/v1/whoami");
        std::smatch m;
        if (r.status == 200 && std::regex_search(r.body, m, std::regex("\"node\":\"([^\"]*)\""))) seen.insert(m[1]);
      }
      return seen.size() == 2;
    }, 15s));
  }
};

TEST(GatewayLoad, RoutesReloadedEvery100msFailNoRequest) {
  Cluster c;
  Load load(c.gateway->port, "/api/system/v1/whoami", 4);
  // A hundred reloads, 100 ms apart (longer when publishing itself is slow on a loaded machine).
  int published = 0;
  const auto until = std::chrono::steady_clock::now() + 90s;
  while (published < 100 && std::chrono::steady_clock::now() < until) {
    auto r = publish_dynamic(c.reg.port, routes(published), "reload " + std::to_string(published), "gateway-load-suite");
    ASSERT_EQ(r.status, 200) << r.body;
    ++published;
    std::this_thread::sleep_for(100ms);
  }
  load.stop();
  EXPECT_EQ(published, 100);
  EXPECT_GT(load.total(), 500) << "the load ran";
  EXPECT_EQ(load.failed(), 0) << "statuses " << ::testing::PrintToString(load.statuses()) << "; first failure: "
                              << load.sample_failure();
  // The gateway did apply the reloads (its routed counter names the alternating route ids).
  auto metrics = http_get(c.gateway->admin, "/metrics").body;
  EXPECT_NE(metrics.find("zt_gateway_routed_total{route=\"whoami-0\"}"), std::string::npos);
  EXPECT_NE(metrics.find("zt_gateway_routed_total{route=\"whoami-1\"}"), std::string::npos);
}

TEST(GatewayLoad, AKilledInstanceIsEjectedAndComesBack) {
  Cluster c;
  const int b_port = c.b->port, b_admin = c.b->admin;
  Load load(c.gateway->port, "/api/system/v1/whoami", 4);
  std::this_thread::sleep_for(2s);
  const auto before = load.nodes();
  EXPECT_GT(before.count("sys-b") ? before.at("sys-b") : 0, 0) << "b took its share before";
  c.b->kill();  // no deregistration: the gateway finds out by failing calls
  std::this_thread::sleep_for(3s);
  const int total_at_kill = load.total();
  // Once b is ejected, no call meets it: the retries that calls meeting it would need stop, and a
  // answers everything. (A dead process answers nothing anyway: the retries are what shows it.)
  const auto retries = [&] {
    std::smatch r;
    const std::string text = http_get(c.gateway->admin, "/metrics").body;
    return std::regex_search(text, r, std::regex("zt_service_retries_total\\{service=\"system\"\\} (\\d+)")) ? std::stol(r[1]) : -1L;
  };
  const long retries_during = retries();
  const auto during = load.nodes();
  std::this_thread::sleep_for(2s);
  const auto after_eject = load.nodes();
  EXPECT_GE(retries_during, 1) << "calls met the dead instance before it was ejected";
  EXPECT_EQ(retries(), retries_during) << "the ejected instance is left out of balancing";
  EXPECT_GT(after_eject.at("sys-a"), during.at("sys-a") + 10) << "a answers while b is out";
  auto metrics = http_get(c.gateway->admin, "/metrics").body;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(metrics, m, std::regex("zt_service_ejections_total\\{service=\"system\"\\} (\\d+)"))) << metrics;
  EXPECT_GE(std::stoi(m[1]), 1) << "b was ejected";
  // GET is idempotent: calls that met the dead instance were retried on the other one; what
  // failed is bounded by the retry budget (20 % of calls + 10/s), far below it in practice.
  EXPECT_LE(load.failed(), total_at_kill / 100 + 1)
      << "statuses " << ::testing::PrintToString(load.statuses()) << "; first failure: " << load.sample_failure();

  // b comes back on the same address: it registers again and takes traffic once its ejection ends.
  Env env = c.named("sys-b");
  env["ZT_SERVER__PORT"] = std::to_string(b_port);
  env["ZT_ADMIN__PORT"] = std::to_string(b_admin);
  c.b = std::make_unique<Zhongtai>(env, "system");
  const int b_before = load.nodes().at("sys-b");
  EXPECT_TRUE(eventually([&] { return load.nodes().at("sys-b") > b_before + 50; }, 40s, 500ms))
      << ::testing::PrintToString(load.nodes());
  load.stop();
  EXPECT_LE(load.failed(), load.total() / 100 + 1) << ::testing::PrintToString(load.statuses());
}

}  // namespace
}  // namespace zt::test
