#include "core/net/redis.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <charconv>
#include <chrono>
#include <deque>
#include <exception>
#include <map>
#include <optional>

#include "core/net/work_executor.hpp"
#include "core/observe/tracer.hpp"

namespace zt::core::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using asio::use_awaitable;

std::string encode_redis_command(const std::vector<std::string>& args) {
  std::string out = fmt::format("*{}\r\n", args.size());
  for (const auto& a : args) {
    out += fmt::format("${}\r\n", a.size());
    out += a;
    out += "\r\n";
  }
  return out;
}

namespace {

constexpr int kMaxDepth = 8;

std::optional<RedisReply> parse_at(std::string_view buf, std::size_t& pos, int depth) {
  if (depth > kMaxDepth) throw std::runtime_error("redis reply nested too deeply");
  if (pos >= buf.size()) return std::nullopt;
  auto eol = buf.find("\r\n", pos);
  if (eol == std::string_view::npos) return std::nullopt;
  const char kind = buf[pos];
  std::string_view line = buf.substr(pos + 1, eol - pos - 1);
  auto to_int = [&](std::string_view s) {
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) throw std::runtime_error("malformed redis integer");
    return v;
  };
  RedisReply r;
  switch (kind) {
    case '+':
      r.type = RedisReply::Type::kStatus;
      r.str = std::string(line);
      pos = eol + 2;
      return r;
    case '-':
      r.type = RedisReply::Type::kError;
      r.str = std::string(line);
      pos = eol + 2;
      return r;
    case ':':
      r.type = RedisReply::Type::kInteger;
      r.integer = to_int(line);
      pos = eol + 2;
      return r;
    case '$': {
      std::int64_t len = to_int(line);
      if (len < 0) {
        r.type = RedisReply::Type::kNil;
        pos = eol + 2;
        return r;
      }
      if (len > 64 * 1024 * 1024) throw std::runtime_error("redis bulk string too large");
      const std::size_t start = eol + 2;
      if (buf.size() < start + static_cast<std::size_t>(len) + 2) return std::nullopt;
      if (buf.substr(start + static_cast<std::size_t>(len), 2) != "\r\n") throw std::runtime_error("malformed redis bulk string");
      r.type = RedisReply::Type::kString;
      r.str = std::string(buf.substr(start, static_cast<std::size_t>(len)));
      pos = start + static_cast<std::size_t>(len) + 2;
      return r;
    }
    case '*': {
      std::int64_t n = to_int(line);
      std::size_t p = eol + 2;
      if (n < 0) {
        r.type = RedisReply::Type::kNil;
        pos = p;
        return r;
      }
      if (n > 1024 * 1024) throw std::runtime_error("redis array too large");
      r.type = RedisReply::Type::kArray;
      for (std::int64_t i = 0; i < n; ++i) {
        auto e = parse_at(buf, p, depth + 1);
        if (!e) return std::nullopt;
        r.elements.push_back(std::move(*e));
      }
      pos = p;
      return r;
    }
    default:
      throw std::runtime_error(fmt::format("unexpected redis reply type '{}'", kind));
  }
}

}  // namespace

std::optional<RedisReply> parse_redis_reply(std::string_view buf, std::size_t& consumed) {
  std::size_t pos = 0;
  auto r = parse_at(buf, pos, 0);
  consumed = r ? pos : 0;
  return r;
}

struct RedisClient::Impl {
  RedisOptions options;
  static std::map<const Impl*, std::deque<tcp::socket>>& idle() {
    thread_local std::map<const Impl*, std::deque<tcp::socket>> pools;
    return pools;
  }
  ~Impl() { idle().erase(this); }
};

RedisClient::RedisClient(RedisOptions options) : impl_(std::make_shared<Impl>()) { impl_->options = std::move(options); }
RedisClient::~RedisClient() = default;
const RedisOptions& RedisClient::options() const { return impl_->options; }

namespace {

// Runs an operation with a deadline: the timer closes the socket, failing the pending operation.
struct Deadline {
  Deadline(asio::any_io_executor ex, tcp::socket& s, std::chrono::milliseconds d) : timer(ex, d), socket(s) {
    timer.async_wait([this, alive = alive](const boost::system::error_code& ec) {
      if (ec || !*alive) return;
      expired = true;
      boost::system::error_code ignored;
      socket.close(ignored);
    });
  }
  ~Deadline() {
    *alive = false;
    timer.cancel();
  }
  asio::steady_timer timer;
  tcp::socket& socket;
  bool expired = false;
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);
};

asio::awaitable<RedisReply> roundtrip(tcp::socket& socket, const std::string& wire) {
  boost::system::error_code ec;
  co_await asio::async_write(socket, asio::buffer(wire), asio::redirect_error(use_awaitable, ec));
  if (ec) throw RedisUnavailable(fmt::format("redis write failed: {}", ec.message()));
  std::string buf;
  for (;;) {
    std::size_t have = buf.size();
    buf.resize(have + 4096);
    std::size_t n = co_await socket.async_read_some(asio::buffer(buf.data() + have, 4096), asio::redirect_error(use_awaitable, ec));
    buf.resize(have + n);
    if (ec) throw RedisUnavailable(fmt::format("redis read failed: {}", ec.message()));
    std::size_t used = 0;
    if (auto r = parse_redis_reply(buf, used)) {
      if (used != buf.size()) throw RedisUnavailable("redis sent more than one reply");
      co_return std::move(*r);
    }
  }
}

}  // namespace

