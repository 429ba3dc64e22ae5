#include "core/net/etcd.hpp"

#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <mutex>

#include "core/observe/blocking_parent.hpp"
#include "core/observe/tracer.hpp"
#include "core/util/digest.hpp"

namespace zt::core::net::etcd {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace json = boost::json;
using tcp = asio::ip::tcp;

std::string prefix_end(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last < 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key
}

namespace {

std::string b64(const std::string& s) { return base64_encode(s); }

std::string unb64(const json::object& o, std::string_view name) {
  auto it = o.find(name);
  if (it == o.end() || !it->value().is_string()) return {};
  auto decoded = base64_decode(it->value().get_string());
  if (!decoded) throw EtcdError(fmt::format("etcd: field {} is not base64", name));
  return *decoded;
}

// The gateway writes int64 as JSON strings and leaves zero values out.
std::int64_t i64(const json::object& o, std::string_view name) {
  auto it = o.find(name);
  if (it == o.end()) return 0;
  const auto& v = it->value();
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) return static_cast<std::int64_t>(v.get_uint64());
  if (v.is_string()) {
    try {
      return std::stoll(std::string(v.get_string()));
    } catch (const std::exception&) {
      throw EtcdError(fmt::format("etcd: field {} is not a number", name));
    }
  }
  return 0;
}

const json::object& obj(const json::object& o, std::string_view name) {
  static const json::object empty;
  auto it = o.find(name);
  return it != o.end() && it->value().is_object() ? it->value().get_object() : empty;
}

KeyValue kv_from(const json::object& o) {
  KeyValue kv;
  kv.key = unb64(o, "key");
  kv.value = unb64(o, "value");
  kv.create_revision = i64(o, "create_revision");
  kv.mod_revision = i64(o, "mod_revision");
  kv.version = i64(o, "version");
  kv.lease = i64(o, "lease");
  return kv;
}

RangeResult range_from(const json::object& o) {
  RangeResult r;
  r.revision = i64(obj(o, "header"), "revision");
  r.more = o.contains("more") && o.at("more").is_bool() && o.at("more").get_bool();
  if (auto it = o.find("kvs"); it != o.end() && it->value().is_array())
    for (const auto& kv : it->value().get_array())
      if (kv.is_object()) r.kvs.push_back(kv_from(kv.get_object()));
  return r;
}

json::object op_json(const Op& op) {
  json::object inner;
  inner["key"] = b64(op.key);
  switch (op.kind) {
    case Op::Kind::kPut:
      inner["value"] = b64(op.value);
      if (op.lease) inner["lease"] = std::to_string(op.lease);
      return {{"request_put", std::move(inner)}};
    case Op::Kind::kDelete:
      if (!op.range_end.empty()) inner["range_end"] = b64(op.range_end);
      return {{"request_delete_range", std::move(inner)}};
    case Op::Kind::kRange:
      if (!op.range_end.empty()) inner["range_end"] = b64(op.range_end);
      return {{"request_range", std::move(inner)}};
  }
  return {};
}

json::object compare_json(const Compare& c) {
  static constexpr const char* kTargets[] = {"VERSION", "CREATE", "MOD", "VALUE"};
  static constexpr const char* kResults[] = {"EQUAL", "GREATER", "LESS", "NOT_EQUAL"};
  json::object o;
  o["key"] = b64(c.key);
  o["target"] = kTargets[static_cast<int>(c.target)];
  o["result"] = kResults[static_cast<int>(c.result)];
  switch (c.target) {
    case Compare::Target::kVersion: o["version"] = std::to_string(c.number); break;
    case Compare::Target::kCreate: o["create_revision"] = std::to_string(c.number); break;
    case Compare::Target::kMod: o["mod_revision"] = std::to_string(c.number); break;
    case Compare::Target::kValue: o["value"] = b64(c.value); break;
  }
  return o;
}

struct Endpoint {
  std::string host;
  std::string port;
};

Endpoint parse_endpoint(std::string e) {
  if (e.starts_with("http://")) e = e.substr(7);
  while (!e.empty() && e.back() == '/') e.pop_back();
  auto colon = e.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == e.size())
    throw std::invalid_argument(fmt::format("etcd endpoint '{}' should be host:port", e));
  return {e.substr(0, colon), e.substr(colon + 1)};
}

