#include "harness/fake_server.hpp"

#include "harness/tokens.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "harness/http.hpp"

namespace zt::test {

namespace {

const char* reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 404: return "Not Found";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

FakeServer::FakeServer(std::function<FakeReply(const FakeRequest&)> handler) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 128) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("fake server: cannot listen");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

FakeServer::~FakeServer() {
  stop_ = true;
  acceptor_.join();
  ::close(listen_fd_);
  std::lock_guard lock(mutex_);
  for (auto& t : threads_) t.join();
}

void FakeServer::accept_loop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    std::lock_guard lock(mutex_);
    threads_.emplace_back([this, fd] {
      serve(fd);
      ::close(fd);
    });
  }
}

void FakeServer::serve(int fd) {
  std::string buf;
  while (!stop_) {
    const auto head_end = buf.find("\r\n\r\n");
    if (head_end == std::string::npos) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char tmp[8192];
      const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) return;
      buf.append(tmp, static_cast<std::size_t>(n));
      continue;
    }
    FakeRequest req;
    const std::string head = buf.substr(0, head_end);
    std::size_t line_end = head.find("\r\n");
    const std::string request_line = head.substr(0, line_end);
    const auto sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
    req.method = request_line.substr(0, sp1);
    req.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
    while (line_end != std::string::npos && line_end < head.size()) {
      const auto next = head.find("\r\n", line_end + 2);
      const std::string line = head.substr(line_end + 2, (next == std::string::npos ? head.size() : next) - line_end - 2);
      if (auto colon = line.find(':'); colon != std::string::npos) {
        auto value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        req.headers[lower(line.substr(0, colon))] = value;
      }
      line_end = next;
    }
    std::size_t length = 0;
    if (auto it = req.headers.find("content-length"); it != req.headers.end()) length = std::stoul(it->second);
    while (buf.size() < head_end + 4 + length) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 1000) <= 0) return;
      char tmp[8192];
      const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) return;
      buf.append(tmp, static_cast<std::size_t>(n));
    }
    req.body = buf.substr(head_end + 4, length);
    buf.erase(0, head_end + 4 + length);
    requests_.fetch_add(1);
    FakeReply reply = handler_(req);
    std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " " + reason(reply.status) + "\r\n" +
                      "Content-Type: " + reply.content_type + "\r\nContent-Length: " + std::to_string(reply.body.size()) + "\r\n";
    for (const auto& [name, value] : reply.headers) out += name + ": " + value + "\r\n";
    out += "\r\n" + reply.body;
    std::size_t sent = 0;
    while (sent < out.size()) {
      const ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<std::size_t>(n);
    }
  }
}

RegisteredInstance::RegisteredInstance(int registry_port, std::string service, std::string id, int port, std::string master)
    : registry_port_(registry_port), service_(std::move(service)), id_(std::move(id)), master_(std::move(master)) {
  const std::string body = R"({"service": ")" + service_ + R"(", "id": ")" + id_ + R"(", "host": "127.0.0.1", "port": )" +
                           std::to_string(port) + R"(, "metadata": {}})";
  const std::string instances = "/api/registry/v1/instances";
  const std::string beat = "/api/registry/v1/services/" + service_ + "/instances/" + id_ + "/heartbeat";
  auto signed_as_service = [this](const std::string& method, const std::string& target, const std::string& payload) {
    core::http::CallIdentity me;
    me.from = service_;
    me.to = "registry";
    return signed_call(me, method, target, master_, payload);
  };
  auto r = http_request(registry_port_, "POST", instances, body, signed_as_service("POST", instances, body));
  if (r.status != 200) throw std::runtime_error("registering " + service_ + " failed: " + r.body);
  beat_ = std::thread([this, body, instances, beat, signed_as_service] {
    while (!stop_) {
      for (int i = 0; i < 6 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (stop_) break;
      try {
        auto b = http_request(registry_port_, "PUT", beat, "", signed_as_service("PUT", beat, ""));
        if (b.status == 404) http_request(registry_port_, "POST", instances, body, signed_as_service("POST", instances, body));
      } catch (...) {
        // the registry is restarting; the next beat tries again
      }
    }
  });
}

RegisteredInstance::~RegisteredInstance() {
  stop_ = true;
  beat_.join();
  try {
    const std::string target = "/api/registry/v1/services/" + service_ + "/instances/" + id_;
    core::http::CallIdentity me;
    me.from = service_;
    me.to = "registry";
    http_request(registry_port_, "DELETE", target, "", signed_call(me, "DELETE", target, master_, ""));
  } catch (...) {
  }
}

}  // namespace zt::test
