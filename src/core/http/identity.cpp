#include "core/http/identity.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/json.hpp>
#include <deque>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

#include "core/http/error.hpp"
#include "core/http/pipeline.hpp"
#include "core/net/work_executor.hpp"
#include "core/util/digest.hpp"
#include "core/util/time.hpp"

namespace zt::core::http {

namespace {

constexpr std::size_t kMaxHeader = 8192;
constexpr std::string_view kFileMagic = "zhongtai-service-keys v1";

std::string hmac_raw(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string sha256_raw(std::string_view data) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), out);
  return std::string(reinterpret_cast<const char*>(out), sizeof out);
}

std::pair<std::string, std::string> ordered(std::string_view a, std::string_view b) {
  return a <= b ? std::pair{std::string(a), std::string(b)} : std::pair{std::string(b), std::string(a)};
}

bool valid_service_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'; });
}

std::optional<CallerKind> kind_from(std::string_view s) {
  if (s == "anonymous") return CallerKind::kAnonymous;
  if (s == "customer") return CallerKind::kCustomer;
  if (s == "staff") return CallerKind::kStaff;
  if (s == "service") return CallerKind::kService;
  return std::nullopt;
}

std::string random_nonce() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) throw std::runtime_error("no randomness for a nonce");
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace

const char* caller_kind_name(CallerKind k) {
  switch (k) {
    case CallerKind::kAnonymous: return "anonymous";
    case CallerKind::kCustomer: return "customer";
    case CallerKind::kStaff: return "staff";
    case CallerKind::kService: return "service";
  }
  return "anonymous";
}

const char* failure_name(IdentityFailure f) {
  switch (f) {
    case IdentityFailure::kMalformed: return "malformed";
    case IdentityFailure::kUnknownPair: return "unknown_pair";
    case IdentityFailure::kBadSignature: return "bad_signature";
    case IdentityFailure::kWrongCall: return "wrong_call";
    case IdentityFailure::kStale: return "stale";
    case IdentityFailure::kReplayed: return "replayed";
  }
  return "malformed";
}

// --- keys

std::string derive_pair_key(std::string_view master, std::string_view a, std::string_view b) {
  const auto [lo, hi] = ordered(a, b);
  std::string label = "zhongtai service key v1";
  label += '\0';
  label += lo;
  label += '\0';
  label += hi;
  return hmac_raw(master, label);
}

ServiceKeys ServiceKeys::derive(std::string_view master, const std::vector<std::string>& held, const std::vector<std::string>& peers) {
  ServiceKeys k;
  k.from_master_ = true;
  if (master.empty()) return k;
  k.master_ = std::string(master);
  for (const auto& h : held) {
    if (std::find(k.held_.begin(), k.held_.end(), h) == k.held_.end()) k.held_.push_back(h);
    for (const auto& p : peers) k.keys_[ordered(h, p)] = derive_pair_key(master, h, p);
    k.keys_[ordered(h, h)] = derive_pair_key(master, h, h);
  }
  return k;
}

ServiceKeys ServiceKeys::parse(std::string_view text, std::string_view origin) {
  ServiceKeys k;
  std::istringstream in{std::string(text)};
  std::string line;
  int n = 0;
  bool magic = false;
  auto fail = [&](const std::string& why) {
    throw std::runtime_error(fmt::format("{} line {}: {}", origin, n, why));
  };
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line.front() == '#') continue;
    if (!magic) {
      if (line != kFileMagic) fail(fmt::format("not a service key file (expected \"{}\")", kFileMagic));
      magic = true;
      continue;
    }
    std::istringstream words(line);
    std::string verb;
    words >> verb;
    if (verb == "holds") {
      std::string s;
      while (words >> s) {
        if (!valid_service_name(s)) fail("bad service name \"" + s + "\"");
        k.held_.push_back(s);
      }
    } else if (verb == "pair") {
      std::string a, b, key, extra;
      words >> a >> b >> key;
      if (a.empty() || b.empty() || key.empty() || (words >> extra)) fail("expected: pair <service> <service> <key>");
      if (!valid_service_name(a) || !valid_service_name(b)) fail("bad service name");
      auto raw = base64url_decode(key);
      if (!raw || raw->size() != 32) fail("a key is 32 bytes in base64url");
      k.keys_[ordered(a, b)] = *raw;
    } else {
      fail("unknown line \"" + verb + "\"");
    }
  }
  if (!magic) throw std::runtime_error(fmt::format("{}: empty, not a service key file", origin));
  if (k.held_.empty()) throw std::runtime_error(fmt::format("{}: names no service (a \"holds\" line)", origin));
  for (const auto& [pair, key] : k.keys_)
    if (!k.holds(pair.first) && !k.holds(pair.second))
      throw std::runtime_error(fmt::format("{}: a key for {} and {}, neither of which it holds", origin, pair.first, pair.second));
  return k;
}

