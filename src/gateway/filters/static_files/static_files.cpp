#include "gateway/filters/static_files/static_files.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/http/error.hpp"
#include "core/net/blocking.hpp"
#include "core/observe/log.hpp"
#include "core/util/gzip.hpp"

namespace zt::gateway::filters {

namespace {

constexpr std::int64_t kMaxFileBytes = 64LL * 1024 * 1024;
constexpr std::size_t kCompressAbove = 1024;
constexpr auto kRecheck = std::chrono::seconds(1);

std::optional<std::string> resolved_dir(const std::string& path) {
  char buf[PATH_MAX];
  if (!::realpath(path.c_str(), buf)) return std::nullopt;
  struct stat st {};
  if (::stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) return std::nullopt;
  return std::string(buf);
}

std::string_view extension(std::string_view rel) {
  const auto slash = rel.rfind('/');
  const auto name = slash == std::string_view::npos ? rel : rel.substr(slash + 1);
  const auto dot = name.rfind('.');
  return dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
}

struct Type {
  const char* ext;
  const char* mime;
  bool compressible;
};
constexpr Type kTypes[] = {
    {"html", "text/html; charset=utf-8", true},     {"js", "text/javascript; charset=utf-8", true},
    {"mjs", "text/javascript; charset=utf-8", true}, {"css", "text/css; charset=utf-8", true},
    {"json", "application/json", true},              {"map", "application/json", true},
    {"svg", "image/svg+xml", true},                  {"txt", "text/plain; charset=utf-8", true},
    {"xml", "application/xml", true},                {"webmanifest", "application/manifest+json", true},
    {"png", "image/png", false},                     {"jpg", "image/jpeg", false},
    {"jpeg", "image/jpeg", false},                   {"gif", "image/gif", false},
    {"webp", "image/webp", false},                   {"ico", "image/x-icon", false},
    {"woff", "font/woff", false},                    {"woff2", "font/woff2", false},
    {"ttf", "font/ttf", true},                       {"wasm", "application/wasm", false},
};

const Type* type_of(std::string_view rel) {
  const auto ext = extension(rel);
  for (const auto& t : kTypes)
    if (ext == t.ext) return &t;
  return nullptr;
}

bool accepts_gzip(const core::http::Request& req) {
  const auto ae = req.headers.get("accept-encoding");
  if (!ae) return false;
  // "gzip" listed and not refused with q=0
  std::string_view rest = *ae;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    if (item.starts_with("gzip") || item.starts_with("*")) {
      const auto q = item.find("q=");
      if (q != std::string_view::npos && item.substr(q + 2).starts_with("0") &&
          item.substr(q + 2).find_first_not_of("0.") == std::string_view::npos)
        return false;
      return true;
    }
  }
  return false;
}

}  // namespace

StaticFiles::StaticFiles(const std::string& static_root, std::size_t cache_bytes, StaticPolicy policy)
    : policy_(std::move(policy)), cache_bytes_(cache_bytes) {
  if (static_root.empty()) return;
  // Longest prefix first.
  for (const auto& [prefix, sub] : {std::pair<const char*, const char*>{"/console", "/console/dist"}, {"/", "/h5/dist"}}) {
    if (auto dir = resolved_dir(static_root + sub)) {
      mounts_.push_back({prefix, *dir});
      core::log::info("gateway: serving {} from {}", prefix, *dir);
    }
  }
}

std::optional<std::string> StaticFiles::relative_path(std::string_view path, std::string_view prefix) {
  if (prefix != "/") {
    if (!path.starts_with(prefix)) return std::nullopt;
    path.remove_prefix(prefix.size());
  }
  auto maybe = core::http::percent_decode(path, false);
  if (!maybe) return std::nullopt;
  const std::string decoded = std::move(*maybe);
  if (decoded.find('\0') != std::string::npos || decoded.find('\\') != std::string::npos) return std::nullopt;
  std::string out;
  std::size_t start = 0;
  while (start <= decoded.size()) {
    auto slash = decoded.find('/', start);
    if (slash == std::string::npos) slash = decoded.size();
    const std::string_view seg(decoded.data() + start, slash - start);
    if (seg == "." || seg == "..") return std::nullopt;
    if (!seg.empty()) {
      if (!out.empty()) out += '/';
      out += seg;
    }
    start = slash + 1;
  }
  if (!decoded.empty() && decoded.back() == '/' && !out.empty()) out += '/';
  return out;
}

std::shared_ptr<const StaticFiles::Entry> StaticFiles::cached(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = cache_.find(key);
  if (it == cache_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second.second);
  return it->second.first;
}

void StaticFiles::remember(const std::string& key, std::shared_ptr<const Entry> e) {
  const std::size_t bytes = e->content.size() + e->gzipped.size();
  if (bytes > cache_bytes_) return;
  std::lock_guard lock(mutex_);
  if (auto it = cache_.find(key); it != cache_.end()) {
    cached_bytes_ -= it->second.first->content.size() + it->second.first->gzipped.size();
    lru_.erase(it->second.second);
    cache_.erase(it);
  }
  while (cached_bytes_ + bytes > cache_bytes_ && !lru_.empty()) {
    auto victim = cache_.find(lru_.back());
    cached_bytes_ -= victim->second.first->content.size() + victim->second.first->gzipped.size();
    cache_.erase(victim);
    lru_.pop_back();
  }
  lru_.push_front(key);
  cache_.emplace(key, std::make_pair(std::move(e), lru_.begin()));
  cached_bytes_ += bytes;
}

