#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/require.hpp>
#include <boost/asio/this_coro.hpp>
#include <type_traits>
#include <utility>

#include "core/net/slot_executor.hpp"

namespace zt::core::net {

namespace {

// The io_context's executor with a slot beside it.
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
  auto require(const Property& p) const noexcept
      -> SlotExecutor<std::decay_t<decltype(boost::asio::require(std::declval<const Inner&>(), p))>> {
    return {boost::asio::require(inner_, p), slot_};
  }
  template <class Property>
  auto prefer(const Property& p) const noexcept
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

}  // namespace

boost::asio::any_io_executor work_executor(const boost::asio::any_io_executor& plain, std::shared_ptr<WorkSlot> slot) {
  const auto* io = plain.target<boost::asio::io_context::executor_type>();
  if (!io) return plain;
  return WorkExecutor(*io, std::move(slot));
}

WorkSlot* slot_of(const boost::asio::any_io_executor& executor) {
  // The executor as spawned on, or as a handler's work guard keeps it (outstanding work tracked).
  using Tracked = std::decay_t<decltype(boost::asio::prefer(std::declval<const WorkExecutor&>(),
                                                            boost::asio::execution::outstanding_work.tracked))>;
  if (const auto* work = executor.target<WorkExecutor>()) return work->slot();
  if (const auto* work = executor.target<Tracked>()) return work->slot();
  return nullptr;
}

boost::asio::awaitable<WorkSlot*> current_work_slot() {
  const boost::asio::any_io_executor ex = co_await boost::asio::this_coro::executor;
  co_return slot_of(ex);
}

boost::asio::awaitable<std::optional<observe::SpanOrigin>> current_span_parent() {
  WorkSlot* slot = co_await current_work_slot();
  if (!slot) co_return std::nullopt;
  co_return slot->current;
}

boost::asio::any_io_executor fork_work_executor(const boost::asio::any_io_executor& executor) {
  const auto* work = executor.target<WorkExecutor>();
  if (!work) return executor;
  auto slot = std::make_shared<WorkSlot>();
  slot->current = work->slot()->current;
  return WorkExecutor(work->inner(), std::move(slot));
}

}  // namespace zt::core::net
