#include "core/resilience/cluster.hpp"

#include <fmt/format.h>
#include <openssl/sha.h>

#include "core/observe/log.hpp"

namespace zt::core::resilience {

namespace {

// KEYS[1] bucket; ARGV: tokens per period, period (µs), burst, tokens wanted.
// State: scaled = tokens x period (integers below 2^53 stay exact in Lua's doubles), ts (µs).
// Returns {1, 0} when taken, {0, µs until enough tokens} when not.
const char* const kScript = R"lua(
local rate = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local n = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local state = redis.call('HMGET', KEYS[1], 's', 't')
local cap = burst * period
local scaled = tonumber(state[1])
local ts = tonumber(state[2])
if scaled == nil or ts == nil then
  scaled = cap
  ts = now
end
if now > ts then
  scaled = math.min(cap, scaled + (now - ts) * rate)
  ts = now
end
local need = n * period
local taken = 0
if scaled >= need then
  scaled = scaled - need
  taken = 1
end
redis.call('HSET', KEYS[1], 's', string.format('%.0f', scaled), 't', string.format('%.0f', ts))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * period / rate / 1000) + 1000)
if taken == 1 then
  return {1, 0}
end
return {0, math.ceil((need - scaled) / rate)}
)lua";

std::string sha1_hex(const std::string& s) {
  unsigned char md[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(s.data()), s.size(), md);
  std::string out;
  for (unsigned char c : md) out += fmt::format("{:02x}", c);
  return out;
}

}  // namespace

const std::string& ClusterLimiter::script() {
  static const std::string s = kScript;
  return s;
}

ClusterLimiter::ClusterLimiter(ClusterLimitRule rule, std::shared_ptr<net::RedisClient> redis, const Clock& clock)
    : rule_(std::move(rule)), redis_(std::move(redis)), clock_(clock), script_sha_(sha1_hex(script())) {
  if (rule_.spec.tokens_per_period < 1 || rule_.spec.burst < 1 || rule_.spec.period < 1000)
    throw std::invalid_argument("a cluster limit needs rate >= 1, burst >= 1 and a period of at least 1 µs");
  if (rule_.local_fallback) local_ = std::make_unique<KeyedLimiter>(rule_.id + ":fallback", *rule_.local_fallback, 100'000);
}

bool ClusterLimiter::using_fallback() const { return clock_.now() < down_until_.load(std::memory_order_relaxed); }

Decision ClusterLimiter::fallback(const std::string& key, std::int64_t n) {
  if (local_) {
    Decision d = local_->try_acquire(key, n, clock_.now());
    if (!d.pass) d = Decision::refuse(Refusal::kFlow, &rule_.id, d.retry_after);
    return d;
  }
  if (rule_.fail_mode == FailMode::kOpen) return Decision::admit();
  return Decision::refuse(Refusal::kFlow, &rule_.id, rule_.retry_after_failure);
}

boost::asio::awaitable<Decision> ClusterLimiter::try_acquire(std::string key, std::int64_t n) {
  if (using_fallback()) co_return fallback(key, n);
  const std::string redis_key = rule_.key_prefix + rule_.id + ":" + key;
  const std::vector<std::string> args{std::to_string(rule_.spec.tokens_per_period), std::to_string(rule_.spec.period / 1000),
                                      std::to_string(rule_.spec.burst), std::to_string(n)};
  try {
    std::vector<std::string> cmd{"EVALSHA", script_sha_, "1", redis_key};
    cmd.insert(cmd.end(), args.begin(), args.end());
    net::RedisReply r = co_await redis_->command(cmd);
    if (r.type == net::RedisReply::Type::kError && r.str.rfind("NOSCRIPT", 0) == 0) {
      std::vector<std::string> eval{"EVAL", script(), "1", redis_key};
      eval.insert(eval.end(), args.begin(), args.end());
      r = co_await redis_->command(eval);
    }
    if (r.type != net::RedisReply::Type::kArray || r.elements.size() != 2 ||
        r.elements[0].type != net::RedisReply::Type::kInteger)
      throw net::RedisUnavailable(fmt::format("unexpected reply from the limit script: {}", r.str));
    if (r.elements[0].integer == 1) co_return Decision::admit();
    co_return Decision::refuse(Refusal::kFlow, &rule_.id, r.elements[1].integer * 1000);
  } catch (const net::RedisUnavailable& e) {
    failures_.fetch_add(1, std::memory_order_relaxed);
    const Nanos until = clock_.now() + rule_.retry_after_failure;
    if (down_until_.exchange(until) < clock_.now())
      log::warn("cluster limit {}: redis unreachable ({}); using the {} for {} ms", rule_.id, e.what(),
                local_ ? "local fallback limit" : (rule_.fail_mode == FailMode::kOpen ? "fail-open mode" : "fail-closed mode"),
                rule_.retry_after_failure / kMilli);
  }
  co_return fallback(key, n);
}

}  // namespace zt::core::resilience
