#include "core/http/server.hpp"

#include <fmt/format.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <ctime>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/http/error.hpp"
#include "core/net/runtime.hpp"
#include "core/net/slot_executor.hpp"
#include "core/observe/log.hpp"
#include "core/observe/metrics.hpp"

namespace zt::core::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using asio::use_awaitable;

namespace {

enum class Phase { kIdle, kHeader, kBody, kHandling, kWriting };

// "Date" header value, formatted once per second per thread.
std::string_view http_date() {
  thread_local std::time_t cached_second = 0;
  thread_local char buf[40];
  std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    cached_second = now;
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  }
  return buf;
}

bool safe_header_text(std::string_view s) {
  for (char c : s)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

void serialize(const Response& res, bool head_request, bool keep_alive, std::string& out) {
  out.clear();
  out += "HTTP/1.1 ";
  out += std::to_string(res.status);
  out += ' ';
  out += reason_phrase(res.status);
  out += "\r\n";
  for (const auto& [k, v] : res.headers.fields()) {
    // The server owns framing; a handler cannot smuggle a second message through a header.
    if (iequals(k, "content-length") || iequals(k, "transfer-encoding") || iequals(k, "connection")) continue;
    if (!safe_header_text(k) || !safe_header_text(v)) continue;
    out += k;
    out += ": ";
    out += v;
    out += "\r\n";
  }
  out += "date: ";
  out += http_date();
  out += "\r\n";
  const bool has_body = !(res.status < 200 || res.status == 204 || res.status == 304);
  if (has_body) {
    // A HEAD answer has no body but tells the length a GET would get: a handler (a proxy, the
    // static files) that left the body out says it in its own Content-Length.
    std::size_t length = res.body.size();
    if (head_request && res.body.empty())
      if (auto declared = res.headers.get("content-length")) {
        std::size_t n = 0;
        auto [p, ec] = std::from_chars(declared->data(), declared->data() + declared->size(), n);
        if (ec == std::errc() && p == declared->data() + declared->size()) length = n;
      }
    out += "content-length: ";
    out += std::to_string(length);
    out += "\r\n";
  }
  if (!keep_alive) out += "connection: close\r\n";
  out += "\r\n";
  if (has_body && !head_request) out += res.body;
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  struct Connection {
    explicit Connection(tcp::socket s) : socket(std::move(s)), timer(socket.get_executor()) {}
    tcp::socket socket;
    asio::steady_timer timer;
    Phase phase = Phase::kIdle;
    Clock::time_point phase_started = Clock::now();
    bool timed_out = false;
    bool closed = false;
    bool close_after_response = false;

    void close() {
      if (closed) return;
      closed = true;
      boost::system::error_code ec;
      socket.shutdown(tcp::socket::shutdown_both, ec);
      socket.close(ec);
      timer.cancel();
    }
  };

  Impl(net::IoRuntime& rt, ServerOptions o, Handler h, observe::Registry* m)
      : runtime(rt), options(std::move(o)), handler(std::move(h)) {
    if (m) {
      observe::Labels l{{"server", options.name}};
      active_gauge = &m->gauge("zt_http_connections", "Open HTTP connections", l);
      accepted = &m->counter("zt_http_connections_accepted_total", "Accepted HTTP connections", l);
      rejected = &m->counter("zt_http_connections_rejected_total", "Connections refused at the connection limit", l);
      timeouts = &m->counter("zt_http_timeouts_total", "Connections cut off by a header, body, write or idle limit", l);
      parse_errors = &m->counter("zt_http_parse_errors_total", "Requests refused by the parser (400, 413, 431)", l);
    }
  }

  net::IoRuntime& runtime;
  ServerOptions options;
  Handler handler;
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::uint16_t bound_port = 0;
  std::atomic<std::size_t> active{0};
  std::atomic<bool> draining{false};
  std::mutex conns_mutex;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> conns;

  observe::Gauge* active_gauge = nullptr;
  observe::Counter* accepted = nullptr;
  observe::Counter* rejected = nullptr;
  observe::Counter* timeouts = nullptr;
  observe::Counter* parse_errors = nullptr;

  Clock::duration phase_limit(Phase p) const {
    const auto& l = options.limits;
    switch (p) {
      case Phase::kIdle: return l.idle_timeout;
      case Phase::kHeader: return l.header_timeout;
      case Phase::kBody: return l.body_timeout;
      case Phase::kWriting: return l.write_timeout;
      case Phase::kHandling: return Clock::duration::max();  // the request deadline governs handlers
    }
    return l.idle_timeout;
  }

  Clock::duration shortest_limit() const {
    const auto& l = options.limits;
    return std::min({Clock::duration(l.header_timeout), Clock::duration(l.body_timeout),
                     Clock::duration(l.write_timeout), Clock::duration(l.idle_timeout)});
  }

  // One timer per connection, re-armed only when it fires: phase changes cost no timer operation.
  // It wakes at least every shortest_limit(), so a phase with a shorter limit is caught within
  // that limit plus at most one period.
  static asio::awaitable<void> watchdog(std::shared_ptr<Impl> self, std::shared_ptr<Connection> c) {
    const auto period = self->shortest_limit();
    while (!c->closed) {
      const auto limit = self->phase_limit(c->phase);
      auto due = limit == Clock::duration::max() ? Clock::time_point::max() : c->phase_started + limit;
      auto wake = std::min(due, Clock::now() + period);
      c->timer.expires_at(wake);
      boost::system::error_code ec;
      co_await c->timer.async_wait(asio::redirect_error(use_awaitable, ec));
      if (c->closed) break;
      const auto now_limit = self->phase_limit(c->phase);
      if (now_limit == Clock::duration::max() || Clock::now() < c->phase_started + now_limit) continue;
      if (self->timeouts) self->timeouts->inc();
      if (c->timed_out || c->phase == Phase::kIdle || c->phase == Phase::kWriting) {
        c->close();
        break;
      }
      // Header or body too slow: stop the read, let the session answer 408, then close.
      c->timed_out = true;
      c->socket.cancel(ec);
      c->phase = Phase::kWriting;
      c->phase_started = Clock::now();
    }
  }

  static asio::awaitable<void> write_all(Connection& c, const std::string& data, boost::system::error_code& ec) {
    co_await asio::async_write(c.socket, asio::buffer(data), asio::redirect_error(use_awaitable, ec));
  }

  static asio::awaitable<void> session(std::shared_ptr<Impl> self, std::shared_ptr<Connection> c) {
    struct Registration {
      Impl& s;
      Connection* c;
      ~Registration() {
        {
          std::lock_guard lock(s.conns_mutex);
          s.conns.erase(c);
        }
        s.active.fetch_sub(1);
        if (s.active_gauge) s.active_gauge->add(-1);
      }
    } registration{*self, c.get()};

    asio::co_spawn(c->socket.get_executor(), watchdog(self, c), asio::detached);

    std::string remote;
    {
      boost::system::error_code ec;
      auto ep = c->socket.remote_endpoint(ec);
      if (!ec) remote = ep.address().to_string();
    }
    std::string in;
    std::size_t in_pos = 0;
    std::string out;
    constexpr std::size_t kReadChunk = 16 * 1024;

    while (!c->closed) {
      RequestParser parser(self->options.limits.parser);
      bool sent_continue = false;
      c->phase = in_pos < in.size() ? Phase::kHeader : Phase::kIdle;
      c->phase_started = Clock::now();
      auto header_started = c->phase_started;

      while (parser.state() == RequestParser::State::kNeedMore) {
        if (in_pos < in.size()) {
          in_pos += parser.feed(std::string_view(in).substr(in_pos));
          if (c->phase == Phase::kHeader && parser.header_done()) {
            c->phase = Phase::kBody;
            c->phase_started = Clock::now();
            if (!sent_continue && parser.state() == RequestParser::State::kNeedMore && parser.expects_continue()) {
              sent_continue = true;
              static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
              boost::system::error_code ec;
              co_await write_all(*c, kContinue, ec);
              if (ec) {
                c->close();
                co_return;
              }
            }
          }
          if (parser.state() != RequestParser::State::kNeedMore) break;
        }
        if (in_pos == in.size()) {
          in.clear();
          in_pos = 0;
        } else if (in_pos > 0) {
          in.erase(0, in_pos);
          in_pos = 0;
        }
        const std::size_t old = in.size();
        in.resize(old + kReadChunk);
        boost::system::error_code ec;
        std::size_t n = co_await c->socket.async_read_some(asio::buffer(in.data() + old, kReadChunk),
                                                           asio::redirect_error(use_awaitable, ec));
        in.resize(old + n);
        if (ec) {
          if (c->timed_out && !c->closed) {
            Response r = Response::json(408, error_body(codes::kTimeout, "请求超时", ""));
            serialize(r, false, false, out);
            boost::system::error_code wec;
            co_await write_all(*c, out, wec);
          } else if (ec == asio::error::eof && c->phase != Phase::kIdle) {
            parser.feed_eof();
            if (parser.state() == RequestParser::State::kDone) break;
          }
          c->close();
          co_return;
        }
        if (c->phase == Phase::kIdle && n > 0) {
          c->phase = Phase::kHeader;
          c->phase_started = header_started = Clock::now();
        }
      }

      if (parser.state() == RequestParser::State::kError) {
        const ParseError& e = parser.error();
        if (self->parse_errors) self->parse_errors->inc();
        log::debug("refused a request from {}: {} ({})", remote, e.code, e.detail);
        Response r = Response::json(e.status, error_body(e.code, e.message, ""));
        serialize(r, false, false, out);
        boost::system::error_code ec;
        c->phase = Phase::kWriting;
        c->phase_started = Clock::now();
        co_await write_all(*c, out, ec);
        c->close();
        co_return;
      }

      Request req = parser.take();
      c->phase = Phase::kHandling;
      c->phase_started = Clock::now();
      RequestContext ctx;
      ctx.received_at = header_started;
      ctx.remote_address = remote;
      Response res;
      try {
        res = co_await self->handler(req, ctx);
      } catch (const std::exception& e) {
        log::error("handler escaped with an exception: {}", e.what());
        res = Response::json(500, error_body(codes::kInternal, "系统内部错误，请稍后再试", ctx.trace_id));
      }
      if (c->closed) co_return;
      const bool keep = req.keep_alive && !self->draining.load() && !c->close_after_response;
      serialize(res, req.method == Method::kHead, keep, out);
      c->phase = Phase::kWriting;
      c->phase_started = Clock::now();
      boost::system::error_code ec;
      co_await write_all(*c, out, ec);
      if (ec || !keep) {
        c->close();
        co_return;
      }
    }
  }

  static asio::awaitable<void> refuse_connection(tcp::socket socket) {
    static const std::string kBusy = [] {
      std::string body = error_body(codes::kOverloaded, "系统繁忙，请稍后再试", "");
      return fmt::format(
          "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json; charset=utf-8\r\n"
          "content-length: {}\r\nconnection: close\r\n\r\n{}",
          body.size(), body);
    }();
    boost::system::error_code ec;
    co_await asio::async_write(socket, asio::buffer(kBusy), asio::redirect_error(use_awaitable, ec));
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }

  static asio::awaitable<void> accept_loop(std::shared_ptr<Impl> self, tcp::acceptor* acceptor) {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket = co_await acceptor->async_accept(asio::redirect_error(use_awaitable, ec));
      if (ec) {
        if (!acceptor->is_open() || ec == asio::error::operation_aborted) co_return;
        // Out of descriptors or a transient error: back off briefly instead of spinning.
        log::warn("accept on {} failed: {}", self->options.name, ec.message());
        asio::steady_timer pause(acceptor->get_executor(), std::chrono::milliseconds(50));
        co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
        continue;
      }
      if (self->draining.load()) {
        socket.close(ec);
        continue;
      }
      if (self->active.load() >= self->options.limits.max_connections) {
        if (self->rejected) self->rejected->inc();
        asio::co_spawn(acceptor->get_executor(), refuse_connection(std::move(socket)), asio::detached);
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      auto conn = std::make_shared<Connection>(std::move(socket));
      self->active.fetch_add(1);
      if (self->active_gauge) self->active_gauge->add(1);
      if (self->accepted) self->accepted->inc();
      {
        std::lock_guard lock(self->conns_mutex);
        self->conns.emplace(conn.get(), conn);
      }
      // With work slots (dependency spans configured), on an executor with a slot of its own: the
      // request it serves is the parent of the spans of what the request's code calls
      // (core/net/work_executor.hpp). Not otherwise: the plain executor runs completions inline.
      if (self->options.work_slots)
        asio::co_spawn(net::work_executor(acceptor->get_executor(), std::make_shared<net::WorkSlot>()),
                       session(self, std::move(conn)), asio::detached);
      else
        asio::co_spawn(acceptor->get_executor(), session(self, std::move(conn)), asio::detached);
    }
  }
};

HttpServer::HttpServer(net::IoRuntime& runtime, ServerOptions options, Handler handler, observe::Registry* metrics)
    : impl_(std::make_shared<Impl>(runtime, std::move(options), std::move(handler), metrics)) {}

HttpServer::~HttpServer() {
  if (!impl_->acceptors.empty() && !impl_->draining.load()) {
    // Close acceptors on their own threads if the runtime is still running; otherwise directly.
    for (auto& a : impl_->acceptors) {
      boost::system::error_code ec;
      a->close(ec);
    }
  }
}

void HttpServer::start() {
  auto& rt = impl_->runtime;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) throw std::runtime_error(fmt::format("invalid listen address '{}': {}", impl_->options.host, ec.message()));
  std::uint16_t port = impl_->options.port;
  // The acceptors (one per io thread) share the port through SO_REUSEPORT, which would also let any
  // other socket of the same user join them and silently take a share of the connections: a second
  // process, or this process's other server, configured on the same port. A plain bind first
  // proves the port free (a listener in TIME_WAIT is fine). Port 0 needs none: the first acceptor
  // takes the kernel's pick, and the others join it.
  if (port != 0) {
    tcp::acceptor probe(rt.context(0));
    tcp::endpoint ep(address, port);
    probe.open(ep.protocol(), ec);
    if (!ec) probe.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) probe.bind(ep, ec);
    if (ec)
      throw std::runtime_error(fmt::format("cannot listen on {}:{} for the {} server: {}", impl_->options.host, port,
                                           impl_->options.name, ec.message()));
    probe.close(ec);
  }
  for (std::size_t i = 0; i < rt.size(); ++i) {
    auto acceptor = std::make_unique<tcp::acceptor>(rt.context(i));
    tcp::endpoint ep(address, port);
    acceptor->open(ep.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) {
      int one = 1;
      ::setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
      acceptor->bind(ep, ec);
    }
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      throw std::runtime_error(fmt::format("cannot listen on {}:{} for the {} server: {}", impl_->options.host, port,
                                           impl_->options.name, ec.message()));
    if (port == 0) port = acceptor->local_endpoint().port();
    impl_->acceptors.push_back(std::move(acceptor));
  }
  impl_->bound_port = port;
  for (std::size_t i = 0; i < rt.size(); ++i) {
    tcp::acceptor* a = impl_->acceptors[i].get();
    asio::co_spawn(rt.context(i), Impl::accept_loop(impl_, a), asio::detached);
  }
}