std::string ServiceKeys::serialize() const {
  std::string out = std::string(kFileMagic) + "\n";
  out += "# Secret: the keys of these services with each of their peers (mode 0600).\n";
  out += "holds";
  for (const auto& h : held_) out += " " + h;
  out += "\n";
  for (const auto& [pair, key] : keys_) out += fmt::format("pair {} {} {}\n", pair.first, pair.second, base64url_encode(key));
  return out;
}

std::optional<std::string> ServiceKeys::key(std::string_view a, std::string_view b) const {
  if (auto it = keys_.find(ordered(a, b)); it != keys_.end()) return it->second;
  if (master_.empty() || !(holds(a) || holds(b)) || !valid_service_name(a) || !valid_service_name(b)) return std::nullopt;
  return derive_pair_key(master_, a, b);
}

bool ServiceKeys::knows(std::string_view peer) const {
  for (const auto& [pair, key] : keys_)
    if (pair.first == peer || pair.second == peer) return true;
  return false;
}

bool ServiceKeys::holds(std::string_view service) const {
  return std::find(held_.begin(), held_.end(), service) != held_.end();
}

// --- replay guard

struct ReplayGuard::Impl {
  static constexpr std::size_t kShards = 16;
  struct Shard {
    std::mutex mutex;
    std::deque<std::unordered_set<std::string>> generations{3};  // newest first
    std::int64_t started_ms = 0;
  };
  std::chrono::milliseconds window;
  std::size_t max_per_shard;
  std::array<Shard, kShards> shards;
};

ReplayGuard::ReplayGuard(std::chrono::milliseconds window, std::size_t max_entries) : impl_(std::make_unique<Impl>()) {
  impl_->window = window;
  impl_->max_per_shard = std::max<std::size_t>(1, max_entries / Impl::kShards);
}
ReplayGuard::~ReplayGuard() = default;

bool ReplayGuard::first_use(std::string_view nonce, std::int64_t now_ms) {
  auto& s = impl_->shards[std::hash<std::string_view>{}(nonce) % Impl::kShards];
  std::lock_guard lock(s.mutex);
  // Three generations, each one window long: a nonce stays known for two windows at least, as
  // long as a call may be accepted (±one window around its time).
  auto rotate = [&s] {
    s.generations.pop_back();
    s.generations.emplace_front();
  };
  auto total = [&s] {
    std::size_t n = 0;
    for (const auto& g : s.generations) n += g.size();
    return n;
  };
  if (s.started_ms == 0) s.started_ms = now_ms;
  if (const auto elapsed = now_ms - s.started_ms; elapsed >= impl_->window.count()) {
    for (std::int64_t k = std::min<std::int64_t>(3, elapsed / impl_->window.count()); k > 0; --k) rotate();
    s.started_ms = now_ms;
  }
  // Over the bound, the oldest go early (a flood of our own calls, never an outsider's: only
  // genuine signatures reach here).
  while (total() >= impl_->max_per_shard) rotate();
  for (const auto& g : s.generations)
    if (g.contains(std::string(nonce))) return false;
  s.generations.front().emplace(nonce);
  return true;
}

std::size_t ReplayGuard::size() const {
  std::size_t n = 0;
  for (auto& s : impl_->shards) {
    std::lock_guard lock(s.mutex);
    for (const auto& g : s.generations) n += g.size();
  }
  return n;
}

// --- signing and verifying

std::string sign_call(const CallIdentity& id, std::string_view method, std::string_view target, std::string_view body,
                      const ServiceKeys& keys, std::int64_t now_unix_ms) {
  const auto key = keys.key(id.from, id.to);
  if (!key) throw std::invalid_argument(fmt::format("no service key for {} → {}", id.from, id.to));
  boost::json::object o;
  o["f"] = id.from;
  o["to"] = id.to;
  o["m"] = method;
  o["t"] = target;
  o["b"] = base64url_encode(sha256_raw(body));
  o["ts"] = now_unix_ms;
  o["n"] = random_nonce();
  if (id.edge) o["e"] = true;
  if (id.caller.kind != CallerKind::kAnonymous || id.edge) {
    boost::json::object c;
    c["k"] = caller_kind_name(id.caller.kind);
    c["s"] = id.caller.subject;
    if (!id.caller.session.empty()) c["sid"] = id.caller.session;
    if (!id.caller.roles.empty()) {
      boost::json::array roles;
      for (const auto& r : id.caller.roles) roles.emplace_back(r);
      c["r"] = std::move(roles);
    }
    if (!id.caller.permissions.empty()) {
      boost::json::array perms;
      for (const auto& p : id.caller.permissions) perms.emplace_back(p);
      c["p"] = std::move(perms);
    }
    o["c"] = std::move(c);
  }
  if (!id.address.empty()) o["a"] = id.address;
  if (!id.instance.empty()) o["i"] = id.instance;
  if (id.deadline) o["dl"] = std::max<std::int64_t>(0, id.deadline->count());
  const std::string signed_part = "v2." + base64url_encode(boost::json::serialize(o));
  return signed_part + "." + base64url_encode(hmac_raw(*key, signed_part));
}

