// The observer's span and minute tables on both SQL backends: spans stored once with who sent them,
// a trace read in start order and cut at its limit, the trace search's filters, minutes appended
// per flush and merged when read, and retention removing in bounded rounds only what is past it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <type_traits>

#include "core/storage/database.hpp"
#include "core/util/hex.hpp"
#include "harness/process.hpp"
#include "harness/servers.hpp"
#include "platform/observer/store/alert_store.hpp"
#include "platform/observer/store/log_store.hpp"
#include "platform/observer/store/metric_store.hpp"
#include "platform/observer/store/partitions.hpp"
#include "platform/observer/store/resource_store.hpp"
#include "platform/observer/store/span_store.hpp"

std::span<const zt::core::EmbeddedFile> zt_observer_migrations();

namespace zt::platform::observer {
namespace {

using core::observe::Figures;
using core::observe::SeriesKey;
using core::observe::SeriesScope;
using core::observe::Span;
using core::observe::SpanBatch;
using core::observe::SpanKind;
using core::observe::SpanStatus;

constexpr std::uint64_t kSecond = 1'000'000'000ULL;
constexpr std::uint64_t kStart = 1'765'000'000ULL * kSecond;

Span span(std::uint8_t trace, std::uint8_t id, std::uint64_t start, std::uint64_t millis,
          SpanKind kind = SpanKind::kServer, std::string name = "GET /api/mall/v1/products") {
  Span s;
  s.trace_id.fill(trace);
  s.span_id.fill(id);
  s.kind = kind;
  s.name = std::move(name);
  s.start_unix_nano = start;
  s.end_unix_nano = start + millis * 1'000'000;
  return s;
}

SpanBatch batch(std::string service, std::vector<Span> spans) {
  return SpanBatch{core::observe::SpanSource{std::move(service), service + "-1", {}, "zhongtai", ""}, std::move(spans)};
}

std::string trace_hex(std::uint8_t b) {
  std::array<std::uint8_t, 16> id;
  id.fill(b);
  return core::to_hex(id);
}

// A blocking transaction's answer (the blocking calls answer nothing themselves).
template <class F>
auto reading(core::storage::Database& db, F f) {
  std::invoke_result_t<F&, core::storage::Tx&> out{};
  db.read_blocking([&](core::storage::Tx& tx) { out = f(tx); });
  return out;
}
template <class F>
auto writing(core::storage::Database& db, F f) {
  if constexpr (std::is_void_v<std::invoke_result_t<F&, core::storage::Tx&>>) {
    db.write_blocking([&](core::storage::Tx& tx) { f(tx); });
  } else {
    std::invoke_result_t<F&, core::storage::Tx&> out{};
    db.write_blocking([&](core::storage::Tx& tx) { out = f(tx); });
    return out;
  }
}

class ObserverStore : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<core::storage::Database> open() {
    core::storage::Options o;
    o.driver = GetParam();
    if (o.driver == "sqlite")
      o.sqlite_path = dir_.path() + "/observer.db";
    else {
      o.postgres_dsn = test::shared_postgres().dsn();
      o.schema = "observer" + std::to_string(::getpid()) + "_" + std::to_string(++opened_);
    }
    o.pool_size = 2;
    auto db = core::storage::Database::open(o);
    core::storage::migrate(*db, zt_observer_migrations());
    return db;
  }
  test::TempDir dir_{"zt-observer"};
  static inline int opened_ = 0;
};

TEST_P(ObserverStore, SpansAreStoredOnceWithTheirSenderAndReadInStartOrderUpToTheLimit) {
  auto db = open();
  std::vector<SpanBatch> first{
      batch("mall", {span(1, 2, kStart + 5, 3), span(1, 1, kStart, 10)}),
      batch("counter", {span(1, 3, kStart + 7, 1, SpanKind::kServer, "GET /api/counter/v1/x")})};
  first[0].spans[0].parent_span_id.fill(1);
  first[0].spans[0].status = SpanStatus::kError;
  first[0].spans[0].status_message = "HTTP 503";
  first[0].spans[0].attributes.push_back({"http.response.status_code", std::int64_t{503}});
  const auto added = writing(*db, [&](core::storage::Tx& tx) { return SpanStore::add(tx, first, 1000, "mall"); });
  EXPECT_EQ(added, 3);
  // The same batch again from its sender: nothing new.
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return SpanStore::add(tx, first, 2000, "mall"); }), 0);
  const auto id = trace_hex(1);
  const auto spans = reading(*db, [&](core::storage::Tx& tx) { return SpanStore::trace(tx, id, 100); });
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[0].at("span_id"), "0101010101010101");
  EXPECT_EQ(spans[0].at("parent_span_id"), "");
  EXPECT_EQ(spans[0].at("duration_us"), 10'000);
  EXPECT_EQ(spans[1].at("span_id"), "0202020202020202");
  EXPECT_EQ(spans[1].at("parent_span_id"), "0101010101010101");
  EXPECT_EQ(spans[1].at("status"), "error");
  EXPECT_EQ(spans[1].at("status_message"), "HTTP 503");
  EXPECT_EQ(spans[1].at("attributes").at("http.response.status_code"), 503);
  EXPECT_EQ(spans[2].at("service"), "counter");
  for (const auto& sp : spans) EXPECT_EQ(sp.at("sender"), "mall");
  EXPECT_EQ(reading(*db, [&](core::storage::Tx& tx) { return SpanStore::trace(tx, id, 2); }).size(), 2u);
  // The same ids from another sender take nobody's place: both are kept, each with its sender.
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return SpanStore::add(tx, first, 3000, "token:someone"); }), 3);
  const auto both = reading(*db, [&](core::storage::Tx& tx) { return SpanStore::trace(tx, id, 100); });
  ASSERT_EQ(both.size(), 6u);
  int from_mall = 0;
  for (const auto& sp : both) from_mall += sp.at("sender") == "mall" ? 1 : 0;
  EXPECT_EQ(from_mall, 3);
  EXPECT_TRUE(reading(*db, [&](core::storage::Tx& tx) { return SpanStore::trace(tx, trace_hex(9), 100); }).empty());
}

