#pragma once
// Hop blocking work (SQLite, libpq, argon2, file I/O) onto the bounded blocking pool and back:
//   auto rows = co_await core::blocking([&] { return db.query(...); });
// An io thread never blocks. When the pool's queue is full the call fails fast with 503.
#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <optional>
#include <type_traits>

namespace zt::core {

struct BlockingPoolOptions {
  std::size_t threads = 4;
  std::size_t max_queued = 1024;
  // Run the pool's threads at the lowest scheduling priority (nice 19): work that only burns CPU
  // (password hashing) then yields the core to the io threads at once, so a flood of it does not
  // slow unrelated requests.
  bool low_priority = false;
};

// Configures the process-wide pool before first use; later calls are ignored.
void configure_blocking_pool(const BlockingPoolOptions& options);
// Stops the pool (waits for running work); used at process exit.
void shutdown_blocking_pool();
std::size_t blocking_pool_queued();

boost::asio::awaitable<void> run_blocking(std::function<void()> fn);

template <class F>
auto blocking(F fn) -> boost::asio::awaitable<std::invoke_result_t<F&>> {
  using R = std::invoke_result_t<F&>;
  if constexpr (std::is_void_v<R>) {
    co_await run_blocking([&fn] { fn(); });
  } else {
    std::optional<R> result;
    co_await run_blocking([&fn, &result] { result.emplace(fn()); });
    co_return std::move(*result);
  }
}

// A small pool of its own for one kind of costly work (argon2 password hashing): a flood of it
// waits behind its own few threads and queue, never in front of every database call.
class WorkPool {
 public:
  WorkPool(std::string name, BlockingPoolOptions options);
  ~WorkPool();  // waits for running work
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Runs fn on the pool; 503 SERVER_BUSY at once when max_queued jobs wait already.
  boost::asio::awaitable<void> run(std::function<void()> fn);
  template <class F>
  auto submit(F fn) -> boost::asio::awaitable<std::invoke_result_t<F&>> {
    using R = std::invoke_result_t<F&>;
    if constexpr (std::is_void_v<R>) {
      co_await run([&fn] { fn(); });
    } else {
      std::optional<R> result;
      co_await run([&fn, &result] { result.emplace(fn()); });
      co_return std::move(*result);
    }
  }
  std::size_t queued() const;
  const std::string& name() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zt::core
