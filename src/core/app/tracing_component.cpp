#include "core/app/tracing_component.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <memory>
#include <thread>

#include "core/app/listeners.hpp"
#include "core/http/client.hpp"
#include "core/net/blocking.hpp"
#include "core/net/runtime.hpp"
#include "core/observe/log.hpp"
#include "core/observe/metrics.hpp"
#include "core/observe/tracer.hpp"
#include "core/util/gzip.hpp"

namespace zt::core {

namespace {

// An OTLP/HTTP traces URL: http://host[:port][/path] (port 4318 and path /v1/traces by default).
struct Endpoint {
  http::Upstream upstream;
  std::string path;
  std::string host_header;
};

std::optional<Endpoint> parse_endpoint(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return std::nullopt;
  url.remove_prefix(kScheme.size());
  const auto slash = url.find('/');
  const std::string_view authority = url.substr(0, slash);
  Endpoint e;
  e.path = slash == std::string_view::npos ? std::string("/v1/traces") : std::string(url.substr(slash));
  const auto colon = authority.rfind(':');
  std::string_view host = authority;
  unsigned port = 4318;
  if (colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    const auto digits = authority.substr(colon + 1);
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (ec != std::errc() || p != digits.data() + digits.size() || port == 0 || port > 65535) return std::nullopt;
  }
  if (host.empty() || host.find_first_of("[]") != std::string_view::npos) return std::nullopt;  // a name or IPv4
  e.upstream = {std::string(host), static_cast<std::uint16_t>(port)};
  e.host_header = std::string(authority);
  return e;
}

class TracingComponent final : public Component {
 public:
  TracingComponent(ComponentContext& ctx, std::string version) : runtime_(ctx.runtime()), version_(std::move(version)) {
    const auto& c = ctx.config();
    enabled_ = c.get_bool("enabled");
    options_.sample_ratio = c.get_double("sample_ratio");
    options_.keep_slower_than =
        std::chrono::duration_cast<std::chrono::microseconds>(c.get_duration("keep_slower_than"));
    options_.queue_capacity = static_cast<std::size_t>(c.get_int("queue_capacity"));
    options_.batch_size = static_cast<std::size_t>(c.get_int("batch_size"));
    options_.flush_interval = c.get_duration("flush_interval");
    export_logs_ = c.get_bool("export_logs");
    gzip_ = c.get_string("compression") == "gzip";
    options_.request_logs = c.get_bool("request_logs");
    resources_interval_ = c.get_duration("resources_interval");
    if (resources_interval_.count() > 0 && resources_interval_ < std::chrono::seconds(1))
      throw std::runtime_error("tracing.resources_interval: 0 (never) or at least 1s");
    if (const auto url = c.get_string("endpoint"); !url.empty()) {
      endpoint_ = parse_endpoint(url);
      if (!endpoint_)
        throw std::runtime_error("tracing.endpoint should be an OTLP/HTTP traces URL, http://host:port/v1/traces: " +
                                 url);
      // Log records beside the spans: logs_endpoint, else the traces URL's /v1/logs.
      if (const auto logs = c.get_string("logs_endpoint"); !logs.empty()) {
        logs_endpoint_ = parse_endpoint(logs);
        if (!logs_endpoint_)
          throw std::runtime_error("tracing.logs_endpoint should be an OTLP/HTTP logs URL, http://host:port/v1/logs: " +
                                   logs);
      } else if (endpoint_->path.ends_with("/v1/traces")) {
        logs_endpoint_ = endpoint_;
        logs_endpoint_->path.replace(logs_endpoint_->path.size() - std::string_view("traces").size(),
                                     std::string_view::npos, "logs");
      }
      // The resource figures: metrics_endpoint, else the traces URL's /v1/metrics.
      if (const auto metrics = c.get_string("metrics_endpoint"); !metrics.empty()) {
        metrics_endpoint_ = parse_endpoint(metrics);
        if (!metrics_endpoint_)
          throw std::runtime_error(
              "tracing.metrics_endpoint should be an OTLP/HTTP metrics URL, http://host:port/v1/metrics: " + metrics);
      } else if (endpoint_->path.ends_with("/v1/traces")) {
        metrics_endpoint_ = endpoint_;
        metrics_endpoint_->path.replace(metrics_endpoint_->path.size() - std::string_view("traces").size(),
                                        std::string_view::npos, "metrics");
      }
    }
    // The services of this process, to tell whose a line of no request is ("mall: …").
    default_service_ = process_service(ctx);
    for (const auto* s : ctx.specs())
      if (s->service) services_.push_back(s->name);
    resource_services_ = resource_services(ctx);
    // Until discovery knows this instance's registered id: the node and the process.
    const auto& node = ctx.full_config().section("node");
    observe::tracer().set_instance(node.get_string("name") + "@pid" + std::to_string(::getpid()));
    auto& m = ctx.metrics();
    const std::string help =
        "Spans by what became of them (recorded for export, left out by sampling, dropped, exported)";
    recorded_ = &m.counter("zt_spans_total", help, {{"result", "recorded"}});
    not_sampled_ = &m.counter("zt_spans_total", help, {{"result", "not_sampled"}});
    dropped_ = &m.counter("zt_spans_total", help, {{"result", "dropped"}});
    exported_ = &m.counter("zt_spans_total", help, {{"result", "exported"}});
    const std::string logs_help = "Log records by what became of them (recorded for export, dropped, exported)";
    logs_recorded_ = &m.counter("zt_log_records_total", logs_help, {{"result", "recorded"}});
    logs_dropped_ = &m.counter("zt_log_records_total", logs_help, {{"result", "dropped"}});
    logs_exported_ = &m.counter("zt_log_records_total", logs_help, {{"result", "exported"}});
    failed_ = &m.counter("zt_span_exports_failed_total", "Span and log batches not taken where they were sent");
    metrics_ = &m;
    collector_ = m.add_collector([this] { catch_up(); });
  }
  ~TracingComponent() override { metrics_->remove_collector(collector_); }