TEST_P(ObserverStore, TheTraceSearchFiltersServerSpansByServiceEndpointStatusDurationAndTime) {
  auto db = open();
  std::vector<SpanBatch> b{
      batch("mall", {span(1, 1, kStart, 5), span(2, 1, kStart + kSecond, 500), span(3, 1, kStart + 2 * kSecond, 20),
                     span(4, 1, kStart + 3 * kSecond, 50, SpanKind::kClient, "GET counter")}),
      batch("counter", {span(5, 1, kStart + 4 * kSecond, 7, SpanKind::kServer, "GET /api/counter/v1/x")})};
  b[0].spans[2].status = SpanStatus::kError;
  writing(*db, [&](core::storage::Tx& tx) { SpanStore::add(tx, b, 1, "mall"); });
  const auto search = [&](SpanStore::Search q) {
    q.from_unix_nano = q.from_unix_nano ? q.from_unix_nano : static_cast<std::int64_t>(kStart);
    q.to_unix_nano = q.to_unix_nano ? q.to_unix_nano : static_cast<std::int64_t>(kStart + 60 * kSecond);
    std::vector<std::string> traces;
    for (const auto& r : reading(*db, [&](core::storage::Tx& tx) { return SpanStore::search(tx, q); }))
      traces.push_back(std::string(r.at("trace_id").as_string()).substr(0, 2));
    return traces;
  };
  EXPECT_EQ(search({}), (std::vector<std::string>{"05", "03", "02", "01"})) << "server spans, newest first";
  EXPECT_EQ(search({.service = "mall"}), (std::vector<std::string>{"03", "02", "01"}));
  EXPECT_EQ(search({.endpoint = "GET /api/counter/v1/x"}), (std::vector<std::string>{"05"}));
  EXPECT_EQ(search({.errors_only = true}), (std::vector<std::string>{"03"}));
  EXPECT_EQ(search({.min_duration_ns = 20'000'000}), (std::vector<std::string>{"03", "02"}));
  EXPECT_EQ(search({.limit = 2}), (std::vector<std::string>{"05", "03"}));
  EXPECT_EQ(search({.from_unix_nano = static_cast<std::int64_t>(kStart + kSecond),
                    .to_unix_nano = static_cast<std::int64_t>(kStart + 2 * kSecond)}),
            (std::vector<std::string>{"02"}))
      << "from included, to not";
}

TEST_P(ObserverStore, MinutesAreAppendedPerFlushAndAddUpWhenRead) {
  auto db = open();
  const auto figures = [](std::uint64_t calls, std::uint64_t errors, double micros) {
    Figures f;
    f.calls = calls;
    f.errors = errors;
    f.latency.add(micros, calls);
    return f;
  };
  Minutes first, second;
  first[100][SeriesKey{SeriesScope::kService, "mall", ""}] = figures(10, 1, 1000);
  first[100][SeriesKey{SeriesScope::kEndpoint, "mall", "GET /a"}] = figures(10, 1, 1000);
  first[101][SeriesKey{SeriesScope::kService, "mall", ""}] = figures(5, 0, 2000);
  second[100][SeriesKey{SeriesScope::kService, "mall", ""}] = figures(30, 3, 4000);  // a late batch, another flush
  second[100][SeriesKey{SeriesScope::kService, "counter", ""}] = figures(7, 0, 500);
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return MetricStore::add(tx, first, "obs-1"); }), 3);
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return MetricStore::add(tx, second, "obs-2"); }), 2);
  // A part written again (its first COMMIT's answer lost): nothing added twice.
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return MetricStore::add(tx, second, "obs-2"); }), 0);
  const auto services = reading(
      *db, [&](core::storage::Tx& tx) { return MetricStore::read(tx, SeriesScope::kService, std::nullopt, 100, 102); });
  ASSERT_EQ(services.size(), 2u);
  const auto& mall100 = services.at(100).at(SeriesKey{SeriesScope::kService, "mall", ""});
  EXPECT_EQ(mall100.calls, 40u);
  EXPECT_EQ(mall100.errors, 4u);
  EXPECT_EQ(mall100.latency.count(), 40u);
  EXPECT_NEAR(mall100.latency.max(), 4000, 1e-9);
  EXPECT_EQ(services.at(100).at(SeriesKey{SeriesScope::kService, "counter", ""}).calls, 7u);
  EXPECT_EQ(services.at(101).at(SeriesKey{SeriesScope::kService, "mall", ""}).calls, 5u);
  const auto mall_only = reading(*db, [&](core::storage::Tx& tx) {
    return MetricStore::read(tx, SeriesScope::kService, std::string("mall"), 101, 102);
  });
  ASSERT_EQ(mall_only.size(), 1u);
  EXPECT_EQ(mall_only.at(101).size(), 1u);
  const auto endpoints = reading(*db, [&](core::storage::Tx& tx) {
    return MetricStore::read(tx, SeriesScope::kEndpoint, std::string("mall"), 0, 1000);
  });
  EXPECT_EQ(endpoints.at(100).at(SeriesKey{SeriesScope::kEndpoint, "mall", "GET /a"}).calls, 10u);
  // A row whose sketch cannot be read is left out and counted, never a failure of the query.
  writing(*db, [&](core::storage::Tx& tx) {
    tx.exec(
        "INSERT INTO observer_metrics (minute, scope, service, name, part, calls, errors, latency) VALUES (100, 0, "
        "'mall', '', 'bad', 1, 0, 'zz')");
  });
  std::size_t unreadable = 0;
  const auto again = reading(*db, [&](core::storage::Tx& tx) {
    return MetricStore::read(tx, SeriesScope::kService, std::string("mall"), 100, 101, &unreadable);
  });
  EXPECT_EQ(unreadable, 1u);
  EXPECT_EQ(again.at(100).at(SeriesKey{SeriesScope::kService, "mall", ""}).calls, 40u);
}

