#include "harness/http.hpp"

#include "harness/log_audit.hpp"
#include "core/config/settings_items.hpp"
#include "harness/process.hpp"
#include "harness/tokens.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <regex>
#include <stdexcept>

namespace zt::test {

RawConnection::RawConnection(const std::string& host, int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error("connect failed to port " + std::to_string(port));
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) ::close(fd_);
}

bool RawConnection::send(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

namespace {

// Returns bytes read, 0 on close, -1 on timeout.
ssize_t read_some(int fd, std::string& buf, std::chrono::steady_clock::time_point until) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now()).count();
  if (left <= 0) return -1;
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(left)) <= 0) return -1;
  char tmp[16384];
  ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
  if (n > 0) buf.append(tmp, static_cast<std::size_t>(n));
  return n < 0 ? 0 : n;
}

}  // namespace

std::optional<HttpResponse> RawConnection::read_response(std::chrono::milliseconds timeout, bool head_only) {
  auto until = std::chrono::steady_clock::now() + timeout;
  HttpResponse r;
  bool peer_closed = false;
  std::size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = read_some(fd_, buffer_, until);
    if (n <= 0) return std::nullopt;
  }
  std::string head = buffer_.substr(0, header_end);
  std::size_t pos = head.find("\r\n");
  std::string status_line = head.substr(0, pos);
  if (status_line.size() < 12) return std::nullopt;
  r.status = std::stoi(status_line.substr(9, 3));
  while (pos != std::string::npos && pos < head.size()) {
    std::size_t next = head.find("\r\n", pos + 2);
    std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      r.headers[name] = value;
    }
    pos = next;
  }
  buffer_.erase(0, header_end + 4);
  std::size_t length = 0;
  if (auto it = r.headers.find("content-length"); it != r.headers.end()) length = std::stoul(it->second);
  if (r.status == 100) return read_response(timeout, head_only);
  if (head_only) length = 0;
  while (buffer_.size() < length) {
    ssize_t n = read_some(fd_, buffer_, until);
    if (n < 0) return std::nullopt;
    if (n == 0) {
      peer_closed = true;
      break;
    }
  }
  r.body = buffer_.substr(0, length);
  buffer_.erase(0, std::min(length, buffer_.size()));
  auto conn = r.headers.find("connection");
  r.closed = peer_closed || (conn != r.headers.end() && conn->second == "close");
  return r;
}

bool RawConnection::wait_closed(std::chrono::milliseconds timeout) {
  auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    ssize_t n = read_some(fd_, buffer_, until);
    if (n == 0) return true;
    if (n < 0) return false;
  }
}

namespace {
std::mutex g_admin_mutex;
std::map<int, std::string> g_admin_tokens;
}  // namespace

void remember_admin_port(int port, const std::string& token) {
  std::lock_guard lock(g_admin_mutex);
  g_admin_tokens[port] = token;
}

HttpResponse http_request(int port, const std::string& method, const std::string& target, const std::string& body,
                          const std::map<std::string, std::string>& headers) {
  RawConnection c("127.0.0.1", port);
  std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  if (!headers.contains("authorization") && !headers.contains("Authorization")) {
    std::lock_guard lock(g_admin_mutex);
    if (auto it = g_admin_tokens.find(port); it != g_admin_tokens.end()) req += "Authorization: Bearer " + it->second + "\r\n";
  }
  if (!body.empty() || method == "POST" || method == "PUT") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  c.send(req);
  auto r = c.read_response(std::chrono::seconds(30));
  if (!r) throw std::runtime_error("no response to " + method + " " + target);
  log_audit::remember_exchange(body, r->body);
  return *r;
}

std::int64_t metric(int admin, const std::string& series) {
  const auto text = http_get(admin, "/metrics").body;
  const auto at = text.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stoll(text.substr(at + series.size() + 2));
}

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

std::optional<std::string> json_field_if(const std::string& body, const std::string& name) {
  // The first member of that name in the text, nested ones included (tests read a field of the
  // first item of a list this way); whitespace around the colon as any JSON writer may put it.
  // A string comes back unescaped; a number or boolean as written; null counts as absent.
  std::smatch m;
  const std::string key = "\"" + name + "\"\\s*:\\s*";
  if (std::regex_search(body, m, std::regex(key + "\"((?:[^\"\\\\]|\\\\.)*)\""))) {
    const std::string raw = m[1];
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '\\' || i + 1 == raw.size()) {
        out += raw[i];
        continue;
      }
      switch (const char c = raw[++i]) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        default: out += c;  // \" \\ \/ (\uXXXX is not written by our services: they send UTF-8)
      }
    }
    return out;
  }
  if (std::regex_search(body, m, std::regex(key + "(true|false|-?[0-9]+(?:\\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)"))) return m[1];
  return std::nullopt;
}

std::string json_field(const std::string& body, const std::string& name) {
  if (auto value = json_field_if(body, name)) return *value;
  if (!polling()) ADD_FAILURE() << "the answer has no member \"" << name << "\": " << body.substr(0, 600);
  return "<none>";
}

::testing::AssertionResult refused(const HttpResponse& r, int status, const std::string& code, const std::string& message) {
  const auto got_code = json_field_if(r.body, "code");
  const auto got_message = json_field_if(r.body, "message");
  if (r.status == status && got_code == code && (message.empty() || got_message == message) && json_field_if(r.body, "trace_id"))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected " << status << " " << code << (message.empty() ? "" : " " + message) << ", got "
                                       << r.status << ": " << r.body.substr(0, 400);
}

std::string agreements_accepted(int port) {
  auto listed = http_get(port, "/api/auth/v1/agreements");
  EXPECT_EQ(listed.status, 200) << listed.body;
  boost::json::array out;
  if (listed.status == 200) {
    const auto parsed = boost::json::parse(listed.body);
    for (const auto& a : parsed.at("items").as_array())
      out.push_back(boost::json::object{{"id", a.at("id")}, {"version", a.at("version")}});
  }
  return boost::json::serialize(out);
}

std::string settings_item_of(const std::string& content) {
  static const core::config::SettingsItems layout("dynamic.yaml", core::config::SettingsItems::default_extra_config());
  try {
    const auto entries = core::config::parse_dynamic_text(content, "test");
    if (!entries.empty()) return layout.owner(entries.begin()->first).data_id;
  } catch (const std::exception&) {
  }
  return "dynamic.yaml";
}

HttpResponse publish_dynamic(int port, const std::string& content, const std::string& comment, const std::string& master,
                             bool check) {
  const std::string body = "{\"content\": " + json_string(content) + ", \"format\": \"yaml\", \"author\": \"ops-test\", " +
                           "\"comment\": " + json_string(comment) + ", \"check\": " + (check ? "true" : "false") + "}";
  const std::string target = "/api/registry/v1/configs/public/zhongtai/" + settings_item_of(content);
  // As staff with governance.write: through a gateway with the harness's token, straight at a
  // registry process as a gateway of the deployment forwards them.
  if (master.empty()) return http_request(port, "PUT", target, body, staff_headers());
  const core::http::Caller ops{core::http::CallerKind::kStaff, "S-harness", {"operations"}, "sess-S-harness",
                               {"governance.read", "governance.write"}};
  return http_request(port, "PUT", target, body, edge_headers(ops, "PUT", target, master, body));
}

}  // namespace zt::test
