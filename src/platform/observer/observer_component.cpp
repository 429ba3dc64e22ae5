#include "platform/observer/observer_component.hpp"

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "core/discovery/discovery.hpp"
#include "core/discovery/service_client.hpp"
#include "core/http/error.hpp"
#include "core/http/identity.hpp"
#include "core/http/router.hpp"
#include "core/net/runtime.hpp"
#include "core/observe/log.hpp"
#include "core/observe/metrics.hpp"
#include "core/observe/otlp.hpp"
#include "core/observe/tracer.hpp"
#include "core/storage/database.hpp"
#include "core/util/time.hpp"
#include "platform/observer/client/observer_client.hpp"
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

bool trace_id_shape(std::string_view id) {
  if (id.size() != 32) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

class ObserverComponent final : public core::Component {
 public:
  explicit ObserverComponent(core::ComponentContext& ctx) : db_(ctx.database()) {
    const auto& c = ctx.config();
    max_concurrent_ = c.get_int("max_concurrent_exports");
    limits_.max_spans = static_cast<std::size_t>(c.get_int("max_spans_per_export"));
    auto& m = ctx.metrics();
    taken_ = &m.counter("zt_observer_spans_total", "Spans the observer received", {{"result", "stored"}});
    repeated_ = &m.counter("zt_observer_spans_total", "Spans the observer received", {{"result", "repeated"}});
    busy_ = &m.counter("zt_observer_exports_refused_total", "Exports refused", {{"reason", "busy"}});
    invalid_ = &m.counter("zt_observer_exports_refused_total", "Exports refused", {{"reason", "invalid"}});
    auto& r = ctx.public_router();
    r.add(Method::kPost, "/api/observer/v1/traces",
          [this](Request& req, RequestContext& c) -> boost::asio::awaitable<Response> { return take(req, c); });
    r.add(Method::kGet, "/api/observer/v1/traces/{trace_id}",
          [this](Request& req, RequestContext& c) -> boost::asio::awaitable<Response> { return trace(req, c); });
  }

 private:
  // An OTLP/HTTP export: read whole or refused whole, stored in one transaction.
  boost::asio::awaitable<Response> take(Request& req, RequestContext& ctx) {
    std::string_view type = req.headers.get("content-type").value_or("");
    type = type.substr(0, type.find(';'));
    while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
    const bool protobuf = type == "application/x-protobuf";
    if (!protobuf && type != "application/json") {
      invalid_->inc();
      throw ApiError(415, "OBSERVER_MEDIA_TYPE_UNSUPPORTED",
                     "仅接受 OTLP 格式（application/x-protobuf 或 application/json）");
    }
    if (auto encoding = req.headers.get("content-encoding"); encoding && *encoding != "identity") {
      invalid_->inc();
      throw ApiError(415, "OBSERVER_ENCODING_UNSUPPORTED", "暂不支持该内容编码，请发送未压缩的数据");
    }
    // Busy: the sender keeps its batch and tries again (OTLP/HTTP's 429 with Retry-After).
    if (in_flight_.fetch_add(1) >= max_concurrent_) {
      in_flight_.fetch_sub(1);
      busy_->inc();
      Response busy =
          Response::json(429, core::http::error_body("OBSERVER_BUSY", "观测服务繁忙，请稍后重试", ctx.trace_id));
      busy.headers.set("retry-after", "1");
      co_return busy;
    }
    struct Release {
      std::atomic<std::int64_t>& n;
      ~Release() { n.fetch_sub(1); }
    } release{in_flight_};
    auto decoded = protobuf ? core::observe::decode_otlp_traces_protobuf(req.body, limits_)
                            : core::observe::decode_otlp_traces_json(req.body, limits_);
    if (!decoded.error.empty()) {
      invalid_->inc();
      throw ApiError(400, "OBSERVER_OTLP_INVALID", "OTLP 数据无法解析：" + decoded.error);
    }
    const auto now_ms = core::unix_millis();
    const auto spans = static_cast<std::int64_t>(decoded.spans());
    const auto added =
        co_await db_.write([&](core::storage::Tx& tx) { return SpanStore::add(tx, decoded.batches, now_ms); });
    taken_->inc(static_cast<std::uint64_t>(added));
    repeated_->inc(static_cast<std::uint64_t>(spans - added));
    if (protobuf) {
      Response ok;
      ok.status = 200;
      ok.headers.set("content-type", "application/x-protobuf");
      co_return ok;  // an empty ExportTraceServiceResponse: nothing rejected
    }
    co_return Response::json(200, "{}");
  }

  boost::asio::awaitable<Response> trace(Request&, RequestContext& ctx) {
    const std::string id(ctx.param("trace_id").value_or(""));
    if (!trace_id_shape(id)) throw ApiError(400, "OBSERVER_TRACE_ID_INVALID", "调用链编号应为 32 位小写十六进制");
    auto spans = co_await db_.read([&](core::storage::Tx& tx) { return SpanStore::trace(tx, id); });
    if (spans.empty()) throw ApiError(404, "OBSERVER_TRACE_NOT_FOUND", "未找到该调用链（可能尚未上报或已过保留期）");
    co_return Response::json(
        200, boost::json::serialize(boost::json::object{{"trace_id", id}, {"spans", std::move(spans)}}));
  }

  core::storage::Database& db_;
  core::observe::OtlpLimits limits_;
  std::int64_t max_concurrent_ = 4;
  std::atomic<std::int64_t> in_flight_{0};
  core::observe::Counter *taken_ = nullptr, *repeated_ = nullptr, *busy_ = nullptr, *invalid_ = nullptr;
};

// Hands the process's span batches to the observer by name: encoded on the tracer's thread, sent
// from an io thread, at most kMaxInFlight at once (past that a batch is dropped and counted by the
// tracer, never waited for).
class SpanExportComponent final : public core::Component {
 public:
  SpanExportComponent(core::ComponentContext& ctx, std::string version)
      : runtime_(ctx.runtime()),
        discovery_(ctx.get<core::discovery::Discovery>("discovery")),
        version_(std::move(version)) {
    const auto& tracing = ctx.full_config().section("tracing");
    active_ = tracing.get_bool("enabled") && tracing.get_string("endpoint").empty();
    // The service it calls as: one this process signs for, else one it runs, else the gateway.
    const auto keys = ctx.service_keys();
    if (keys && !keys->services().empty()) as_ = keys->services().front();
    for (const auto* s : ctx.specs())
      if (as_.empty() && s->service) as_ = s->name;
    if (as_.empty()) as_ = "gateway";
    failed_ = &ctx.metrics().counter("zt_span_exports_failed_total", "Span batches the observer did not take");
  }

  void start() override {
    if (!active_) return;
    client_ = std::make_unique<ObserverClient>(discovery_.client(), as_);
    core::observe::tracer().set_export(
        [this](std::vector<core::observe::RecordedSpan>&& batch) { return send(std::move(batch)); });
  }

  void stop() override {
    if (!active_) return;
    core::observe::tracer().flush();
    for (int i = 0; i < 100 && in_flight_->load() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    core::observe::tracer().set_export(nullptr);
  }

 private:
  static constexpr int kMaxInFlight = 4;

  bool send(std::vector<core::observe::RecordedSpan>&& batch) {
    if (in_flight_->load() >= kMaxInFlight) return false;
    auto body =
        std::make_shared<std::string>(core::observe::otlp_body(batch, core::observe::tracer().instance(), version_));
    in_flight_->fetch_add(1);
    auto in_flight = in_flight_;
    runtime_.spawn(0, [this, body, in_flight]() -> boost::asio::awaitable<void> {
      auto outcome = co_await client_->export_traces(*body);
      if (!std::holds_alternative<SpansTaken>(outcome)) {
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
  bool active_ = false;
  std::string as_;
  std::unique_ptr<ObserverClient> client_;
  std::shared_ptr<std::atomic<int>> in_flight_ = std::make_shared<std::atomic<int>>(0);
  core::observe::Counter* failed_ = nullptr;
};

}  // namespace

core::ComponentSpec spec() {
  core::ComponentSpec spec;
  spec.name = "observer";
  spec.description = "traces of every process: the OTLP receiver, the trace store and its queries";
  spec.dependencies = {"server", "discovery"};
  spec.service = true;
  spec.schema = {"observer",
                 {core::config::integer("max_concurrent_exports", 4)
                      .range(1, 1000)
                      .describe("exports stored at once; past it 429"),
                  core::config::integer("max_spans_per_export", 100'000).range(1, 10'000'000)},
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