// An hour's minutes summed into hourly rows once: the totals over a range read the summed hours
// from there (the same figures, the sketches merged exactly) and the minutes at its ends; a
// minute stored late for a summed hour makes it dirty, counted from its minutes until summed
// again; two observers summing an hour at once sum it once; retention takes hours with minutes.
TEST_P(ObserverStore, HoursAreSummedOnceAndReadInsteadOfTheirMinutes) {
  auto db = open();
  const SeriesKey mall{SeriesScope::kService, "mall", ""}, counter{SeriesScope::kService, "counter", ""},
      endpoint{SeriesScope::kEndpoint, "mall", "GET /a"};
  // Minutes 590 … 731: the end of hour 9, hours 10 and 11, the start of hour 12; two flushes each.
  for (const std::string_view part : {"obs-1", "obs-2"}) {
    Minutes m;
    for (std::int64_t minute = 590; minute <= 731; ++minute) {
      Figures f;
      f.calls = static_cast<std::uint64_t>(minute % 7 + 1);
      f.errors = minute % 5 == 0 ? 1 : 0;
      f.latency.add(static_cast<double>(100 + minute * (part == "obs-1" ? 3 : 11)), f.calls);
      m[minute][mall] = f;
      m[minute][endpoint] = f;
      if (minute % 2 == 0) m[minute][counter] = f;
    }
    writing(*db, [&](core::storage::Tx& tx) { MetricStore::add(tx, m, std::string(part)); });
  }
  const auto totals = [&](SeriesScope scope, std::optional<std::string> service, std::int64_t from, std::int64_t to) {
    return reading(*db, [&](core::storage::Tx& tx) { return MetricStore::totals(tx, scope, service, from, to); });
  };
  const auto expect_same = [](const std::map<SeriesKey, Figures>& got, const std::map<SeriesKey, Figures>& want) {
    ASSERT_EQ(got.size(), want.size());
    for (const auto& [key, f] : want) {
      ASSERT_TRUE(got.count(key)) << key.service << " " << key.name;
      EXPECT_EQ(got.at(key).calls, f.calls) << key.service;
      EXPECT_EQ(got.at(key).errors, f.errors) << key.service;
      EXPECT_TRUE(got.at(key).latency == f.latency) << key.service;
    }
  };
  const auto services = totals(SeriesScope::kService, std::nullopt, 595, 725);
  const auto mall_endpoints = totals(SeriesScope::kEndpoint, std::string("mall"), 595, 725);
  ASSERT_EQ(services.size(), 2u);

  // Hours before 12 to sum: from the first minute stored.
  EXPECT_EQ(reading(*db, [&](core::storage::Tx& tx) { return MetricStore::hours_to_roll(tx, 12, 24); }),
            (std::vector<std::int64_t>{9, 10, 11}));
  EXPECT_EQ(reading(*db, [&](core::storage::Tx& tx) { return MetricStore::hours_to_roll(tx, 12, 2); }),
            (std::vector<std::int64_t>{9, 10}));
  for (const std::int64_t hour : {9, 10, 11})
    EXPECT_TRUE(writing(*db, [&](core::storage::Tx& tx) { return MetricStore::roll_up_hour(tx, hour, 1); })) << hour;
  EXPECT_FALSE(writing(*db, [&](core::storage::Tx& tx) { return MetricStore::roll_up_hour(tx, 10, 2); }))
      << "an hour is summed once";
  EXPECT_TRUE(reading(*db, [&](core::storage::Tx& tx) { return MetricStore::hours_to_roll(tx, 12, 24); }).empty());
  EXPECT_EQ(reading(*db, [&](core::storage::Tx& tx) { return MetricStore::hours_to_roll(tx, 14, 24); }),
            (std::vector<std::int64_t>{12}))
      << "hours with minutes only";
  expect_same(totals(SeriesScope::kService, std::nullopt, 595, 725), services);
  expect_same(totals(SeriesScope::kEndpoint, std::string("mall"), 595, 725), mall_endpoints);
  // The summed hours are what is read: hour 10's minutes gone, its figures are still there.
  writing(*db,
          [&](core::storage::Tx& tx) { tx.exec("DELETE FROM observer_metrics WHERE minute >= 600 AND minute < 660"); });
  expect_same(totals(SeriesScope::kService, std::nullopt, 595, 725), services);
  // A range inside one hour reads its minutes (hour 11 is not wholly inside it).
  const auto inside = totals(SeriesScope::kService, std::string("mall"), 665, 670);
  std::uint64_t calls = 0;
  for (std::int64_t minute = 665; minute < 670; ++minute) calls += 2 * static_cast<std::uint64_t>(minute % 7 + 1);
  EXPECT_EQ(inside.at(mall).calls, calls);

  // A minute of hour 11 stored late: the hour is dirty, read from its minutes, then summed again.
  Minutes late;
  Figures slow;
  slow.calls = 1000;
  slow.latency.add(9'000'000, 1000);
  late[700][mall] = slow;
  writing(*db, [&](core::storage::Tx& tx) { MetricStore::add(tx, late, "obs-3"); });
  auto want = services;
  want[mall].merge(slow);
  expect_same(totals(SeriesScope::kService, std::nullopt, 595, 725), want);
  EXPECT_EQ(reading(*db, [&](core::storage::Tx& tx) { return MetricStore::hours_to_roll(tx, 12, 24); }),
            (std::vector<std::int64_t>{11}));
  // Two observers summing it at once: one does.
  std::atomic<int> summed{0};
  std::vector<std::thread> both;
  for (int i = 0; i < 2; ++i)
    both.emplace_back([&] {
      if (writing(*db, [&](core::storage::Tx& tx) { return MetricStore::roll_up_hour(tx, 11, 3); })) ++summed;
    });
  for (auto& t : both) t.join();
  EXPECT_EQ(summed.load(), 1);
  expect_same(totals(SeriesScope::kService, std::nullopt, 595, 725), want);
  writing(*db,
          [&](core::storage::Tx& tx) { tx.exec("DELETE FROM observer_metrics WHERE minute >= 660 AND minute < 720"); });
  // Hour 11 summed again holds the late minute (its minutes gone, its figures are still there).
  std::uint64_t in11 = 0;
  for (std::int64_t minute = 660; minute < 720; ++minute) in11 += 2 * static_cast<std::uint64_t>(minute % 7 + 1);
  EXPECT_EQ(totals(SeriesScope::kService, std::string("mall"), 660, 720).at(mall).calls, in11 + 1000);

  // Retention: the hours wholly before the cut go with the minutes.
  writing(*db, [&](core::storage::Tx& tx) { MetricStore::purge_before(tx, 660, 100'000); });
  EXPECT_EQ(reading(*db,
                    [&](core::storage::Tx& tx) {
                      return tx.query("SELECT COUNT(*) FROM observer_metrics_hourly WHERE hour < 11").at(0).int64(0);
                    }),
            0);
  EXPECT_EQ(reading(*db,
                    [&](core::storage::Tx& tx) {
                      return tx.query("SELECT COUNT(*) FROM observer_metric_hours").at(0).int64(0);
                    }),
            2);  // 11 and 12
}

// A minute stored while its hour is being summed: it waits for the sum (on the hour's marker) and
// makes the hour dirty after it, so it is summed again and never left out.
TEST_P(ObserverStore, AMinuteStoredWhileItsHourIsSummedIsSummedAgain) {
  auto db = open();
  const SeriesKey mall{SeriesScope::kService, "mall", ""};
  Minutes first, late;
  Figures one;
  one.calls = 1;
  one.latency.add(1000);
  first[600][mall] = one;
  Figures more;
  more.calls = 10;
  more.latency.add(2000, 10);
  late[610][mall] = more;
  writing(*db, [&](core::storage::Tx& tx) { MetricStore::add(tx, first, "obs-1"); });
  std::atomic<bool> summing{false};
  std::thread sum([&] {
    writing(*db, [&](core::storage::Tx& tx) {
      EXPECT_TRUE(MetricStore::roll_up_hour(tx, 10, 1));
      summing = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the late rows arrive meanwhile
    });
  });
  while (!summing.load()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  writing(*db, [&](core::storage::Tx& tx) { MetricStore::add(tx, late, "obs-2"); });
  sum.join();
  EXPECT_EQ(reading(*db, [&](core::storage::Tx& tx) { return MetricStore::hours_to_roll(tx, 11, 24); }),
            (std::vector<std::int64_t>{10}))
      << "dirty again";
  const auto totals = [&] {
    return reading(*db, [&](core::storage::Tx& tx) {
      return MetricStore::totals(tx, SeriesScope::kService, std::nullopt, 600, 660);
    });
  };
  EXPECT_EQ(totals().at(mall).calls, 11u);
  EXPECT_TRUE(writing(*db, [&](core::storage::Tx& tx) { return MetricStore::roll_up_hour(tx, 10, 2); }));
  writing(*db, [&](core::storage::Tx& tx) { tx.exec("DELETE FROM observer_metrics"); });
  EXPECT_EQ(totals().at(mall).calls, 11u) << "the hour's sum holds both";
}

TEST_P(ObserverStore, AnInstancesMinuteKeepsTheHighestOfEachFigureEvenFromTwoObserversAtOnce) {
  auto db = open();
  const auto sample = [](std::string instance, std::int64_t minute, std::int64_t at_ms, std::string sender = "mall") {
    ResourceSample s;
    s.service = "mall";
    s.instance = std::move(instance);
    s.sender = std::move(sender);
    s.minute = minute;
    s.at_ms = at_ms;
    return s;
  };
  auto a = sample("mall-1", 100, 6'000'010);
  a.cpu_cores = 0.5;
  a.rss_bytes = 100;
  a.io_busy_avg = 0.2;
  a.io_busy_max = 0.3;
  auto b = sample("mall-1", 100, 6'000'020);  // later in the minute: less CPU, more memory, a queue
  b.cpu_cores = 0.25;
  b.rss_bytes = 300;
  b.blocking_queued = 4;
  auto other = sample("mall-2", 100, 6'000'000);
  other.threads = 9;
  auto next = sample("mall-1", 101, 6'060'000);
  next.cpu_cores = 0.1;
  // Another sender's figures under the same name: a row of its own, never mixed in.
  auto forged = sample("mall-1", 100, 6'000'030, "counter");
  forged.cpu_cores = 1e300;
  // Samples of one row in one call are merged (PostgreSQL touches a row once a statement).
  writing(*db, [&](core::storage::Tx& tx) { ResourceStore::add(tx, {a, other, b, next, forged}); });
  auto rows = reading(*db, [&](core::storage::Tx& tx) { return ResourceStore::read(tx, "mall", 100, 102, 10); });
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].minute, 101) << "newest first";
  EXPECT_EQ(rows[0].cpu_cores, 0.1);
  EXPECT_EQ(rows[1].instance, "mall-1");
  EXPECT_EQ(rows[1].sender, "counter");
  EXPECT_EQ(rows[2].instance, "mall-1");
  EXPECT_EQ(rows[2].sender, "mall");
  EXPECT_EQ(rows[2].at_ms, 6'000'020);
  EXPECT_EQ(rows[2].cpu_cores, 0.5);
  EXPECT_EQ(rows[2].rss_bytes, 300);
  EXPECT_EQ(rows[2].io_busy_avg, 0.2) << "not sent the second time: kept";
  EXPECT_EQ(rows[2].io_busy_max, 0.3);
  EXPECT_EQ(rows[2].blocking_queued, 4) << "not sent the first time: taken";
  EXPECT_FALSE(rows[2].threads.has_value());
  EXPECT_EQ(rows[3].instance, "mall-2");
  EXPECT_EQ(rows[3].threads, 9);

  // Two observers storing samples of one row at once, many times each: every figure ends the
  // highest either sent (a conditional upsert; a read-then-write would lose some).
  std::vector<std::thread> observers;
  for (int o = 0; o < 2; ++o)
    observers.emplace_back([&, o] {
      for (int i = 1; i <= 40; ++i) {
        auto s = sample("mall-3", 200, 12'000'000 + i);
        s.rss_bytes = o == 0 ? i : 100 - i;  // observer 0 ends at 40, observer 1 began at 99
        s.open_fds = o == 0 ? 1000 + i : 1000 - i;
        writing(*db, [&](core::storage::Tx& tx) { ResourceStore::add(tx, {s}); });
      }
    });
  for (auto& t : observers) t.join();
  rows = reading(*db, [&](core::storage::Tx& tx) { return ResourceStore::read(tx, "mall", 200, 201, 10); });
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].rss_bytes, 99);
  EXPECT_EQ(rows[0].open_fds, 1040);
  EXPECT_EQ(rows[0].at_ms, 12'000'040);

  // The range and the limit hold (the newest minutes first); another service's rows are not read;
  // retention takes the old.
  EXPECT_EQ(reading(*db, [&](core::storage::Tx& tx) { return ResourceStore::read(tx, "mall", 101, 102, 10); }).size(),
            1u);
  const auto cut = reading(*db, [&](core::storage::Tx& tx) { return ResourceStore::read(tx, "mall", 100, 102, 2); });
  ASSERT_EQ(cut.size(), 2u);
  EXPECT_EQ(cut[0].minute, 101);
  EXPECT_TRUE(
      reading(*db, [&](core::storage::Tx& tx) { return ResourceStore::read(tx, "counter", 0, 1000, 10); }).empty());
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return ResourceStore::purge_before(tx, 101, 2); }), 2);
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return ResourceStore::purge_before(tx, 101, 10); }), 1);
  rows = reading(*db, [&](core::storage::Tx& tx) { return ResourceStore::read(tx, "mall", 0, 1000, 10); });
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].minute, 200);
  EXPECT_EQ(rows[1].minute, 101);
}

