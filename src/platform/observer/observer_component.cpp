#include "platform/observer/observer_component.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "core/app/tracing_component.hpp"
#include "core/discovery/discovery.hpp"
#include "core/discovery/service_client.hpp"
#include "core/http/content.hpp"
#include "core/http/error.hpp"
#include "core/http/identity.hpp"
#include "core/http/router.hpp"
#include "core/net/blocking.hpp"
#include "core/net/notifier.hpp"
#include "core/net/runtime.hpp"
#include "core/observe/log.hpp"
#include "core/observe/metrics.hpp"
#include "core/observe/otlp.hpp"
#include "core/observe/tracer.hpp"
#include "core/storage/database.hpp"
#include "core/util/digest.hpp"
#include "core/util/gzip.hpp"
#include "core/util/time.hpp"
#include "platform/observer/app/alerting.hpp"
#include "platform/observer/client/observer_client.hpp"
#include "platform/observer/domain/live_minutes.hpp"
#include "platform/observer/handlers/alert_handlers.hpp"
#include "platform/observer/handlers/query_handlers.hpp"
#include "platform/observer/store/log_store.hpp"
#include "platform/observer/store/metric_store.hpp"
#include "platform/observer/store/partitions.hpp"
#include "platform/observer/store/resource_store.hpp"
#include "platform/observer/store/span_store.hpp"

std::span<const zt::core::EmbeddedFile> zt_observer_migrations();
std::span<const zt::core::EmbeddedFile> zt_observer_openapi();

namespace zt::platform::observer {

namespace {

using core::http::ApiError;
using core::http::Method;
using core::http::Request;
using core::http::RequestContext;
using core::http::Response;

// What an export carries: spans (OTLP traces), log records (OTLP logs) or a process's resource
// figures (OTLP metrics).
enum class Kind { kSpans, kLogs, kMetrics };

class ObserverComponent final : public core::Component {
 public:
  explicit ObserverComponent(core::ComponentContext& ctx)
      : db_(ctx.database()), runtime_(ctx.runtime()), discovery_(ctx.get<core::discovery::Discovery>("discovery")) {
    const auto& c = ctx.config();
    max_concurrent_ = c.get_int("max_concurrent_exports");
    max_outside_ = c.get_int("max_concurrent_outside_exports");
    limits_.max_spans = static_cast<std::size_t>(c.get_int("max_spans_per_export"));
    traces_retention_ = c.get_duration("traces_retention");
    logs_retention_ = c.get_duration("logs_retention");
    metrics_retention_ = c.get_duration("metrics_retention");
    flush_interval_ = c.get_duration("flush_interval");
    // This observer's rows: its own part of every minute it stores (another observer has another).
    part_ = core::observe::random_hex_id(8);
    auto& m = ctx.metrics();
    taken_ = &m.counter("zt_observer_spans_total", "Spans the observer received", {{"result", "stored"}});
    repeated_ = &m.counter("zt_observer_spans_total", "Spans the observer received", {{"result", "repeated"}});
    logs_taken_ =
        &m.counter("zt_observer_log_records_total", "Log records the observer received", {{"result", "stored"}});
    logs_repeated_ =
        &m.counter("zt_observer_log_records_total", "Log records the observer received", {{"result", "repeated"}});
    resources_taken_ = &m.counter("zt_observer_resource_samples_total",
                                  "Instance resource samples (one service's instance at one time) the observer stored");
    busy_ = &m.counter("zt_observer_exports_refused_total", "Exports refused", {{"reason", "busy"}});
    invalid_ = &m.counter("zt_observer_exports_refused_total", "Exports refused", {{"reason", "invalid"}});
    flush_failed_ = &m.counter("zt_observer_flush_failures_total", "Minute flushes that failed (kept and tried again)");
    auto& r = ctx.public_router();
    for (const auto& entry : c.get_strings("ingest_tokens")) {
      const auto colon = entry.find(':');
      if (colon == std::string::npos || colon == 0 || entry.size() - colon - 1 < 24)
        throw std::runtime_error("observer.ingest_tokens: each is <name>:<secret of at least 24 characters>");
      ingest_tokens_.emplace_back(entry.substr(0, colon), core::sha256_hex(entry.substr(colon + 1)));
    }
    for (const Kind kind : {Kind::kSpans, Kind::kLogs, Kind::kMetrics}) {
      const std::string what = kind == Kind::kSpans ? "traces" : kind == Kind::kLogs ? "logs" : "metrics";
      r.add(Method::kPost, "/api/observer/v1/" + what,
            [this, kind](Request& req, RequestContext& c) -> boost::asio::awaitable<Response> {
              return take(req, c, kind, c.calling_service.empty() ? std::string("(unsigned)") : c.calling_service);
            });
      r.add(Method::kPost, "/api/observer/v1/otlp/v1/" + what,
            [this, kind](Request& req, RequestContext& c) -> boost::asio::awaitable<Response> {
              return take_from_outside(req, c, kind);
            });
    }
    QuerySettings qs;
    qs.apdex_threshold_micros = static_cast<double>(c.get_duration("apdex_threshold").count()) * 1000.0;
    qs.metrics_retention = metrics_retention_;
    qs.traces_retention = traces_retention_;
    qs.logs_retention = logs_retention_;
    add_query_routes(r, db_, {&live_, &outside_live_}, qs);
    AlertSettings as;
    as.interval = c.get_duration("alert_interval");
    as.settle = c.get_duration("alert_settle");
    as.history_retention = c.get_duration("alerts_retention");
    as.apdex_threshold_micros = qs.apdex_threshold_micros;
    as.webhook_hosts = c.get_strings("alert_webhook_hosts");
    as.webhook_secret = c.get_string("alert_webhook_secret");
    if (!as.webhook_secret.empty() && as.webhook_secret.size() < 24)
      throw std::runtime_error("observer.alert_webhook_secret: at least 24 characters");
    alerting_ = std::make_unique<Alerting>(db_, discovery_.client(), "observer-" + part_, as, ctx.metrics());
    add_alert_routes(r, db_, discovery_.client(),
                     AlertRouteSettings{qs.apdex_threshold_micros, metrics_retention_, as.history_retention,
                                        as.webhook_hosts, as.settle});
  }