  void start() override {
    if (!enabled_) {
      log::info("tracing: off (tracing.enabled)");
      return;
    }
    observe::tracer().start(options_);
    if (export_logs_) log::set_tap([this](const log::Record& r) { tap(r); });
    if (endpoint_) {
      client_ = std::make_unique<http::HttpClient>();
      observe::tracer().set_export([this](std::vector<observe::RecordedSpan>&& batch) {
        return send(*endpoint_, spans_in_flight_,
                    [&] { return observe::otlp_body(batch, observe::tracer().instance(), version_); });
      });
      if (export_logs_ && logs_endpoint_)
        observe::tracer().set_log_export([this](std::vector<observe::RecordedLog>&& batch) {
          return send(*logs_endpoint_, logs_in_flight_,
                      [&] { return observe::otlp_logs_body(batch, observe::tracer().instance(), version_); });
        });
      if (metrics_endpoint_ && resources_interval_.count() > 0)
        observe::tracer().set_periodic(
            [this] {
              const auto metrics = resources_to_send(meter_, runtime_);
              if (!metrics) return;
              send(*metrics_endpoint_, metrics_in_flight_, [&] {
                return observe::otlp_metrics_body(*metrics, resource_services_, observe::tracer().instance(), version_);
              });
            },
            resources_interval_);
      log::info("tracing: spans to {}:{}{} (sampling {:.0f} %){}{}", endpoint_->upstream.host, endpoint_->upstream.port,
                endpoint_->path, options_.sample_ratio * 100,
                !export_logs_    ? ""
                : logs_endpoint_ ? ", log records to " + logs_endpoint_->path
                                 : ", log records nowhere (tracing.logs_endpoint)",
                resources_interval_.count() == 0 ? ""
                : metrics_endpoint_              ? ", resources to " + metrics_endpoint_->path
                                                 : ", resources nowhere (tracing.metrics_endpoint)");
    } else {
      log::info("tracing: spans{} to the observer service (sampling {:.0f} %)", export_logs_ ? " and log records" : "",
                options_.sample_ratio * 100);
    }
  }

  void stop() override {
    if (!enabled_) return;
    if (export_logs_) log::set_tap(nullptr);
    observe::tracer().set_periodic(nullptr, {});
    observe::tracer().stop();  // hands over what is queued (as many batches as may be in flight)
    if (endpoint_) {
      // Sends under way get a few seconds to end while the runtime still runs (a slower one is cut
      // when the runtime stops, its spans lost); then what waited for them goes, as far as it can.
      const auto settle = [this] {
        for (int i = 0; i < 100 && spans_in_flight_->load() + logs_in_flight_->load() + metrics_in_flight_->load() > 0;
             ++i)
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
      };
      settle();
      observe::tracer().flush();
      settle();
      observe::tracer().set_export(nullptr);
      observe::tracer().set_log_export(nullptr);
    }
    observe::tracer().flush();  // with no exporter: what is left is dropped and counted
    catch_up();
  }