// PostgreSQL: a day partition takes what the default partition held of its day, keeps storing a
// batch sent again once, is left alone by the purge by receipt, and is dropped whole. SQLite has
// none (every call does nothing) and keeps one table.
TEST_P(ObserverStore, DayPartitionsTakeTheirDayAndAreDroppedWhole) {
  auto db = open();
  const bool pg = GetParam() == "postgres";
  const std::int64_t day = static_cast<std::int64_t>(kStart / kSecond) / 86'400;  // 2025-12-06 (UTC)
  EXPECT_EQ(Partitions::name(kSpanDays, day), "observer_spans_d20251206");
  EXPECT_EQ(Partitions::name(kLogDays, 0), "observer_logs_d19700101");
  const std::uint64_t midnight = static_cast<std::uint64_t>(day) * 86'400 * kSecond;
  // Two spans of the day (one its first nanosecond), one of the next day, stored before any
  // partition exists: in the default partition.
  std::vector<SpanBatch> b{batch("mall", {span(1, 1, midnight, 1), span(1, 2, kStart, 1),
                                          span(2, 1, midnight + 86'400 * kSecond, 1)})};
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return SpanStore::add(tx, b, 1000, "mall"); }), 3);
  const auto count = [&](const std::string& table) {
    return reading(*db,
                   [&](core::storage::Tx& tx) { return tx.query("SELECT count(*) FROM " + table).at(0).int64(0); });
  };
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return Partitions::create(tx, kSpanDays, day); }), pg);
  EXPECT_FALSE(writing(*db, [&](core::storage::Tx& tx) { return Partitions::create(tx, kSpanDays, day); }))
      << "made once";
  EXPECT_EQ(reading(*db, [&](core::storage::Tx& tx) { return Partitions::days(tx, kSpanDays); }),
            pg ? std::vector<std::int64_t>{day} : std::vector<std::int64_t>{});
  if (pg) {
    EXPECT_EQ(count("observer_spans_d20251206"), 2);
    EXPECT_EQ(count("observer_spans_default"), 1);
  }
  EXPECT_EQ(count("observer_spans"), 3);
  // Sent again (its answer lost): still stored once, in its partition.
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return SpanStore::add(tx, b, 2000, "mall"); }), 0);
  EXPECT_EQ(reading(*db, [&](core::storage::Tx& tx) { return SpanStore::trace(tx, trace_hex(1), 10); }).size(), 2u);
  // The purge by receipt takes the default partition's rows only; the day goes whole.
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return SpanStore::purge_received_before(tx, 5000, 100); }),
            pg ? 1 : 3);
  if (pg) {
    EXPECT_EQ(count("observer_spans"), 2);
    EXPECT_TRUE(writing(*db, [&](core::storage::Tx& tx) { return Partitions::drop(tx, kSpanDays, day); }));
    EXPECT_FALSE(writing(*db, [&](core::storage::Tx& tx) { return Partitions::drop(tx, kSpanDays, day); }));
    EXPECT_TRUE(reading(*db, [&](core::storage::Tx& tx) { return Partitions::days(tx, kSpanDays); }).empty());
  }
  EXPECT_EQ(count("observer_spans"), 0);
  // Two observers making the same day of log records at once make it once.
  std::atomic<int> made{0};
  std::vector<std::thread> makers;
  for (int i = 0; i < 2; ++i)
    makers.emplace_back([&] {
      if (writing(*db, [&](core::storage::Tx& tx) { return Partitions::create(tx, kLogDays, day); })) ++made;
    });
  for (auto& t : makers) t.join();
  EXPECT_EQ(made.load(), pg ? 1 : 0);
}

