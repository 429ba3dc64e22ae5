#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <memory>

#include "harness/http.hpp"
#include "harness/process.hpp"

namespace zt::test {
namespace {

TEST(Cli, VersionPrintsTheVersion) {
  auto r = run({ZT_BINARY, "version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("zhongtai "), std::string::npos);
}

TEST(Cli, TargetsPrintsTheGraphWithAll) {
  auto r = run({ZT_BINARY, "targets"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("system"), std::string::npos);
  EXPECT_NE(r.output.find("needs: server"), std::string::npos);
  EXPECT_NE(r.output.find("all"), std::string::npos);
}

TEST(Cli, ConfigCheckNamesAMisspeltKeyAndItsLine) {
  TempDir dir;
  std::string file = dir.path() + "/bad.yaml";
  write_file(file, "server:\n  port: 8080\n  max_body_bytez: 10\n");
  auto r = run({ZT_BINARY, "config", "check", file});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find(file + ":3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("server.max_body_bytez"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("max_body_bytes"), std::string::npos) << "suggests the right key: " << r.output;
}

TEST(Cli, ConfigCheckAcceptsAValidFile) {
  TempDir dir;
  std::string file = dir.path() + "/good.yaml";
  write_file(file, "server:\n  port: 8080\nlog:\n  level: debug\n");
  auto r = run({ZT_BINARY, "config", "check", file});
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(Cli, UnknownTargetListsTheValidOnes) {
  auto r = run({ZT_BINARY, "serve", "--target", "nosuch"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("unknown target 'nosuch'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("valid targets: all, admin, resilience, tracing, server, discovery, registry, observer, span_export, system"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace zt::test

namespace zt::test {
namespace {

TEST(Cli, AFailingMigrationStopsStartUpNamingTheFile) {
  TempDir dir;
  std::string data = dir.path() + "/data";
  std::filesystem::create_directories(data);
  // A table of that name already exists, with another shape: migration 0001 must fail.
  auto pre = run({"sqlite3", data + "/system.db", "CREATE TABLE system_events (x INTEGER);"});
  ASSERT_EQ(pre.exit_code, 0) << pre.output;
  auto r = run({ZT_BINARY, "serve"}, {{"ZT_NODE__DATA_DIR", data}, {"ZT_SERVER__PORT", "0"}, {"ZT_ADMIN__PORT", "0"}});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("migration 0001_system_events.sql failed"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("already exists"), std::string::npos) << r.output;
  auto after = run({"sqlite3", data + "/system.db", "SELECT count(*) FROM sqlite_master WHERE name = 'system_events_at';"});
  EXPECT_EQ(after.output, "0\n") << "nothing of the failed migration remains";
}

// A new user's first start: `zhongtai serve` in an empty directory makes its data directory and
// the folders of its files (databases, keys, the access log) and serves.
TEST(Cli, ServeStartsInAnEmptyDirectoryAndMakesItsDataDirectory) {
  TempDir dir;
  const std::string data = dir.path() + "/data";
  ASSERT_FALSE(std::filesystem::exists(data));
  std::unique_ptr<Process> z;
  int port = 0;
  for (int attempt = 0; attempt < 3 && !z; ++attempt) {  // a port taken meanwhile by another program
    port = free_port();
    const int admin = free_port();
    auto p = std::make_unique<Process>(ProcessOptions{
        {ZT_BINARY, "serve"},
        // The shipped config's access log (config/zhongtai.yaml: data/access.log), one folder deeper.
        {{"ZT_SERVER__PORT", std::to_string(port)},
         {"ZT_ADMIN__PORT", std::to_string(admin)},
         {"ZT_SERVER__ACCESS_LOG", "data/logs/access.log"}},
        dir.path() + "/zhongtai-" + std::to_string(attempt) + ".log", "", dir.path()});
    const bool ready = eventually(
        [&] {
          if (!p->running()) return true;
          try {
            auto r = http_get(admin, "/readyz");
            return r.status == 200 && r.body.find("\"pid\":" + std::to_string(p->pid()) + "}") != std::string::npos;
          } catch (...) {
            return false;
          }
        },
        std::chrono::seconds(60));
    if (ready && p->running()) {
      z = std::move(p);
    } else {
      const std::string log = p->log_text();
      ASSERT_NE(log.find("cannot listen on"), std::string::npos) << "did not start in an empty directory:\n" << log;
    }
  }
  ASSERT_TRUE(z) << "no free port in three attempts";
  EXPECT_TRUE(std::filesystem::is_directory(data));
  EXPECT_EQ(http_get(port, "/api/mall/v1/products").status, 200);
  EXPECT_TRUE(eventually(
      [&] {
        std::error_code ec;
        const auto size = std::filesystem::file_size(data + "/logs/access.log", ec);
        return !ec && size > 0;
      },
      std::chrono::seconds(10)))
      << "the request is in the access log, under the data directory it made";
  EXPECT_EQ(z->stop(SIGTERM), 0) << z->log_text();
}

TEST(Cli, ConfigErrorsStopServeWithExitCode2) {
  auto r = run({ZT_BINARY, "serve"}, {{"ZT_SERVER__PORT", "not-a-port"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("ZT_SERVER__PORT"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace zt::test
