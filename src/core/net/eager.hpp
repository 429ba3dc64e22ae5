#pragma once
// A coroutine started now and awaited later, so two waits overlap (a call to another service
// while a database read runs):
//
//   auto early = core::net::Eager<MatchOut>::start(executor, match(customer, terms, &ctx));
//   auto row = co_await db.read(…);            // both in flight
//   MatchOut m = co_await early.get();          // its value, or what it threw
//
// Always get() it — once — before leaving the scope that owns what it refers to (the request
// context, the caller's locals it took by reference): a started coroutine runs to its end
// whatever the caller does. It runs where the caller's executor runs, which must be one thread
// (an IoRuntime's io threads each run their own): the two then only interleave, and the wake-up of
// get() cannot pass it by. When the caller's executor has a work slot (core/net/work_executor.hpp)
// it gets a slot of its own, starting from the caller's.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>

#include "core/net/notifier.hpp"
#include "core/net/work_executor.hpp"

namespace zt::core::net {

template <class T>
class Eager {
 public:
  Eager(Eager&&) noexcept = default;
  Eager& operator=(Eager&&) noexcept = default;
  Eager(const Eager&) = delete;
  Eager& operator=(const Eager&) = delete;
  static Eager start(const boost::asio::any_io_executor& executor, boost::asio::awaitable<T> work) {
    Eager e;
    auto state = e.state_;
    // On a slot of its own (core/net/work_executor.hpp): a request it serves in-process is the
    // parent of its own calls only, not of the starter's meanwhile.
    boost::asio::co_spawn(fork_work_executor(executor), std::move(work), [state](std::exception_ptr error, T value) {
      {
        std::lock_guard lock(state->mutex);
        if (error)
          state->error = error;
        else
          state->value.emplace(std::move(value));
        state->done = true;
      }
      state->ready.notify_all();
    });
    return e;
  }

  // Its value once it ended (at once if it has), or what it threw.
  boost::asio::awaitable<T> get() {
    for (;;) {
      const auto seen = state_->ready.generation();
      {
        std::lock_guard lock(state_->mutex);
        if (state_->done) break;
      }
      co_await state_->ready.wait(seen, std::chrono::hours(1));
    }
    std::lock_guard lock(state_->mutex);
    if (state_->error) std::rethrow_exception(state_->error);
    co_return std::move(*state_->value);
  }

 private:
  struct State {
    std::mutex mutex;
    bool done = false;
    std::optional<T> value;
    std::exception_ptr error;
    Notifier ready;
  };
  Eager() : state_(std::make_shared<State>()) {}
  std::shared_ptr<State> state_;
};

}  // namespace zt::core::net