 private:
  static constexpr int kMaxInFlight = 4;

  // A line written in this process, as a log record of its service: the request's when it was
  // written in one, else the service its text names ("mall: …"), else the process's.
  void tap(const log::Record& r) {
    auto& tracer = observe::tracer();
    if (!tracer.logging()) return;
    // The export's own troubles stay in the local log: sent along, a failing endpoint would get
    // a line about itself in every batch.
    if (r.message.starts_with("tracing: ") || r.message.starts_with("span export: ")) return;
    std::string_view service = r.trace.service;
    if (service.empty()) {
      const auto colon = r.message.find(':');
      for (const auto& s : services_)
        if (colon != std::string_view::npos && r.message.substr(0, colon) == s) service = s;
    }
    static constexpr int kSeverity[] = {
        static_cast<int>(observe::Severity::kDebug), static_cast<int>(observe::Severity::kInfo),
        static_cast<int>(observe::Severity::kWarn), static_cast<int>(observe::Severity::kError)};
    static constexpr std::string_view kText[] = {"debug", "info", "warn", "error"};
    const auto level = static_cast<std::size_t>(r.level);
    tracer.record_log(observe::log_record_of(service.empty() ? default_service_ : std::string(service),
                                             kSeverity[level], kText[level], r.message, r.trace.trace_id,
                                             r.trace.span_id, r.unix_nanos));
  }

  // On the tracer's thread: encodes a batch and sends it from an io thread, unless as many sends of
  // its kind as allowed are under way (then the batch is left as it was, for the next round).
  template <class Encode>
  bool send(const Endpoint& to, const std::shared_ptr<std::atomic<int>>& in_flight, Encode encode) {
    if (in_flight->load() >= kMaxInFlight) return false;
    std::string encoded = encode();
    auto body = std::make_shared<std::string>(gzip_ ? core::gzip(encoded) : std::move(encoded));
    in_flight->fetch_add(1);
    runtime_.spawn(0, [this, &to, body, in_flight]() -> boost::asio::awaitable<void> {
      http::Request req;
      req.method = http::Method::kPost;
      req.target = to.path;
      req.headers.set("host", to.host_header);
      req.headers.set("content-type", "application/x-protobuf");
      if (gzip_) req.headers.set("content-encoding", "gzip");
      req.body = std::move(*body);
      try {
        const http::Upstream upstream = to.upstream;
        http::Response res = co_await client_->send(upstream, std::move(req));
        if (res.status < 200 || res.status >= 300) {
          failed_->inc();
          log::warn("tracing: the OTLP endpoint {} answered {} (this batch lost)", to.path, res.status);
        }
      } catch (const std::exception& e) {
        failed_->inc();
        log::warn("tracing: sending to {} failed: {}", to.path, e.what());
      }
      in_flight->fetch_sub(1);
    });
    return true;
  }

  // The tracer's totals into the counters (at each scrape, and at the end).
  void catch_up() {
    const auto s = observe::tracer().stats();
    std::lock_guard lock(seen_mutex_);
    recorded_->inc(s.recorded - seen_.recorded);
    not_sampled_->inc(s.not_sampled - seen_.not_sampled);
    dropped_->inc(s.dropped - seen_.dropped);
    exported_->inc(s.exported - seen_.exported);
    logs_recorded_->inc(s.logs_recorded - seen_.logs_recorded);
    logs_dropped_->inc(s.logs_dropped - seen_.logs_dropped);
    logs_exported_->inc(s.logs_exported - seen_.logs_exported);
    seen_ = s;
  }