std::variant<CallIdentity, IdentityFailure> verify_call(std::string_view header, std::string_view method,
                                                        std::string_view target, std::string_view body,
                                                        const ServiceKeys& keys, std::int64_t now_unix_ms,
                                                        ReplayGuard* replay) {
  if (header.size() > kMaxHeader || !header.starts_with("v2.")) return IdentityFailure::kMalformed;
  const auto dot = header.rfind('.');
  if (dot <= 3) return IdentityFailure::kMalformed;
  const std::string_view signed_part = header.substr(0, dot);
  auto mac = base64url_decode(header.substr(dot + 1));
  auto json = base64url_decode(signed_part.substr(3));
  if (!mac || !json) return IdentityFailure::kMalformed;
  boost::system::error_code ec;
  auto v = boost::json::parse(*json, ec);
  if (ec || !v.is_object()) return IdentityFailure::kMalformed;
  const auto& o = v.get_object();
  auto str = [](const boost::json::object& obj, const char* k) -> std::optional<std::string> {
    auto it = obj.find(k);
    if (it == obj.end() || !it->value().is_string()) return std::nullopt;
    return std::string(it->value().get_string());
  };
  auto from = str(o, "f"), to = str(o, "to"), m = str(o, "m"), t = str(o, "t"), b = str(o, "b"), n = str(o, "n");
  auto ts = o.find("ts");
  if (!from || !to || !m || !t || !b || !n || ts == o.end() || !ts->value().is_int64()) return IdentityFailure::kMalformed;
  // The key: a pair of the service called (which this process must run) and the caller.
  if (!keys.holds(*to)) return IdentityFailure::kUnknownPair;
  const auto key = keys.key(*from, *to);
  if (!key) return IdentityFailure::kUnknownPair;
  const std::string expected = hmac_raw(*key, signed_part);
  if (mac->size() != expected.size() || CRYPTO_memcmp(mac->data(), expected.data(), expected.size()) != 0)
    return IdentityFailure::kBadSignature;
  // Genuine: now it must be for this very request, fresh, and new.
  if (*m != method || *t != target || *b != base64url_encode(sha256_raw(body))) return IdentityFailure::kWrongCall;
  const std::int64_t at = ts->value().get_int64();
  if (at < now_unix_ms - kIdentityWindowMs || at > now_unix_ms + kIdentityWindowMs) return IdentityFailure::kStale;
  if (n->size() < 16 || n->size() > 64) return IdentityFailure::kMalformed;
  if (replay && !replay->first_use(*n, now_unix_ms)) return IdentityFailure::kReplayed;

  CallIdentity out;
  out.from = *from;
  out.to = *to;
  if (auto e = o.find("e"); e != o.end() && e->value().is_bool()) out.edge = e->value().get_bool();
  if (auto c = o.find("c"); c != o.end()) {
    if (!c->value().is_object()) return IdentityFailure::kMalformed;
    const auto& co = c->value().get_object();
    auto kind = str(co, "k");
    auto sub = str(co, "s");
    if (!kind || !sub) return IdentityFailure::kMalformed;
    auto k = kind_from(*kind);
    // The end caller is a person or nobody: a service is `from`, never a claimed caller.
    if (!k || *k == CallerKind::kService) return IdentityFailure::kMalformed;
    out.caller.kind = *k;
    out.caller.subject = *sub;
    if (auto sid = str(co, "sid")) out.caller.session = *sid;
    if (auto r = co.find("r"); r != co.end() && r->value().is_array())
      for (const auto& role : r->value().get_array())
        if (role.is_string()) out.caller.roles.emplace_back(role.get_string());
    if (auto p = co.find("p"); p != co.end() && p->value().is_array())
      for (const auto& perm : p->value().get_array())
        if (perm.is_string()) out.caller.permissions.emplace_back(perm.get_string());
  }
  if (auto a = str(o, "a")) out.address = *a;
  if (auto i = str(o, "i")) out.instance = *i;
  if (auto dl = o.find("dl"); dl != o.end() && dl->value().is_int64() && dl->value().get_int64() >= 0)
    out.deadline = std::chrono::milliseconds(dl->value().get_int64());
  return out;
}

