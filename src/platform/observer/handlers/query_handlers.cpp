#include "platform/observer/handlers/query_handlers.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <map>
#include <set>

#include "core/http/error.hpp"
#include "core/http/params.hpp"
#include "core/observe/otlp.hpp"
#include "core/util/time.hpp"
#include "platform/observer/domain/figures.hpp"
#include "platform/observer/store/log_store.hpp"
#include "platform/observer/store/metric_store.hpp"
#include "platform/observer/store/resource_store.hpp"
#include "platform/observer/store/span_store.hpp"

namespace zt::platform::observer {

namespace {

using core::http::ApiError;
using core::http::Method;
using core::http::Request;
using core::http::RequestContext;
using core::http::Response;
using core::observe::Figures;
using core::observe::SeriesKey;
using core::observe::SeriesScope;
using Reply = boost::asio::awaitable<Response>;

bool trace_id_shape(std::string_view id) {
  return id.size() == 32 &&
         std::all_of(id.begin(), id.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// A name from the query or the path: well-formed UTF-8 without NUL, at most 256 bytes (what the
// rollup keeps), else refused — never a database error.
std::optional<std::string> name_param(std::optional<std::string> v, const char* what) {
  if (!v) return v;
  if (v->empty() || v->size() > 256 || core::observe::valid_utf8(*v) != *v)
    throw ApiError(400, "OBSERVER_BAD_PARAM", std::string(what) + " 应为 1 到 256 字节的 UTF-8 文本");
  return v;
}

Range range_param(const Request& req, std::chrono::milliseconds longest) {
  const auto r = range_of(req.query_param("from_ms"), req.query_param("to_ms"), core::unix_millis(), longest.count());
  if (!r)
    throw ApiError(400, "OBSERVER_RANGE_INVALID",
                   "时间范围无效：from_ms、to_ms 应为毫秒时间戳，起始早于结束，且跨度不超过保留期");
  return *r;
}

std::int64_t bounded_int(const Request& req, const char* name, std::int64_t fallback, std::int64_t lo, std::int64_t hi,
                         const char* message) {
  return core::http::int_param(req, name, fallback, lo, hi, "OBSERVER", message);
}

class Queries {
 public:
  Queries(core::storage::Database& db, std::vector<const LiveMinutes*> live, QuerySettings s)
      : db_(db), live_(std::move(live)), s_(s) {}

  // Stored and live minutes of a scope in the range, merged.
  boost::asio::awaitable<Minutes> minutes(SeriesScope scope, std::optional<std::string> service, const Range& r) {
    auto stored = co_await db_.read(
        [&](core::storage::Tx& tx) { return MetricStore::read(tx, scope, service, r.from_minute, r.to_minute); });
    for (const auto* live : live_) merge_into(stored, live->peek(scope, service, r.from_minute, r.to_minute));
    co_return stored;
  }

  // Stored and live figures of a scope over the range, added up series by series as they are read.
  boost::asio::awaitable<std::map<SeriesKey, Figures>> sums(SeriesScope scope, std::optional<std::string> service,
                                                            const Range& r) {
    auto out = co_await db_.read(
        [&](core::storage::Tx& tx) { return MetricStore::totals(tx, scope, service, r.from_minute, r.to_minute); });
    for (const auto* live : live_)
      for (const auto& [minute, series] : live->peek(scope, service, r.from_minute, r.to_minute))
        for (const auto& [key, f] : series) out[key].merge(f);
    co_return out;
  }

  boost::json::object figures(const Figures& f, std::int64_t minutes) const {
    return figures_json(f, minutes, s_.apdex_threshold_micros);
  }

  Reply search(Request& req, RequestContext&) {
    const auto r = range_param(req, s_.traces_retention);
    SpanStore::Search q;
    q.from_unix_nano = r.from_ms * 1'000'000;
    q.to_unix_nano = r.to_ms * 1'000'000;
    q.service = name_param(req.query_param("service"), "service");
    q.endpoint = name_param(req.query_param("endpoint"), "endpoint");
    const auto status = req.query_param("status").value_or("all");
    if (status != "all" && status != "error") throw ApiError(400, "OBSERVER_BAD_PARAM", "status 应为 all 或 error");
    q.errors_only = status == "error";
    q.min_duration_ns =
        bounded_int(req, "min_duration_ms", 0, 0, 3'600'000, "min_duration_ms 应为 0 到 3600000 之间的整数") *
        1'000'000;
    q.limit = bounded_int(req, "limit", 20, 1, 100, "limit 应为 1 到 100 之间的整数");
    auto items = co_await db_.read([&](core::storage::Tx& tx) { return SpanStore::search(tx, q); });
    co_return Response::json(200, boost::json::serialize(boost::json::object{
                                      {"from_ms", r.from_ms}, {"to_ms", r.to_ms}, {"items", std::move(items)}}));
  }

  Reply trace(Request&, RequestContext& ctx) {
    const std::string id(ctx.param("trace_id").value_or(""));
    if (!trace_id_shape(id)) throw ApiError(400, "OBSERVER_TRACE_ID_INVALID", "调用链编号应为 32 位小写十六进制");
    constexpr std::int64_t kMostSpans = 10'000;  // a runaway trace is shown cut, never built whole
    auto spans = co_await db_.read([&](core::storage::Tx& tx) { return SpanStore::trace(tx, id, kMostSpans + 1); });
    if (spans.empty()) throw ApiError(404, "OBSERVER_TRACE_NOT_FOUND", "未找到该调用链（可能尚未上报或已过保留期）");
    const bool truncated = static_cast<std::int64_t>(spans.size()) > kMostSpans;
    if (truncated) spans.resize(kMostSpans);
    // Its log records, every process's, in the order they were written (the first kMostLogs).
    constexpr std::int64_t kMostLogs = 1000;
    LogStore::Search q;
    q.trace_id = id;
    q.to_unix_nano = INT64_MAX;
    q.limit = kMostLogs + 1;
    q.oldest_first = true;
    auto logs = co_await db_.read([&](core::storage::Tx& tx) { return LogStore::search(tx, q); });
    const bool logs_truncated = static_cast<std::int64_t>(logs.size()) > kMostLogs;
    if (logs_truncated) logs.resize(kMostLogs);
    co_return Response::json(200, boost::json::serialize(boost::json::object{{"trace_id", id},
                                                                             {"truncated", truncated},
                                                                             {"spans", std::move(spans)},
                                                                             {"logs", std::move(logs)},
                                                                             {"logs_truncated", logs_truncated}}));
  }

  Reply logs(Request& req, RequestContext&) {
    LogStore::Search q;
    if (auto id = req.query_param("trace_id")) {
      if (!trace_id_shape(*id)) throw ApiError(400, "OBSERVER_TRACE_ID_INVALID", "调用链编号应为 32 位小写十六进制");
      q.trace_id = std::move(*id);
    }
    Range r;
    if (q.trace_id && !req.query_param("from_ms") && !req.query_param("to_ms")) {
      // One trace's lines: whenever they were written within the retention (and a sender's clock
      // a little ahead).
      r.to_ms = core::unix_millis() + 60'000;
      r.from_ms = r.to_ms - s_.logs_retention.count() - 60'000;
    } else {
      r = range_param(req, s_.logs_retention);
    }
    q.from_unix_nano = r.from_ms * 1'000'000;
    q.to_unix_nano = r.to_ms * 1'000'000;
    q.service = name_param(req.query_param("service"), "service");
    if (const auto level = req.query_param("level")) {
      static const std::map<std::string, int, std::less<>> kLevels{
          {"debug", 5}, {"info", 9}, {"warn", 13}, {"error", 17}};
      const auto it = kLevels.find(*level);
      if (it == kLevels.end()) throw ApiError(400, "OBSERVER_BAD_PARAM", "level 应为 debug、info、warn 或 error");
      q.min_severity = it->second;
    }
    if (const auto text = req.query_param("q")) {
      if (text->empty() || text->size() > 200 || core::observe::valid_utf8(*text) != *text)
        throw ApiError(400, "OBSERVER_BAD_PARAM", "q 应为 1 到 200 字节的 UTF-8 文本");
      std::size_t at = 0;
      while (at < text->size()) {
        const auto end = std::min(text->find(' ', at), text->size());
        if (end > at) q.words.push_back(text->substr(at, end - at));
        at = end + 1;
      }
      if (q.words.empty() || q.words.size() > 8)
        throw ApiError(400, "OBSERVER_BAD_PARAM", "q 应为 1 到 8 个以空格分隔的词");
    }
    q.limit = bounded_int(req, "limit", 100, 1, 500, "limit 应为 1 到 500 之间的整数");
    auto items = co_await db_.read([&](core::storage::Tx& tx) { return LogStore::search(tx, q); });
    co_return Response::json(200, boost::json::serialize(boost::json::object{
                                      {"from_ms", r.from_ms}, {"to_ms", r.to_ms}, {"items", std::move(items)}}));
  }

  Reply services(Request& req, RequestContext&) {
    const auto r = range_param(req, s_.metrics_retention);
    const auto all = co_await sums(SeriesScope::kService, std::nullopt, r);
    boost::json::array items;
    for (const auto& [key, f] : all) {
      auto o = figures(f, r.minutes());
      o["service"] = key.service;
      items.push_back(std::move(o));
    }
    co_return Response::json(
        200, boost::json::serialize(boost::json::object{
                 {"from_ms", r.from_ms}, {"to_ms", r.to_ms}, {"minutes", r.minutes()}, {"items", std::move(items)}}));
  }

  Reply service_minutes(Request& req, RequestContext& ctx) {
    const auto r = range_param(req, s_.metrics_retention);
    const std::string service = *name_param(std::string(ctx.param("service").value_or("")), "service");
    const auto by_minute = co_await minutes(SeriesScope::kService, service, r);
    boost::json::array points;
    for (const auto& [minute, series] : by_minute)
      for (const auto& [key, f] : series) {
        auto o = figures(f, 1);
        o["minute_ms"] = minute * 60'000;
        points.push_back(std::move(o));
      }
    co_return Response::json(
        200, boost::json::serialize(boost::json::object{
                 {"service", service}, {"from_ms", r.from_ms}, {"to_ms", r.to_ms}, {"points", std::move(points)}}));
  }

  // The endpoints (or instances) of a service over the range, ordered as asked, the first `limit`.
  Reply members(Request& req, RequestContext& ctx, SeriesScope scope, const char* label) {
    const auto r = range_param(req, s_.metrics_retention);
    const std::string service = *name_param(std::string(ctx.param("service").value_or("")), "service");
    const auto order = req.query_param("order_by").value_or("p99");
    static const std::set<std::string> kOrders{"p99", "p95", "avg", "calls", "error_rate"};
    if (!kOrders.count(order))
      throw ApiError(400, "OBSERVER_BAD_PARAM", "order_by 应为 p99、p95、avg、calls 或 error_rate");
    const auto limit = bounded_int(req, "limit", 10, 1, 100, "limit 应为 1 到 100 之间的整数");
    const auto all = co_await sums(scope, service, r);
    std::vector<std::pair<double, boost::json::object>> rows;
    for (const auto& [key, f] : all) {
      auto o = figures(f, r.minutes());
      const double by = order == "calls"        ? static_cast<double>(f.calls)
                        : order == "error_rate" ? f.error_rate()
                        : order == "avg"        ? f.latency.mean()
                        : order == "p95"        ? f.latency.quantile(0.95)
                                                : f.latency.quantile(0.99);
      o[label] = key.name;
      rows.emplace_back(by, std::move(o));
    }
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    boost::json::array items;
    for (auto& [by, o] : rows) {
      if (static_cast<std::int64_t>(items.size()) == limit) break;
      items.push_back(std::move(o));
    }
    co_return Response::json(
        200, boost::json::serialize(boost::json::object{
                 {"service", service}, {"from_ms", r.from_ms}, {"to_ms", r.to_ms}, {"items", std::move(items)}}));
  }

  // Each instance of a service with its resources by minute over the range, and the newest (of
  // each sender: what another sends under its name is apart).
  Reply resources(Request& req, RequestContext& ctx) {
    const auto r = range_param(req, s_.metrics_retention);
    const std::string service = *name_param(std::string(ctx.param("service").value_or("")), "service");
    constexpr std::int64_t kMostRows = 50'000;  // a day of a few dozen instances
    auto rows = co_await db_.read([&](core::storage::Tx& tx) {
      return ResourceStore::read(tx, service, r.from_minute, r.to_minute, kMostRows + 1);
    });
    const bool truncated = static_cast<std::int64_t>(rows.size()) > kMostRows;
    if (truncated) rows.resize(kMostRows);
    const auto figures_of = [](const ResourceSample& s) {
      const auto put = [](boost::json::object& o, const char* key, const auto& v) {
        if (v)
          o[key] = *v;
        else
          o[key] = nullptr;
      };
      boost::json::object o{{"minute_ms", s.minute * 60'000}};
      put(o, "cpu_cores", s.cpu_cores);
      put(o, "rss_bytes", s.rss_bytes);
      put(o, "open_fds", s.open_fds);
      put(o, "max_fds", s.max_fds);
      put(o, "threads", s.threads);
      put(o, "io_busy_avg", s.io_busy_avg);
      put(o, "io_busy_max", s.io_busy_max);
      put(o, "blocking_queued", s.blocking_queued);
      return o;
    };
    // Rows come newest minute first: each instance's (and sender's) points put oldest first.
    std::map<std::pair<std::string, std::string>, std::vector<const ResourceSample*>> by_instance;
    for (const auto& row : rows) by_instance[{row.instance, row.sender}].push_back(&row);
    boost::json::array items;
    for (const auto& [key, list] : by_instance) {
      boost::json::array points;
      for (auto it = list.rbegin(); it != list.rend(); ++it) points.push_back(figures_of(**it));
      auto latest = figures_of(*list.front());
      latest["at_ms"] = list.front()->at_ms;
      items.push_back(boost::json::object{{"instance", key.first},
                                          {"sender", key.second},
                                          {"latest", std::move(latest)},
                                          {"points", std::move(points)}});
    }
    co_return Response::json(200, boost::json::serialize(boost::json::object{{"service", service},
                                                                             {"from_ms", r.from_ms},
                                                                             {"to_ms", r.to_ms},
                                                                             {"truncated", truncated},
                                                                             {"items", std::move(items)}}));
  }

  // Services as nodes with what they answered; edges from each caller to what it called (another
  // service, a database, a vendor's address) with what the caller saw.
  Reply topology(Request& req, RequestContext&) {
    const auto r = range_param(req, s_.metrics_retention);
    const auto nodes = co_await sums(SeriesScope::kService, std::nullopt, r);
    const auto edges = co_await sums(SeriesScope::kEdge, std::nullopt, r);
    std::set<std::string> services;
    boost::json::array node_list, edge_list;
    for (const auto& [key, f] : nodes) {
      services.insert(key.service);
      auto o = figures(f, r.minutes());
      o["name"] = key.service;
      o["kind"] = "service";
      node_list.push_back(std::move(o));
    }
    std::set<std::string> others;
    for (const auto& [key, f] : edges) {
      auto o = figures(f, r.minutes());
      o["from"] = key.service;
      o["to"] = key.name;
      edge_list.push_back(std::move(o));
      if (!services.count(key.name)) others.insert(key.name);
      if (!services.count(key.service)) others.insert(key.service);
    }
    for (const auto& name : others) node_list.push_back(boost::json::object{{"name", name}, {"kind", "external"}});
    co_return Response::json(200, boost::json::serialize(boost::json::object{{"from_ms", r.from_ms},
                                                                             {"to_ms", r.to_ms},
                                                                             {"nodes", std::move(node_list)},
                                                                             {"edges", std::move(edge_list)}}));
  }

 private:
  core::storage::Database& db_;
  std::vector<const LiveMinutes*> live_;
  QuerySettings s_;
};

}  // namespace

void add_query_routes(core::http::Router& router, core::storage::Database& db, std::vector<const LiveMinutes*> live,
                      QuerySettings settings) {
  auto q = std::make_shared<Queries>(db, std::move(live), settings);
  router.add(Method::kGet, "/api/observer/v1/traces",
             [q](Request& req, RequestContext& c) { return q->search(req, c); });
  router.add(Method::kGet, "/api/observer/v1/traces/{trace_id}",
             [q](Request& req, RequestContext& c) { return q->trace(req, c); });
  router.add(Method::kGet, "/api/observer/v1/logs", [q](Request& req, RequestContext& c) { return q->logs(req, c); });
  router.add(Method::kGet, "/api/observer/v1/services",
             [q](Request& req, RequestContext& c) { return q->services(req, c); });
  router.add(Method::kGet, "/api/observer/v1/services/{service}/minutes",
             [q](Request& req, RequestContext& c) { return q->service_minutes(req, c); });
  router.add(Method::kGet, "/api/observer/v1/services/{service}/endpoints",
             [q](Request& req, RequestContext& c) { return q->members(req, c, SeriesScope::kEndpoint, "endpoint"); });
  router.add(Method::kGet, "/api/observer/v1/services/{service}/instances",
             [q](Request& req, RequestContext& c) { return q->members(req, c, SeriesScope::kInstance, "instance"); });
  router.add(Method::kGet, "/api/observer/v1/services/{service}/resources",
             [q](Request& req, RequestContext& c) { return q->resources(req, c); });
  router.add(Method::kGet, "/api/observer/v1/topology",
             [q](Request& req, RequestContext& c) { return q->topology(req, c); });
}

}  // namespace zt::platform::observer
