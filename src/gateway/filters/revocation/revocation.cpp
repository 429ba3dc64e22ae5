#include "gateway/filters/revocation/revocation.hpp"

namespace zt::gateway::filters {

void RevokedSessions::add(const std::vector<std::pair<std::string, std::int64_t>>& revoked, std::int64_t now_ms) {
  const auto before = current_.load(std::memory_order_acquire);
  const std::int64_t oldest = now_ms - window_.count();
  bool stale = false;
  for (const auto& [id, at] : *before) stale |= at < oldest;
  if (revoked.empty() && !stale) return;
  // Copy on write: revocations are rare, requests read without a lock.
  auto next = std::make_shared<Set>();
  for (const auto& [id, at] : *before)
    if (at >= oldest) next->emplace(id, at);
  for (const auto& [id, at] : revoked)
    if (at >= oldest) next->insert_or_assign(id, at);
  current_.store(std::move(next), std::memory_order_release);
}

}  // namespace zt::gateway::filters
