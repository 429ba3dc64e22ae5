#pragma once
// Who is calling, between the platform's own processes (DESIGN §2, docs/security.md).
//
// Three kinds of caller reach a service:
//   - the *edge*: what the gateway forwards for an outside customer or staff member — the caller
//     the gateway verified, their session and their settled network address. Never a service.
//   - a *service*: one of ours, signing with its own keys; it may act for an end caller.
//   - in `--target all`, in-process calls carrying exactly what the split call would carry.
//
// Between processes every call carries one header:
//
//   x-zt-identity: v2.<base64url JSON claims>.<base64url HMAC-SHA-256>
//
// The claims name the calling service (from) and the one called (to), the method, the target
// (path and query), the SHA-256 of the body, a time and a nonce, the end caller and their address,
// and the caller's remaining deadline. The MAC key belongs to that pair of services alone:
// k(a, b) = HMAC-SHA-256(master, "zhongtai service key v1" 0 min(a,b) 0 max(a,b)). A process holds
// the pair keys of the services it runs (a key file made by `zhongtai keys derive`), never the
// master, so a compromised process of service A can sign only as A: it cannot call as B, register
// as B, or reach what only B may call. A verified call is accepted once (a nonce cache over the
// validity window) and only within ±30 s of its time.
//
// Why HMAC over pairwise keys and not mutual TLS or per-request signatures with public keys: a
// call costs two SHA-256 passes (~2 µs), where an Ed25519 or ECDSA verification costs 50–100 µs on
// every hop of the 2-core budget, and TLS between processes would add handshakes and a second
// stack for little more than the wire confidentiality a cluster network policy (or a mesh) gives.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/http/context.hpp"
#include "core/http/handler.hpp"

namespace zt::core::http {

inline constexpr std::string_view kIdentityHeader = "x-zt-identity";

// The key of one pair of services: HMAC-SHA-256(master, label), 32 bytes.
std::string derive_pair_key(std::string_view master, std::string_view a, std::string_view b);

// The pair keys a process holds: for each service it runs, one per peer.
class ServiceKeys {
 public:
  ServiceKeys() = default;  // none: calls carry no identity and none is accepted

  // Every pair of a held service with each peer, from the deployment master (tests and one-machine
  // set-ups; a production process gets a key file instead).
  static ServiceKeys derive(std::string_view master, const std::vector<std::string>& held,
                            const std::vector<std::string>& peers);
  // A key file's text; throws std::runtime_error naming the problem.
  static ServiceKeys parse(std::string_view text, std::string_view origin);
  // The key file's text (YAML, secret).
  std::string serialize() const;

  // The key of a pair, when held. Keys derived from a master cover any peer of a held service,
  // named or not (an upstream registered by hand, a test double): derived on each call, never
  // kept, so names a caller makes up cost nothing to remember.
  std::optional<std::string> key(std::string_view a, std::string_view b) const;
  bool holds(std::string_view service) const;
  // Whether a pair with this peer was made (named in the key file, or among the services the
  // master's keys were derived for): calls to anything else — an upstream that is not one of
  // ours — carry no identity.
  bool knows(std::string_view peer) const;
  const std::vector<std::string>& services() const { return held_; }
  bool empty() const { return keys_.empty(); }
  std::size_t pairs() const { return keys_.size(); }
  bool from_master() const { return from_master_; }

 private:
  std::vector<std::string> held_;
  std::map<std::pair<std::string, std::string>, std::string, std::less<>> keys_;  // (min, max) -> key; fixed once made
  bool from_master_ = false;
  std::string master_;  // kept only when derived from one
};

struct CallIdentity {
  std::string from;     // the calling service; it signs
  std::string to;       // the service called
  bool edge = false;    // forwarded by the gateway for an outside client (`caller` is that client)
  Caller caller;        // the end caller; anonymous when a service acts for nobody
  std::string address;  // the end caller's network address ("" for none)
  std::optional<std::chrono::milliseconds> deadline;  // the caller's remaining budget at signing
  // The instance the call was sent to ("" when the caller does not know it, as towards the
  // registry): a call captured on the way to one instance is refused by every other.
  std::string instance;
};

// This process's instance id in the registry ("node@host:port"), once it is known: a call signed
// for another instance is refused here.
void set_local_instance(std::string id);

enum class IdentityFailure { kMalformed, kUnknownPair, kBadSignature, kWrongCall, kStale, kReplayed };
const char* failure_name(IdentityFailure f);

// Remembers the nonces of accepted calls for longer than the validity window, so a captured call
// is accepted once. Thread-safe; bounded (beyond `max_entries` the oldest generation goes early).
class ReplayGuard {
 public:
  explicit ReplayGuard(std::chrono::milliseconds window = std::chrono::milliseconds(30000), std::size_t max_entries = 4'000'000);
  ~ReplayGuard();
  // True the first time a nonce is seen.
  bool first_use(std::string_view nonce, std::int64_t now_unix_ms);
  std::size_t size() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

inline constexpr std::int64_t kIdentityWindowMs = 30'000;

// The header for one call. Throws std::invalid_argument when the pair's key is not held.
std::string sign_call(const CallIdentity& id, std::string_view method, std::string_view target, std::string_view body,
                      const ServiceKeys& keys, std::int64_t now_unix_ms);

// The identity of a call when the header is genuine, for this very request (method, target,
// body), addressed to a service these keys hold, fresh and not seen before.
std::variant<CallIdentity, IdentityFailure> verify_call(std::string_view header, std::string_view method,
                                                        std::string_view target, std::string_view body,
                                                        const ServiceKeys& keys, std::int64_t now_unix_ms,
                                                        ReplayGuard* replay);

struct IdentityOptions {
  std::shared_ptr<const ServiceKeys> keys;
  // Services whose calls may carry an edge caller (the gateway).
  std::vector<std::string> edge_services{"gateway"};
  // Refuse requests that carry no identity: a process with no gateway in front of its services.
  bool require = false;
};

// Verifies x-zt-identity on incoming requests and settles the context: a service call sets
// calling_service (and the end caller it acts for), an edge call sets the caller, the session and
// the client's address; the deadline tightens to the caller's. Where one is required (no gateway
// in the process), a bad header is 401 INTERNAL_IDENTITY_INVALID and none at all 401
// INTERNAL_IDENTITY_REQUIRED; where outside clients arrive, a bad header is dropped unread.
std::shared_ptr<Middleware> identity_middleware(IdentityOptions options);

const char* caller_kind_name(CallerKind k);

}  // namespace zt::core::http
