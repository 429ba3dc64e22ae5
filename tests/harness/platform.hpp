#pragma once
// The platform the business suites run against, in either run mode (DESIGN §2):
//   all   — one process, `--target all`, SQLite, the in-process registry;
//   split — registry (etcd backend), observer, notify, auth, counter, suitability, calendar, mall, system and the
//           gateway as separate processes on loopback, against PostgreSQL (one schema per
//           service), etcd and Redis started here — what deploy/local/ runs by hand.
// The same tests drive both through the gateway's public port.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "harness/http.hpp"
#include "harness/servers.hpp"
#include "harness/zhongtai.hpp"

namespace zt::test {

enum class Mode { kAll, kSplit };

inline std::string mode_name(const ::testing::TestParamInfo<Mode>& info) {
  return info.param == Mode::kAll ? "all" : "split";
}

class Platform {
 public:
  // The targets split mode starts, in order (the gateway last).
  static const std::vector<std::string>& split_targets() {
    static const std::vector<std::string> t{"observer", "notify", "auth", "counter", "suitability", "calendar", "mall", "system", "gateway"};
    return t;
  }

  explicit Platform(Mode mode, const Env& extra = {}) : mode_(mode) {
    if (mode == Mode::kAll) {
      processes_.push_back(std::make_unique<Zhongtai>(extra));
      return;
    }
    pg_ = std::make_unique<PostgresServer>();
    etcd_ = std::make_unique<EtcdServer>();
    redis_ = std::make_unique<RedisServer>();
    // As production runs: a deployment master kept out of every process, and each process only
    // its own services' key file (`zhongtai keys derive`), so one cannot sign as another.
    write_file(keys_dir_.path() + "/master", master() + "\n");
    Env common = extra;
    common["ZT_STORAGE__DRIVER"] = "postgres";
    common["ZT_STORAGE__POSTGRES_DSN"] = pg_->dsn();
    common["ZT_RESILIENCE__REDIS_HOST"] = "127.0.0.1";
    common["ZT_RESILIENCE__REDIS_PORT"] = std::to_string(redis_->port());
    Env registry = common;
    registry["ZT_NODE__SERVICE_KEYS"] = key_file("registry");
    registry["ZT_REGISTRY__BACKEND"] = "etcd";
    registry["ZT_REGISTRY__ETCD_ENDPOINTS"] = "127.0.0.1:" + std::to_string(etcd_->port());
    registry["ZT_REGISTRY__ETCD_PREFIX"] = "/zt-platform/";
    processes_.push_back(std::make_unique<Zhongtai>(registry, "registry"));
    common["ZT_DISCOVERY__REGISTRY"] = "127.0.0.1:" + std::to_string(processes_.front()->port);
    for (const auto& target : split_targets()) {
      Env own = common;
      own["ZT_NODE__SERVICE_KEYS"] = key_file(target);
      processes_.push_back(std::make_unique<Zhongtai>(own, target));
    }
    // Ready when the gateway reaches every service by name.
    const bool reached = eventually(
        [&] {
          for (const char* path :
               {"/api/suitability/v1/questionnaire", "/api/mall/v1/products", "/api/calendar/v1/years/2026", "/api/system/v1/ping"})
            if (http_get(port(), path).status != 200) return false;
          return true;
        },
        std::chrono::seconds(30));
    if (!reached) throw std::runtime_error("the split platform's gateway does not reach its services");
  }

  // The platform a suite's cases share (CTest runs one process per suite and mode:
  // cmake/gtest_suites.cmake), started on first use. A call with another mode or other settings
  // stops it and starts anew. For cases that leave nothing behind another case could trip on:
  // each uses its own customers and pins the clock it needs; a case that stops a process or
  // changes a setting for good builds its own Platform.
  // It stops when the test program's tests have run (SharedPlatformTearDown below), while a
  // process that does not stop cleanly still fails the run.
  static Platform& shared(Mode mode, const Env& extra = {}) {
    auto& slot = shared_slot();
    if (!slot.platform || slot.platform->mode() != mode || slot.settings != extra) {
      slot.platform.reset();
      slot.platform = std::make_unique<Platform>(mode, extra);
      slot.settings = extra;
    }
    return *slot.platform;
  }
  static void reset_shared() { shared_slot().platform.reset(); }

