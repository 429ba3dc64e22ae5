#include "harness/log_audit.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <regex>

namespace zt::test::log_audit {
namespace {

const char* audit_dir() {
  const char* d = std::getenv("ZT_LOG_AUDIT_DIR");
  return d && *d ? d : nullptr;
}

std::mutex& write_mutex() {
  static std::mutex m;
  return m;
}

// One secrets file per test process: parallel tests never interleave their lines.
void append_line(const std::string& line) {
  const char* dir = audit_dir();
  if (!dir) return;
  std::filesystem::create_directories(std::string(dir) + "/secrets");
  const std::string path = std::string(dir) + "/secrets/" + std::to_string(::getpid()) + ".txt";
  std::lock_guard lock(write_mutex());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (fd < 0) return;
  const std::string out = line + "\n";
  [[maybe_unused]] auto n = ::write(fd, out.data(), out.size());
  ::close(fd);
}

}  // namespace

void remember_secret(const std::string& secret) {
  if (secret.size() < 6 || secret.find('\n') != std::string::npos) return;
  append_line(secret);
}

void remember_exchange(const std::string& request_body, const std::string& response_body) {
  if (!audit_dir()) return;
  static const std::regex member(
      R"re("(password|new_password|current_password|initial_password|refresh_token|access_token|totp_secret|secret|totp_uri)"\s*:\s*"([^"]+)")re");
  // Six-digit codes: TOTP codes, and SMS codes a client sends with a mobile number (a stock or fund
  // code is six digits too, and no secret: an answer listing a customer's holdings beside their
  // masked number carries such codes).
  static const std::regex code_member(R"re("(code|totp)"\s*:\s*"([0-9]{6})")re");
  static const std::regex totp_member(R"re("totp"\s*:\s*"([0-9]{6})")re");
  static const std::regex sms_text("验证码为?([0-9]{6})");  // "验证码为123456", and "验证码123456" (reset, password)
  for (const std::string* text : {&request_body, &response_body}) {
    for (std::sregex_iterator it(text->begin(), text->end(), member), end; it != end; ++it) remember_secret((*it)[2]);
    if (text == &request_body && text->find("\"mobile\"") != std::string::npos)
      for (std::sregex_iterator it(text->begin(), text->end(), code_member), end; it != end; ++it) remember_secret((*it)[2]);
    for (std::sregex_iterator it(text->begin(), text->end(), totp_member), end; it != end; ++it) remember_secret((*it)[1]);
    for (std::sregex_iterator it(text->begin(), text->end(), sms_text), end; it != end; ++it) remember_secret((*it)[1]);
  }
}

void archive_log(const std::string& log_path) {
  const char* dir = audit_dir();
  if (!dir || log_path.empty() || !std::filesystem::exists(log_path)) return;
  static std::atomic<int> n{0};
  std::filesystem::create_directories(std::string(dir) + "/logs");
  const std::string to = std::string(dir) + "/logs/" + std::to_string(::getpid()) + "-" + std::to_string(n++) + ".log";
  std::error_code ec;
  std::filesystem::copy_file(log_path, to, std::filesystem::copy_options::overwrite_existing, ec);
}

}  // namespace zt::test::log_audit