// One connection with its own io_context: async operations give timeouts, run() makes them blocking.
struct Connection {
  explicit Connection(std::size_t endpoint_index) : endpoint(endpoint_index) {}
  std::size_t endpoint;
  asio::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;

  void run() {
    ioc.restart();
    ioc.run();
  }
};

// The body of a gateway error: {"error": "...", "code": 14, "message": "..."}.
EtcdError error_from(int status, const std::string& body) {
  int code = 0;
  std::string message = body.substr(0, 300);
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (!ec && v.is_object()) {
    const auto& o = v.get_object();
    code = static_cast<int>(i64(o, "code"));
    if (auto it = o.find("message"); it != o.end() && it->value().is_string()) message = it->value().get_string();
    else if (auto e = o.find("error"); e != o.end() && e->value().is_string()) message = e->value().get_string();
  }
  return EtcdError(fmt::format("etcd answered {}: {}", status, message), code);
}

// gRPC codes on which another member may do better: Unavailable, DeadlineExceeded, Unknown (leader changes).
bool try_another_member(int code) { return code == 14 || code == 4 || code == 2; }

}  // namespace

struct Client::Impl {
  ClientOptions options;
  std::vector<Endpoint> endpoints;
  std::mutex mutex;
  std::vector<std::unique_ptr<Connection>> idle;
  std::atomic<std::size_t> preferred{0};

  std::unique_ptr<Connection> take(std::size_t index) {
    {
      std::lock_guard lock(mutex);
      for (auto it = idle.begin(); it != idle.end(); ++it)
        if ((*it)->endpoint == index) {
          auto c = std::move(*it);
          idle.erase(it);
          return c;
        }
    }
    return nullptr;
  }

  void give_back(std::unique_ptr<Connection> c) {
    std::lock_guard lock(mutex);
    if (idle.size() < 16) idle.push_back(std::move(c));
  }

  std::unique_ptr<Connection> connect(std::size_t index, beast::error_code& ec) {
    auto c = std::make_unique<Connection>(index);
    tcp::resolver resolver(c->ioc);
    auto results = resolver.resolve(endpoints[index].host, endpoints[index].port, ec);
    if (ec) return nullptr;
    c->stream.expires_after(options.connect_timeout);
    c->stream.async_connect(results, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    c->run();
    if (ec) return nullptr;
    c->stream.socket().set_option(tcp::no_delay(true), ec);
    ec = {};
    return c;
  }

  static bhttp::request<bhttp::string_body> request(const Endpoint& e, const std::string& path, std::string body) {
    bhttp::request<bhttp::string_body> req{bhttp::verb::post, path, 11};
    req.set(bhttp::field::host, e.host + ":" + e.port);
    req.set(bhttp::field::content_type, "application/json");
    req.keep_alive(true);
    req.body() = std::move(body);
    req.prepare_payload();
    return req;
  }

  // One exchange on `c`; `sent` tells whether the request may have reached the server.
  beast::error_code exchange(Connection& c, bhttp::request<bhttp::string_body>& req,
                             bhttp::response<bhttp::string_body>& res, bool& sent) {
    beast::error_code ec;
    sent = false;
    c.stream.expires_after(options.request_timeout);
    bhttp::async_write(c.stream, req, [&](beast::error_code e, std::size_t) { ec = e; });
    c.run();
    if (ec) return ec;
    sent = true;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    bhttp::async_read(c.stream, c.buffer, parser, [&](beast::error_code e, std::size_t) { ec = e; });
    c.run();
    if (!ec) res = parser.release();
    return ec;
  }

  // One call: sent, and recorded as a client span of the request the blocking work runs for
  // (observe/blocking_parent.hpp) when there is one and the span is wanted. Named by the operation
  // ("etcd kv/txn"), never a key or a value; failed when the cluster could not be reached or
  // refused it — except a lease already gone at a revoke, which the caller expects.
  json::object call(const std::string& path, const json::object& body, bool idempotent) {
    const observe::SpanOrigin* parent = observe::tracer().recording() ? observe::blocking_span_parent() : nullptr;
    if (!parent) return send(path, body, idempotent);
    const std::uint64_t start = observe::unix_nanos();
    const auto began = std::chrono::steady_clock::now();
    try {
      auto answer = send(path, body, idempotent);
      record_call(*parent, path, start, began, nullptr);
      return answer;
    } catch (const EtcdError& e) {
      record_call(*parent, path, start, began, &e);
      throw;
    } catch (...) {
      const EtcdError failed("etcd call failed");
      record_call(*parent, path, start, began, &failed);
      throw;
    }
  }

  static void record_call(const observe::SpanOrigin& parent, const std::string& path, std::uint64_t start,
                          std::chrono::steady_clock::time_point began, const EtcdError* error) noexcept try {
    const auto took = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - began);
    const int code = error ? error->grpc_code() : 0;
    const bool expected = error && code == 5 && path == "/v3/lease/revoke";  // NotFound: already expired
    const bool failed = error && !expected;
    if (!observe::tracer().wanted(parent.trace.flags, failed, took)) return;
    const std::string operation = path.rfind("/v3/", 0) == 0 ? path.substr(4) : path;
    std::vector<observe::Attribute> attributes{{"db.system", std::string("etcd")}, {"zt.etcd.operation", operation}};
    if (error) attributes.push_back({"rpc.grpc.status_code", static_cast<std::int64_t>(code)});
    std::string message;
    // The client's own words (a member's address, the cluster's reason): never a key or a value.
    if (failed) message = std::string(error->what()).substr(0, 256);
    observe::record_dependency_span(parent, "etcd " + operation, "etcd", std::move(attributes), start, took, failed,
                                    std::move(message));
  } catch (...) {
    // The span lost; the call's outcome stands.
  }

