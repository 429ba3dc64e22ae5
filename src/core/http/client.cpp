#include "core/http/client.hpp"

#include <fmt/format.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <deque>
#include <map>
#include <memory>
#include <vector>

#include "core/http/error.hpp"

namespace zt::core::http {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using asio::use_awaitable;

namespace {

struct PooledConnection {
  tcp::socket socket;
  Clock::time_point idle_since;
};

using PoolKey = std::pair<std::string, std::uint16_t>;

std::string serialize_request(const Request& req, const Upstream& up) {
  std::string out;
  out.reserve(256 + req.body.size());
  out += req.method == Method::kOther ? std::string_view(req.method_text) : method_name(req.method);
  out += ' ';
  out += req.target.empty() ? "/" : req.target;
  out += " HTTP/1.1\r\n";
  bool has_host = false;
  const auto named = connection_options(req.headers);
  for (const auto& [k, v] : req.headers.fields()) {
    if (hop_by_hop(k, named) || iequals(k, "content-length")) continue;
    if (k.find_first_of("\r\n") != std::string::npos || v.find_first_of("\r\n") != std::string::npos) continue;
    has_host |= iequals(k, "host");
    out += k;
    out += ": ";
    out += v;
    out += "\r\n";
  }
  if (!has_host) out += fmt::format("host: {}:{}\r\n", up.host, up.port);
  if (!req.body.empty() || req.method == Method::kPost || req.method == Method::kPut || req.method == Method::kPatch)
    out += fmt::format("content-length: {}\r\n", req.body.size());
  out += "\r\n";
  out += req.body;
  return out;
}

}  // namespace

struct HttpClient::Impl {
  ClientOptions options;
  // Sockets belong to one io_context; each io thread keeps its own pool.
  static std::map<std::pair<const Impl*, PoolKey>, std::deque<PooledConnection>>& pools() {
    thread_local std::map<std::pair<const Impl*, PoolKey>, std::deque<PooledConnection>> p;
    return p;
  }

  std::optional<tcp::socket> take_pooled(const PoolKey& key) {
    auto& pool = pools()[{this, key}];
    while (!pool.empty()) {
      PooledConnection c = std::move(pool.back());
      pool.pop_back();
      if (Clock::now() - c.idle_since < options.pool_idle_timeout) return std::move(c.socket);
    }
    return std::nullopt;
  }

  void give_back(const PoolKey& key, tcp::socket s) {
    auto& pool = pools()[{this, key}];
    if (pool.size() >= options.max_idle_per_upstream) return;
    pool.push_back({std::move(s), Clock::now()});
  }

  ~Impl() {
    // Only this thread's pool can be touched safely; others are dropped with their threads.
    auto& p = pools();
    for (auto it = p.begin(); it != p.end();) it = it->first.first == this ? p.erase(it) : std::next(it);
  }
};

HttpClient::HttpClient(ClientOptions options) : impl_(std::make_shared<Impl>()) { impl_->options = options; }
HttpClient::~HttpClient() = default;

std::size_t HttpClient::idle_connections() const {
  std::size_t n = 0;
  for (const auto& [key, pool] : Impl::pools())
    if (key.first == impl_.get()) n += pool.size();
  return n;
}

namespace {

// A deadline on a socket: when it passes, the socket is cancelled (or closed), failing what waits
// on it. The handler holds only a shared state, never the coroutine's frame: the timer may fire
// just as the operation completes, its handler queued behind the coroutine's resumption, and run
// after the coroutine has ended and its frame is freed (an ASan report, fresh-clone run of
// 2026-12-07). It then finds the state no longer alive and touches nothing.
class SocketDeadline {
 public:
  SocketDeadline(const asio::any_io_executor& ex, Clock::time_point at, tcp::socket& socket, bool close)
      : timer_(ex, at) {
    timer_.async_wait([state = state_, &socket, close](const boost::system::error_code& ec) {
      if (ec || !state->alive) return;
      state->expired = true;
      boost::system::error_code ignored;
      if (close)
        socket.close(ignored);
      else
        socket.cancel(ignored);
    });
  }
  ~SocketDeadline() {
    state_->alive = false;
    timer_.cancel();
  }
  SocketDeadline(const SocketDeadline&) = delete;
  SocketDeadline& operator=(const SocketDeadline&) = delete;
  bool expired() const { return state_->expired; }

