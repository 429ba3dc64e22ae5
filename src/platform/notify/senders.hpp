#pragma once
// The real senders behind notify's http provider (DESIGN §6): SMS through the SMS vendor's HTTP
// API (VendorClient: signed, timeout, breaker, bulkhead — never retried: a retried SMS is a
// second SMS), and e-mail through an SMTP server with libcurl (smtp:// or smtps://, optional
// login), on the blocking pool.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <string>

#include "platform/vendor_kit/vendor_api.hpp"

namespace zt::platform::notify {

class SmsSender {
 public:
  SmsSender(vendor_kit::VendorSettings settings, core::observe::Registry* metrics) : client_(std::move(settings), metrics) {}
  // The vendor's message id.
  boost::asio::awaitable<vendor_kit::Result<std::string>> send(std::string mobile, std::string text, const core::http::RequestContext* ctx);

 private:
  vendor_kit::VendorClient client_;
};

struct SmtpSettings {
  std::string url;  // smtp://host:port or smtps://host:port
  std::string from;
  std::string username;
  std::string password;
  std::chrono::milliseconds timeout{10000};
};

class SmtpSender {
 public:
  explicit SmtpSender(SmtpSettings s) : s_(std::move(s)) {}
  // The Message-ID of the mail handed over.
  boost::asio::awaitable<vendor_kit::Result<std::string>> send(std::string to, std::string subject, std::string text);
  // The RFC 5322 message (UTF-8, base64 body), as handed to the server.
  static std::string compose(const std::string& from, const std::string& to, const std::string& subject, const std::string& text,
                             const std::string& message_id);

 private:
  SmtpSettings s_;
};

}  // namespace zt::platform::notify
