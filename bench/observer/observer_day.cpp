// bench/observer's day of data: what the trace and dashboard queries cost over 24 hours of a busy
// platform, as an operator asks them.
//
//   fill <observer.db> <calls-per-minute> <minutes>
//       Writes `minutes` minutes up to now of `calls-per-minute` calls into an observer's SQLite
//       database (already migrated: the observer started on it once), straight through the
//       observer's own stores — the spans (traces of five: the gateway's server span, its call to
//       the mall, the mall's server span, its call to the counter, the counter's server span; a
//       call is a server span) and the per-minute figures the observer would have rolled up from
//       them (the same MinuteRollup), and the hours summed as a running observer would have by
//       now. Five services, twelve endpoints, two instances each.
//       Prints one JSON line: {"spans":…, "traces":…, "metric_rows":…, "hours_summed":…, "seconds":…}.
//   query <port> <internal-secret> <calls-per-minute> <minutes> <rounds> [last-minute]
//       Asks the observer, as the gateway forwards a staff member's request: `rounds` traces by
//       id (traces picked at random over the day) and `rounds` of each dashboard query over the
//       whole day (every service's figures, one service's minutes, its endpoints, the topology):
//       the `minutes` up to `last-minute` (the fill's; default the minute before now).
//       Prints one JSON line of p50/p99 in milliseconds per query kind.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "common/open_loop.hpp"
#include "core/observe/otlp.hpp"
#include "core/observe/rollup.hpp"
#include "core/storage/database.hpp"
#include "core/util/hex.hpp"
#include "harness/http.hpp"
#include "harness/tokens.hpp"
#include "platform/observer/store/metric_store.hpp"
#include "platform/observer/store/span_store.hpp"

using Clock = std::chrono::steady_clock;
namespace obs = zt::core::observe;

