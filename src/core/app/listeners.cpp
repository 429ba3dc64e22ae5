#include "core/app/listeners.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <filesystem>
#include <memory>

#include "core/app/resilience_component.hpp"
#include "core/http/error.hpp"
#include "core/http/identity.hpp"
#include "core/http/middleware.hpp"
#include "core/http/pipeline.hpp"
#include "core/http/router.hpp"
#include "core/http/server.hpp"
#include "core/net/blocking.hpp"
#include "core/net/runtime.hpp"
#include "core/observe/log.hpp"
#include "core/observe/metrics.hpp"
#include "core/observe/process_metrics.hpp"
#include "core/util/files.hpp"

namespace zt::core {

std::string process_service(ComponentContext& ctx) {
  std::string first;
  for (const auto* spec : ctx.specs()) {
    if (spec->name == "gateway") return spec->name;
    if (spec->service && first.empty()) first = spec->name;
  }
  return first.empty() ? std::string("zhongtai") : first;
}

namespace {

http::ServerLimits limits_from(const config::Section& s) {
  http::ServerLimits l;
  l.parser.max_header_bytes = static_cast<std::size_t>(s.get_int("max_header_bytes"));
  l.parser.max_body_bytes = static_cast<std::size_t>(s.get_int("max_body_bytes"));
  l.header_timeout = s.get_duration("header_timeout");
  l.body_timeout = s.get_duration("body_timeout");
  l.write_timeout = s.get_duration("write_timeout");
  l.idle_timeout = s.get_duration("idle_timeout");
  l.max_connections = static_cast<std::size_t>(s.get_int("max_connections"));
  l.drain_timeout = s.get_duration("drain_timeout");
  return l;
}

std::vector<config::Field> listener_fields(std::string host, std::int64_t port) {
  using namespace config;
  using std::chrono::milliseconds;
  return {
      string("host", host).describe("listen address"),
      integer("port", port).range(0, 65535).describe("listen port; 0 picks a free one"),
      integer("max_header_bytes", 16 * 1024).range(1024, 1024 * 1024).describe("request header limit (431 above)"),
      integer("max_body_bytes", 1024 * 1024).range(0, 1024LL * 1024 * 1024).describe("request body limit (413 above)"),
      duration("header_timeout", milliseconds(10000)).range(100, 600000).describe("first byte to end of header"),
      duration("body_timeout", milliseconds(30000)).range(100, 3600000).describe("end of header to end of body"),
      duration("write_timeout", milliseconds(30000)).range(100, 3600000).describe("time to write a response"),
      duration("idle_timeout", milliseconds(60000)).range(100, 3600000).describe("keep-alive idle time"),
      duration("request_deadline", milliseconds(30000)).range(10, 3600000).describe("default request deadline"),
      integer("max_connections", 10000).range(1, 1000000).describe("connections above this get 503"),
      duration("drain_timeout", milliseconds(20000)).range(0, 600000).describe("graceful drain bound on shutdown"),
      string("access_log", "").describe("access log file; '-' for stdout; empty disables"),
  };
}

// The place a later component (the gateway) takes at the head of the chain.
class FrontSlot final : public http::Middleware {
 public:
  boost::asio::awaitable<http::Response> handle(http::Request& req, http::RequestContext& ctx,
                                                const http::Handler& next) override {
    auto front = front_.load(std::memory_order_acquire);
    if (!front) co_return co_await next(req, ctx);
    co_return co_await front->handle(req, ctx, next);
  }
  void set(std::shared_ptr<http::Middleware> m) { front_.store(std::move(m), std::memory_order_release); }

 private:
  std::atomic<std::shared_ptr<http::Middleware>> front_;
};

class ListenerComponent final : public Listener {
 public:
  ListenerComponent(ComponentContext& ctx, http::Router& router, bool trust_deadline,
                    std::vector<std::shared_ptr<http::Middleware>> before_front = {},
                    std::vector<std::shared_ptr<http::Middleware>> extra = {})
      : name_(ctx.name()) {
    const auto& s = ctx.config();
    http::ServerOptions o;
    o.name = ctx.name() == "admin" ? "admin" : "public";
    o.host = s.get_string("host");
    o.port = static_cast<std::uint16_t>(s.get_int("port"));
    o.limits = limits_from(s);
    if (o.name == "public" && ctx.full_config().has_section("tracing")) {
      const auto& tracing = ctx.full_config().section("tracing");
      o.work_slots = tracing.get_bool("enabled") && tracing.get_bool("dependency_spans");
    }
    std::vector<std::shared_ptr<http::Middleware>> chain;
    if (o.name == "public") chain.push_back(http::tracing_middleware(process_service(ctx)));
    chain.push_back(http::metrics_middleware(ctx.metrics(), o.name));
    if (auto path = s.get_string("access_log"); !path.empty())
      chain.push_back(http::access_log_middleware(std::make_shared<log::LineWriter>(path), o.name));
    chain.push_back(http::canonical_path_middleware());
    for (auto& m : before_front) chain.push_back(std::move(m));
    chain.push_back(front_);
    for (auto& m : extra) chain.push_back(std::move(m));
    http::PipelineOptions po;
    po.default_deadline = s.get_duration("request_deadline");
    po.trust_deadline_header = trust_deadline;
    // The router is shared and outlives this component; a non-owning shared_ptr hands it over.
    pipeline_ = std::make_unique<http::Pipeline>(std::shared_ptr<const http::Router>(&router, [](const http::Router*) {}),
                                                 std::move(chain), po);
    server_ = std::make_unique<http::HttpServer>(ctx.runtime(), o, pipeline_->handler(), &ctx.metrics());
    options_ = o;
  }

