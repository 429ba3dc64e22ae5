#pragma once
// An io_context executor that carries a slot for what its coroutines are doing (issue 19): while
// tracing records, the server runs each connection's coroutines on one, the tracing middleware
// puts the request being served in the slot, and what the request's code calls deep down — a
// storage transaction, a Redis command — finds it through `co_await current_span_parent()` and
// records its span as the request's child, without the request being handed down through every
// call. A traced Periodic job runs on one of its own (each run is the parent).
//
// The executor itself (core/net/slot_executor.hpp, for the .cpp files that spawn on it) forwards every property query,
// requirement and preference to the io_context's executor, so timers and sockets behave as before; a completion is
// posted through it rather than run inline (Asio runs a handler inline only for the plain io_context executor), which
// is why the server uses it only while tracing records. A coroutine spawned elsewhere (the runtime's own work, a
// housekeeping loop) has no slot: its calls record no spans.
//
// The slot holds a value: a scope saves what was there and puts it back, so coroutines that share
// a slot and interleave (one started on `co_await this_coro::executor`) can at worst name the
// other's request, never read a frame that has ended. Start work that runs beside a request on
// `fork_work_executor` (core::net::Eager does): it then has a slot of its own.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <utility>

#include "core/observe/trace.hpp"

namespace zt::core::net {

// One a connection (or a traced job, or a forked coroutine): the span its work is under now
// (none between requests).
struct WorkSlot {
  std::optional<observe::SpanOrigin> current;
};

// The slot of the coroutine running now, or null when it runs on no WorkExecutor.
boost::asio::awaitable<WorkSlot*> current_work_slot();
// A copy of what that slot holds now (none: no request, or no slot), to parent a dependency call's
// span with: the slot's parent may be gone by the time the call ends.
boost::asio::awaitable<std::optional<observe::SpanOrigin>> current_span_parent();
// An executor for a coroutine started from the one running on `executor` and run beside it (an
// Eager's work): a slot of its own, holding what the starter's holds now, so that a request the
// new coroutine serves in-process is not taken as the starter's parent meanwhile.
boost::asio::any_io_executor fork_work_executor(const boost::asio::any_io_executor& executor);

// Puts `parent` in the slot for its lifetime, then what was there before (a request served
// in-process within another: the inner one while it runs). No slot: does nothing.
class SpanParentScope {
 public:
  SpanParentScope(WorkSlot* slot, observe::SpanOrigin parent) : slot_(slot) {
    if (slot_) previous_ = std::exchange(slot_->current, std::move(parent));
  }
  ~SpanParentScope() {
    if (slot_) slot_->current = std::move(previous_);
  }
  SpanParentScope(const SpanParentScope&) = delete;
  SpanParentScope& operator=(const SpanParentScope&) = delete;

 private:
  WorkSlot* slot_;
  std::optional<observe::SpanOrigin> previous_;
};

}  // namespace zt::core::net
