#include "gateway/filters/authentication/authentication.hpp"

#include <boost/json/parse.hpp>
#include <openssl/evp.h>

#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "core/observe/log.hpp"
#include "core/util/digest.hpp"

namespace zt::gateway::filters {

using core::crypto::Jwk;
using core::http::Caller;
using core::http::CallerKind;

const char* failure_name(TokenFailure f) {
  switch (f) {
    case TokenFailure::kMalformed: return "malformed";
    case TokenFailure::kUnknownKey: return "unknown_key";
    case TokenFailure::kAlgorithm: return "algorithm";
    case TokenFailure::kSignature: return "signature";
    case TokenFailure::kExpired: return "expired";
    case TokenFailure::kNotYetValid: return "not_yet_valid";
    case TokenFailure::kIssuer: return "issuer";
    case TokenFailure::kAudience: return "audience";
    case TokenFailure::kClaims: return "claims";
  }
  return "?";
}

// ---- KeySet

KeySet KeySet::from_jwks(std::string_view json, std::vector<std::string>* problems, bool asymmetric_only) {
  boost::system::error_code ec;
  auto doc = boost::json::parse(json, ec);
  if (ec || !doc.is_object()) throw std::invalid_argument("JWKS is not a JSON object");
  auto keys = doc.get_object().find("keys");
  if (keys == doc.get_object().end() || !keys->value().is_array()) throw std::invalid_argument("JWKS has no \"keys\" array");
  KeySet out;
  std::size_t i = 0;
  for (const auto& k : keys->value().get_array()) {
    ++i;
    try {
      if (!k.is_object()) throw core::crypto::JwkError("not an object");
      auto key = Jwk::from_json(k.get_object());
      if (key.kid().empty()) throw core::crypto::JwkError("no kid");
      // A shared secret published by a server would let whoever reached that server sign tokens:
      // those come from the local key file only.
      if (asymmetric_only && key.symmetric()) throw core::crypto::JwkError("a shared-secret (oct) key is never taken from a fetched JWKS");
      out.add(std::move(key));
    } catch (const core::crypto::JwkError& e) {
      if (problems) problems->push_back("key " + std::to_string(i) + ": " + e.what());
    }
  }
  return out;
}

void KeySet::add(Jwk key) {
  std::string kid = key.kid();
  keys_.insert_or_assign(std::move(kid), std::move(key));
}

void KeySet::merge(const KeySet& other) {
  for (const auto& [kid, key] : other.keys_) keys_.insert_or_assign(kid, key);
}

const Jwk* KeySet::find(std::string_view kid) const {
  auto it = keys_.find(kid);
  return it == keys_.end() ? nullptr : &it->second;
}

std::vector<std::string> KeySet::kids() const {
  std::vector<std::string> out;
  for (const auto& [kid, _] : keys_) out.push_back(kid);
  return out;
}

// ---- TokenVerifier

namespace {

// A NumericDate claim as whole seconds; nullopt when absent, nullopt + bad when not a number.
std::optional<std::int64_t> numeric_date(const boost::json::object& claims, std::string_view name, bool& bad) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::nullopt;
  const auto& v = it->value();
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    return static_cast<std::int64_t>(v.get_uint64());
  if (v.is_double() && std::isfinite(v.get_double()) && std::abs(v.get_double()) < 1e15)
    return static_cast<std::int64_t>(std::floor(v.get_double()));
  bad = true;
  return std::nullopt;
}

const boost::json::string* string_claim(const boost::json::object& claims, std::string_view name) {
  auto it = claims.find(name);
  if (it == claims.end() || !it->value().is_string()) return nullptr;
  return &it->value().get_string();
}

bool audience_matches(const boost::json::object& claims, std::string_view audience) {
  auto it = claims.find("aud");
  if (it == claims.end()) return false;
  if (it->value().is_string()) return it->value().get_string() == audience;
  if (it->value().is_array()) {
    for (const auto& a : it->value().get_array())
      if (a.is_string() && a.get_string() == audience) return true;
  }
  return false;
}

bool plain_text(std::string_view s, std::size_t max) {
  if (s.empty() || s.size() > max) return false;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

}  // namespace

TokenVerifier::TokenVerifier(JwtSettings settings)
    : settings_(std::move(settings)), keys_(std::make_shared<const KeySet>()) {}

void TokenVerifier::set_keys(std::shared_ptr<const KeySet> keys) {
  keys_.store(std::move(keys), std::memory_order_release);
  for (auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    s.entries.clear();
  }
}

TokenVerifier::Stats TokenVerifier::stats() const {
  Stats s{hits_.load(), misses_.load(), 0};
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    s.entries += shard.entries.size();
  }
  return s;
}