 private:
  struct State {
    bool alive = true;
    bool expired = false;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
  asio::steady_timer timer_;
};

// Runs one exchange on a connected socket. `got_bytes` tells whether any response byte arrived,
// which decides whether a failure on a pooled connection may be retried on a fresh one.
asio::awaitable<Response> exchange(tcp::socket& socket, const std::string& wire, bool head,
                                   const ClientOptions& options, Clock::time_point deadline, bool& got_bytes,
                                   bool& reusable) {
  auto ex = co_await asio::this_coro::executor;
  // Past the deadline the socket is closed, not only cancelled: a cancel aborts just the operation
  // waiting at that moment, and a read that had already completed would be followed by a new one
  // with no deadline left. A connection that timed out is thrown away anyway.
  const SocketDeadline timer(ex, deadline, socket, true);

  boost::system::error_code ec;
  co_await asio::async_write(socket, asio::buffer(wire), asio::redirect_error(use_awaitable, ec));
  if (ec) throw boost::system::system_error(timer.expired() ? asio::error::timed_out : ec);

  // Interim (1xx) answers are read and dropped: only a final answer ends the exchange, so nothing
  // of this one is left on the connection for the next request to read.
  std::string buf;
  bool closed = false;
  for (int interim = 0;; ++interim) {
    if (interim > 8) throw boost::system::system_error(bhttp::error::bad_status);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(options.max_response_bytes);
    parser.header_limit(64 * 1024);
    if (head) parser.skip(true);  // an answer to HEAD has no body, whatever its Content-Length says
    auto feed = [&]() {
      while (!parser.is_done() && !buf.empty()) {
        const std::size_t used = parser.put(asio::buffer(buf), ec);
        buf.erase(0, used);
        if (ec == bhttp::error::need_more) {
          ec = {};
          return;
        }
        if (ec) throw boost::system::system_error(ec);
        if (used == 0) return;
      }
    };
    feed();
    while (!parser.is_done()) {
      const std::size_t have = buf.size();
      buf.resize(have + 16384);
      const std::size_t n = co_await socket.async_read_some(asio::buffer(buf.data() + have, 16384),
                                                            asio::redirect_error(use_awaitable, ec));
      buf.resize(have + n);
      if (n > 0) got_bytes = true;
      if (ec == asio::error::eof) {
        if (!got_bytes) throw boost::system::system_error(ec);  // closed before answering: retryable
        parser.put_eof(ec);
        if (ec) throw boost::system::system_error(ec);
        closed = true;
        break;
      }
      if (ec) throw boost::system::system_error(timer.expired() ? asio::error::timed_out : ec);
      feed();
    }
    auto msg = parser.release();
    const int status = static_cast<int>(msg.result_int());
    if (status == 101) throw boost::system::system_error(bhttp::error::bad_status);  // we never ask to switch protocols
    if (status >= 100 && status < 200) continue;
    // Back to the pool only after a complete final answer with nothing after it.
    reusable = msg.keep_alive() && buf.empty() && !closed && !timer.expired();  // (expired: closed by the deadline)
    Response res;
    res.status = status;
    for (const auto& f : msg) res.headers.add(f.name_string(), f.value());
    res.body = std::move(msg.body());
    co_return res;
  }
}

}  // namespace

asio::awaitable<Response> HttpClient::send(const Upstream& upstream, Request req, const RequestContext* parent) {
  // The coroutine keeps the pool alive: the HttpClient may be destroyed while a call is in flight
  // (a long-poll at shutdown), and the call then finishes against a pool nobody else holds.
  const std::shared_ptr<Impl> impl = impl_;
  const auto& o = impl->options;
  auto deadline = Clock::now() + o.request_timeout;
  if (parent) {
    if (parent->deadline != Clock::time_point::max()) deadline = std::min(deadline, parent->deadline);
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (remaining.count() <= 0) throw ApiError::upstream(504, codes::kDeadlineExceeded, "请求处理超时");
    req.headers.set(kDeadlineHeader, std::to_string(remaining.count()));
    req.headers.set("traceparent", parent->trace.traceparent());
    req.headers.set("x-request-id", parent->request_id);
  }
  const std::string wire = serialize_request(req, upstream);
  const PoolKey key{upstream.host, upstream.port};
  auto ex = co_await asio::this_coro::executor;

  for (int attempt = 0; attempt < 2; ++attempt) {
    std::optional<tcp::socket> pooled = attempt == 0 ? impl->take_pooled(key) : std::nullopt;
    const bool from_pool = pooled.has_value();
    tcp::socket socket = from_pool ? std::move(*pooled) : tcp::socket(ex);
    if (!from_pool) {
      boost::system::error_code ec;
      auto address = asio::ip::make_address(upstream.host, ec);
      tcp::endpoint ep;
      if (!ec) {
        ep = tcp::endpoint(address, upstream.port);
      } else {
        tcp::resolver resolver(ex);
        auto results = co_await resolver.async_resolve(upstream.host, std::to_string(upstream.port),
                                                       asio::redirect_error(use_awaitable, ec));
        if (ec || results.empty())
          throw ApiError::upstream(502, codes::kUpstream, fmt::format("无法解析上游服务地址 {}", upstream.host));
        ep = *results.begin();
      }
      bool timed_out = false;
      {
        const SocketDeadline timer(ex, std::min(deadline, Clock::now() + o.connect_timeout), socket, true);
        co_await socket.async_connect(ep, asio::redirect_error(use_awaitable, ec));
        timed_out = timer.expired();
      }
      if (ec || timed_out) {
        if (Clock::now() >= deadline) throw ApiError::upstream(504, codes::kDeadlineExceeded, "请求处理超时");
        throw ApiError::upstream(502, codes::kUpstream, "上游服务连接失败");
      }
      socket.set_option(tcp::no_delay(true), ec);
    }
    bool got_bytes = false, reusable = false;
    try {
      Response res = co_await exchange(socket, wire, req.method == Method::kHead, o, deadline, got_bytes, reusable);
      if (reusable) impl->give_back(key, std::move(socket));
      co_return res;
    } catch (const boost::system::system_error& e) {
      // A pooled connection the upstream closed while idle fails before any byte arrives: retry
      // once on a fresh connection. Anything else is the upstream's answer.
      if (from_pool && !got_bytes && Clock::now() < deadline && e.code() != asio::error::timed_out) continue;
      if (e.code() == asio::error::timed_out || Clock::now() >= deadline)
        throw ApiError::upstream(504, codes::kDeadlineExceeded, "请求处理超时");
      if (e.code() == bhttp::error::body_limit) throw ApiError::upstream(502, codes::kUpstream, "上游服务响应过大");
      throw ApiError::upstream(502, codes::kUpstream, "上游服务响应异常");
    }
  }
  throw ApiError::upstream(502, codes::kUpstream, "上游服务响应异常");
}

}  // namespace zt::core::http
