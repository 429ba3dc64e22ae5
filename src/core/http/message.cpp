#include "core/http/message.hpp"

#include <algorithm>

namespace zt::core::http {

std::string_view method_name(Method m) {
  switch (m) {
    case Method::kGet: return "GET";
    case Method::kHead: return "HEAD";
    case Method::kPost: return "POST";
    case Method::kPut: return "PUT";
    case Method::kDelete: return "DELETE";
    case Method::kPatch: return "PATCH";
    case Method::kOptions: return "OPTIONS";
    case Method::kOther: return "OTHER";
  }
  return "OTHER";
}

Method parse_method(std::string_view n) {
  if (n == "GET") return Method::kGet;
  if (n == "POST") return Method::kPost;
  if (n == "HEAD") return Method::kHead;
  if (n == "PUT") return Method::kPut;
  if (n == "DELETE") return Method::kDelete;
  if (n == "PATCH") return Method::kPatch;
  if (n == "OPTIONS") return Method::kOptions;
  return Method::kOther;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& [k, v] : fields_)
    if (iequals(k, name)) return std::string_view(v);
  return std::nullopt;
}

std::string Headers::combined(std::string_view name) const {
  std::string out;
  for (const auto& [k, v] : fields_) {
    if (!iequals(k, name)) continue;
    if (!out.empty()) out += ", ";
    out += v;
  }
  return out;
}

void Headers::set(std::string_view name, std::string_view value) {
  remove(name);
  add(name, value);
}

void Headers::add(std::string_view name, std::string_view value) { fields_.emplace_back(name, value); }

void Headers::remove(std::string_view name) {
  std::erase_if(fields_, [&](const auto& f) { return iequals(f.first, name); });
}

std::string_view Request::path() const {
  std::string_view t = target;
  return t.substr(0, t.find('?'));
}

std::string_view Request::query() const {
  std::string_view t = target;
  auto q = t.find('?');
  return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  std::string_view q = query();
  while (!q.empty()) {
    auto amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq), true);
    if (!key || *key != name) continue;
    if (eq == std::string_view::npos) return std::string();
    return percent_decode(pair.substr(eq + 1), true);
  }
  return std::nullopt;
}

Response Response::json(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.add("content-type", "application/json; charset=utf-8");
  r.body = std::move(body);
  return r;
}

Response Response::text(int status, std::string body, std::string_view content_type) {
  Response r;
  r.status = status;
  r.headers.add("content-type", content_type);
  r.body = std::move(body);
  return r;
}

std::vector<std::string_view> path_segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path.front() != '/') return out;
  std::size_t pos = 1;
  while (pos <= path.size()) {
    auto slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    out.push_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return out;
}

std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi << 4 | lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
  }
}

// Expect is end-to-end in the RFC, but whoever relays a request has read its whole body already:
// a 100 Continue from further on would only be read as the final answer.
bool hop_by_hop(std::string_view name, const std::vector<std::string_view>& named_by_connection) {
  static constexpr std::string_view kFields[] = {"connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "expect"};
  for (auto f : kFields)
    if (iequals(name, f)) return true;
  if (name.size() >= 6 && iequals(name.substr(0, 6), "proxy-")) return true;
  for (auto n : named_by_connection)
    if (iequals(name, n)) return true;
  return false;
}

std::vector<std::string_view> connection_options(const Headers& headers) {
  std::vector<std::string_view> out;
  for (const auto& [k, v] : headers.fields()) {
    if (!iequals(k, "connection")) continue;
    std::string_view rest = v;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      std::string_view token = rest.substr(0, comma);
      while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
      while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
      if (!token.empty()) out.push_back(token);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return out;
}

void strip_hop_by_hop(Headers& headers) {
  const auto named = connection_options(headers);
  std::vector<std::string> drop;
  for (const auto& [k, v] : headers.fields())
    if (hop_by_hop(k, named)) drop.push_back(k);
  for (const auto& k : drop) headers.remove(k);
}

bool canonical_path(std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); };
  std::size_t segment_start = 1;
  for (std::size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      if (i > 0) {
        const std::string_view seg = path.substr(segment_start, i - segment_start);
        // "/" alone and a trailing "/" are fine; an empty segment in the middle is "//".
        if (seg.empty() && i != path.size() && i != 0) return false;
        if (seg == "." || seg == "..") return false;
      }
      segment_start = i + 1;
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(path[i]);
    if (c < 0x20 || c == 0x7f || c == '\\') return false;
    if (c == '%') {
      if (i + 2 >= path.size() || !hex(path[i + 1]) || !hex(path[i + 2])) return false;
      const char a = path[i + 1], b = static_cast<char>(path[i + 2] | 0x20);
      if (a == '0' && b == '0') return false;                       // NUL
      if (a == '2' && (b == 'f' || b == 'e')) return false;         // "/" "."
      if (a == '5' && b == 'c') return false;                       // "\\"
      if (a < '2' || (a == '7' && b == 'f')) return false;          // control characters
    }
  }
  return true;
}

}  // namespace zt::core::http
