#pragma once
// A stand-in SMTP server for tests (RFC 5321, just enough: EHLO/HELO, MAIL, RCPT, DATA, RSET,
// NOOP, QUIT), on an ephemeral loopback port, keeping what it was handed. `refuse_all` makes it
// answer 554 to MAIL FROM, as a server that will not relay.
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace zt::test {

struct ReceivedMail {
  std::string from;
  std::vector<std::string> to;
  std::string data;  // the message, dot-unstuffed
};

class FakeSmtp {
 public:
  FakeSmtp();
  ~FakeSmtp();
  FakeSmtp(const FakeSmtp&) = delete;
  FakeSmtp& operator=(const FakeSmtp&) = delete;

  int port() const { return port_; }
  std::vector<ReceivedMail> mails();
  std::atomic<bool> refuse_all{false};

 private:
  void serve(int fd);
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::vector<ReceivedMail> mails_;
};

}  // namespace zt::test