asio::awaitable<RedisReply> RedisClient::command(std::vector<std::string> args) {
  std::optional<observe::SpanOrigin> parent;
  if (observe::tracer().recording()) parent = co_await current_span_parent();
  if (!parent) co_return co_await send(std::move(args));
  // The command's name only (never a key or a value), upper-cased; "?" when it is not a name.
  std::string verb = args.empty() ? std::string("?") : args.front();
  for (auto& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (verb.empty() || verb.size() > 32 || !std::all_of(verb.begin(), verb.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
      }))
    verb = "?";
  const std::uint64_t start = observe::unix_nanos();
  const auto began = std::chrono::steady_clock::now();
  std::exception_ptr error;
  RedisReply reply;
  try {
    reply = co_await send(std::move(args));
  } catch (...) {
    error = std::current_exception();
  }
  const auto took = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - began);
  // An error reply fails the span, except NOSCRIPT: the script cache asked, which the caller
  // answers by loading the script (core/resilience/cluster.cpp).
  const bool error_reply = !error && reply.type == RedisReply::Type::kError;
  const bool expected = error_reply && reply.str.rfind("NOSCRIPT", 0) == 0;
  const bool failed = error || (error_reply && !expected);
  // Built only when the span is kept, and never thrown into the caller (the command has run).
  if (observe::tracer().wanted(parent->trace.flags, failed, took)) {
    try {
      std::vector<observe::Attribute> attributes{{"db.system", std::string("redis")}};
      if (expected) attributes.push_back({"zt.redis.noscript", true});
      observe::record_dependency_span(*parent, "redis " + verb, "redis", std::move(attributes), start, took, failed,
                                      error ? "redis unavailable" : (failed ? "redis error reply" : ""));
    } catch (...) {
      // The span lost; the command's outcome stands.
    }
  }
  if (error) std::rethrow_exception(error);
  co_return reply;
}

asio::awaitable<RedisReply> RedisClient::send(std::vector<std::string> args) {
  auto impl = impl_;  // keeps the options alive across suspensions
  const auto& o = impl->options;
  auto ex = co_await asio::this_coro::executor;
  std::optional<tcp::socket> socket;
  {
    // This thread's pool, read before any suspension (the coroutine may resume on another thread).
    // An idle connection closed meanwhile (its deadline fired as its answer arrived) is dropped.
    auto& pool = Impl::idle()[impl.get()];
    while (!pool.empty() && !socket) {
      if (pool.back().is_open()) socket.emplace(std::move(pool.back()));
      pool.pop_back();
    }
  }
  const bool reused = socket.has_value();
  if (!socket) {
    socket.emplace(ex);
    boost::system::error_code ec;
    auto address = asio::ip::make_address(o.host, ec);
    if (ec) throw RedisUnavailable(fmt::format("redis host '{}' is not an IP address", o.host));
    {
      Deadline d(ex, *socket, o.connect_timeout);
      co_await socket->async_connect(tcp::endpoint(address, o.port), asio::redirect_error(use_awaitable, ec));
      if (ec || d.expired) {
        std::string why = d.expired ? std::string("timed out") : ec.message();
        throw RedisUnavailable(fmt::format("cannot connect to redis {}:{}: {}", o.host, o.port, why));
      }
    }
    socket->set_option(tcp::no_delay(true), ec);
    if (!o.password.empty()) {
      Deadline d(ex, *socket, o.command_timeout);
      // Built before the co_await: g++ 12 miscompiles string literals in a braced list there.
      const std::vector<std::string> auth_args{std::string("AUTH"), o.password};
      const std::string auth_wire = encode_redis_command(auth_args);
      RedisReply auth = co_await roundtrip(*socket, auth_wire);
      if (auth.type == RedisReply::Type::kError) throw RedisUnavailable("redis refused the password");
    }
  }
  const std::string wire = encode_redis_command(args);
  RedisReply reply;
  bool reusable = false, broken = false;
  std::string failure;
  {
    Deadline d(ex, *socket, o.command_timeout);
    try {
      reply = co_await roundtrip(*socket, wire);
      // The deadline may have closed it as the answer arrived: the answer stands, the
      // connection does not go back.
      reusable = !d.expired && socket->is_open();
    } catch (const RedisUnavailable& e) {
      failure = d.expired ? std::string("redis command timed out") : std::string(e.what());
      broken = !d.expired;  // the connection itself failed (reset, closed), not a slow answer
    } catch (const std::runtime_error& e) {
      failure = fmt::format("redis protocol error: {}", e.what());
    }
  }
  if (!failure.empty()) {
    // A reused connection that broke says the others idle beside it may be dead too (the server
    // restarted, or closed idle clients): they are dropped, so the next command connects afresh
    // instead of meeting each of them in turn. A slow answer or a protocol error says nothing of
    // them: they stay.
    if (reused && broken) Impl::idle()[impl.get()].clear();
    throw RedisUnavailable(failure);
  }
  auto& back = Impl::idle()[impl.get()];
  if (reusable && back.size() < o.max_idle_per_thread) back.push_back(std::move(*socket));
  co_return reply;
}

}  // namespace zt::core::net
