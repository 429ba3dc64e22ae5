#include "platform/notify/senders.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/rand.h>

#include <cstring>
#include <ctime>
#include <mutex>

#include "core/net/blocking.hpp"
#include "core/observe/log.hpp"
#include "core/util/digest.hpp"

namespace zt::platform::notify {

struct SmsAnswer {
  std::string message_id;
};
BOOST_DESCRIBE_STRUCT(SmsAnswer, (), (message_id))

boost::asio::awaitable<vendor_kit::Result<std::string>> SmsSender::send(std::string mobile, std::string text, const core::http::RequestContext* ctx) {
  boost::json::object body{{"mobile", mobile}, {"text", text}};
  const std::string path = "/sms/send";
  auto answer = co_await client_.call(path, std::move(body), false, ctx);
  auto out = vendor_kit::from_vendor<SmsAnswer>(std::move(answer), client_.settings());
  if (auto* r = std::get_if<core::Refusal>(&out)) co_return *r;
  const auto id = std::get<SmsAnswer>(out).message_id;
  if (id.empty() || id.size() > 128) co_return core::Refusal{502, "NOTIFY_VENDOR_BAD_RESPONSE", "短信服务返回了无法识别的结果"};
  co_return id;
}

namespace {

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes));
  std::string out;
  for (unsigned char c : raw) out += fmt::format("{:02x}", c);
  return out;
}

// Headers carry UTF-8 as RFC 2047 encoded words.
std::string encoded_word(const std::string& s) { return "=?UTF-8?B?" + core::base64_encode(s) + "?="; }

std::string wrap76(const std::string& b64) {
  std::string out;
  for (std::size_t i = 0; i < b64.size(); i += 76) out += b64.substr(i, 76) + "\r\n";
  return out;
}

struct Upload {
  const std::string* data;
  std::size_t at = 0;
};

std::size_t read_chunk(char* buffer, std::size_t size, std::size_t n, void* user) {
  auto* u = static_cast<Upload*>(user);
  const std::size_t left = u->data->size() - u->at, take = std::min(left, size * n);
  std::memcpy(buffer, u->data->data() + u->at, take);
  u->at += take;
  return take;
}

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

std::string SmtpSender::compose(const std::string& from, const std::string& to, const std::string& subject, const std::string& text,
                                const std::string& message_id) {
  char date[64];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return fmt::format("Date: {}\r\nFrom: {}\r\nTo: {}\r\nSubject: {}\r\nMessage-ID: {}\r\nMIME-Version: 1.0\r\n"
                     "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
                     date, from, to, encoded_word(subject), message_id, wrap76(core::base64_encode(text)));
}

boost::asio::awaitable<vendor_kit::Result<std::string>> SmtpSender::send(std::string to, std::string subject, std::string text) {
  const std::string domain = s_.from.substr(s_.from.find('@') + 1);
  const std::string message_id = "<" + random_hex(12) + "@" + domain + ">";
  const std::string message = compose(s_.from, to, subject, text, message_id);
  std::string problem;
  const bool ok = co_await core::blocking([&] {
    init_curl_once();
    CURL* curl = curl_easy_init();
    if (!curl) {
      problem = "curl_easy_init failed";
      return false;
    }
    curl_slist* rcpt = curl_slist_append(nullptr, ("<" + to + ">").c_str());
    Upload upload{&message};
    char error[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(curl, CURLOPT_URL, s_.url.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, ("<" + s_.from + ">").c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_chunk);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(s_.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min<std::int64_t>(s_.timeout.count(), 3000)));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    if (!s_.username.empty()) {
      curl_easy_setopt(curl, CURLOPT_USERNAME, s_.username.c_str());
      curl_easy_setopt(curl, CURLOPT_PASSWORD, s_.password.c_str());
      curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
    }
    const CURLcode rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) problem = error[0] ? error : curl_easy_strerror(rc);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(curl);
    return rc == CURLE_OK;
  });
  if (!ok) {
    core::log::warn("notify: SMTP delivery failed: {}", problem);
    co_return core::Refusal{502, "NOTIFY_EMAIL_FAILED", "邮件发送失败，请稍后重试"};
  }
  co_return message_id;
}

}  // namespace zt::platform::notify