TEST_P(ObserverStore, RetentionRemovesOnlyWhatIsPastItInBoundedRounds) {
  auto db = open();
  // Received one a millisecond; by receipt, not by the sender's clock (span 12 claims the far past).
  for (std::uint8_t i = 1; i <= 12; ++i) {
    std::vector<SpanBatch> b{batch("mall", {span(i, 1, i == 12 ? 1 : kStart + i * kSecond, 1)})};
    writing(*db, [&](core::storage::Tx& tx) { SpanStore::add(tx, b, 1000 + i, "mall"); });
  }
  const std::int64_t cut = 1010;  // spans 1 … 9 were received before it
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return SpanStore::purge_received_before(tx, cut, 5); }), 5);
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return SpanStore::purge_received_before(tx, cut, 5); }), 4);
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return SpanStore::purge_received_before(tx, cut, 5); }), 0);
  for (std::uint8_t i = 1; i <= 12; ++i)
    EXPECT_EQ(reading(*db, [&](core::storage::Tx& tx) { return SpanStore::trace(tx, trace_hex(i), 10); }).size(),
              i >= 10 ? 1u : 0u)
        << int(i);
  Minutes m;
  Figures one;
  one.calls = 1;
  one.latency.add(10);
  for (std::int64_t minute = 1; minute <= 7; ++minute) m[minute][SeriesKey{SeriesScope::kService, "mall", ""}] = one;
  writing(*db, [&](core::storage::Tx& tx) { MetricStore::add(tx, m, "p"); });
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return MetricStore::purge_before(tx, 5, 3); }), 3);
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return MetricStore::purge_before(tx, 5, 3); }), 1);
  const auto left = reading(
      *db, [&](core::storage::Tx& tx) { return MetricStore::read(tx, SeriesScope::kService, std::nullopt, 0, 100); });
  ASSERT_EQ(left.size(), 3u);
  EXPECT_EQ(left.begin()->first, 5);
}