namespace {

constexpr int kSpansPerTrace = 5;
const char* const kServices[] = {"gateway", "mall", "counter", "auth", "suitability"};
const char* const kRoutes[] = {"/api/mall/v1/products",
                               "/api/mall/v1/products/{code}",
                               "/api/mall/v1/holdings",
                               "/api/mall/v1/orders",
                               "/api/mall/v1/orders/{id}",
                               "/api/mall/v1/subscriptions",
                               "/api/counter/v1/accounts/{fund_account}/balance",
                               "/api/counter/v1/accounts/{fund_account}/positions",
                               "/api/auth/v1/me",
                               "/api/auth/v1/sessions",
                               "/api/suitability/v1/me/profile",
                               "/api/suitability/v1/me/matches"};

std::int64_t now_minute() {
  return std::chrono::duration_cast<std::chrono::minutes>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The trace id of trace number `n` (the query side picks the same ones).
std::array<std::uint8_t, 16> trace_id_of(std::uint64_t n) {
  std::array<std::uint8_t, 16> id{};
  id[0] = 0x5d;
  for (int b = 0; b < 8; ++b) id[static_cast<std::size_t>(8 + b)] = static_cast<std::uint8_t>(n >> (8 * b));
  return id;
}

// One trace of five spans, ending in `minute`, as its three processes send them (by service).
void add_trace(std::uint64_t n, std::int64_t minute, std::mt19937_64& rng, std::map<std::string, obs::SpanBatch>& out) {
  const auto trace = trace_id_of(n);
  const std::uint64_t start =
      static_cast<std::uint64_t>(minute) * 60'000'000'000ULL + rng() % 50'000'000'000ULL;  // inside the minute
  const std::size_t route = n % 12;
  const std::string downstream = route < 6 ? "mall" : route < 8 ? "counter" : route < 10 ? "auth" : "suitability";
  // A long tail: most calls in milliseconds, one in a hundred near a second.
  const std::uint64_t micros = rng() % 100 == 0 ? 500'000 + rng() % 800'000 : 1'000 + rng() % 40'000;
  const bool failed = rng() % 200 == 0;
  std::array<std::uint8_t, 8> parent{};
  for (int i = 0; i < kSpansPerTrace; ++i) {
    obs::Span s;
    s.trace_id = trace;
    for (int b = 0; b < 8; ++b)
      s.span_id[static_cast<std::size_t>(b)] = static_cast<std::uint8_t>((n * 8 + i + 1) >> (8 * b));
    s.parent_span_id = parent;
    parent = s.span_id;
    const bool server = i % 2 == 0;
    s.kind = server ? obs::SpanKind::kServer : obs::SpanKind::kClient;
    const std::string service = i < 2 ? "gateway" : i < 4 ? downstream : "counter";
    s.start_unix_nano = start + static_cast<std::uint64_t>(i) * 200'000;
    s.end_unix_nano = s.start_unix_nano + micros * 1000 / static_cast<std::uint64_t>(i + 1);
    s.attributes = {{"http.request.method", std::string("GET")},
                    {"http.response.status_code", std::int64_t{failed ? 502 : 200}},
                    {"zt.request_id", "r-" + std::to_string(n)}};
    if (server) {
      const std::string r = i == 4 ? kRoutes[6 + n % 2] : kRoutes[route];
      s.name = "GET " + r;
      s.attributes.push_back({"http.route", r});
      s.attributes.push_back({"zt.caller_kind", std::string(i == 0 ? "customer" : "service")});
    } else {
      const std::string peer = i == 1 ? downstream : "counter";
      s.name = "GET " + peer;
      s.attributes.push_back({"peer.service", peer});
    }
    if (failed) s.status = obs::SpanStatus::kError;
    auto& batch = out[service];
    batch.source.service_name = service;
    batch.source.service_instance_id = service + "@10.0.0." + std::to_string(1 + n % 2);
    batch.spans.push_back(std::move(s));
  }
}

int fill(const std::string& path, std::int64_t per_minute, std::int64_t minutes) {
  zt::core::storage::Options o;
  o.driver = "sqlite";
  o.sqlite_path = path;
  auto db = zt::core::storage::Database::open(o);
  const auto started = Clock::now();
  const std::int64_t last = now_minute() - 1, first = last - minutes + 1;
  const std::int64_t traces_per_minute = per_minute / 3;  // three server spans (calls) a trace
  std::mt19937_64 rng(20261207);
  std::uint64_t n = 0;
  std::int64_t spans = 0, rows = 0;
  for (std::int64_t minute = first; minute <= last; ++minute) {
    std::map<std::string, obs::SpanBatch> by_service;
    for (std::int64_t t = 0; t < traces_per_minute; ++t) add_trace(n++, minute, rng, by_service);
    std::vector<obs::SpanBatch> batches;
    obs::MinuteRollup rollup;
    for (auto& [service, batch] : by_service) {
      rollup.add(batch, minute);
      batches.push_back(std::move(batch));
    }
    const auto figures = rollup.take_before(minute + 1);
    const std::string part = "fill-" + std::to_string(minute);
    db->write_blocking([&](zt::core::storage::Tx& tx) {
      spans += zt::platform::observer::SpanStore::add(tx, batches, minute * 60'000 + 59'000, "mall");
      rows += zt::platform::observer::MetricStore::add(tx, figures, part);
    });
  }
  // The hours a running observer would have summed by now (those whose minutes can no longer
  // change: an hour and a few minutes after they end).
  const std::int64_t before_hour = (now_minute() - obs::RollupLimits{}.minutes_back - 3) / 60;
  std::int64_t hours = 0;
  for (;;) {
    std::vector<std::int64_t> todo;
    db->read_blocking([&](zt::core::storage::Tx& tx) {
      todo = zt::platform::observer::MetricStore::hours_to_roll(tx, before_hour, 24);
    });
    if (todo.empty()) break;
    for (const auto hour : todo)
      db->write_blocking([&](zt::core::storage::Tx& tx) {
        hours += zt::platform::observer::MetricStore::roll_up_hour(tx, hour, 0) ? 1 : 0;
      });
  }
  std::printf(
      "{\"spans\":%lld,\"traces\":%llu,\"metric_rows\":%lld,\"hours_summed\":%lld,\"last_minute\":%lld,"
      "\"seconds\":%.1f}\n",
      static_cast<long long>(spans), static_cast<unsigned long long>(n), static_cast<long long>(rows),
      static_cast<long long>(hours), static_cast<long long>(last),
      std::chrono::duration<double>(Clock::now() - started).count());
  return 0;
}

int query(int port, const std::string& secret, std::int64_t per_minute, std::int64_t minutes, int rounds,
          std::int64_t last_minute) {
  const zt::core::http::Caller caller{
      zt::core::http::CallerKind::kStaff, "S-bench", {"operations"}, "sess-S-bench", {"governance.read"}};
  const std::uint64_t traces = static_cast<std::uint64_t>(per_minute / 3 * minutes);
  // The day filled (not the day before now: the fill took minutes).
  const std::int64_t to_ms = (last_minute + 1) * 60'000, from_ms = to_ms - minutes * 60'000;
  const std::string range = "from_ms=" + std::to_string(from_ms) + "&to_ms=" + std::to_string(to_ms);
  std::mt19937_64 rng(7);
  std::map<std::string, std::vector<double>> took;
  long errors = 0;
  const auto ask = [&](const std::string& kind, const std::string& target) {
    const auto sent = Clock::now();
    const auto r =
        zt::test::http_request(port, "GET", target, "", zt::test::edge_headers(caller, "GET", target, secret, ""));
    took[kind].push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
    if (r.status != 200) {
      if (++errors <= 3) std::fprintf(stderr, "%s %s: %d %s\n", kind.c_str(), target.c_str(), r.status, r.body.c_str());
    }
  };
  for (int i = 0; i < rounds; ++i) {
    ask("trace_by_id", "/api/observer/v1/traces/" + zt::core::to_hex(trace_id_of(rng() % traces)));
    ask("services_day", "/api/observer/v1/services?" + range);
    ask("service_minutes_day", "/api/observer/v1/services/mall/minutes?" + range);
    ask("endpoints_day", "/api/observer/v1/services/mall/endpoints?" + range);
    ask("topology_day", "/api/observer/v1/topology?" + range);
  }
  std::string out = "{";
  for (auto& [kind, ms] : took) {
    std::sort(ms.begin(), ms.end());
    char line[160];
    std::snprintf(line, sizeof line, "\"%s\":{\"p50_ms\":%.2f,\"p99_ms\":%.2f},", kind.c_str(),
                  zt::bench::percentile(ms, 0.5), zt::bench::percentile(ms, 0.99));
    out += line;
  }
  out += "\"errors\":" + std::to_string(errors) + "}";
  std::printf("%s\n", out.c_str());
  return errors == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> a(argv + 1, argv + argc);
  if (a.size() == 4 && a[0] == "fill") return fill(a[1], std::stoll(a[2]), std::stoll(a[3]));
  if ((a.size() == 6 || a.size() == 7) && a[0] == "query")
    return query(std::stoi(a[1]), a[2], std::stoll(a[3]), std::stoll(a[4]), std::stoi(a[5]),
                 a.size() == 7 ? std::stoll(a[6]) : now_minute() - 1);
  std::fprintf(stderr,
               "usage: %s fill <observer.db> <calls-per-minute> <minutes>\n"
               "       %s query <port> <internal-secret> <calls-per-minute> <minutes> <rounds> [last-minute]\n",
               argv[0], argv[0]);
  return 2;
}
