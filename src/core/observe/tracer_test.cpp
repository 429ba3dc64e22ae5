#include "core/observe/tracer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

namespace zt::core::observe {
namespace {

Span span(std::uint8_t flags, std::uint64_t duration_ns, SpanStatus status = SpanStatus::kUnset) {
  Span s;
  s.trace_id.fill(1);
  s.span_id.fill(2);
  s.trace_flags = flags;
  s.name = "GET /api/mall/v1/products";
  s.kind = SpanKind::kServer;
  s.start_unix_nano = 1'000'000'000;
  s.end_unix_nano = s.start_unix_nano + duration_ns;
  s.status = status;
  return s;
}

// A tracer of its own (not the process's), with an exporter that keeps what it is handed.
struct Fixture {
  std::mutex mutex;
  std::vector<std::vector<RecordedSpan>> batches;
  bool accept = true;
  Tracer tracer;  // last: stopped (its last hand-over included) before what its exporter uses goes

  explicit Fixture(TracerOptions o) {
    o.flush_interval = std::chrono::hours(1);  // only flush() hands over, so the test decides when
    tracer.start(o);
    tracer.set_export([this](std::vector<RecordedSpan>&& b) {
      std::lock_guard lock(mutex);
      if (!accept) return false;
      batches.push_back(std::move(b));
      return true;
    });
  }
};

TEST(Tracer, RecordsNothingWithoutAnExporter) {
  Tracer t;
  EXPECT_FALSE(t.recording());
  t.record("mall", span(1, 1000));
  EXPECT_EQ(t.stats().recorded, 0u);
  t.set_export([](std::vector<RecordedSpan>&&) { return true; });
  EXPECT_TRUE(t.recording());
  t.set_export(nullptr);
  EXPECT_FALSE(t.recording());
}

TEST(Tracer, KeepsSampledSpansAndUnsampledOnesThatFailedOrWereSlow) {
  TracerOptions o;
  o.keep_slower_than = std::chrono::milliseconds(500);
  Fixture f(o);
  f.tracer.record("mall", span(0x01, 1'000));                      // sampled
  f.tracer.record("mall", span(0x00, 1'000));                      // not sampled: left out
  f.tracer.record("mall", span(0x00, 1'000, SpanStatus::kError));  // failed: kept
  f.tracer.record("counter", span(0x00, 500'000'000));             // slow: kept
  f.tracer.record("counter", span(0x00, 499'999'999));             // just under: left out
  f.tracer.flush();
  const auto s = f.tracer.stats();
  EXPECT_EQ(s.recorded, 3u);
  EXPECT_EQ(s.not_sampled, 2u);
  EXPECT_EQ(s.exported, 3u);
  ASSERT_EQ(f.batches.size(), 1u);
  ASSERT_EQ(f.batches[0].size(), 3u);
  EXPECT_EQ(f.batches[0][0].service, "mall");
  EXPECT_EQ(f.batches[0][1].span.status, SpanStatus::kError);
  EXPECT_EQ(f.batches[0][2].service, "counter");
}

TEST(Tracer, AFullQueueDropsAndCounts) {
  TracerOptions o;
  o.queue_capacity = 5;
  o.batch_size = 100;
  Fixture f(o);
  for (int i = 0; i < 8; ++i) f.tracer.record("mall", span(1, 1000));
  EXPECT_EQ(f.tracer.stats().recorded, 5u);
  EXPECT_EQ(f.tracer.stats().dropped, 3u) << "past the queue's capacity, never waited for";
  f.tracer.flush();
  ASSERT_EQ(f.batches.size(), 1u);
  EXPECT_EQ(f.batches[0].size(), 5u);
  EXPECT_EQ(f.tracer.stats().exported, 5u);
}

TEST(Tracer, BatchesAreCutAtTheirSize) {
  TracerOptions o;
  o.batch_size = 2;
  Fixture f(o);
  for (int i = 0; i < 5; ++i) f.tracer.record("mall", span(1, 1000));
  f.tracer.flush();
  // The thread may have taken a full batch itself (it is woken at batch_size) and be handing it
  // over still: either way, five spans in batches of at most two.
  for (int i = 0; i < 500 && f.tracer.stats().exported < 5; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  std::lock_guard lock(f.mutex);
  std::size_t spans = 0;
  for (const auto& b : f.batches) {
    EXPECT_LE(b.size(), 2u);
    spans += b.size();
  }
  EXPECT_EQ(spans, 5u);
  EXPECT_EQ(f.tracer.stats().exported, 5u);
}

TEST(Tracer, ABatchTheExporterCannotTakeWaitsForTheNextRoundWhileTheQueueHasRoom) {
  TracerOptions o;
  o.queue_capacity = 4;
  Fixture f(o);
  f.accept = false;
  for (int i = 0; i < 3; ++i) {
    auto s = span(1, 1000);
    s.span_id.fill(static_cast<std::uint8_t>(i + 1));
    f.tracer.record("mall", std::move(s));
  }
  f.tracer.flush();
  EXPECT_EQ(f.tracer.stats().dropped, 0u);
  EXPECT_EQ(f.tracer.stats().exported, 0u);
  // Back at the head of the queue: two more fit beside them? One does; the other is dropped.
  auto fourth = span(1, 1000), fifth = span(1, 1000);
  fourth.span_id.fill(4);
  fifth.span_id.fill(5);
  f.tracer.record("mall", std::move(fourth));
  f.tracer.record("mall", std::move(fifth));
  EXPECT_EQ(f.tracer.stats().dropped, 1u);
  f.accept = true;
  f.tracer.flush();
  EXPECT_EQ(f.tracer.stats().exported, 4u);
  std::lock_guard lock(f.mutex);
  ASSERT_EQ(f.batches.size(), 1u);
  ASSERT_EQ(f.batches[0].size(), 4u);
  for (std::uint8_t i = 0; i < 4; ++i) EXPECT_EQ(f.batches[0][i].span.span_id[0], i + 1) << "in the order recorded";
}

TEST(Tracer, TheThreadSendsOnItsOwnEveryFlushInterval) {
  Tracer t;
  std::mutex mutex;
  std::size_t got = 0;
  TracerOptions o;
  o.flush_interval = std::chrono::milliseconds(20);
  t.start(o);
  t.set_export([&](std::vector<RecordedSpan>&& b) {
    std::lock_guard lock(mutex);
    got += b.size();
    return true;
  });
  t.record("mall", span(1, 1000));
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard lock(mutex);
      if (got == 1) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::lock_guard lock(mutex);
  EXPECT_EQ(got, 1u);
}

TEST(Tracer, APeriodicTaskRunsOnTheTracersThreadUntilItIsStopped) {
  Tracer t;
  TracerOptions o;
  o.flush_interval = std::chrono::hours(1);  // the task's own interval wakes the thread
  t.start(o);
  std::atomic<int> runs{0};
  std::atomic<bool> elsewhere{false};
  const auto caller = std::this_thread::get_id();
  t.set_periodic(
      [&] {
        if (std::this_thread::get_id() == caller) elsewhere = true;
        ++runs;
      },
      std::chrono::milliseconds(10));
  for (int i = 0; i < 500 && runs.load() < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GE(runs.load(), 3);
  EXPECT_FALSE(elsewhere.load());
  t.set_periodic(nullptr, {});  // returns once a run under way has ended: none after it
  const int stopped_at = runs.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(runs.load(), stopped_at);
  // A task that throws does not stop the thread, nor itself.
  std::atomic<int> throwing{0};
  t.set_periodic(
      [&] {
        ++throwing;
        throw std::runtime_error("x");
      },
      std::chrono::milliseconds(10));
  for (int i = 0; i < 500 && throwing.load() < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_GE(throwing.load(), 2);
  t.set_periodic(nullptr, {});
}

TEST(Tracer, SamplingIsDecidedByTheTraceIdTheSameEverywhere) {
  Tracer t;
  TracerOptions o;
  o.sample_ratio = 0.25;
  t.start(o);
  std::array<std::uint8_t, 16> low{}, high{};
  low[15] = 1;  // a small number in the last eight bytes: under 0.25 × 2^64
  high.fill(0xff);
  EXPECT_TRUE(t.sample(low));
  EXPECT_FALSE(t.sample(high));
  int sampled = 0;
  for (int i = 0; i < 4000; ++i) sampled += t.sample(TraceContext::generate().trace_id) ? 1 : 0;
  EXPECT_GT(sampled, 800);
  EXPECT_LT(sampled, 1200);
  o.sample_ratio = 0;
  t.start(o);
  EXPECT_FALSE(t.sample(low));
  o.sample_ratio = 1;
  t.start(o);
  EXPECT_TRUE(t.sample(high));
}

TEST(Tracer, ABodyHoldsOneResourcePerServiceThatAnyOtlpReaderSplitsBack) {
  std::vector<RecordedSpan> batch{{"mall", span(1, 1000)}, {"counter", span(1, 2000)}, {"mall", span(1, 3000)}};
  batch[2].span.name = "POST counter";
  const auto body = otlp_body(batch, "mall@10.0.0.7:8080", "1.2.3");
  const auto decoded = decode_otlp_traces_protobuf(body);
  ASSERT_TRUE(decoded.error.empty()) << decoded.error;
  ASSERT_EQ(decoded.batches.size(), 2u);
  std::map<std::string, std::size_t> spans;
  for (const auto& b : decoded.batches) {
    spans[b.source.service_name] = b.spans.size();
    EXPECT_EQ(b.source.service_instance_id, "mall@10.0.0.7:8080");
    ASSERT_EQ(b.source.attributes.size(), 1u);
    EXPECT_EQ(b.source.attributes[0].key, "service.version");
  }
  EXPECT_EQ(spans["mall"], 2u);
  EXPECT_EQ(spans["counter"], 1u);
}

TEST(Tracer, WhileTheExporterCannotTakeABatchTheThreadWaitsItsIntervalRatherThanSpin) {
  TracerOptions o;
  o.batch_size = 4;
  o.queue_capacity = 100;
  o.flush_interval = std::chrono::milliseconds(50);
  Tracer t;
  std::atomic<int> offered{0};
  std::atomic<bool> take{false};
  t.set_export([&](std::vector<RecordedSpan>&&) {
    ++offered;
    return take.load();
  });
  t.start(o);
  for (int i = 0; i < 12; ++i) t.record("mall", span(1, 1000));  // three full batches, put back each round
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_LE(offered.load(), 15) << "about one offer an interval, not a spin";
  EXPECT_GE(offered.load(), 2);
  EXPECT_EQ(t.stats().dropped, 0u) << "they wait in the queue";
  take = true;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(t.stats().exported, 12u);
  t.stop();
}

TEST(Tracer, LogRecordsHaveTheirOwnQueueAndExporterAndAreNeverSampledOut) {
  TracerOptions o;
  o.queue_capacity = 3;
  o.batch_size = 2;
  o.flush_interval = std::chrono::hours(1);
  Tracer t;
  t.start(o);
  t.stop();  // the options stay; only flush() hands over, so the test decides when
  t.record_log(log_record_of("mall", 13, "warn", "before", "", "", 1));
  EXPECT_EQ(t.stats().logs_recorded, 0u);  // no log exporter yet: nothing is kept
  std::vector<std::vector<RecordedLog>> batches;
  std::mutex mutex;
  t.set_log_export([&](std::vector<RecordedLog>&& b) {
    std::lock_guard lock(mutex);
    batches.push_back(std::move(b));
    return true;
  });
  EXPECT_TRUE(t.logging());
  EXPECT_FALSE(t.recording());  // spans are another matter
  const std::string trace(32, 'a'), span_hex(16, 'b');
  for (int i = 0; i < 5; ++i)
    t.record_log(log_record_of("mall", 9, "info", "line " + std::to_string(i), trace, span_hex, 100 + i));
  t.flush();
  const auto s = t.stats();
  EXPECT_EQ(s.logs_recorded, 3u);
  EXPECT_EQ(s.logs_dropped, 2u);  // the queue holds three
  EXPECT_EQ(s.logs_exported, 3u);
  EXPECT_EQ(s.recorded, 0u);
  std::lock_guard lock(mutex);
  ASSERT_EQ(batches.size(), 2u);  // batches of two
  EXPECT_EQ(batches[0][0].record.body, "line 0");
  EXPECT_EQ(batches[0][0].record.trace_id[0], 0xaa);
  EXPECT_EQ(batches[0][0].record.span_id[7], 0xbb);
  EXPECT_EQ(batches[1].size(), 1u);
}

TEST(Tracer, ALogLineCarriesItsTraceOnlyWhenBothIdsRead) {
  const auto good = log_record_of("counter", 17, "error", "x", std::string(32, '1'), std::string(16, '2'), 7);
  EXPECT_EQ(good.record.trace_id[15], 0x11);
  EXPECT_EQ(good.record.severity_number, 17);
  EXPECT_EQ(good.record.time_unix_nano, 7u);
  for (const auto& [trace, span] :
       std::vector<std::pair<std::string, std::string>>{{"", ""},
                                                        {std::string(31, '1'), std::string(16, '2')},
                                                        {std::string(32, 'g'), std::string(16, '2')},
                                                        {std::string(32, '1'), ""}}) {
    const auto r = log_record_of("counter", 9, "info", "x", trace, span, 7);
    EXPECT_EQ(r.record.trace_id, (std::array<std::uint8_t, 16>{})) << trace << "/" << span;
    EXPECT_EQ(r.record.span_id, (std::array<std::uint8_t, 8>{})) << trace << "/" << span;
  }
}

TEST(Tracer, ALogsBodyHoldsOneResourcePerService) {
  std::vector<RecordedLog> batch{log_record_of("mall", 9, "info", "a", "", "", 1),
                                 log_record_of("counter", 13, "warn", "b", "", "", 2),
                                 log_record_of("mall", 17, "error", "c", "", "", 3)};
  const auto decoded = decode_otlp_logs_protobuf(otlp_logs_body(batch, "node-1@pid7", "1.2.3"));
  ASSERT_TRUE(decoded.error.empty()) << decoded.error;
  ASSERT_EQ(decoded.batches.size(), 2u);
  std::map<std::string, std::size_t> records;
  for (const auto& b : decoded.batches) {
    records[b.source.service_name] = b.records.size();
    EXPECT_EQ(b.source.service_instance_id, "node-1@pid7");
  }
  EXPECT_EQ(records["mall"], 2u);
  EXPECT_EQ(records["counter"], 1u);
}

}  // namespace
}  // namespace zt::core::observe
