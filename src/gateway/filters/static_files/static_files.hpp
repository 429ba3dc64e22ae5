#pragma once
// Filter: static files — the built web bundles, served by the gateway (DESIGN §1):
//   /          <static_root>/h5/dist        the customer H5 app
//   /console   <static_root>/console/dist   the staff console
//
// GET and HEAD only, never under /api/. A path is percent-decoded once and refused (404) when any
// segment is "." or "..", or it holds a NUL or a backslash; the file found must resolve (symlinks
// followed) inside its mount, so nothing outside the bundle is ever read. A path with no file
// extension that names no file is an app route: the mount's index.html answers (SPA fallback).
// Hashed build output under assets/ is cached for a year (immutable); everything else must be
// revalidated (ETag, 304). Text types over 1 KiB are sent gzip-compressed to clients that accept
// it; the compressed form is made once and kept in a memory cache of bounded size, checked against
// the file at most once a second.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/http/message.hpp"

namespace zt::gateway::filters {

struct StaticMount {
  std::string prefix;  // "/" or "/console" (no trailing slash except "/")
  std::string dir;     // absolute, resolved
};

// What every file answer carries (docs/security.md): the content security policy, no framing,
// no referrer; and where the console lives.
struct StaticPolicy {
  std::string content_security_policy =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self' data:; "
      "connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'self'";
  // The console's own host name (its own origin: its cookies and storage apart from the H5 app's);
  // "" serves both apps on every host.
  std::string console_host;
};

class StaticFiles {
 public:
  // Mounts whose directory does not exist are left out (nothing built yet).
  StaticFiles(const std::string& static_root, std::size_t cache_bytes, StaticPolicy policy = {});

  bool enabled() const { return !mounts_.empty(); }
  const std::vector<StaticMount>& mounts() const { return mounts_; }

  // nullopt: not a static-file request (an API path, another method, no mount), routing goes on.
  // Otherwise the answer: the file, a 304, or a 404 in the error shape.
  boost::asio::awaitable<std::optional<core::http::Response>> serve(const core::http::Request& req, std::string_view trace_id);

  // The file a request path names under a mount, relative to it ("" for the mount's index), or
  // nullopt when the path is hostile or malformed. Pure; exposed for tests.
  static std::optional<std::string> relative_path(std::string_view path, std::string_view prefix);

 private:
  struct Entry {
    std::string content;
    std::string gzipped;  // empty: not worth compressing
    std::string content_type;
    std::string etag;
    std::int64_t mtime_ns = 0;
    std::int64_t size = 0;
    std::chrono::steady_clock::time_point checked;
  };
  // Reads (or re-reads) a file on the blocking pool; nullptr when it is not a regular file inside the mount.
  std::shared_ptr<const Entry> load(const StaticMount& mount, const std::string& rel);
  std::shared_ptr<const Entry> cached(const std::string& key);
  void remember(const std::string& key, std::shared_ptr<const Entry> e);

  std::vector<StaticMount> mounts_;  // longest prefix first
  StaticPolicy policy_;
  std::size_t cache_bytes_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::pair<std::shared_ptr<const Entry>, std::list<std::string>::iterator>> cache_;
  std::list<std::string> lru_;  // most recent first
  std::size_t cached_bytes_ = 0;
};

}  // namespace zt::gateway::filters
