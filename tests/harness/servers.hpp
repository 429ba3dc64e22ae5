#pragma once
// Real PostgreSQL, etcd and Redis servers on loopback in temp directories, for any test that
// needs them. Each starts in its constructor, waits until it answers, and stops in its destructor.
#include <memory>
#include <string>
#include <vector>

#include "harness/process.hpp"

namespace zt::test {

class PostgresServer {
 public:
  PostgresServer();
  ~PostgresServer();
  int port() const { return port_; }
  // libpq connection string for the test database.
  std::string dsn() const;

 private:
  TempDir dir_{"zt-pg"};
  int port_;
  std::unique_ptr<Process> process_;
};

class EtcdServer {
 public:
  EtcdServer();
  int port() const { return port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  TempDir dir_{"zt-etcd"};
  int port_;
  std::unique_ptr<Process> process_;
};

// One PostgreSQL for a whole test binary, started on first use and stopped at exit; tests keep
// apart by schema.
PostgresServer& shared_postgres();

// Several etcd members forming one cluster on loopback; any member can be killed and restarted.
class EtcdCluster {
 public:
  explicit EtcdCluster(int members = 3);
  ~EtcdCluster();
  int size() const { return static_cast<int>(ports_.size()); }
  int port(int member) const { return ports_.at(static_cast<std::size_t>(member)); }
  // "127.0.0.1:p1,127.0.0.1:p2,…" — every member's client address.
  std::string endpoints() const;
  void kill(int member);      // SIGKILL
  void restart(int member);   // starts a killed member again on its data directory
  bool healthy(int member) const;

 private:
  void start(int member, bool wait);
  TempDir dir_{"zt-etcd-cluster"};
  std::vector<int> ports_;
  std::vector<int> peers_;
  std::vector<std::unique_ptr<Process>> processes_;
};

class RedisServer {
 public:
  RedisServer();
  int port() const { return port_; }

 private:
  TempDir dir_{"zt-redis"};
  int port_;
  std::unique_ptr<Process> process_;
};

// Where Debian installs PostgreSQL's server programs.
std::string postgres_bin(const std::string& program);

}  // namespace zt::test
