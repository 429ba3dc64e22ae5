#pragma once
// Wake-ups across io threads for long-polls and background loops, without blocking a thread:
//   auto seen = changes.generation();
//   if (!changed_since(v)) co_await changes.wait(seen, 30s);   // a notify in between is not lost
// and a cancellable sleep for background loops.
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace zt::core::net {

class Notifier {
 public:
  Notifier();
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  // Returns when generation() differs from `seen` (at once if it already does) or after timeout.
  // True when woken by a notification.
  boost::asio::awaitable<bool> wait(std::uint64_t seen, std::chrono::milliseconds timeout);
  // Wakes every waiter; callable from any thread.
  void notify_all();

 private:
  struct Waiter;
  std::atomic<std::uint64_t> generation_{0};
  std::mutex mutex_;
  std::vector<std::shared_ptr<Waiter>> waiters_;
};

// Sleeps on the calling coroutine's executor.
boost::asio::awaitable<void> sleep_for(std::chrono::milliseconds d);

}  // namespace zt::core::net
