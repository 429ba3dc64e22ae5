// The executor with a slot (issue 19): a coroutine on it finds what its connection (or job) is
// doing through its executor — nested coroutines, after timers, in sub-coroutines spawned on it —
// while one on a plain executor finds nothing; a scope restores what was there; and a traced job's
// run is the root span of what it calls.
#include "core/net/work_executor.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <mutex>
#include <thread>

#include "core/net/periodic.hpp"
#include "core/net/runtime.hpp"
#include "core/observe/tracer.hpp"

namespace zt::core::net {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

using Origin = std::optional<observe::SpanOrigin>;

asio::awaitable<Origin> after_a_timer() {
  asio::steady_timer t(co_await asio::this_coro::executor, 5ms);
  co_await t.async_wait(asio::use_awaitable);
  co_return co_await current_span_parent();
}

std::string service_of(const void* s) { return *static_cast<const std::string*>(s); }

// Which of the two it is, by span id ("" when none).
std::string which(const Origin& o, const observe::TraceContext& request, const observe::TraceContext& inner) {
  if (!o) return "";
  if (o->trace.span_id == request.span_id) return "request:" + o->service;
  if (o->trace.span_id == inner.span_id) return "inner:" + o->service;
  return "other";
}

TEST(WorkExecutor, ACoroutineFindsTheWorkOfItsSlotWhereverItIsAskedAndAPlainOneFindsNone) {
  asio::io_context io;
  auto slot = std::make_shared<WorkSlot>();
  const observe::TraceContext request_trace = observe::TraceContext::generate();
  const observe::TraceContext inner_trace = observe::TraceContext::generate();
  const std::string mall = "mall", counter = "counter";
  const observe::SpanParent request{&request_trace, &mall, service_of};
  const observe::SpanParent inner{&inner_trace, &counter, service_of};
  Origin before{observe::SpanOrigin{}}, during, after_timer, nested, in_sub, after{observe::SpanOrigin{}},
      plain{observe::SpanOrigin{}};
  WorkSlot* seen_slot = nullptr;
  asio::co_spawn(
      WorkExecutor(io.get_executor(), slot),
      [&]() -> asio::awaitable<void> {
        before = co_await current_span_parent();
        seen_slot = co_await current_work_slot();
        {
          const SpanParentScope scope(seen_slot, &request);
          during = co_await current_span_parent();
          after_timer = co_await after_a_timer();
          {
            const SpanParentScope in_process(seen_slot, &inner);  // a request served within it
            nested = co_await current_span_parent();
          }
          // A sub-coroutine spawned on this coroutine's executor shares its slot.
          const auto ex = co_await asio::this_coro::executor;
          asio::co_spawn(
              ex, [&]() -> asio::awaitable<void> { in_sub = co_await current_span_parent(); }, asio::detached);
          asio::steady_timer t(ex, 5ms);
          co_await t.async_wait(asio::use_awaitable);
        }
        after = co_await current_span_parent();
      },
      asio::detached);
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { plain = co_await current_span_parent(); }, asio::detached);
  io.run();
  EXPECT_EQ(seen_slot, slot.get());
  EXPECT_FALSE(before.has_value());
  EXPECT_EQ(which(during, request_trace, inner_trace), "request:mall");
  EXPECT_EQ(during->trace.trace_id, request_trace.trace_id);
  EXPECT_EQ(which(after_timer, request_trace, inner_trace), "request:mall") << "after a suspension, still its own";
  EXPECT_EQ(which(nested, request_trace, inner_trace), "inner:counter");
  EXPECT_EQ(which(in_sub, request_trace, inner_trace), "request:mall");
  EXPECT_FALSE(after.has_value()) << "the scope restores what was there";
  EXPECT_FALSE(plain.has_value());
}