  void start() override {
    server_->start();
    log::info("{} listener on {}:{}", options_.name, options_.host, server_->port());
  }
  void stop() override {
    server_->drain();
    log::info("{} listener drained", options_.name);
  }
  bool ready() const override { return true; }
  std::uint16_t port() const override { return server_->port(); }
  http::Handler handler() const override { return pipeline_->handler(); }
  void set_front(std::shared_ptr<http::Middleware> front) override { front_->set(std::move(front)); }

 private:
  std::string name_;
  std::shared_ptr<FrontSlot> front_ = std::make_shared<FrontSlot>();
  http::ServerOptions options_;
  std::unique_ptr<http::Pipeline> pipeline_;
  std::unique_ptr<http::HttpServer> server_;
};

boost::asio::awaitable<http::Response> json_ok(std::string body) { co_return http::Response::json(200, std::move(body)); }

// The admin listener's token: admin.token, else <data_dir>/admin.token (made on first start, mode
// 0600) — what an operator's tools present as "Authorization: Bearer <token>".
std::string admin_token(const config::Config& cfg) {
  if (auto t = cfg.section("admin").get_string("token"); !t.empty()) return t;
  const std::string dir = cfg.section("node").get_string("data_dir");
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/admin.token";
  if (auto existing = read_text_file(path)) {
    std::string t = *existing;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
    if (t.size() >= 16) return t;
  }
  unsigned char bytes[24];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no randomness for the admin token");
  std::string t;
  for (unsigned char b : bytes) t += fmt::format("{:02x}", b);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + path);
  const std::string line = t + "\n";
  const bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot write " + path);
  log::info("admin listener: a token was made in {} (mode 0600); tools send it as Authorization: Bearer", path);
  return t;
}

// The admin listener answers health, readiness and metrics to anyone who reaches it (probes and
// Prometheus); everything else — config, rules, probes, key rotation — only with the admin token,
// and only for a Host that names this machine (a web page cannot make a browser send the token,
// nor reach the port under another name: DNS rebinding).
class AdminGuard final : public http::Middleware {
 public:
  AdminGuard(std::string token, std::vector<std::string> hosts) : token_(std::move(token)), hosts_(std::move(hosts)) {}
  boost::asio::awaitable<http::Response> handle(http::Request& req, http::RequestContext& ctx, const http::Handler& next) override {
    const auto path = req.path();
    if (path == "/healthz" || path == "/readyz" || path == "/metrics") co_return co_await next(req, ctx);
    if (!host_allowed(req.headers.get("host").value_or(""))) throw http::ApiError(403, "ADMIN_HOST_REFUSED", "管理端口不接受该主机名的访问");
    const auto auth = req.headers.get("authorization").value_or("");
    const std::string expected = "Bearer " + token_;
    if (auth.size() != expected.size() || CRYPTO_memcmp(auth.data(), expected.data(), expected.size()) != 0)
      throw http::ApiError(401, "ADMIN_TOKEN_REQUIRED", "管理接口需要管理令牌");
    co_return co_await next(req, ctx);
  }

 private:
  bool host_allowed(std::string_view host) const {
    // Without the port: "127.0.0.1:9090", "[::1]:9090", "localhost".
    if (host.starts_with('[')) host = host.substr(1, host.find(']') == std::string_view::npos ? host.size() : host.find(']') - 1);
    else if (auto colon = host.rfind(':'); colon != std::string_view::npos && host.find(':') == colon) host = host.substr(0, colon);
    for (const auto& h : hosts_)
      if (http::iequals(host, h)) return true;
    return false;
  }
  std::string token_;
  std::vector<std::string> hosts_;
};

}  // namespace