std::uint16_t HttpServer::port() const { return impl_->bound_port; }

std::size_t HttpServer::connections() const { return impl_->active.load(); }

void HttpServer::drain() {
  auto& s = *impl_;
  if (s.draining.exchange(true)) return;
  for (std::size_t i = 0; i < s.acceptors.size(); ++i) {
    tcp::acceptor* a = s.acceptors[i].get();
    asio::post(a->get_executor(), [a] {
      boost::system::error_code ec;
      a->close(ec);
    });
  }
  auto close_connections = [&s](bool idle_only) {
    std::vector<std::shared_ptr<Impl::Connection>> live;
    {
      std::lock_guard lock(s.conns_mutex);
      for (auto& [raw, weak] : s.conns)
        if (auto c = weak.lock()) live.push_back(std::move(c));
    }
    for (auto& c : live) {
      auto ex = c->socket.get_executor();
      asio::post(ex, [c, idle_only] {
        if (!idle_only || c->phase == Phase::kIdle) {
          c->close();
        } else {
          c->close_after_response = true;
        }
      });
    }
  };
  close_connections(true);
  const auto give_up = Clock::now() + s.options.limits.drain_timeout;
  while (s.active.load() > 0 && Clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    close_connections(true);  // connections that finished their request since
  }
  if (s.active.load() > 0) {
    log::warn("{} server: {} connections still busy after the drain timeout; closing them", s.options.name,
              s.active.load());
    close_connections(false);
    for (int i = 0; i < 100 && s.active.load() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace zt::core::http
