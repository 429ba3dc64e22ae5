#pragma once
// Stand-ins for what a test needs on the other side of the binary: a small HTTP/1.1 server
// (keep-alive, Content-Length bodies) answering from a function on its own threads, bound to an
// ephemeral loopback port; and an instance kept registered in the registry by heartbeats.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace zt::test {

struct FakeRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

struct FakeReply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // more response headers
};

class FakeServer {
 public:
  explicit FakeServer(std::function<FakeReply(const FakeRequest&)> handler);
  ~FakeServer();
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  int port() const { return port_; }
  std::size_t requests() const { return requests_.load(); }

 private:
  void accept_loop();
  void serve(int fd);

  std::function<FakeReply(const FakeRequest&)> handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> requests_{0};
  std::mutex mutex_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

// Registers host:port as an instance of `service` with the registry at registry_port, heartbeats
// every 300 ms from a thread, and deregisters when destroyed — each call signed as that service
// with a key from the deployment's master (node.internal_secret), as the registry requires.
class RegisteredInstance {
 public:
  RegisteredInstance(int registry_port, std::string service, std::string id, int port, std::string master);
  ~RegisteredInstance();
  RegisteredInstance(const RegisteredInstance&) = delete;
  RegisteredInstance& operator=(const RegisteredInstance&) = delete;

 private:
  int registry_port_;
  std::string service_;
  std::string id_;
  std::string master_;
  std::atomic<bool> stop_{false};
  std::thread beat_;
};

}  // namespace zt::test