  // POSTs `body` to `path`, trying each member in turn. A request that may have reached a member
  // is only re-sent elsewhere when `idempotent`; otherwise the transport error is thrown.
  json::object send(const std::string& path, const json::object& body, bool idempotent) {
    const std::string text = json::serialize(body);
    std::string last_error = "no endpoint configured";
    const std::size_t n = endpoints.size();
    const std::size_t start = preferred.load();
    for (std::size_t attempt = 0; attempt < n; ++attempt) {
      const std::size_t index = (start + attempt) % n;
      // A pooled connection the server has closed fails at once: try one fresh connection then.
      for (int fresh = 0; fresh < 2; ++fresh) {
        beast::error_code ec;
        std::unique_ptr<Connection> c = fresh == 0 ? take(index) : nullptr;
        const bool pooled = c != nullptr;
        if (!c) c = connect(index, ec);
        if (!c) {
          last_error = fmt::format("{}:{}: {}", endpoints[index].host, endpoints[index].port, ec.message());
          break;  // next member
        }
        auto req = request(endpoints[index], path, text);
        bhttp::response<bhttp::string_body> res;
        bool sent = false;
        ec = exchange(*c, req, res, sent);
        if (ec) {
          last_error = fmt::format("{}:{}: {}", endpoints[index].host, endpoints[index].port, ec.message());
          if (pooled && (ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset ||
                         ec == asio::error::broken_pipe || ec == asio::error::eof))
            continue;  // stale keep-alive connection: the request never got an answer; retry fresh
          if (sent && !idempotent) throw EtcdError("etcd: " + last_error + " (the request may have been applied)");
          break;
        }
        const int status = static_cast<int>(res.result_int());
        if (status != 200) {
          auto err = error_from(status, res.body());
          if (try_another_member(err.grpc_code()) && (idempotent || err.grpc_code() == 14)) {
            last_error = err.what();
            if (res.keep_alive()) give_back(std::move(c));
            break;
          }
          if (res.keep_alive()) give_back(std::move(c));
          throw err;
        }
        if (res.keep_alive()) give_back(std::move(c));
        preferred.store(index);
        boost::system::error_code pec;
        auto v = json::parse(res.body(), pec);
        if (pec || !v.is_object()) throw EtcdError("etcd: the answer is not JSON");
        return std::move(v.get_object());
      }
    }
    throw EtcdError("etcd unreachable: " + last_error);
  }
};

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>()) {
  if (options.endpoints.empty()) throw std::invalid_argument("etcd: at least one endpoint is needed");
  for (const auto& e : options.endpoints) impl_->endpoints.push_back(parse_endpoint(e));
  impl_->options = std::move(options);
}

Client::~Client() = default;

const ClientOptions& Client::options() const { return impl_->options; }

