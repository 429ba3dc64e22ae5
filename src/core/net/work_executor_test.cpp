// The executor with a slot (issue 19): a coroutine on it finds what its connection (or job) is
// doing through its executor — nested coroutines, after timers, in sub-coroutines spawned on it —
// while one on a plain executor finds nothing; a scope restores what was there; a forked
// coroutine has a slot of its own. (A traced job's run and its transactions:
// core/storage/database_span_test.cpp.) Blocking work for a request carries it to the pool's thread.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <thread>

#include "core/net/blocking.hpp"
#include "core/net/slot_executor.hpp"
#include "core/observe/blocking_parent.hpp"
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
  const observe::SpanOrigin request{request_trace, "mall"};
  const observe::SpanOrigin inner{inner_trace, "counter"};
  Origin before{observe::SpanOrigin{}}, during, after_timer, nested, in_sub, after{observe::SpanOrigin{}},
      plain{observe::SpanOrigin{}};
  WorkSlot* seen_slot = nullptr;
  asio::co_spawn(
      work_executor(io.get_executor(), slot),
      [&]() -> asio::awaitable<void> {
        before = co_await current_span_parent();
        seen_slot = co_await current_work_slot();
        {
          const SpanParentScope scope(seen_slot, request);
          during = co_await current_span_parent();
          after_timer = co_await after_a_timer();
          {
            const SpanParentScope in_process(seen_slot, inner);  // a request served within it
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
// in-process is not the starter's parent meanwhile. And two coroutines that share a slot and
// interleave their scopes (started on the plain `this_coro::executor`) misname at worst: the slot
// holds values, so nothing reads a frame that has ended (ASan runs this).
TEST(WorkExecutor, AForkedCoroutineServesItsOwnRequestWithoutTakingTheStartersSlot) {
  asio::io_context io;
  const observe::TraceContext request_trace = observe::TraceContext::generate();
  const observe::TraceContext inner_trace = observe::TraceContext::generate();
  Origin starter_during_inner, forked_start, forked_inner, starter_after, shared_after;
  bool forked_on_work = false;
  asio::co_spawn(
      work_executor(io.get_executor(), std::make_shared<WorkSlot>()),
      [&]() -> asio::awaitable<void> {
        WorkSlot* slot = co_await current_work_slot();
        const SpanParentScope scope(slot, observe::SpanOrigin{request_trace, "mall"});
        const auto ex = co_await asio::this_coro::executor;
        const auto forked = fork_work_executor(ex);
        forked_on_work = slot_of(forked) != nullptr && forked != ex;
        asio::co_spawn(
            forked,
            [&]() -> asio::awaitable<void> {
              forked_start = co_await current_span_parent();
              WorkSlot* own = co_await current_work_slot();
              const SpanParentScope in_process(own, observe::SpanOrigin{inner_trace, "suitability"});
              forked_inner = co_await current_span_parent();
              asio::steady_timer t(co_await asio::this_coro::executor, 10ms);
              co_await t.async_wait(asio::use_awaitable);
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
  // Shared and interleaved: the outer scope ends first, then the inner one puts back what was
  // there when it began.
  auto shared = std::make_shared<WorkSlot>();
  asio::co_spawn(
      work_executor(io.get_executor(), shared),
      [&]() -> asio::awaitable<void> {
        WorkSlot* slot = co_await current_work_slot();
        const auto ex = co_await asio::this_coro::executor;
        {
          const SpanParentScope outer(slot, observe::SpanOrigin{request_trace, "mall"});
          asio::co_spawn(
              ex,
              [&]() -> asio::awaitable<void> {
                WorkSlot* same = co_await current_work_slot();
                const SpanParentScope inner(same, observe::SpanOrigin{inner_trace, "counter"});
                asio::steady_timer t(co_await asio::this_coro::executor, 20ms);
                co_await t.async_wait(asio::use_awaitable);
              },
              asio::detached);
          asio::steady_timer t(ex, 5ms);
          co_await t.async_wait(asio::use_awaitable);
        }
        asio::steady_timer t(ex, 30ms);
        co_await t.async_wait(asio::use_awaitable);
        shared_after = co_await current_span_parent();
      },
      asio::detached);
  io.run();
  EXPECT_TRUE(forked_on_work);
  EXPECT_EQ(fork_work_executor(io.get_executor()).target<asio::io_context::executor_type>() != nullptr, true)
      << "a plain executor forks into itself";
  EXPECT_EQ(which(forked_start, request_trace, inner_trace), "request:mall") << "starts with the starter's";
  EXPECT_EQ(which(forked_inner, request_trace, inner_trace), "inner:suitability");
  EXPECT_EQ(which(starter_during_inner, request_trace, inner_trace), "request:mall");
  EXPECT_EQ(which(starter_after, request_trace, inner_trace), "request:mall");
  EXPECT_EQ(which(shared_after, request_trace, inner_trace), "request:mall")
      << "the inner scope put back the value it found (a copy: the outer frame's end changes nothing)";
}

// Blocking work (core::blocking) for a traced request runs with the request as the parent of
// its blocking calls (etcd's), on the pool's thread, for the work's length only; work for no
// request, or while nothing is traced, has none.
TEST(WorkExecutor, BlockingWorkRunsWithTheRequestAsTheParentOfItsCalls) {
  auto& tracer = observe::tracer();
  tracer.set_export([](std::vector<observe::RecordedSpan>&&) { return true; });
  asio::io_context io;
  const observe::TraceContext request_trace = observe::TraceContext::generate();
  Origin in_work, without_request{observe::SpanOrigin{}}, untraced{observe::SpanOrigin{}};
  std::thread::id caller, worker;
  const auto parent_here = [] {
    const observe::SpanOrigin* p = observe::blocking_span_parent();
    return p ? Origin(*p) : Origin();
  };
  asio::co_spawn(
      work_executor(io.get_executor(), std::make_shared<WorkSlot>()),
      [&]() -> asio::awaitable<void> {
        caller = std::this_thread::get_id();
        WorkSlot* slot = co_await current_work_slot();
        {
          const SpanParentScope scope(slot, observe::SpanOrigin{request_trace, "registry"});
          co_await core::blocking([&] {
            worker = std::this_thread::get_id();
            in_work = parent_here();
          });
        }
        co_await core::blocking([&] { without_request = parent_here(); });
        tracer.set_export(nullptr);
        {
          const SpanParentScope scope(slot, observe::SpanOrigin{request_trace, "registry"});
          co_await core::blocking([&] { untraced = parent_here(); });
        }
      },
      asio::detached);
  io.run();
  tracer.set_export(nullptr);
  EXPECT_NE(caller, worker) << "run on the blocking pool";
  ASSERT_TRUE(in_work.has_value());
  EXPECT_EQ(in_work->trace.span_id, request_trace.span_id);
  EXPECT_EQ(in_work->service, "registry");
  EXPECT_FALSE(without_request.has_value()) << "work for no request has no parent";
  EXPECT_FALSE(untraced.has_value()) << "nothing is looked up while nothing is traced";
}

// The wrapper forwards what Asio asks of an executor and keeps its slot through what it requires.
TEST(WorkExecutor, RequirementsAndPreferencesKeepTheSlot) {
  asio::io_context io;
  auto slot = std::make_shared<WorkSlot>();
  const asio::any_io_executor ex = work_executor(io.get_executor(), slot);
  EXPECT_EQ(slot_of(ex), slot.get());
  const asio::any_io_executor never = asio::require(ex, asio::execution::blocking.never);
  EXPECT_EQ(slot_of(never), slot.get());
  const asio::any_io_executor tracked = asio::prefer(ex, asio::execution::outstanding_work.tracked);
  EXPECT_EQ(slot_of(tracked), slot.get());
  EXPECT_EQ(&asio::query(ex, asio::execution::context), &io);
  EXPECT_TRUE(ex == work_executor(io.get_executor(), slot));
  EXPECT_FALSE(ex == work_executor(io.get_executor(), std::make_shared<WorkSlot>()));
  EXPECT_EQ(slot_of(io.get_executor()), nullptr) << "a plain executor carries none";
}

}  // namespace
}  // namespace zt::core::net
