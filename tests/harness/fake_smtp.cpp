#include "harness/fake_smtp.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <cctype>
#include <stdexcept>

namespace zt::test {

FakeSmtp::FakeSmtp() {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 16) != 0)
    throw std::runtime_error("fake SMTP: cannot listen");
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] {
    while (!stop_) {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      std::lock_guard lock(mutex_);
      threads_.emplace_back([this, fd] { serve(fd); });
    }
  });
}

FakeSmtp::~FakeSmtp() {
  stop_ = true;
  acceptor_.join();
  for (auto& t : threads_) t.join();
  ::close(listen_fd_);
}

std::vector<ReceivedMail> FakeSmtp::mails() {
  std::lock_guard lock(mutex_);
  return mails_;
}

void FakeSmtp::serve(int fd) {
  auto say = [&](const std::string& line) { [[maybe_unused]] auto n = ::send(fd, line.data(), line.size(), MSG_NOSIGNAL); };
  std::string buffer;
  // One line (without CRLF), or nullopt when the client is gone or the test is over.
  auto line = [&]() -> std::optional<std::string> {
    for (;;) {
      if (auto end = buffer.find("\r\n"); end != std::string::npos) {
        std::string l = buffer.substr(0, end);
        buffer.erase(0, end + 2);
        return l;
      }
      pollfd p{fd, POLLIN, 0};
      if (stop_ || ::poll(&p, 1, 5000) <= 0) return std::nullopt;
      char tmp[4096];
      const auto n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) return std::nullopt;
      buffer.append(tmp, static_cast<std::size_t>(n));
    }
  };
  say("220 fake-smtp ESMTP ready\r\n");
  ReceivedMail mail;
  while (auto l = line()) {
    std::string verb = l->substr(0, l->find(' '));
    std::transform(verb.begin(), verb.end(), verb.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (verb == "EHLO" || verb == "HELO") {
      say("250-fake-smtp\r\n250 8BITMIME\r\n");
    } else if (verb == "MAIL") {
      if (refuse_all) {
        say("554 5.7.1 relay refused\r\n");
        continue;
      }
      mail = ReceivedMail{};
      mail.from = l->substr(l->find(':') + 1);
      say("250 OK\r\n");
    } else if (verb == "RCPT") {
      mail.to.push_back(l->substr(l->find(':') + 1));
      say("250 OK\r\n");
    } else if (verb == "DATA") {
      say("354 end with <CRLF>.<CRLF>\r\n");
      while (auto d = line()) {
        if (*d == ".") break;
        mail.data += (d->rfind("..", 0) == 0 ? d->substr(1) : *d) + "\r\n";
      }
      {
        std::lock_guard lock(mutex_);
        mails_.push_back(mail);
      }
      say("250 OK queued\r\n");
    } else if (verb == "QUIT") {
      say("221 bye\r\n");
      break;
    } else if (verb == "RSET" || verb == "NOOP") {
      say("250 OK\r\n");
    } else {
      say("502 command not implemented\r\n");
    }
  }
  ::close(fd);
}

}  // namespace zt::test