// --- middleware

namespace {

std::atomic<std::shared_ptr<const std::string>> g_local_instance{std::make_shared<const std::string>()};

// The trace restarted for outside traffic is also the one the request's dependency spans go
// under: the tracing middleware put the request's trace as it arrived in the work slot
// (core/net/work_executor.hpp), which an outside client may have named.
boost::asio::awaitable<void> follow_restarted_trace(const RequestContext& ctx) {
  net::WorkSlot* slot = co_await net::current_work_slot();
  if (slot && slot->current) slot->current->trace = ctx.trace;
}

class IdentityMiddleware final : public Middleware {
 public:
  explicit IdentityMiddleware(IdentityOptions o) : options_(std::move(o)) {
    if (!options_.keys) options_.keys = std::make_shared<const ServiceKeys>();
  }

  boost::asio::awaitable<Response> handle(Request& req, RequestContext& ctx, const Handler& next) override {
    if (ctx.in_process) co_return co_await next(req, ctx);  // settled by the service client already
    auto header = req.headers.get(kIdentityHeader);
    if (!header) {
      const bool restarted = restart_outside_trace(ctx);
      if (options_.require)
        throw ApiError(401, "INTERNAL_IDENTITY_REQUIRED", "该服务只接受经网关或内部服务的调用");
      if (restarted) co_await follow_restarted_trace(ctx);
      co_return co_await next(req, ctx);
    }
    auto result = verify_call(*header, method_name(req.method), req.target, req.body, *options_.keys, unix_millis(), &replay_);
    if (auto* failure = std::get_if<IdentityFailure>(&result)) {
      const bool restarted = restart_outside_trace(ctx);
      // Where outside clients arrive, anyone can send junk: not worth a warning each time.
      if (options_.require) ctx.log().warn("identity: refused a call to {} {} ({})", method_name(req.method),
                                           ctx.route.empty() ? std::string_view("(its path not logged)") : ctx.route,
                                           failure_name(*failure));
      else core::log::debug("identity: dropped a client's identity header ({})", failure_name(*failure));
      // Where outside clients arrive (a gateway runs here), a header that does not verify is a
      // client's, dropped unread: the request goes on as outside traffic. Elsewhere it is refused.
      if (!options_.require) {
        req.headers.remove(kIdentityHeader);
        if (restarted) co_await follow_restarted_trace(ctx);
        co_return co_await next(req, ctx);
      }
      throw ApiError(401, "INTERNAL_IDENTITY_INVALID", "内部调用身份无效");
    }
    auto& id = std::get<CallIdentity>(result);
    if (const auto here = g_local_instance.load(); !id.instance.empty() && !here->empty() && id.instance != *here) {
      restart_outside_trace(ctx);
      ctx.log().warn("identity: a call signed for instance {} reached {}", id.instance, *here);
      throw ApiError(401, "INTERNAL_IDENTITY_INVALID", "内部调用身份无效");
    }
    if (id.edge) {
      if (std::find(options_.edge_services.begin(), options_.edge_services.end(), id.from) == options_.edge_services.end()) {
        restart_outside_trace(ctx);
        ctx.log().warn("identity: {} may not forward outside callers", id.from);
        throw ApiError(401, "INTERNAL_IDENTITY_INVALID", "内部调用身份无效");
      }
      ctx.edge = true;
      ctx.calling_service.clear();
      ctx.caller = std::move(id.caller);
    } else {
      ctx.calling_service = id.from;
      if (id.caller.kind == CallerKind::kAnonymous) ctx.caller = {CallerKind::kService, id.from, {}};
      else ctx.caller = std::move(id.caller);
    }
    if (!id.address.empty()) ctx.remote_address = std::move(id.address);
    if (id.deadline) ctx.deadline = std::min(ctx.deadline, ctx.received_at + *id.deadline);
    req.headers.remove(kIdentityHeader);
    co_return co_await next(req, ctx);
  }

 private:
  IdentityOptions options_;
  ReplayGuard replay_;
};

}  // namespace

void set_local_instance(std::string id) { g_local_instance.store(std::make_shared<const std::string>(std::move(id))); }

std::shared_ptr<Middleware> identity_middleware(IdentityOptions options) {
  return std::make_shared<IdentityMiddleware>(std::move(options));
}

}  // namespace zt::core::http