core::observe::LogRecord line(std::uint8_t trace, std::uint64_t time, int severity, std::string body) {
  core::observe::LogRecord l;
  if (trace) {
    l.trace_id.fill(trace);
    l.span_id.fill(trace);
  }
  l.time_unix_nano = time;
  l.severity_number = severity;
  l.body = std::move(body);
  l.attributes = {{"zt.request_id", std::string("r-") + std::to_string(time)}};
  return l;
}

core::observe::LogBatch lines(std::string service, std::vector<core::observe::LogRecord> records) {
  return {core::observe::SpanSource{std::move(service), "i-1", {}, "zhongtai", ""}, std::move(records)};
}

TEST_P(ObserverStore, LogRecordsAreStoredOnceAndFoundByTraceServiceLevelWordsAndTime) {
  auto db = open();
  std::vector<core::observe::LogBatch> sent{
      lines("mall", {line(1, kStart + 3, 9, "POST /api/mall/v1/orders 201 12.5 ms"),
                     line(1, kStart + 5, 13, "mall: Order 7 not answered by the counter (50%_off)"),
                     line(0, kStart + 9, 17, "mall: 数据库连接失败")}),
      lines("counter", {line(1, kStart + 4, 9, "POST /api/counter/v1/orders 200 3.1 ms"),
                        line(2, kStart + 8, 9, "GET /api/counter/v1/accounts/{id} 200 1.0 ms")})};
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return LogStore::add(tx, sent, 1000, "mall"); }), 5);
  // Sent again after a lost answer: nothing new; the same records from another sender are its own.
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return LogStore::add(tx, sent, 2000, "mall"); }), 0);
  const auto find = [&](LogStore::Search q) {
    if (q.to_unix_nano == 0) q.to_unix_nano = INT64_MAX;
    return reading(*db, [&](core::storage::Tx& tx) { return LogStore::search(tx, q); });
  };
  LogStore::Search by_trace;
  by_trace.trace_id = trace_hex(1);
  by_trace.oldest_first = true;
  const auto trace = find(by_trace);
  ASSERT_EQ(trace.size(), 3u);  // every process's lines of the trace, in the order written
  EXPECT_EQ(trace[0].at("service"), "mall");
  EXPECT_EQ(trace[1].at("service"), "counter");
  EXPECT_EQ(trace[2].at("level"), "warn");
  EXPECT_EQ(trace[2].at("span_id"), "0101010101010101");
  EXPECT_EQ(trace[0].at("attributes").at("zt.request_id").as_string(), "r-" + std::to_string(kStart + 3));
  EXPECT_EQ(trace[0].at("sender"), "mall");
  LogStore::Search newest;
  newest.service = "mall";
  const auto mall = find(newest);
  ASSERT_EQ(mall.size(), 3u);
  EXPECT_EQ(mall[0].at("body"), "mall: 数据库连接失败");  // newest first
  EXPECT_EQ(mall[0].at("trace_id"), "");
  LogStore::Search warnings;
  warnings.min_severity = 13;
  EXPECT_EQ(find(warnings).size(), 2u);
  // Words: each must be in the text, ASCII case aside; % and _ are themselves.
  LogStore::Search words;
  words.words = {"ORDER", "answered"};
  EXPECT_EQ(find(words).size(), 1u);
  words.words = {"50%_off"};
  EXPECT_EQ(find(words).size(), 1u);
  words.words = {"5%off"};
  EXPECT_EQ(find(words).size(), 0u);
  words.words = {"数据库"};
  EXPECT_EQ(find(words).size(), 1u);
  LogStore::Search window;
  window.from_unix_nano = kStart + 4;
  window.to_unix_nano = kStart + 8;
  EXPECT_EQ(find(window).size(), 2u);  // [from, to)
  LogStore::Search few;
  few.limit = 2;
  EXPECT_EQ(find(few).size(), 2u);
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return LogStore::add(tx, sent, 3000, "token:x"); }), 5);
  // Retention by receipt, in bounded rounds.
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return LogStore::purge_received_before(tx, 2500, 3); }), 3);
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return LogStore::purge_received_before(tx, 2500, 3); }), 2);
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return LogStore::purge_received_before(tx, 2500, 3); }), 0);
  const auto left = find(LogStore::Search{});
  ASSERT_EQ(left.size(), 5u);
  for (const auto& l : left) EXPECT_EQ(l.at("sender"), "token:x");
  // Two equal lines without a time in one request (an SDK that stamps none) are two records; sent
  // again later they cannot be told from new ones and are kept again (never a new line lost), while
  // the same request in the same millisecond (a retry) adds nothing.
  std::vector<core::observe::LogBatch> timeless{lines("h5", {line(0, 0, 9, "点击"), line(0, 0, 9, "点击")})};
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return LogStore::add(tx, timeless, 5000, "token:x"); }), 2);
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return LogStore::add(tx, timeless, 5000, "token:x"); }), 0);
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return LogStore::add(tx, timeless, 6000, "token:x"); }), 2);
}

