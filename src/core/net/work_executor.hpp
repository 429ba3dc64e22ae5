#pragma once
// An io_context executor that carries a slot for what its coroutines are doing (issue 19): the
// server runs each connection's coroutines on one, the tracing middleware puts the request being
// served in the slot, and what the request's code calls deep down — a storage transaction, a Redis
// command — finds it through `co_await current_span_parent()` and records its span as the
// request's child, without the request being handed down through every call.
//
// It is the io_context's executor in every other respect (each property query, requirement and
// preference is forwarded), so timers, sockets and completions behave exactly as before. A
// coroutine spawned elsewhere (a background job, the runtime's own work) has no slot: its calls
// record no spans.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/require.hpp>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "core/observe/trace.hpp"

namespace zt::core::net {

// One a connection: the request it serves now (null between requests).
struct WorkSlot {
  const observe::SpanParent* current = nullptr;
};

template <class Inner>
class SlotExecutor {
 public:
  SlotExecutor(Inner inner, std::shared_ptr<WorkSlot> slot) noexcept
      : inner_(std::move(inner)), slot_(std::move(slot)) {}

  WorkSlot* slot() const noexcept { return slot_.get(); }
  const Inner& inner() const noexcept { return inner_; }

  template <class Property>
  auto query(const Property& p) const noexcept(noexcept(boost::asio::query(std::declval<const Inner&>(), p)))
      -> decltype(boost::asio::query(std::declval<const Inner&>(), p)) {
    return boost::asio::query(inner_, p);
  }
  template <class Property>
  auto require(const Property& p) const
      -> SlotExecutor<std::decay_t<decltype(boost::asio::require(std::declval<const Inner&>(), p))>> {
    return {boost::asio::require(inner_, p), slot_};
  }
  template <class Property>
  auto prefer(const Property& p) const
      -> SlotExecutor<std::decay_t<decltype(boost::asio::prefer(std::declval<const Inner&>(), p))>> {
    return {boost::asio::prefer(inner_, p), slot_};
  }
  template <class F>
  void execute(F&& f) const {
    inner_.execute(std::forward<F>(f));
  }
  friend bool operator==(const SlotExecutor& a, const SlotExecutor& b) noexcept {
    return a.inner_ == b.inner_ && a.slot_ == b.slot_;
  }
  friend bool operator!=(const SlotExecutor& a, const SlotExecutor& b) noexcept { return !(a == b); }

 private:
  Inner inner_;
  std::shared_ptr<WorkSlot> slot_;
};

using WorkExecutor = SlotExecutor<boost::asio::io_context::executor_type>;

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
// in-process within another: the inner one while it runs).
class SpanParentScope {
 public:
  SpanParentScope(WorkSlot* slot, const observe::SpanParent* parent) : slot_(slot) {
    if (slot_) previous_ = std::exchange(slot_->current, parent);
  }
  ~SpanParentScope() {
    if (slot_) slot_->current = previous_;
  }
  SpanParentScope(const SpanParentScope&) = delete;
  SpanParentScope& operator=(const SpanParentScope&) = delete;

 private:
  WorkSlot* slot_;
  const observe::SpanParent* previous_ = nullptr;
};

}  // namespace zt::core::net