std::shared_ptr<const StaticFiles::Entry> StaticFiles::load(const StaticMount& mount, const std::string& rel) {
  const std::string full = mount.dir + "/" + rel;
  char buf[PATH_MAX];
  if (!::realpath(full.c_str(), buf)) return nullptr;
  const std::string real(buf);
  if (!real.starts_with(mount.dir + "/")) return nullptr;  // a symlink out of the bundle
  struct stat st {};
  if (::stat(real.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > kMaxFileBytes) return nullptr;
  const std::int64_t mtime = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  std::ifstream in(real, std::ios::binary);
  if (!in) return nullptr;
  std::ostringstream ss;
  ss << in.rdbuf();
  auto e = std::make_shared<Entry>();
  e->content = ss.str();
  e->size = static_cast<std::int64_t>(e->content.size());
  e->mtime_ns = mtime;
  const Type* t = type_of(rel);
  e->content_type = t ? t->mime : "application/octet-stream";
  if (t && t->compressible && e->content.size() > kCompressAbove) {
    e->gzipped = core::gzip(e->content);
    if (e->gzipped.size() >= e->content.size()) e->gzipped.clear();
  }
  e->etag = fmt::format("\"{:x}-{:x}\"", e->size, mtime);
  e->checked = std::chrono::steady_clock::now();
  return e;
}

boost::asio::awaitable<std::optional<core::http::Response>> StaticFiles::serve(const core::http::Request& req,
                                                                               std::string_view trace_id) {
  using core::http::Method;
  if (mounts_.empty() || (req.method != Method::kGet && req.method != Method::kHead)) co_return std::nullopt;
  const std::string_view path = req.path();
  if (path == "/api" || path.starts_with("/api/")) co_return std::nullopt;
  // With a console host of its own, that host serves the console only and every other host the
  // H5 app only: the two never share an origin (cookies, storage, what a script may reach).
  std::string host(req.headers.get("host").value_or(""));
  if (const auto colon = host.rfind(':'); colon != std::string::npos && host.find(']') == std::string::npos) host.resize(colon);
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const bool console_origin = !policy_.console_host.empty() && host == policy_.console_host;
  const StaticMount* mount = nullptr;
  for (const auto& m : mounts_) {
    if (!policy_.console_host.empty() && (m.prefix == "/console") != console_origin) continue;
    if (m.prefix == "/" || path == m.prefix || path.starts_with(m.prefix + "/")) {
      mount = &m;
      break;
    }
  }
  if (!mount) co_return std::nullopt;
  const auto not_found = [&] {
    return core::http::Response::json(404, core::http::error_body(core::http::codes::kNotFound, "请求的资源不存在", trace_id));
  };
  auto rel = relative_path(path, mount->prefix);
  if (!rel) co_return not_found();
  if (rel->empty() || rel->back() == '/') *rel += "index.html";

  const auto find = [&](const std::string& r) -> boost::asio::awaitable<std::shared_ptr<const Entry>> {
    const std::string key = mount->dir + "/" + r;
    auto e = cached(key);
    if (e && std::chrono::steady_clock::now() - e->checked < kRecheck) co_return e;
    auto fresh = co_await core::blocking([this, mount, &r] { return load(*mount, r); });
    if (fresh) {
      // Unchanged on disk: keep the one already compressed.
      if (e && e->mtime_ns == fresh->mtime_ns && e->size == fresh->size) {
        auto again = std::make_shared<Entry>(*e);
        again->checked = fresh->checked;
        fresh = std::move(again);
      }
      remember(key, fresh);
    }
    co_return fresh;
  };
  std::shared_ptr<const Entry> entry = co_await find(*rel);
  bool app_route = false;
  if (!entry && extension(*rel).empty()) {
    // An app route (/orders/123): the single-page app's index answers, the app routes itself.
    const std::string index = "index.html";
    entry = co_await find(index);
    app_route = true;
  }
  if (!entry) co_return not_found();

  core::http::Response res;
  res.status = 200;
  res.headers.set("content-type", entry->content_type);
  res.headers.set("content-security-policy", policy_.content_security_policy);
  res.headers.set("x-frame-options", "DENY");
  res.headers.set("referrer-policy", "no-referrer");
  res.headers.set("etag", entry->etag);
  res.headers.set("x-content-type-options", "nosniff");
  const bool immutable = !app_route && rel->starts_with("assets/");
  res.headers.set("cache-control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
  if (!entry->gzipped.empty()) res.headers.set("vary", "Accept-Encoding");
  if (auto inm = req.headers.get("if-none-match"); inm && *inm == entry->etag) {
    res.status = 304;
    co_return res;
  }
  const bool gz = !entry->gzipped.empty() && accepts_gzip(req);
  if (gz) res.headers.set("content-encoding", "gzip");
  if (req.method != core::http::Method::kHead) res.body = gz ? entry->gzipped : entry->content;
  else res.headers.set("content-length", std::to_string(gz ? entry->gzipped.size() : entry->content.size()));
  co_return res;
}

}  // namespace zt::gateway::filters
