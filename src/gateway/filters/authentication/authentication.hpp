#pragma once
// Filter: authentication. A request with `Authorization: Bearer <JWT>` is the customer or staff
// member the token names — when the token holds: a known key (by `kid`) signed it with that key's
// own algorithm, `iss` and `aud` are ours, `exp` and `nbf` hold within the clock skew, and `sub`
// and `typ` say who it is. Anything else is 401, whatever the route: an app holding a bad token
// learns to sign in again instead of silently browsing as anonymous.
//
// Keys come from the auth service's JWKS (JwksSource) and optionally a local JWKS file (HS256
// secrets never travel); a token whose kid is unknown triggers one rate-limited refetch, so a
// rotated-in key works at once. Verified tokens are cached by their SHA-256 until they expire, in
// a cache of bounded size; a change of keys empties it (a withdrawn key stops working at once).
//
// Token claims (issued by src/services/auth):
//   sub    customer or staff id                    typ    "customer" | "staff"
//   roles  staff roles (array of strings)           scope  space-separated scopes (join roles)
//   sid    session id                               exp, nbf, iat, iss, aud, jti
#include <boost/asio/awaitable.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/crypto/jwt.hpp"
#include "core/http/context.hpp"
#include "core/net/notifier.hpp"

namespace zt::gateway::filters {

struct JwtSettings {
  std::string issuer = "zhongtai";       // empty: not checked
  std::string audience = "zhongtai-api";  // empty: not checked
  std::chrono::seconds clock_skew{30};
  std::size_t cache_entries = 100000;  // 0: every token verified every time
};

enum class TokenFailure { kMalformed, kUnknownKey, kAlgorithm, kSignature, kExpired, kNotYetValid, kIssuer, kAudience, kClaims };
inline constexpr std::array kAllTokenFailures = {TokenFailure::kMalformed,   TokenFailure::kUnknownKey, TokenFailure::kAlgorithm,
                                                 TokenFailure::kSignature,   TokenFailure::kExpired,    TokenFailure::kNotYetValid,
                                                 TokenFailure::kIssuer,      TokenFailure::kAudience,   TokenFailure::kClaims};
const char* failure_name(TokenFailure f);  // a metric label: "malformed", "unknown_key", …

// Keys by kid, immutable once built.
class KeySet {
 public:
  // The keys of a JWKS document ({"keys": [...]}); a key that does not read is skipped and
  // described in `problems` (one bad key must not take the others down). Throws
  // std::invalid_argument when the document itself is not a JWKS.
  // asymmetric_only: shared-secret (oct) keys are refused (a JWKS fetched from a server).
  static KeySet from_jwks(std::string_view json, std::vector<std::string>* problems = nullptr, bool asymmetric_only = false);
  void add(core::crypto::Jwk key);  // replaces a key of the same kid
  void merge(const KeySet& other);  // other's keys win
  const core::crypto::Jwk* find(std::string_view kid) const;
  std::size_t size() const { return keys_.size(); }
  std::vector<std::string> kids() const;

 private:
  std::map<std::string, core::crypto::Jwk, std::less<>> keys_;
};

struct VerifiedToken {
  core::http::Caller caller;
  std::int64_t expires_at = 0;  // unix seconds
};

class TokenVerifier {
 public:
  explicit TokenVerifier(JwtSettings settings);

  void set_keys(std::shared_ptr<const KeySet> keys);  // atomic; empties the cache
  std::shared_ptr<const KeySet> keys() const { return keys_.load(std::memory_order_acquire); }
  const JwtSettings& settings() const { return settings_; }

  // now: unix seconds.
  std::variant<VerifiedToken, TokenFailure> verify(std::string_view token, std::int64_t now);

  struct Stats {
    std::uint64_t hits = 0, misses = 0;
    std::size_t entries = 0;
  };
  Stats stats() const;

 private:
  std::variant<VerifiedToken, TokenFailure> verify_uncached(std::string_view token, std::int64_t now) const;

  struct Digest {
    std::array<std::uint64_t, 4> words{};
    bool operator==(const Digest&) const = default;
  };
  struct DigestHash {
    std::size_t operator()(const Digest& d) const { return static_cast<std::size_t>(d.words[0]); }
  };
  struct Shard {
    mutable std::mutex mutex;  // stats() counts under it too
    std::unordered_map<Digest, VerifiedToken, DigestHash> entries;
  };
  static constexpr std::size_t kShards = 16;

  JwtSettings settings_;
  std::atomic<std::shared_ptr<const KeySet>> keys_;
  std::array<Shard, kShards> shards_;
  std::atomic<std::uint64_t> hits_{0}, misses_{0};
};

// Fetches the JWKS and installs it (merged with local keys) in the verifier: on start, every
// refresh interval, and when a request meets an unknown kid — at most once per refetch interval,
// with requests arriving meanwhile waiting for that one fetch instead of starting their own.
class JwksSource {
 public:
  // fetch: returns the JWKS document, or throws.
  using Fetch = std::function<boost::asio::awaitable<std::string>()>;
  JwksSource(TokenVerifier& verifier, Fetch fetch, KeySet local, std::chrono::milliseconds refetch_interval);

  // One fetch now (the periodic loop's step). False when it failed; the keys stay as they were.
  boost::asio::awaitable<bool> refresh();
  // For a request that met an unknown kid: refetches if allowed, or waits for a fetch in flight.
  // True when the key set changed since `seen_keys`.
  boost::asio::awaitable<bool> refetch_for_unknown_kid(std::shared_ptr<const KeySet> seen_keys);

  std::uint64_t fetches() const { return fetches_.load(); }
  std::uint64_t failures() const { return failures_.load(); }

 private:
  TokenVerifier& verifier_;
  Fetch fetch_;
  KeySet local_;
  std::chrono::milliseconds refetch_interval_;
  std::atomic<bool> in_flight_{false};
  std::atomic<std::int64_t> last_attempt_ms_{0};  // steady clock
  core::net::Notifier done_;
  std::atomic<std::uint64_t> fetches_{0}, failures_{0};
  std::string last_digest_;  // of the last installed document; touched by the one fetcher only
};

// The bearer token of an Authorization header, or nullopt when there is none. A header that is
// present but not "Bearer <token>" gives an empty string (refused as malformed).
std::optional<std::string_view> bearer_token(std::optional<std::string_view> authorization);

}  // namespace zt::gateway::filters