  net::IoRuntime& runtime_;
  std::string version_;
  bool enabled_ = true;
  observe::TracerOptions options_;
  std::optional<Endpoint> endpoint_;
  std::unique_ptr<http::HttpClient> client_;
  // Sends under way, each kind its own: log records never wait behind spans, nor spans behind them.
  std::shared_ptr<std::atomic<int>> spans_in_flight_ = std::make_shared<std::atomic<int>>(0),
                                    logs_in_flight_ = std::make_shared<std::atomic<int>>(0),
                                    metrics_in_flight_ = std::make_shared<std::atomic<int>>(0);
  std::optional<Endpoint> metrics_endpoint_;
  std::chrono::milliseconds resources_interval_{};
  observe::ResourceMeter meter_;  // the tracer's thread only
  std::vector<std::string> resource_services_;
  observe::Counter* failed_ = nullptr;
  observe::Registry* metrics_ = nullptr;
  std::uint64_t collector_ = 0;
  observe::Counter *recorded_ = nullptr, *not_sampled_ = nullptr, *dropped_ = nullptr, *exported_ = nullptr;
  observe::Counter *logs_recorded_ = nullptr, *logs_dropped_ = nullptr, *logs_exported_ = nullptr;
  bool export_logs_ = true, gzip_ = false;
  std::optional<Endpoint> logs_endpoint_;
  std::string default_service_;
  std::vector<std::string> services_;
  std::mutex seen_mutex_;
  observe::TracerStats seen_;
};

}  // namespace

observe::ResourceReading read_resources(net::IoRuntime& runtime) {
  observe::ResourceReading r;
  r.time_unix_nano = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  r.steady_nanos = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
          .count());
  r.process = observe::read_process_figures();
  r.io_thread_cpu_seconds = runtime.thread_cpu_seconds();
  r.blocking_queued = blocking_pool_queued();
  return r;
}

std::optional<std::vector<observe::Metric>> resources_to_send(observe::ResourceMeter& meter, net::IoRuntime& runtime) {
  const bool primed = meter.primed();
  auto metrics = meter.take(read_resources(runtime));
  if (!primed) return std::nullopt;
  return metrics;
}

std::vector<std::string> resource_services(ComponentContext& ctx) {
  std::vector<std::string> out;
  for (const auto* s : ctx.specs())
    if (s->service) out.push_back(s->name);
  if (const auto named = process_service(ctx); std::find(out.begin(), out.end(), named) == out.end())
    out.push_back(named);
  return out;
}

ComponentSpec tracing_spec(std::string version) {
  using namespace config;
  using std::chrono::milliseconds;
  ComponentSpec spec;
  spec.name = "tracing";
  spec.description = "spans of every request and call, batched to the observer or any OTLP/HTTP backend";
  spec.dependencies = {"admin"};
  spec.schema = {
      "tracing",
      {boolean("enabled", true).describe("record and export spans"),
       number("sample_ratio", 1.0)
           .range(0, 1)
           .describe("share of new traces sampled (errors and slow spans always kept)"),
       duration("keep_slower_than", milliseconds(500))
           .range(0, 3600000)
           .describe("a span this slow is kept even unsampled"),
       integer("queue_capacity", 16384)
           .range(1, 10'000'000)
           .describe("spans waiting for export; past it they are dropped and counted"),
       integer("batch_size", 512).range(1, 100'000).describe("spans per export request"),
       duration("flush_interval", milliseconds(1000)).range(10, 600000).describe("how often queued spans are sent"),
       string("endpoint", "")
           .describe("an OTLP/HTTP traces URL (http://host:4318/v1/traces); empty: the platform's observer"),
       boolean("export_logs", true).describe("log lines as OTLP log records, where the spans go"),
       boolean("request_logs", true).describe("a log record for each request whose span is kept"),
       boolean("dependency_spans", true)
           .describe("a span for each storage transaction and Redis command of a request (its connection's "
                     "coroutines then run on an executor with a work slot: completions are posted, not run inline)"),
       string("logs_endpoint", "").describe("with endpoint: an OTLP/HTTP logs URL; empty: the endpoint's /v1/logs"),
       duration("resources_interval", std::chrono::seconds(15))
           .range(0, 3'600'000)
           .describe("how often the process's CPU, memory, open files, io-thread busy share and blocking-pool queue "
                     "are sent as OTLP metrics where the spans go (0: never)"),
       string("metrics_endpoint", "")
           .describe("with endpoint: an OTLP/HTTP metrics URL; empty: the endpoint's /v1/metrics"),
       string("compression", "none")
           .choices({"none", "gzip"})
           .describe("with endpoint: bodies sent gzip-compressed (Content-Encoding: gzip) or not")},
      "tracing: spans and where they go"};
  spec.make = [version = std::move(version)](ComponentContext& ctx) -> std::unique_ptr<Component> {
    return std::make_unique<TracingComponent>(ctx, version);
  };
  return spec;
}

}  // namespace zt::core