// A coroutine run beside its starter (an Eager's work) on a forked executor: what it serves
// in-process is not the starter's parent meanwhile, and what the starter asked before keeps
// naming the starter's request after the other's scope (and frame) is gone.
TEST(WorkExecutor, AForkedCoroutineServesItsOwnRequestWithoutTakingTheStartersSlot) {
  asio::io_context io;
  const observe::TraceContext request_trace = observe::TraceContext::generate();
  const observe::TraceContext inner_trace = observe::TraceContext::generate();
  const std::string mall = "mall", suitability = "suitability";
  const observe::SpanParent request{&request_trace, &mall, service_of};
  Origin starter_during_inner, forked_start, forked_inner, starter_after;
  bool forked_on_work = false, plain_fork_kept = false;
  asio::co_spawn(
      WorkExecutor(io.get_executor(), std::make_shared<WorkSlot>()),
      [&]() -> asio::awaitable<void> {
        WorkSlot* slot = co_await current_work_slot();
        const SpanParentScope scope(slot, &request);
        const auto ex = co_await asio::this_coro::executor;
        const auto forked = fork_work_executor(ex);
        forked_on_work = forked.target<WorkExecutor>() != nullptr && forked != ex;
        asio::co_spawn(
            forked,
            [&]() -> asio::awaitable<void> {
              forked_start = co_await current_span_parent();
              WorkSlot* own = co_await current_work_slot();
              auto inner_parent =
                  std::make_unique<observe::SpanParent>(observe::SpanParent{&inner_trace, &suitability, service_of});
              {
                const SpanParentScope in_process(own, inner_parent.get());
                forked_inner = co_await current_span_parent();
                asio::steady_timer t(co_await asio::this_coro::executor, 10ms);
                co_await t.async_wait(asio::use_awaitable);
              }
              inner_parent.reset();  // its frame gone (ASan would see a read of it)
            },
            asio::detached);
        asio::steady_timer t(ex, 5ms);
        co_await t.async_wait(asio::use_awaitable);
        starter_during_inner = co_await current_span_parent();
        asio::steady_timer t2(ex, 20ms);
        co_await t2.async_wait(asio::use_awaitable);
        starter_after = co_await current_span_parent();
      },
      asio::detached);
  io.run();
  const auto plain = fork_work_executor(io.get_executor());
  plain_fork_kept = plain.target<asio::io_context::executor_type>() != nullptr;
  EXPECT_TRUE(forked_on_work);
  EXPECT_TRUE(plain_fork_kept) << "a plain executor forks into itself";
  EXPECT_EQ(which(forked_start, request_trace, inner_trace), "request:mall") << "starts with the starter's";
  EXPECT_EQ(which(forked_inner, request_trace, inner_trace), "inner:suitability");
  EXPECT_EQ(which(starter_during_inner, request_trace, inner_trace), "request:mall");
  EXPECT_EQ(which(starter_after, request_trace, inner_trace), "request:mall");
}

TEST(WorkExecutor, ATracedJobsRunIsTheRootSpanOfWhatItCalls) {
  auto& tracer = observe::tracer();
  std::mutex mutex;
  std::vector<observe::RecordedSpan> got;
  observe::TracerOptions o;
  o.flush_interval = 10ms;
  tracer.start(o);
  tracer.set_export([&](std::vector<observe::RecordedSpan>&& batch) {
    std::lock_guard lock(mutex);
    for (auto& s : batch) got.push_back(std::move(s));
    return true;
  });
  IoRuntime rt(1);
  rt.start();
  std::atomic<int> runs{0};
  Periodic job("work executor test");
  job.trace_as("mall", "confirmation");
  job.start(rt, std::chrono::hours(1), Periodic::First::kNow, [&]() -> asio::awaitable<void> {
    const Origin parent = co_await current_span_parent();
    if (parent) {
      const auto now = observe::unix_nanos();
      observe::record_dependency_span(*parent, "sqlite write", "db:sqlite", {{"db.system", std::string("sqlite")}},
                                      now - 1000, now, false);
    }
    ++runs;
  });
  const auto both = [&] {
    std::lock_guard lock(mutex);
    return got.size() >= 2;
  };
  for (int i = 0; i < 500 && !both(); ++i) std::this_thread::sleep_for(10ms);
  job.stop();
  rt.stop();
  tracer.set_export(nullptr);
  tracer.stop();
  std::lock_guard lock(mutex);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(runs.load(), 1);
  const auto& call = got[0].span.kind == observe::SpanKind::kClient ? got[0] : got[1];
  const auto& run = got[0].span.kind == observe::SpanKind::kClient ? got[1] : got[0];
  EXPECT_EQ(run.service, "mall");
  EXPECT_EQ(run.span.name, "job confirmation");
  EXPECT_EQ(run.span.kind, observe::SpanKind::kInternal);
  EXPECT_EQ(run.span.parent_span_id, (std::array<std::uint8_t, 8>{})) << "a root";
  EXPECT_EQ(call.service, "mall");
  EXPECT_EQ(call.span.trace_id, run.span.trace_id);
  EXPECT_EQ(call.span.parent_span_id, run.span.span_id);
  EXPECT_NE(call.span.span_id, run.span.span_id);
  bool peer = false;
  for (const auto& a : call.span.attributes)
    if (a.key == "peer.service" && std::get<std::string>(a.value) == "db:sqlite") peer = true;
  EXPECT_TRUE(peer);
}

}  // namespace
}  // namespace zt::core::net
