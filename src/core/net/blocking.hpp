#pragma once
// Hop blocking work (SQLite, libpq, argon2, file I/O) onto the bounded blocking pool and back:
//   auto rows = co_await core::blocking([&] { return db.query(...); });
// An io thread never blocks. When the pool's queue is full the call fails fast with 503.
#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <type_traits>

namespace zt::core {

struct BlockingPoolOptions {
  std::size_t threads = 4;
  std::size_t max_queued = 1024;
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

}  // namespace zt::core