ComponentSpec admin_listener_spec() {
  ComponentSpec spec;
  spec.name = "admin";
  spec.description = "admin listener: /metrics, /healthz, /readyz, /config (never public)";
  auto fields = listener_fields("127.0.0.1", 9090);
  fields.push_back(config::string("token", "").describe(
      "token for everything but /healthz, /readyz and /metrics (Authorization: Bearer); empty: <data_dir>/admin.token, made on first start"));
  fields.push_back(config::string_list("allowed_hosts", std::vector<std::string>{}).describe(
      "Host names the protected admin paths answer to, besides localhost, 127.0.0.1, ::1 and the listen address"));
  spec.schema = {"admin", std::move(fields), "admin listener"};
  spec.make = [](ComponentContext& ctx) -> std::unique_ptr<Component> {
    auto& r = ctx.admin_router();
    r.add(http::Method::kGet, "/healthz",
          [](http::Request&, http::RequestContext&) { return json_ok("{\"status\":\"ok\"}"); });
    r.add(http::Method::kGet, "/readyz", [&ctx](http::Request&, http::RequestContext&) -> boost::asio::awaitable<http::Response> {
      // The pid lets whoever started the process tell its answer from another's on the same address.
      if (ctx.process_ready()) co_return http::Response::json(200, fmt::format("{{\"status\":\"ready\",\"pid\":{}}}", ::getpid()));
      co_return http::Response::json(503, "{\"status\":\"not ready\"}");
    });
    r.add(http::Method::kGet, "/metrics",
          [&ctx](http::Request&, http::RequestContext&) -> boost::asio::awaitable<http::Response> {
            // The registry's series, then the process's own resources and the blocking pool's queue
            // (read now: nothing keeps them up between scrapes).
            std::string text = ctx.metrics().render();
            text += observe::process_metrics_text();
            text += fmt::format(
                "# HELP zt_blocking_pool_queued Jobs queued or running on the blocking pool\n"
                "# TYPE zt_blocking_pool_queued gauge\nzt_blocking_pool_queued {}\n",
                blocking_pool_queued());
            text +=
                "# HELP zt_io_thread_cpu_seconds_total CPU time of each io thread (its rate is the thread's busy "
                "share)\n# TYPE zt_io_thread_cpu_seconds_total counter\n";
            const auto cpu = ctx.runtime().thread_cpu_seconds();
            for (std::size_t i = 0; i < cpu.size(); ++i)
              if (cpu[i] >= 0)
                text += fmt::format("zt_io_thread_cpu_seconds_total{{thread=\"{}\"}} {:.3f}\n", i, cpu[i]);
            co_return http::Response::text(200, std::move(text), "text/plain; version=0.0.4; charset=utf-8");
          });
    r.add(http::Method::kGet, "/config", [&ctx](http::Request&, http::RequestContext&) -> boost::asio::awaitable<http::Response> {
      co_return http::Response::text(200, ctx.full_config().dump(), "application/yaml; charset=utf-8");
    });
    std::vector<std::string> hosts{"localhost", "127.0.0.1", "::1"};
    for (const auto& h : ctx.config().get_strings("allowed_hosts")) hosts.push_back(h);
    if (const auto bind = ctx.config().get_string("host"); bind != "0.0.0.0" && bind != "::") hosts.push_back(bind);
    auto guard = std::make_shared<AdminGuard>(admin_token(ctx.full_config()), std::move(hosts));
    return std::make_unique<ListenerComponent>(ctx, ctx.admin_router(), false, std::vector<std::shared_ptr<http::Middleware>>{guard});
  };
  return spec;
}

ComponentSpec public_listener_spec() {
  ComponentSpec spec;
  spec.name = "server";
  spec.description = "public HTTP listener";
  spec.dependencies = {"admin", "resilience", "tracing"};
  spec.schema = {"server", listener_fields("0.0.0.0", 8080), "public HTTP listener"};
  spec.make = [](ComponentContext& ctx) -> std::unique_ptr<Component> {
    auto& resilience = ctx.get<resilience::ResilienceComponent>("resilience");
    // Identity first: the gateway tells our own services' calls from outside traffic by it, and
    // flow rules may key on the caller it establishes. A process with no gateway serves only
    // calls that carry one (the gateway's forwards and other services' calls).
    http::IdentityOptions identity;
    identity.keys = ctx.service_keys();
    const auto& here = ctx.components();
    identity.require = std::find(here.begin(), here.end(), "gateway") == here.end();
    return std::make_unique<ListenerComponent>(ctx, ctx.public_router(), false,
                                               std::vector<std::shared_ptr<http::Middleware>>{http::identity_middleware(identity)},
                                               std::vector<std::shared_ptr<http::Middleware>>{resilience.inbound()});
  };
  return spec;
}

}  // namespace zt::core
