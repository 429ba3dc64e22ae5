#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/this_coro.hpp>

#include "core/net/slot_executor.hpp"

namespace zt::core::net {

boost::asio::awaitable<WorkSlot*> current_work_slot() {
  const boost::asio::any_io_executor ex = co_await boost::asio::this_coro::executor;
  const auto* work = ex.target<WorkExecutor>();
  co_return work ? work->slot() : nullptr;
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