  Mode mode() const { return mode_; }
  // The deployment master the split layout's key files come from (tests sign as a gateway or a
  // service with it); in `all` mode no calls cross a process.
  static std::string master() { return "platform-split-master-0123456789abcdef"; }
  // The key file `zhongtai keys derive` made for a service of the split layout.
  std::string key_file(const std::string& service) {
    const std::string path = keys_dir_.path() + "/" + service + ".keys";
    if (!std::filesystem::exists(path)) {
      auto r = run({ZT_BINARY, "keys", "derive", "--master", keys_dir_.path() + "/master", "-s", service, "-o", path});
      if (r.exit_code != 0) throw std::runtime_error("zhongtai keys derive -s " + service + " failed: " + r.output);
    }
    return path;
  }
  // The split process running a target (nullptr in `all` mode or for another target).
  Zhongtai* process_of(const std::string& target) {
    if (mode_ == Mode::kAll) return nullptr;
    if (target == "registry") return processes_.front().get();
    const auto& t = split_targets();
    for (std::size_t i = 0; i < t.size(); ++i)
      if (t[i] == target) return processes_[i + 1].get();
    return nullptr;
  }
  // The process serving a target: the one process in `all` mode, its own process when split.
  Zhongtai& serving(const std::string& target) {
    if (mode_ == Mode::kAll) return *processes_.front();
    if (Zhongtai* z = process_of(target)) return *z;
    throw std::invalid_argument("no split process runs " + target);
  }
  // Split only: stops a target's process abruptly (as a crash would) and starts it again on the
  // same ports and data, as an orchestrator restarts a failed container. Returns once it is ready.
  // If the new process does not become ready, this throws and the old one stays in its slot
  // (killed), so the platform still stops cleanly.
  void restart(const std::string& target) {
    Zhongtai* old = process_of(target);
    if (!old || target == "registry") throw std::invalid_argument("restart needs a split service target: " + target);
    const Env env = old->env;
    const std::string root = old->root();
    old->keep_data();
    old->kill();
    restarted_roots_.push_back(root);
    auto fresh = std::make_unique<Zhongtai>(env, target, root);  // the old one's ports are free
    for (auto& p : processes_)
      if (p.get() == old) p = std::move(fresh);
  }
  ~Platform() {
    processes_.clear();
    if (::testing::Test::HasFailure()) return;  // kept, with their logs, for whoever looks into it
    std::error_code ignored;
    for (const auto& root : restarted_roots_) std::filesystem::remove_all(root, ignored);
  }
  // How many processes acknowledge a config version (every one but the registry).
  std::size_t followers() const { return mode_ == Mode::kAll ? 1 : processes_.size() - 1; }
  Platform(const Platform&) = delete;
  Platform& operator=(const Platform&) = delete;

  // The public port: the single process, or the split gateway.
  int port() const { return processes_.back()->port; }
  Zhongtai& gateway() { return *processes_.back(); }

  // Pins the business clock (sandbox.clock) everywhere and waits until every process has it.
  void pin_clock(const std::string& instant) { apply_sandbox_settings("sandbox.clock: \"" + instant + "\"\n"); }

  // Publishes `content` as sandbox.yaml (sandbox.clock, <vendor>.sandbox_faults …) and waits until
  // every process has applied it.
  void apply_sandbox_settings(const std::string& content) {
    auto put = publish_dynamic(port(), content);
    ASSERT_EQ(put.status, 200) << put.body;
    // Acknowledged by content: publishing what is already in force makes a new version with the
    // same content, which the processes have nothing to apply for.
    const auto published = boost::json::parse(put.body);
    const auto version = published.at("version").as_int64();
    const std::string md5(published.at("md5").as_string());
    const std::size_t followers = this->followers();
    std::string seen;
    ASSERT_TRUE(eventually(
        [&] {
          auto acks = http_request(port(), "GET", "/api/registry/v1/configs/public/zhongtai/sandbox.yaml/acks", "",
                                   staff_headers());
          seen = acks.body;
          if (acks.status != 200) return false;
          std::size_t applied = 0;
          const auto parsed = boost::json::parse(acks.body);
          for (const auto& a : parsed.at("items").as_array())
            if (a.at("md5").as_string() == md5 && a.at("applied").as_bool()) ++applied;
          return applied >= followers;
        },
        std::chrono::seconds(20)))
        << "not every process applied " << content << " (version " << version << "): " << seen;
  }

 private:
  Mode mode_;
  TempDir keys_dir_{"zt-keys"};
  std::unique_ptr<PostgresServer> pg_;
  std::unique_ptr<EtcdServer> etcd_;
  std::unique_ptr<RedisServer> redis_;
  std::vector<std::unique_ptr<Zhongtai>> processes_;  // the registry first and the gateway last when split
  std::vector<std::string> restarted_roots_;           // data kept across a restart, removed at the end

  struct SharedSlot {
    std::unique_ptr<Platform> platform;
    Env settings;
  };
  static SharedSlot& shared_slot() {
    static SharedSlot slot;
    return slot;
  }
};

// Stops the shared platform after the last test, inside the test run: a process that exits badly
// (a sanitizer report) fails the run, which a static destroyed after it could not.
class SharedPlatformTearDown : public ::testing::Environment {
 public:
  void TearDown() override { Platform::reset_shared(); }
};
inline ::testing::Environment* const kSharedPlatformTearDown = ::testing::AddGlobalTestEnvironment(new SharedPlatformTearDown);

}  // namespace zt::test
