#pragma once
// The real zhongtai binary on free ports, for functional tests: started with a data directory
// (its own temp dir, or a given one to survive restarts), ready when /readyz answers 200, stopped
// with SIGTERM; a non-zero exit (a sanitizer report, say) fails the test and keeps the log.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "harness/http.hpp"
#include "harness/log_audit.hpp"
#include "harness/process.hpp"
#include "harness/tokens.hpp"

namespace zt::test {

using Env = std::map<std::string, std::string>;

class Zhongtai {
 public:
  // data_root: where data/ and the log go; empty for a fresh temp directory.
  explicit Zhongtai(Env extra_env = {}, const std::string& target = "all", const std::string& data_root = "")
      : root_(data_root.empty() ? own_.path() : data_root), port(free_port()), admin(free_port()) {
    // A caller may pin the ports (a restart on the same address).
    const bool pinned = extra_env.contains("ZT_SERVER__PORT") || extra_env.contains("ZT_ADMIN__PORT");
    for (int attempt = 1;; ++attempt) {
      const std::size_t log_before = process ? process->log_text().size() : 0;  // the log is appended to
      if (start(extra_env, target)) return;
      // Another test program took one of the free ports first (they are free when picked, not
      // reserved): new ports, a new start. Anything else is the process's own failure.
      std::string log = process->log_text();
      log.erase(0, std::min(log_before, log.size()));
      if (pinned || attempt == 3 || log.find("cannot listen on") == std::string::npos) {
        own_.keep();
        throw std::runtime_error("zhongtai did not become ready; log: " + log);
      }
      port = free_port();
      admin = free_port();
    }
  }
  // Ends the process abruptly (a crash, an OOM kill): no deregistration, no drain.
  void kill() {
    process->stop(SIGKILL);
    log_audit::archive_log(process->log_file());
    killed_ = true;
  }
  ~Zhongtai() {
    if (killed_) return;
    int code = process->stop(SIGTERM);
    log_audit::archive_log(process->log_file());
    if (code != 0 || ::testing::Test::HasFailure()) {
      own_.keep();
      std::cerr << "zhongtai exited with " << code << "; log kept in " << root_ << ":\n" << process->log_text() << "\n";
    }
    EXPECT_EQ(code, 0) << "clean shutdown, no sanitizer report";
  }
  // Where data/ and the log are: a restart on the same root finds the same data.
  const std::string& root() const { return root_; }
  // Leaves the data directory in place when this object goes (a restart takes it over).
  void keep_data() { own_.keep(); }
  Zhongtai(const Zhongtai&) = delete;
  Zhongtai& operator=(const Zhongtai&) = delete;

 private:
  // One start on `port` and `admin`: true when ready.
  bool start(const Env& extra_env, const std::string& target) {
    if (auto it = extra_env.find("ZT_SERVER__PORT"); it != extra_env.end()) port = std::stoi(it->second);
    if (auto it = extra_env.find("ZT_ADMIN__PORT"); it != extra_env.end()) admin = std::stoi(it->second);
    Env env{{"ZT_SERVER__PORT", std::to_string(port)},
            {"ZT_SERVER__HOST", "127.0.0.1"},
            {"ZT_ADMIN__PORT", std::to_string(admin)},
            {"ZT_NODE__DATA_DIR", root_ + "/data"},
            {"ZT_RUNTIME__IO_THREADS", "2"},
            // Suites set up the products they assert on; the sandbox's demo products are asked
            // for by the suite that tests them.
            {"ZT_MALL__DEMO_PRODUCTS", "false"}};
    if (!extra_env.contains("ZT_GATEWAY__JWT_KEYS_FILE")) {
      // The harness's staff key (harness/tokens.hpp), so a test may act as staff.
      const std::string keys = root_ + "/harness-keys.json";
      std::ofstream(keys) << keys_file_json();
      env["ZT_GATEWAY__JWT_KEYS_FILE"] = keys;
    }
    if (!extra_env.contains("ZT_ADMIN__TOKEN")) env["ZT_ADMIN__TOKEN"] = kHarnessAdminToken;
    for (const auto& [k, v] : extra_env) env[k] = v;
    remember_admin_port(admin, env["ZT_ADMIN__TOKEN"]);
    this->env = env;
    process = std::make_unique<Process>(
        ProcessOptions{{ZT_BINARY, "serve", "--target", target}, env, root_ + "/zhongtai.log", "", root_});
    const bool ready = eventually(
        [&] {
          if (!process->running()) return true;  // it ended: no point waiting (the caller says why)
          try {
            // Ours, not another program's server on a port it took first: the answer names our pid.
            auto r = http_get(admin, "/readyz");
            return r.status == 200 && r.body.find("\"pid\":" + std::to_string(process->pid()) + "}") != std::string::npos;
          } catch (...) {
            return false;
          }
        },
        std::chrono::seconds(60));  // generous: under a loaded CI machine an ASan start can be slow
    return ready && process->running();
  }

  TempDir own_{"zt-func"};
  std::string root_;
  bool killed_ = false;

 public:
  int port = 0;
  int admin = 0;
  Env env;  // what it runs with: a command run with it (`zhongtai admin …`) sees the same data
  std::unique_ptr<Process> process;
};

// A request straight at a split process, as a gateway forwards it for an outside caller (anonymous
// by default): what a process without a gateway serves. `master`: the deployment's
// node.internal_secret.
inline HttpResponse forwarded(int port, const std::string& method, const std::string& target, const std::string& master,
                              const std::string& body = "", const core::http::Caller& caller = {},
                              std::map<std::string, std::string> extra = {}) {
  for (auto& [k, v] : edge_headers(caller, method, target, master, body)) extra[k] = v;
  return http_request(port, method, target, body, extra);
}

inline core::http::Caller staff_caller(const std::vector<std::string>& permissions) {
  return {core::http::CallerKind::kStaff, "S-harness", {"operations"}, "sess-S-harness", permissions};
}

}  // namespace zt::test