RangeResult Client::range(const std::string& key, const RangeOptions& o) {
  json::object body;
  body["key"] = b64(key);
  if (!o.range_end.empty()) body["range_end"] = b64(o.range_end);
  if (o.revision) body["revision"] = std::to_string(o.revision);
  if (o.limit) body["limit"] = std::to_string(o.limit);
  if (o.max_mod_revision) body["max_mod_revision"] = std::to_string(o.max_mod_revision);
  if (o.descending_by_mod) {
    body["sort_order"] = "DESCEND";
    body["sort_target"] = "MOD";
  } else if (o.descending_by_key) {
    body["sort_order"] = "DESCEND";
    body["sort_target"] = "KEY";
  }
  if (o.keys_only) body["keys_only"] = true;
  return range_from(impl_->call("/v3/kv/range", body, true));
}

RangeResult Client::range_prefix(const std::string& prefix, std::int64_t revision) {
  RangeOptions o;
  o.range_end = prefix_end(prefix);
  o.revision = revision;
  return range(prefix, o);
}

std::int64_t Client::put(const std::string& key, const std::string& value, std::int64_t lease) {
  json::object body;
  body["key"] = b64(key);
  body["value"] = b64(value);
  if (lease) body["lease"] = std::to_string(lease);
  return i64(obj(impl_->call("/v3/kv/put", body, true), "header"), "revision");
}

std::int64_t Client::remove(const std::string& key, const std::string& range_end) {
  json::object body;
  body["key"] = b64(key);
  if (!range_end.empty()) body["range_end"] = b64(range_end);
  return i64(impl_->call("/v3/kv/deleterange", body, true), "deleted");
}

TxnResult Client::txn(const std::vector<Compare>& compares, const std::vector<Op>& success, const std::vector<Op>& failure) {
  json::object body;
  json::array c, s, f;
  for (const auto& x : compares) c.push_back(compare_json(x));
  for (const auto& x : success) s.push_back(op_json(x));
  for (const auto& x : failure) f.push_back(op_json(x));
  body["compare"] = std::move(c);
  body["success"] = std::move(s);
  body["failure"] = std::move(f);
  auto res = impl_->call("/v3/kv/txn", body, false);
  TxnResult out;
  out.revision = i64(obj(res, "header"), "revision");
  out.succeeded = res.contains("succeeded") && res.at("succeeded").is_bool() && res.at("succeeded").get_bool();
  if (auto it = res.find("responses"); it != res.end() && it->value().is_array()) {
    for (const auto& r : it->value().get_array()) {
      if (!r.is_object()) continue;
      const auto& ro = r.get_object();
      if (ro.contains("response_range")) out.ranges.push_back(range_from(obj(ro, "response_range")));
      if (ro.contains("response_delete_range")) out.deleted.push_back(i64(obj(ro, "response_delete_range"), "deleted"));
    }
  }
  return out;
}

std::int64_t Client::grant(std::int64_t ttl_seconds) {
  json::object body;
  body["TTL"] = std::to_string(ttl_seconds);
  auto res = impl_->call("/v3/lease/grant", body, true);
  const auto id = i64(res, "ID");
  if (id == 0) throw EtcdError("etcd: lease grant returned no id");
  return id;
}

std::optional<std::int64_t> Client::keepalive(std::int64_t lease) {
  json::object body;
  body["ID"] = std::to_string(lease);
  auto res = impl_->call("/v3/lease/keepalive", body, true);
  const auto ttl = i64(obj(res, "result"), "TTL");
  if (ttl <= 0) return std::nullopt;
  return ttl;
}

void Client::revoke(std::int64_t lease) {
  json::object body;
  body["ID"] = std::to_string(lease);
  try {
    impl_->call("/v3/lease/revoke", body, true);
  } catch (const EtcdError& e) {
    if (e.grpc_code() != 5) throw;  // NotFound: already expired
  }
}