std::variant<VerifiedToken, TokenFailure> TokenVerifier::verify(std::string_view token, std::int64_t now) {
  const auto skew = settings_.clock_skew.count();
  if (settings_.cache_entries == 0) return verify_uncached(token, now);
  Digest d;
  unsigned int len = 0;
  unsigned char md[EVP_MAX_MD_SIZE];
  EVP_Digest(token.data(), token.size(), md, &len, EVP_sha256(), nullptr);
  std::memcpy(d.words.data(), md, sizeof(d.words));
  Shard& shard = shards_[d.words[1] % kShards];
  {
    std::lock_guard lock(shard.mutex);
    if (auto it = shard.entries.find(d); it != shard.entries.end()) {
      if (now <= it->second.expires_at + skew) {
        hits_.fetch_add(1, std::memory_order_relaxed);
        return it->second;
      }
      shard.entries.erase(it);
    }
  }
  misses_.fetch_add(1, std::memory_order_relaxed);
  auto keys_before = keys();
  auto result = verify_uncached(token, now);
  if (auto* ok = std::get_if<VerifiedToken>(&result)) {
    std::lock_guard lock(shard.mutex);
    // Keys changed while verifying: the result may rest on a withdrawn key; do not keep it.
    if (keys() != keys_before) return result;
    const std::size_t cap = std::max<std::size_t>(1, settings_.cache_entries / kShards);
    while (shard.entries.size() >= cap) shard.entries.erase(shard.entries.begin());  // any one: bounded, O(1)
    shard.entries.emplace(d, *ok);
  }
  return result;
}

std::variant<VerifiedToken, TokenFailure> TokenVerifier::verify_uncached(std::string_view token, std::int64_t now) const {
  auto parsed = core::crypto::jwt_parse(token);
  if (!parsed) return TokenFailure::kMalformed;
  const auto keys = this->keys();
  const Jwk* key = keys->find(parsed->kid);
  if (!key) return TokenFailure::kUnknownKey;
  // The key decides the algorithm; the header can only agree with it.
  if (parsed->alg != core::crypto::alg_name(key->alg())) return TokenFailure::kAlgorithm;
  if (!key->verify(parsed->signing_input, parsed->signature)) return TokenFailure::kSignature;

  const auto& c = parsed->claims;
  const auto skew = settings_.clock_skew.count();
  bool bad = false;
  const auto exp = numeric_date(c, "exp", bad);
  const auto nbf = numeric_date(c, "nbf", bad);
  const auto iat = numeric_date(c, "iat", bad);
  if (bad || !exp) return TokenFailure::kClaims;
  if (now > *exp + skew) return TokenFailure::kExpired;
  if (nbf && now + skew < *nbf) return TokenFailure::kNotYetValid;
  if (iat && now + skew < *iat) return TokenFailure::kNotYetValid;
  if (!settings_.issuer.empty()) {
    const auto* iss = string_claim(c, "iss");
    if (!iss || *iss != settings_.issuer) return TokenFailure::kIssuer;
  }
  if (!settings_.audience.empty() && !audience_matches(c, settings_.audience)) return TokenFailure::kAudience;

  VerifiedToken out;
  out.expires_at = *exp;
  const auto* sub = string_claim(c, "sub");
  const auto* typ = string_claim(c, "typ");
  if (!sub || !plain_text(*sub, 128) || !typ) return TokenFailure::kClaims;
  if (*typ == "customer") out.caller.kind = CallerKind::kCustomer;
  else if (*typ == "staff") out.caller.kind = CallerKind::kStaff;
  else return TokenFailure::kClaims;
  out.caller.subject = std::string(*sub);
  if (auto it = c.find("roles"); it != c.end()) {
    if (!it->value().is_array()) return TokenFailure::kClaims;
    for (const auto& r : it->value().get_array()) {
      if (!r.is_string() || !plain_text(r.get_string(), 64)) return TokenFailure::kClaims;
      out.caller.roles.emplace_back(r.get_string());
    }
  }
  if (auto it = c.find("scope"); it != c.end()) {
    if (!it->value().is_string()) return TokenFailure::kClaims;
    std::string_view scopes = it->value().get_string();
    while (!scopes.empty()) {
      const auto sp = scopes.find(' ');
      auto s = scopes.substr(0, sp);
      if (!s.empty()) out.caller.roles.emplace_back(s);
      scopes = sp == std::string_view::npos ? std::string_view() : scopes.substr(sp + 1);
    }
  }
  if (out.caller.roles.size() > 64) return TokenFailure::kClaims;
  // Permissions are a staff member's (from their roles at sign-in or refresh); a customer has none.
  if (auto it = c.find("perms"); it != c.end()) {
    if (!it->value().is_array() || it->value().get_array().size() > 64 || out.caller.kind != CallerKind::kStaff)
      return TokenFailure::kClaims;
    for (const auto& p : it->value().get_array()) {
      if (!p.is_string() || !plain_text(p.get_string(), 64)) return TokenFailure::kClaims;
      out.caller.permissions.emplace_back(p.get_string());
    }
  }
  if (auto it = c.find("sid"); it != c.end()) {
    if (!it->value().is_string() || !plain_text(it->value().get_string(), 128)) return TokenFailure::kClaims;
    out.caller.session = std::string(it->value().get_string());
  }
  return out;
}