// What the judge carries is replaced only from the minute it was read at: of two observers that
// judged the same minutes (a lease that lapsed under one), one stores its judgement and notices, the
// other nothing. Deliveries are claimed once, finished from sending only, and an abandoned send is
// tried again (a webhook) or marked unknown (a message that may have gone out).
TEST_P(ObserverStore, AJudgementIsStoredOnceAndEachDeliveryClaimedOnce) {
  auto db = open();
  EXPECT_FALSE(reading(*db, [](core::storage::Tx& tx) { return AlertStore::judgement(tx); }));
  AlertRule rule = shipped_alert_document().rules.front();
  AlertState firing{rule.id, SeriesKey{SeriesScope::kService, "mall", ""}, {100, 101}, 0, 101, true, 101};
  AlertDocument doc;
  doc.channels = {AlertChannel{"ops", "email", "ops@broker.example"}};
  rule.channels = {"ops"};
  doc.rules = {rule};
  const Judgement first{101, doc, {firing}};
  EXPECT_TRUE(writing(*db, [&](core::storage::Tx& tx) { return AlertStore::replace_judgement(tx, -1, first, 1000); }));
  EXPECT_FALSE(writing(*db, [&](core::storage::Tx& tx) { return AlertStore::replace_judgement(tx, -1, first, 1000); }))
      << "a second first judgement is refused";
  const auto stored = reading(*db, [](core::storage::Tx& tx) { return AlertStore::judgement(tx); });
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->last_minute, 101);
  ASSERT_EQ(stored->rules.rules.size(), 1u);
  EXPECT_EQ(stored->rules.rules[0].id, rule.id);
  EXPECT_EQ(stored->rules.rules[0].threshold, rule.threshold);
  EXPECT_EQ(stored->rules.rules[0].channels, std::vector<std::string>{"ops"});
  EXPECT_EQ(stored->rules.channels, doc.channels) << "the channels as they were: who heard it fire hears it end";
  ASSERT_EQ(stored->states.size(), 1u);
  EXPECT_EQ(stored->states[0], firing);

  // Two judges of minute 102 at once: one wins, and only its notice is kept.
  std::atomic<int> won{0};
  std::vector<std::thread> judges;
  for (int i = 0; i < 2; ++i)
    judges.emplace_back([&, i] {
      const bool mine = writing(*db, [&](core::storage::Tx& tx) {
        if (!AlertStore::replace_judgement(tx, 101, Judgement{102, doc, {}}, 2000 + i)) return false;
        AlertEvent e;
        e.id = "alert-" + std::to_string(i);
        e.rule_id = rule.id;
        e.title = rule.title;
        e.kind = "recovered";
        e.scope = "service";
        e.service = "mall";
        e.minute = 102;
        e.text = "恢复";
        e.created_at_ms = 2000;
        e.deliveries = {
            AlertDelivery{e.id, "ops", "email", "ops@broker.example", "pending", 0, "", 2000, 2000},
            AlertDelivery{e.id, "hook", "webhook", "http://127.0.0.1:9/hook", "pending", 0, "", 2000, 2000}};
        AlertStore::add_event(tx, e);
        return true;
      });
      if (mine) ++won;
    });
  for (auto& t : judges) t.join();
  EXPECT_EQ(won.load(), 1);
  AlertFilter all;
  all.to_ms = 10'000;
  auto events = reading(*db, [&](core::storage::Tx& tx) { return AlertStore::events(tx, all); });
  ASSERT_EQ(events.size(), 1u);
  ASSERT_EQ(events[0].deliveries.size(), 2u);
  const std::string id = events[0].id;

  // Due, claimed once, finished only from sending.
  auto due = reading(*db, [](core::storage::Tx& tx) { return AlertStore::due(tx, 2000, 10); });
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].text, "恢复");
  const auto claim = [&](const char* channel, std::int64_t attempts, std::int64_t at) {
    return writing(*db, [&](core::storage::Tx& tx) { return AlertStore::claim(tx, id, channel, attempts, at); });
  };
  EXPECT_FALSE(claim("ops", 0, 1999)) << "not due yet";
  EXPECT_TRUE(claim("ops", 0, 2100));
  EXPECT_FALSE(claim("ops", 0, 2100)) << "claimed once";
  EXPECT_TRUE(claim("hook", 0, 2100));
  writing(*db, [&](core::storage::Tx& tx) { AlertStore::finish(tx, id, "ops", "sent", "msg-1", 0, 2200); });
  writing(*db, [&](core::storage::Tx& tx) { AlertStore::finish(tx, id, "ops", "failed", "again", 0, 2300); });
  // The hook is put back for later (a retry after backoff): not claimable before then, nor by an
  // observer that read it before its first attempt.
  writing(*db, [&](core::storage::Tx& tx) { AlertStore::finish(tx, id, "hook", "pending", "HTTP 503", 4000, 2300); });
  EXPECT_FALSE(claim("hook", 1, 3000)) << "before its backoff ends";
  EXPECT_FALSE(claim("hook", 0, 4000)) << "a stale read of its attempts";
  EXPECT_TRUE(claim("hook", 1, 4000));
  EXPECT_TRUE(reading(*db, [](core::storage::Tx& tx) { return AlertStore::due(tx, 100'000, 10); }).empty());
  // The hook's observer went mid-send: tried again.
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return AlertStore::settle_abandoned(tx, 4000, 9000); }), 0)
      << "not yet abandoned";
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return AlertStore::settle_abandoned(tx, 5000, 9000); }), 1);
  due = reading(*db, [](core::storage::Tx& tx) { return AlertStore::due(tx, 9000, 10); });
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].deliveries[0].channel, "hook");
  EXPECT_EQ(due[0].deliveries[0].attempts, 2);
  events = reading(*db, [&](core::storage::Tx& tx) { return AlertStore::events(tx, all); });
  ASSERT_EQ(events[0].deliveries.size(), 2u);
  EXPECT_EQ(events[0].deliveries[1].channel, "ops");
  EXPECT_EQ(events[0].deliveries[1].status, "sent");
  EXPECT_EQ(events[0].deliveries[1].detail, "msg-1");

  // An e-mail left sending by an observer that went may have gone out: unknown, never sent again.
  writing(*db, [&](core::storage::Tx& tx) {
    AlertEvent e;
    e.id = "alert-mail";
    e.rule_id = rule.id;
    e.title = rule.title;
    e.kind = "firing";
    e.scope = "service";
    e.service = "mall";
    e.text = "告警";
    e.created_at_ms = 9500;
    e.deliveries = {AlertDelivery{e.id, "ops", "email", "ops@broker.example", "pending", 0, "", 9500, 9500}};
    AlertStore::add_event(tx, e);
  });
  EXPECT_TRUE(writing(*db, [&](core::storage::Tx& tx) { return AlertStore::claim(tx, "alert-mail", "ops", 0, 9600); }));
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return AlertStore::settle_abandoned(tx, 70'000, 70'000); }), 1);
  all.kind = "firing";
  events = reading(*db, [&](core::storage::Tx& tx) { return AlertStore::events(tx, all); });
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].deliveries[0].status, "unknown");
  due = reading(*db, [](core::storage::Tx& tx) { return AlertStore::due(tx, 100'000, 10); });
  ASSERT_EQ(due.size(), 1u) << "the hook only";
  EXPECT_EQ(due[0].deliveries[0].channel, "hook");
  all.kind.reset();

  // Filters, and retention with the deliveries.
  all.kind = "still_firing";
  EXPECT_TRUE(reading(*db, [&](core::storage::Tx& tx) { return AlertStore::events(tx, all); }).empty());
  all.kind = "recovered";
  all.rule_id = rule.id;
  EXPECT_EQ(reading(*db, [&](core::storage::Tx& tx) { return AlertStore::events(tx, all); }).size(), 1u);
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return AlertStore::purge_before(tx, 2000, 10); }), 0);
  EXPECT_EQ(writing(*db, [&](core::storage::Tx& tx) { return AlertStore::purge_before(tx, 2001, 10); }), 1);
  EXPECT_TRUE(reading(*db, [](core::storage::Tx& tx) { return AlertStore::due(tx, 100'000, 10); }).empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, ObserverStore, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

}  // namespace
}  // namespace zt::platform::observer