  void start() override {
    started_ = true;
    runtime_.spawn(0, [this]() -> boost::asio::awaitable<void> { co_await housekeeping(); });
    alerting_->start(runtime_);
  }

  void stop() override {
    alerting_->stop();
    stopping_ = true;
    wake_.notify_all();
    // The loop ends first (it may be storing a part: never two writers of one part), then what is
    // still being counted, and any part not stored yet, is stored before the process goes.
    {
      std::unique_lock lock(done_mutex_);
      if (started_ && !done_cv_.wait_for(lock, std::chrono::seconds(10), [&] { return housekeeping_done_; }))
        core::log::warn("observer: the flush loop did not end in 10 s; storing what is counted anyway");
    }
    take_closed(std::numeric_limits<std::int64_t>::max());
    for (auto& [part, minutes] : take_pending()) {
      try {
        db_.write_blocking([&](core::storage::Tx& tx) { MetricStore::add(tx, minutes, part); });
      } catch (const std::exception& e) {
        core::log::error("observer: {} minutes could not be stored at shutdown: {}", minutes.size(), e.what());
      }
    }
  }

 private:
  static std::int64_t minute_now() { return core::unix_millis() / 60'000; }

  // Every flush_interval: the minutes that have ended are stored; every tenth round, what is past
  // its retention is removed, a bounded number of rows a transaction.
  boost::asio::awaitable<void> housekeeping() {
    for (int round = 0; !stopping_.load(); ++round) {
      const auto seen = wake_.generation();
      co_await wake_.wait(seen, flush_interval_);
      if (stopping_.load()) break;
      co_await flush(minute_now());
      if (round % 10 == 0) {
        co_await sweep();
        co_await roll_up_hours();
      }
    }
    std::lock_guard lock(done_mutex_);
    housekeeping_done_ = true;
    done_cv_.notify_all();
  }

  // The minutes before `before`, taken out of counting into a part of their own, waiting to be
  // stored. A part keeps its name until it is stored: written again after a failure whose outcome
  // is unknown (a lost COMMIT answer), its rows are not added twice (the part is in their key).
  void take_closed(std::int64_t before) {
    auto closed = live_.take_before(before);
    merge_into(closed, outside_live_.take_before(before));
    if (closed.empty()) return;
    std::lock_guard lock(pending_mutex_);
    pending_.emplace_back(part_ + "-" + std::to_string(++flushes_), std::move(closed));
  }
  std::vector<std::pair<std::string, Minutes>> take_pending() {
    std::lock_guard lock(pending_mutex_);
    return std::exchange(pending_, {});
  }

  // Stores every part waiting, oldest first; one that fails is kept, with those after it, for the
  // next round: nothing is lost when the database is briefly away.
  boost::asio::awaitable<void> flush(std::int64_t before) {
    take_closed(before);
    auto parts = take_pending();
    std::size_t stored = 0;
    for (; stored < parts.size(); ++stored) {
      const auto& [part, minutes] = parts[stored];
      try {
        co_await db_.write([&](core::storage::Tx& tx) { MetricStore::add(tx, minutes, part); });
      } catch (const std::exception& e) {
        flush_failed_->inc();
        core::log::warn("observer: storing {} minutes failed, kept for the next round: {}", minutes.size(), e.what());
        break;
      }
    }
    if (stored == parts.size()) co_return;
    std::lock_guard lock(pending_mutex_);
    pending_.insert(pending_.begin(), std::make_move_iterator(parts.begin() + static_cast<std::ptrdiff_t>(stored)),
                    std::make_move_iterator(parts.end()));
  }

  boost::asio::awaitable<void> sweep() {
    constexpr std::int64_t kRowsAtOnce = 5000;
    const auto now_ms = core::unix_millis();
    // By receipt: a sender's clock cannot keep them.
    const std::int64_t spans_before = now_ms - traces_retention_.count();
    const std::int64_t logs_before = now_ms - logs_retention_.count();
    const std::int64_t minutes_before = (now_ms - metrics_retention_.count()) / 60'000;
    try {
      std::int64_t gone = 0, n = 0;
      do {
        n = co_await db_.write(
            [&](core::storage::Tx& tx) { return SpanStore::purge_received_before(tx, spans_before, kRowsAtOnce); });
        gone += n;
      } while (n == kRowsAtOnce && !stopping_.load());
      do {
        n = co_await db_.write(
            [&](core::storage::Tx& tx) { return LogStore::purge_received_before(tx, logs_before, kRowsAtOnce); });
        gone += n;
      } while (n == kRowsAtOnce && !stopping_.load());
      do {
        n = co_await db_.write(
            [&](core::storage::Tx& tx) { return MetricStore::purge_before(tx, minutes_before, kRowsAtOnce); });
        gone += n;
      } while (n == kRowsAtOnce && !stopping_.load());
      do {
        n = co_await db_.write(
            [&](core::storage::Tx& tx) { return ResourceStore::purge_before(tx, minutes_before, kRowsAtOnce); });
        gone += n;
      } while (n == kRowsAtOnce && !stopping_.load());
      if (gone > 0)
        core::log::info("observer: removed {} spans, log records and minute rows past their retention", gone);
    } catch (const std::exception& e) {
      core::log::warn("observer: removing what is past its retention failed (tried again later): {}", e.what());
    }
    if (db_.dialect() == core::storage::Dialect::kPostgres) {
      co_await tend_days(kSpanDays, traces_retention_, now_ms);
      co_await tend_days(kLogDays, logs_retention_, now_ms);
    }
  }

  // PostgreSQL: `t`'s day partitions — from the day the retention starts in to two days ahead
  // made (newest first, at most kMostMade a round: a long retention is filled in over a few
  // rounds), and those wholly past the retention dropped with their rows.
  boost::asio::awaitable<void> tend_days(DayPartitioned t, std::chrono::milliseconds retention, std::int64_t now_ms) {
    constexpr std::int64_t kDayMs = 86'400'000;
    constexpr int kMostMade = 4;
    const std::int64_t today = now_ms / kDayMs, first = (now_ms - retention.count()) / kDayMs;
    try {
      const auto have = co_await db_.read([&](core::storage::Tx& tx) { return Partitions::days(tx, t); });
      int made = 0;
      for (std::int64_t day = today + 2; day >= first && made < kMostMade && !stopping_.load(); --day) {
        if (std::binary_search(have.begin(), have.end(), day)) continue;
        if (co_await db_.write([&](core::storage::Tx& tx) { return Partitions::create(tx, t, day); })) {
          ++made;
          core::log::info("observer: made partition {}", Partitions::name(t, day));
        }
      }
      // A day ends before the retention's start: nothing in it is kept.
      for (const auto day : have) {
        if ((day + 1) * kDayMs > now_ms - retention.count() || stopping_.load()) break;
        if (co_await db_.write([&](core::storage::Tx& tx) { return Partitions::drop(tx, t, day); }))
          core::log::info("observer: dropped partition {} (past its retention)", Partitions::name(t, day));
      }
    } catch (const std::exception& e) {
      core::log::warn("observer: tending the day partitions of {} failed (tried again later): {}", t.table, e.what());
    }
  }

  // Hours whose minutes can no longer change — spans are counted up to minutes_back late, then
  // stored within a flush or two — summed into hourly rows (what the queries over long ranges
  // read), a day's worth a round at most; every observer may do it (an hour is taken by one).
  boost::asio::awaitable<void> roll_up_hours() {
    const std::int64_t now_ms = core::unix_millis();
    const std::int64_t margin = 2 * flush_interval_.count() / 60'000 + 2;
    const std::int64_t settled = now_ms / 60'000 - core::observe::RollupLimits{}.minutes_back - margin;
    const std::int64_t before_hour = settled >= 0 ? settled / 60 : 0;
    try {
      const auto hours =
          co_await db_.read([&](core::storage::Tx& tx) { return MetricStore::hours_to_roll(tx, before_hour, 24); });
      for (const auto hour : hours) {
        if (stopping_.load()) break;
        co_await db_.write([&](core::storage::Tx& tx) { return MetricStore::roll_up_hour(tx, hour, now_ms); });
      }
    } catch (const std::exception& e) {
      core::log::warn("observer: summing hours failed (tried again later): {}", e.what());
    }
  }

  // An OTLP sender outside the platform (an app instrumented with an OpenTelemetry SDK, a
  // Collector): one of observer.ingest_tokens in x-ingest-token says who it is.
  boost::asio::awaitable<Response> take_from_outside(Request& req, RequestContext& ctx, Kind kind) {
    if (ingest_tokens_.empty()) throw ApiError(403, "OBSERVER_INGEST_CLOSED", "未开放外部调用链数据上报");
    // Digests compared, every one, in constant time: neither a token nor its length leaks.
    const std::string presented = core::sha256_hex(req.headers.get(kIngestTokenHeader).value_or(""));
    const std::string* sender = nullptr;
    for (const auto& [name, digest] : ingest_tokens_)
      if (CRYPTO_memcmp(presented.data(), digest.data(), digest.size()) == 0) sender = &name;
    if (!sender) {
      invalid_->inc();
      throw ApiError(401, "OBSERVER_INGEST_TOKEN_INVALID", "上报凭证无效");
    }
    req.headers.remove(kIngestTokenHeader);
    co_return co_await take(req, ctx, kind, "token:" + *sender, *sender);
  }

  // An OTLP/HTTP export: read whole or refused whole, stored in one transaction, then counted in
  // the minutes. `sender`: who sent it (a service's signed identity, or an ingest token's name).
  // `outside`: the token's name for a sender outside the platform — its service names are kept
  // apart as "<token>:<service.name>" (it cannot speak for the platform's services), it is counted
  // in minutes of its own with tighter caps, and it has its own share of the exports stored at once.
  boost::asio::awaitable<Response> take(Request& req, RequestContext& ctx, Kind kind, std::string sender,
                                        std::string outside = "") {
    const std::string_view type = core::http::media_type(req);
    const bool protobuf = type == "application/x-protobuf";
    if (!protobuf && type != "application/json") {
      invalid_->inc();
      throw ApiError(415, "OBSERVER_MEDIA_TYPE_UNSUPPORTED",
                     "仅接受 OTLP 格式（application/x-protobuf 或 application/json）");
    }
    const std::string encoding = core::http::content_coding(req);
    const bool gzipped = encoding == "gzip";
    if (!gzipped && !encoding.empty()) {
      invalid_->inc();
      throw ApiError(415, "OBSERVER_ENCODING_UNSUPPORTED", "仅支持 gzip 压缩或未压缩的数据");
    }
    // Busy (or stopping): the sender keeps its batch and tries again (OTLP/HTTP's 429 with
    // Retry-After).
    auto& in_flight = outside.empty() ? in_flight_ : outside_in_flight_;
    if (in_flight.fetch_add(1) >= (outside.empty() ? max_concurrent_ : max_outside_) || stopping_.load()) {
      in_flight.fetch_sub(1);
      busy_->inc();
      Response busy =
          Response::json(429, core::http::error_body("OBSERVER_BUSY", "观测服务繁忙，请稍后重试", ctx.trace_id));
      busy.headers.set("retry-after", "1");
      co_return busy;
    }
    struct Release {
      std::atomic<std::int64_t>& n;
      ~Release() { n.fetch_sub(1); }
    } release{in_flight};
    if (gzipped) {
      // Inflated on the blocking pool (a large batch is milliseconds of CPU), never past the
      // bound: a small body that would inflate to gigabytes is refused at the bound.
      std::string plain;
      auto inflate = [&] { return core::gunzip(req.body, kMostInflated, plain); };
      const auto unpacked = co_await core::blocking(inflate);
      if (unpacked == core::Gunzip::kTooLarge) {
        invalid_->inc();
        throw ApiError(413, "OBSERVER_BODY_TOO_LARGE",
                       "解压后的数据超过 " + std::to_string(kMostInflated >> 20) + " MiB，请分批发送");
      }
      if (unpacked != core::Gunzip::kOk) {
        invalid_->inc();
        throw ApiError(400, "OBSERVER_OTLP_INVALID", "OTLP 数据无法解析：gzip 数据不完整或已损坏");
      }
      req.body = std::move(plain);
    }
    if (kind == Kind::kSpans)
      co_await store_spans(req, protobuf, sender, outside);
    else if (kind == Kind::kLogs)
      co_await store_logs(req, protobuf, sender, outside);
    else
      co_await store_resources(req, protobuf, sender, outside);
    if (protobuf) {
      Response ok;
      ok.status = 200;
      ok.headers.set("content-type", "application/x-protobuf");
      co_return ok;  // an empty ExportTraceServiceResponse: nothing rejected
    }
    co_return Response::json(200, "{}");
  }

  // A decoded body, or 400 with the reason; an outside sender's service names kept apart as
  // "<token>:<service.name>" (it cannot speak for the platform's services).
  template <class Decoded>
  Decoded readable(Decoded decoded, const std::string& outside) {
    if (!decoded.error.empty()) {
      invalid_->inc();
      throw ApiError(400, "OBSERVER_OTLP_INVALID", "OTLP 数据无法解析：" + decoded.error);
    }
    if (!outside.empty())
      for (auto& b : decoded.batches)
        b.source.service_name = core::observe::valid_utf8(outside + ":" + b.source.service_name, 256);
    return decoded;
  }

  boost::asio::awaitable<void> store_spans(const Request& req, bool protobuf, const std::string& sender,
                                           const std::string& outside) {
    auto decoded = readable(protobuf ? core::observe::decode_otlp_traces_protobuf(req.body, limits_)
                                     : core::observe::decode_otlp_traces_json(req.body, limits_),
                            outside);
    const auto now_ms = core::unix_millis();
    const auto spans = static_cast<std::int64_t>(decoded.spans());
    // Spans are not money: committed without waiting for the disk (a host crash may lose the
    // last moments of them, never anything else).
    const auto added = co_await db_.write_repairable(
        [&](core::storage::Tx& tx) { return SpanStore::add(tx, decoded.batches, now_ms, sender); });
    taken_->inc(static_cast<std::uint64_t>(added));
    repeated_->inc(static_cast<std::uint64_t>(spans - added));
    // Counted in the minutes once: a batch sent again (stored already) is not counted again.
    if (added == spans) (outside.empty() ? live_ : outside_live_).add(decoded.batches, now_ms / 60'000);
  }

  boost::asio::awaitable<void> store_logs(const Request& req, bool protobuf, const std::string& sender,
                                          const std::string& outside) {
    auto decoded = readable(protobuf ? core::observe::decode_otlp_logs_protobuf(req.body, limits_)
                                     : core::observe::decode_otlp_logs_json(req.body, limits_),
                            outside);
    const auto now_ms = core::unix_millis();
    const auto records = static_cast<std::int64_t>(decoded.records());
    const auto added = co_await db_.write_repairable(
        [&](core::storage::Tx& tx) { return LogStore::add(tx, decoded.batches, now_ms, sender); });
    logs_taken_->inc(static_cast<std::uint64_t>(added));
    logs_repeated_->inc(static_cast<std::uint64_t>(records - added));
  }

  // Resource figures: each resource's (service, instance) figures of each minute, the highest of
  // what came in that minute (gauges sampled every few seconds: a minute's peak is what matters).
  // At most this many services and instances in one export (a process sends one per service it
  // runs; an outside sender, a few).
  static constexpr std::size_t kMostInstances = 100, kMostOutsideInstances = 20;

  boost::asio::awaitable<void> store_resources(const Request& req, bool protobuf, const std::string& sender,
                                               const std::string& outside) {
    auto decoded = readable(protobuf ? core::observe::decode_otlp_metrics_protobuf(req.body, limits_)
                                     : core::observe::decode_otlp_metrics_json(req.body, limits_),
                            outside);
    const auto now_ms = core::unix_millis();
    const std::size_t most = outside.empty() ? kMostInstances : kMostOutsideInstances;
    auto samples = resource_samples(decoded.batches, sender, now_ms, most);
    if (!samples) {
      invalid_->inc();
      throw ApiError(400, "OBSERVER_TOO_MANY_INSTANCES",
                     "一次上报的服务实例过多（至多 " + std::to_string(most) + " 个），请分批发送");
    }
    if (samples->empty()) co_return;
    co_await db_.write_repairable([&](core::storage::Tx& tx) { ResourceStore::add(tx, *samples); });
    resources_taken_->inc(samples->size());
  }

  static constexpr std::string_view kIngestTokenHeader = "x-ingest-token";
  static constexpr std::size_t kMostInflated = 16u << 20;  // what a gzip body may inflate to

  core::storage::Database& db_;
  core::net::IoRuntime& runtime_;
  core::discovery::Discovery& discovery_;
  std::unique_ptr<Alerting> alerting_;
  std::vector<std::pair<std::string, std::string>> ingest_tokens_;  // name, the secret's SHA-256 (hex)
  core::observe::OtlpLimits limits_;
  std::int64_t max_concurrent_ = 4, max_outside_ = 1;
  std::chrono::milliseconds traces_retention_{}, logs_retention_{}, metrics_retention_{}, flush_interval_{};
  std::atomic<std::int64_t> in_flight_{0}, outside_in_flight_{0};
  LiveMinutes live_;
  // Outside senders' minutes: their own caps, so they cannot take the platform's places.
  LiveMinutes outside_live_{core::observe::RollupLimits{
      .max_endpoints = 50, .max_peers = 20, .max_instances = 20, .max_services = 20, .max_series = 20'000}};
  std::string part_;
  std::atomic<std::uint64_t> flushes_{0};
  std::mutex pending_mutex_;
  std::vector<std::pair<std::string, Minutes>> pending_;  // parts taken out of counting, not stored yet
  std::mutex done_mutex_;
  std::condition_variable done_cv_;
  bool housekeeping_done_ = false;
  bool started_ = false;
  std::atomic<bool> stopping_{false};
  core::net::Notifier wake_;
  core::observe::Counter *taken_ = nullptr, *repeated_ = nullptr, *busy_ = nullptr, *invalid_ = nullptr,
                         *flush_failed_ = nullptr, *logs_taken_ = nullptr, *logs_repeated_ = nullptr,
                         *resources_taken_ = nullptr;
};

// Hands the process's span and log batches to the observer by name: encoded on the tracer's
// thread, sent from an io thread, at most kMaxInFlight of each kind at once (past that a batch
// waits in the tracer's queue for the next round, or is dropped and counted there when the queue
// is full: never waited for).
class SpanExportComponent final : public core::Component {
 public:
  SpanExportComponent(core::ComponentContext& ctx, std::string version)
      : runtime_(ctx.runtime()),
        discovery_(ctx.get<core::discovery::Discovery>("discovery")),
        version_(std::move(version)) {
    const auto& tracing = ctx.full_config().section("tracing");
    active_ = tracing.get_bool("enabled") && tracing.get_string("endpoint").empty();
    logs_ = active_ && tracing.get_bool("export_logs");
    resources_interval_ = active_ ? tracing.get_duration("resources_interval") : std::chrono::milliseconds(0);
    services_ = core::resource_services(ctx);
    // The service it calls as: one this process signs for, else one it runs, else the gateway.
    const auto keys = ctx.service_keys();
    if (keys && !keys->services().empty()) as_ = keys->services().front();
    for (const auto* s : ctx.specs())
      if (as_.empty() && s->service) as_ = s->name;
    if (as_.empty()) as_ = "gateway";
    failed_ =
        &ctx.metrics().counter("zt_span_exports_failed_total", "Span and log batches not taken where they were sent");
  }

  void start() override {
    if (!active_) return;
    client_ = std::make_unique<ObserverClient>(discovery_.client(), as_);
    core::observe::tracer().set_export([this](std::vector<core::observe::RecordedSpan>&& batch) {
      return send(Kind::kSpans,
                  [&] { return core::observe::otlp_body(batch, core::observe::tracer().instance(), version_); });
    });
    if (logs_)
      core::observe::tracer().set_log_export([this](std::vector<core::observe::RecordedLog>&& batch) {
        return send(Kind::kLogs,
                    [&] { return core::observe::otlp_logs_body(batch, core::observe::tracer().instance(), version_); });
      });
    if (resources_interval_.count() > 0)
      core::observe::tracer().set_periodic(
          [this] {
            const auto metrics = core::resources_to_send(meter_, runtime_);
            if (!metrics) return;
            send(Kind::kMetrics, [&] {
              return core::observe::otlp_metrics_body(*metrics, services_, core::observe::tracer().instance(),
                                                      version_);
            });
          },
          resources_interval_);
  }

  void stop() override {
    if (!active_) return;
    // What is queued goes now, as many batches as may be in flight; sends under way get a few
    // seconds to end, and what waited for them goes after; then nothing more is handed over (the
    // tracing component's stop drops and counts what is left).
    const auto settle = [this] {
      for (int i = 0; i < 100 && spans_in_flight_->load() + logs_in_flight_->load() + metrics_in_flight_->load() > 0;
           ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    };
    core::observe::tracer().set_periodic(nullptr, {});
    core::observe::tracer().flush();
    settle();
    core::observe::tracer().flush();
    core::observe::tracer().set_export(nullptr);
    core::observe::tracer().set_log_export(nullptr);
    settle();
  }

 private:
  static constexpr int kMaxInFlight = 2;

  // `encode` makes the body (only when it is to be sent).
  template <class Encode>
  bool send(Kind kind, Encode encode) {
    auto in_flight = kind == Kind::kSpans  ? spans_in_flight_
                     : kind == Kind::kLogs ? logs_in_flight_
                                           : metrics_in_flight_;
    if (in_flight->load() >= kMaxInFlight) return false;
    auto body = std::make_shared<std::string>(encode());
    in_flight->fetch_add(1);
    runtime_.spawn(next_thread_++ % runtime_.size(), [this, kind, body, in_flight]() -> boost::asio::awaitable<void> {
      const auto once = [&]() {
        return kind == Kind::kSpans  ? client_->export_traces(*body)
               : kind == Kind::kLogs ? client_->export_logs(*body)
                                     : client_->export_metrics(*body);
      };
      auto outcome = co_await once();
      // Busy: once more after the second it asks for (then given up and counted: spans never
      // queue up behind the requests that made them).
      if (const auto* busy = std::get_if<core::discovery::Unknown>(&outcome); busy && busy->status == 429) {
        co_await core::net::sleep_for(std::chrono::seconds(1));
        outcome = co_await once();
      }
      if (!std::holds_alternative<ExportTaken>(outcome)) {
        failed_->inc();
        if (const auto* refused = std::get_if<core::Refusal>(&outcome))
          core::log::warn("span export: the observer refused a batch: {} {}", refused->code, refused->message);
        else
          core::log::debug("span export: the observer did not take a batch: {}",
                           std::get<core::discovery::Unknown>(outcome).message);
      }
      in_flight->fetch_sub(1);
    });
    return true;
  }

  core::net::IoRuntime& runtime_;
  core::discovery::Discovery& discovery_;
  std::string version_;
  bool active_ = false, logs_ = false;
  std::string as_;
  std::unique_ptr<ObserverClient> client_;
  std::shared_ptr<std::atomic<int>> spans_in_flight_ = std::make_shared<std::atomic<int>>(0),
                                    logs_in_flight_ = std::make_shared<std::atomic<int>>(0),
                                    metrics_in_flight_ = std::make_shared<std::atomic<int>>(0);
  std::chrono::milliseconds resources_interval_{0};
  std::vector<std::string> services_;
  core::observe::ResourceMeter meter_;  // the tracer's thread only
  std::size_t next_thread_ = 0;  // the tracer's thread only
  core::observe::Counter* failed_ = nullptr;
};

}  // namespace

core::ComponentSpec spec() {
  core::ComponentSpec spec;
  spec.name = "observer";
  spec.description = "traces of every process: the OTLP receiver, the trace store and its queries";
  spec.dependencies = {"server", "discovery"};
  spec.service = true;
  spec.schema = {
      "observer",
      {core::config::integer("max_concurrent_exports", 4)
           .range(1, 1000)
           .describe("exports stored at once; past it 429 (each holds a thread of the blocking pool on SQLite)"),
       core::config::integer("max_spans_per_export", 100'000).range(1, 10'000'000),
       core::config::integer("max_concurrent_outside_exports", 1)
           .range(1, 100)
           .describe("exports from outside senders (ingest tokens) stored at once; their own share"),
       core::config::string_list("ingest_tokens", std::vector<std::string>{})
           .describe("<name>:<secret> pairs OTLP senders outside the platform present in x-ingest-token; none: closed"),
       core::config::duration("traces_retention", std::chrono::hours(72))
           .range(60'000, 366LL * 86'400'000)
           .describe("spans are kept this long"),
       core::config::duration("logs_retention", std::chrono::hours(72))
           .range(60'000, 366LL * 86'400'000)
           .describe("log records are kept this long"),
       core::config::duration("metrics_retention", std::chrono::hours(24 * 7))
           .range(60'000, 366LL * 86'400'000)
           .describe("per-minute figures are kept this long"),
       core::config::duration("flush_interval", std::chrono::seconds(10))
           .range(100, 600'000)
           .describe("how often ended minutes are stored"),
       core::config::duration("apdex_threshold", std::chrono::milliseconds(500))
           .range(1, 600'000)
           .describe("Apdex T: satisfied at most T, tolerating at most 4T"),
       core::config::duration("alert_interval", std::chrono::seconds(10))
           .range(100, 60'000)
           .describe("how often the observer judging the alert rules looks for an ended minute and deliveries due"),
       core::config::duration("alert_settle", std::chrono::seconds(30))
           .range(0, 600'000)
           .describe("how long after a minute ends before it is judged (every observer has stored it by then: keep it "
                     "above flush_interval and the processes' tracing.flush_interval)"),
       core::config::duration("alerts_retention", std::chrono::hours(24 * 90))
           .range(3'600'000, 3660LL * 86'400'000)
           .describe("alert notices and their deliveries are kept this long"),
       core::config::string_list("alert_webhook_hosts", std::vector<std::string>{})
           .describe("hosts (host or host:port) alert webhooks may be sent to; none: no webhooks — the observer "
                     "never posts to an address staff typed that operators did not allow"),
       core::config::string("alert_webhook_secret", "")
           .describe("signs each alert webhook's body: x-zt-signature: sha256=<HMAC-SHA256 hex> (at least 24 "
                     "characters; empty: unsigned)")},
      "the observer"};
  spec.migrations = zt_observer_migrations;
  spec.openapi = zt_observer_openapi;
  spec.make = [](core::ComponentContext& ctx) -> std::unique_ptr<core::Component> {
    return std::make_unique<ObserverComponent>(ctx);
  };
  return spec;
}

core::ComponentSpec span_export_spec(std::string version) {
  core::ComponentSpec spec;
  spec.name = "span_export";
  spec.description = "this process's spans to the observer service (wherever discovery runs)";
  spec.dependencies = {"discovery"};
  spec.follows_dependencies = true;
  spec.make = [version = std::move(version)](core::ComponentContext& ctx) -> std::unique_ptr<core::Component> {
    return std::make_unique<SpanExportComponent>(ctx, version);
  };
  return spec;
}

}  // namespace zt::platform::observer