void Client::watch(const std::string& prefix, std::int64_t start_revision,
                   const std::function<void(const std::vector<WatchEvent>&, std::int64_t)>& on_events,
                   const std::atomic<bool>& stop) {
  const std::size_t n = impl_->endpoints.size();
  std::string last_error;
  std::unique_ptr<Connection> c;
  std::size_t index = impl_->preferred.load();
  for (std::size_t attempt = 0; attempt < n && !c; ++attempt, index = (index + 1) % n) {
    beast::error_code ec;
    c = impl_->connect(index, ec);
    if (!c) last_error = fmt::format("{}:{}: {}", impl_->endpoints[index].host, impl_->endpoints[index].port, ec.message());
  }
  if (!c) throw EtcdError("etcd unreachable: " + last_error);
  const auto& endpoint = impl_->endpoints[c->endpoint];

  json::object create;
  create["key"] = b64(prefix);
  create["range_end"] = b64(prefix_end(prefix));
  create["start_revision"] = std::to_string(start_revision);
  create["progress_notify"] = true;
  json::object body;
  body["create_request"] = std::move(create);
  auto req = Impl::request(endpoint, "/v3/watch", json::serialize(body));

  // Runs the pending operation until it completes, or closes the connection when asked to stop.
  bool done = false;
  beast::error_code ec;
  auto wait = [&]() -> bool {
    while (!done) {
      if (stop.load()) {
        beast::error_code ignored;
        c->stream.socket().close(ignored);
        c->run();
        return false;
      }
      if (c->ioc.stopped()) c->ioc.restart();
      c->ioc.run_for(std::chrono::milliseconds(200));
    }
    return true;
  };

  c->stream.expires_after(impl_->options.request_timeout);
  bhttp::async_write(c->stream, req, [&](beast::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  if (!wait()) return;
  if (ec) throw EtcdError("etcd watch: " + ec.message());

  bhttp::response_parser<bhttp::dynamic_body> parser;
  parser.body_limit(boost::none);
  done = false;
  bhttp::async_read_header(c->stream, c->buffer, parser, [&](beast::error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  if (!wait()) return;
  if (ec) throw EtcdError("etcd watch: " + ec.message());
  c->stream.expires_never();
  const bool ok = parser.get().result() == bhttp::status::ok;

  std::string pending;
  for (;;) {
    done = false;
    bhttp::async_read_some(c->stream, c->buffer, parser, [&](beast::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    if (!wait()) return;
    auto& data = parser.get().body();
    pending += beast::buffers_to_string(data.data());
    data.consume(data.size());
    if (!ok) {
      if (ec || parser.is_done()) throw error_from(static_cast<int>(parser.get().result_int()), pending);
      continue;
    }
    std::size_t line_end;
    while ((line_end = pending.find('\n')) != std::string::npos) {
      std::string line = pending.substr(0, line_end);
      pending.erase(0, line_end + 1);
      if (line.find_first_not_of(" \r\t") == std::string::npos) continue;
      boost::system::error_code pec;
      auto v = json::parse(line, pec);
      if (pec || !v.is_object()) throw EtcdError("etcd watch: an answer is not JSON");
      const auto& top = v.get_object();
      if (top.contains("error")) {
        const auto& e = obj(top, "error");
        throw EtcdError("etcd watch: " + std::string(e.contains("message") && e.at("message").is_string()
                                                         ? std::string(e.at("message").get_string())
                                                         : json::serialize(top)),
                        static_cast<int>(i64(e, "grpc_code") ? i64(e, "grpc_code") : i64(e, "code")));
      }
      const auto& result = obj(top, "result");
      if (result.contains("canceled") && result.at("canceled").is_bool() && result.at("canceled").get_bool()) {
        if (i64(result, "compact_revision") > 0)
          throw EtcdError(fmt::format("etcd watch: revision {} was compacted", start_revision), 11);
        throw EtcdError("etcd watch cancelled by the server");
      }
      std::vector<WatchEvent> events;
      std::int64_t reached = 0;
      if (auto it = result.find("events"); it != result.end() && it->value().is_array()) {
        for (const auto& e : it->value().get_array()) {
          if (!e.is_object()) continue;
          const auto& eo = e.get_object();
          WatchEvent we;
          we.deleted = eo.contains("type") && eo.at("type").is_string() && eo.at("type").get_string() == "DELETE";
          we.kv = kv_from(obj(eo, "kv"));
          reached = std::max(reached, we.kv.mod_revision);
          events.push_back(std::move(we));
        }
      }
      const bool created = result.contains("created") && result.at("created").is_bool() && result.at("created").get_bool();
      // A progress notification (no events, not the creation answer) says every change up to its
      // header revision has been delivered.
      if (events.empty() && !created) reached = i64(obj(result, "header"), "revision");
      if (!events.empty() || reached > 0) on_events(events, reached);
    }
    if (ec) throw EtcdError("etcd watch stream ended: " + ec.message());
    if (parser.is_done()) throw EtcdError("etcd watch stream ended");
  }
}

}  // namespace zt::core::net::etcd