// ---- JwksSource

namespace {
std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

JwksSource::JwksSource(TokenVerifier& verifier, Fetch fetch, KeySet local, std::chrono::milliseconds refetch_interval)
    : verifier_(verifier), fetch_(std::move(fetch)), local_(std::move(local)), refetch_interval_(refetch_interval) {
  if (local_.size() > 0) verifier_.set_keys(std::make_shared<const KeySet>(local_));
}

boost::asio::awaitable<bool> JwksSource::refresh() {
  bool expected = false;
  if (!in_flight_.compare_exchange_strong(expected, true)) {
    // Someone else is fetching: wait for that one.
    const auto seen = done_.generation();
    if (in_flight_.load()) co_await done_.wait(seen, std::chrono::seconds(5));
    co_return true;
  }
  last_attempt_ms_.store(steady_ms());
  fetches_.fetch_add(1);
  bool ok = false;
  std::string problem;
  try {
    const std::string body = co_await fetch_();
    std::vector<std::string> problems;
    KeySet fetched = KeySet::from_jwks(body, &problems, /*asymmetric_only=*/true);
    for (const auto& p : problems) core::log::warn("gateway: JWKS {} ignored", p);
    fetched.merge(local_);  // local keys win: a fetched key cannot replace a configured one
    // Installed only when the document changed: installing empties the token cache.
    if (const auto digest = core::sha256_hex(body); digest != last_digest_) {
      core::log::info("gateway: JWKS now has {} keys", fetched.size());
      verifier_.set_keys(std::make_shared<const KeySet>(std::move(fetched)));
      last_digest_ = digest;
    }
    ok = true;
  } catch (const std::exception& e) {
    problem = e.what();
  }
  if (!ok) {
    failures_.fetch_add(1);
    core::log::warn("gateway: JWKS fetch failed: {}", problem);
  }
  in_flight_.store(false);
  done_.notify_all();
  co_return ok;
}

boost::asio::awaitable<bool> JwksSource::refetch_for_unknown_kid(std::shared_ptr<const KeySet> seen_keys) {
  if (in_flight_.load()) {
    const auto seen = done_.generation();
    if (in_flight_.load()) co_await done_.wait(seen, std::chrono::seconds(5));
    co_return verifier_.keys() != seen_keys;
  }
  if (verifier_.keys() != seen_keys) co_return true;  // a fetch finished since this request looked
  if (steady_ms() - last_attempt_ms_.load() < refetch_interval_.count()) co_return false;
  co_await refresh();
  co_return verifier_.keys() != seen_keys;
}

std::optional<std::string_view> bearer_token(std::optional<std::string_view> authorization) {
  if (!authorization) return std::nullopt;
  std::string_view h = *authorization;
  constexpr std::string_view kScheme = "bearer ";
  if (h.size() < kScheme.size()) return std::string_view();
  for (std::size_t i = 0; i < kScheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(h[i])) != kScheme[i]) return std::string_view();
  h.remove_prefix(7);
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  while (!h.empty() && h.back() == ' ') h.remove_suffix(1);
  return h;
}

}  // namespace zt::gateway::filters
