#include "harness/servers.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <stdexcept>

#include "harness/http.hpp"

namespace zt::test {

std::string postgres_bin(const std::string& program) {
  for (const char* v : {"17", "16", "15"}) {
    std::string p = fmt::format("/usr/lib/postgresql/{}/bin/{}", v, program);
    if (std::filesystem::exists(p)) return p;
  }
  throw std::runtime_error("PostgreSQL server programs are not installed (run scripts/install-deps)");
}

namespace {
bool is_root() { return ::geteuid() == 0; }
}  // namespace

PostgresServer::PostgresServer() : port_(free_port()) {
  // PostgreSQL refuses to run as root: run it as the postgres user when we are root.
  const std::string user = is_root() ? "postgres" : "";
  const std::string data = dir_.path() + "/data";
  if (is_root()) {
    run({"chown", "-R", "postgres:postgres", dir_.path()});
  }
  auto init = run({postgres_bin("initdb"), "-D", data, "-U", "zt", "--auth=trust", "-E", "UTF8", "--no-sync"}, {}, user);
  if (init.exit_code != 0) throw std::runtime_error("initdb failed: " + init.output);
  process_ = std::make_unique<Process>(ProcessOptions{
      {postgres_bin("postgres"), "-D", data, "-p", std::to_string(port_), "-k", dir_.path(), "-h", "127.0.0.1", "-c",
       "fsync=off", "-c", "max_connections=200"},
      {},
      dir_.path() + "/postgres.log",
      user,
      ""});
  bool up = eventually(
      [&] {
        return run({"psql", "-h", "127.0.0.1", "-p", std::to_string(port_), "-U", "zt", "-d", "postgres", "-c",
                    "SELECT 1"})
                   .exit_code == 0;
      },
      std::chrono::seconds(30), std::chrono::milliseconds(100));
  if (!up) throw std::runtime_error("PostgreSQL did not start: " + read_file(dir_.path() + "/postgres.log"));
  run({"psql", "-h", "127.0.0.1", "-p", std::to_string(port_), "-U", "zt", "-d", "postgres", "-c",
       "CREATE DATABASE zt"});
}

PostgresServer::~PostgresServer() {
  if (process_) process_->stop(SIGINT, std::chrono::seconds(10));
}

std::string PostgresServer::dsn() const {
  return fmt::format("host=127.0.0.1 port={} user=zt dbname=zt connect_timeout=5", port_);
}

EtcdServer::EtcdServer() : port_(free_port()) {
  int peer = free_port();
  process_ = std::make_unique<Process>(ProcessOptions{{"etcd", "--name", "zt-test", "--data-dir", dir_.path() + "/data",
                                                       "--listen-client-urls", endpoint(), "--advertise-client-urls",
                                                       endpoint(), "--listen-peer-urls",
                                                       fmt::format("http://127.0.0.1:{}", peer),
                                                       "--initial-advertise-peer-urls",
                                                       fmt::format("http://127.0.0.1:{}", peer), "--initial-cluster",
                                                       fmt::format("zt-test=http://127.0.0.1:{}", peer)},
                                                      {{"ETCD_UNSUPPORTED_ARCH", "arm64"}},
                                                      dir_.path() + "/etcd.log",
                                                      "",
                                                      ""});
  bool up = eventually(
      [&] {
        try {
          return http_get(port_, "/health").status == 200;
        } catch (...) {
          return false;
        }
      },
      std::chrono::seconds(30), std::chrono::milliseconds(100));
  if (!up) throw std::runtime_error("etcd did not start: " + read_file(dir_.path() + "/etcd.log"));
}

PostgresServer& shared_postgres() {
  static auto* server = new PostgresServer();
  static struct Stop {
    ~Stop() { delete server; }
  } stop;
  return *server;
}

EtcdCluster::EtcdCluster(int members) {
  for (int i = 0; i < members; ++i) {
    ports_.push_back(free_port());
    peers_.push_back(free_port());
    processes_.emplace_back();
  }
  for (int i = 0; i < members; ++i) start(i, false);
  for (int i = 0; i < members; ++i) {
    bool up = eventually([&] { return healthy(i); }, std::chrono::seconds(30), std::chrono::milliseconds(100));
    if (!up) throw std::runtime_error("etcd member did not start: " + processes_[static_cast<std::size_t>(i)]->log_text());
  }
}

EtcdCluster::~EtcdCluster() = default;

std::string EtcdCluster::endpoints() const {
  std::string out;
  for (int p : ports_) out += (out.empty() ? "" : ",") + fmt::format("127.0.0.1:{}", p);
  return out;
}

bool EtcdCluster::healthy(int member) const {
  try {
    return http_get(port(member), "/health").status == 200;
  } catch (...) {
    return false;
  }
}

void EtcdCluster::start(int member, bool wait) {
  const auto i = static_cast<std::size_t>(member);
  std::string initial;
  for (std::size_t m = 0; m < peers_.size(); ++m)
    initial += fmt::format("{}m{}=http://127.0.0.1:{}", initial.empty() ? "" : ",", m, peers_[m]);
  const std::string client = fmt::format("http://127.0.0.1:{}", ports_[i]);
  const std::string peer = fmt::format("http://127.0.0.1:{}", peers_[i]);
  processes_[i] = std::make_unique<Process>(ProcessOptions{
      {"etcd", "--name", fmt::format("m{}", i), "--data-dir", fmt::format("{}/m{}", dir_.path(), i),
       "--listen-client-urls", client, "--advertise-client-urls", client, "--listen-peer-urls", peer,
       "--initial-advertise-peer-urls", peer, "--initial-cluster", initial, "--initial-cluster-state", "new",
       "--initial-cluster-token", "zt-test", "--heartbeat-interval", "50", "--election-timeout", "500"},
      {{"ETCD_UNSUPPORTED_ARCH", "arm64"}},
      fmt::format("{}/m{}.log", dir_.path(), i),
      "",
      ""});
  if (wait && !eventually([&] { return healthy(member); }, std::chrono::seconds(30), std::chrono::milliseconds(100)))
    throw std::runtime_error("etcd member did not restart: " + processes_[i]->log_text());
}

void EtcdCluster::kill(int member) { processes_.at(static_cast<std::size_t>(member))->stop(SIGKILL); }

void EtcdCluster::restart(int member) { start(member, true); }

RedisServer::RedisServer() : port_(free_port()) {
  process_ = std::make_unique<Process>(ProcessOptions{{"redis-server", "--port", std::to_string(port_), "--bind",
                                                       "127.0.0.1", "--dir", dir_.path(), "--save", "",
                                                       "--appendonly", "no"},
                                                      {},
                                                      dir_.path() + "/redis.log",
                                                      "",
                                                      ""});
  bool up = eventually(
      [&] {
        try {
          RawConnection c("127.0.0.1", port_);
          c.send("PING\r\n");
          return true;
        } catch (...) {
          return false;
        }
      },
      std::chrono::seconds(20), std::chrono::milliseconds(50));
  if (!up) throw std::runtime_error("redis did not start");
}

}  // namespace zt::test
