#pragma once
// Filter: revoked sessions. An access token stays valid until it expires (minutes); a session the
// customer ended, or one revoked as stolen, must not stay usable that long. The gateway follows
// the auth service's feed of ended sessions (GET /api/auth/v1/sessions/revoked, every
// gateway.revocation_poll, 1 s by default) and refuses a token of an ended session with 401
// GATEWAY_TOKEN_REVOKED — so within about one poll interval plus one call of the revocation.
// A session is remembered for gateway.revocation_window (longer than any access token lives).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace zt::gateway::filters {

class RevokedSessions {
 public:
  explicit RevokedSessions(std::chrono::milliseconds window) : window_(window) {}

  bool revoked(std::string_view session_id) const {
    if (session_id.empty()) return false;
    const auto set = current_.load(std::memory_order_acquire);
    return set && set->contains(std::string(session_id));
  }
  // Adds what the feed returned (session id, revoked at) and forgets what is older than the window.
  void add(const std::vector<std::pair<std::string, std::int64_t>>& revoked, std::int64_t now_ms);
  std::size_t size() const {
    const auto set = current_.load(std::memory_order_acquire);
    return set ? set->size() : 0;
  }
  std::chrono::milliseconds window() const { return window_; }

 private:
  using Set = std::unordered_map<std::string, std::int64_t>;  // id -> revoked at
  std::chrono::milliseconds window_;
  std::atomic<std::shared_ptr<const Set>> current_{std::make_shared<const Set>()};
};

}  // namespace zt::gateway::filters
