#pragma once
// The io runtime: one io_context per io thread (each connection lives on one thread, no locks on
// its path), and the bounded blocking pool (DESIGN §2). Asio itself stays out of this header.
#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <functional>
#include <vector>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace zt::core::net {

class IoRuntime {
 public:
  explicit IoRuntime(std::size_t io_threads);
  ~IoRuntime();
  IoRuntime(const IoRuntime&) = delete;
  IoRuntime& operator=(const IoRuntime&) = delete;

  std::size_t size() const;
  boost::asio::io_context& context(std::size_t i);
  // The context of the calling io thread, or context(0) when called from elsewhere.
  boost::asio::io_context& next_context();

  void start();  // starts the io threads
  void stop();   // stops every context and joins the threads; idempotent

  // Runs a detached coroutine on context i; an escaping exception is logged, never lost.
  void spawn(std::size_t i, std::function<boost::asio::awaitable<void>()> fn);
  // Runs fn on context i and waits for it (for start-up and shutdown work from the main thread).
  void run_on(std::size_t i, std::function<void()> fn);

  // CPU time each io thread has used so far, in seconds (an io thread waiting for its sockets
  // uses none: its rate is the thread's busy share); empty before start(), -1 for a thread that
  // has ended.
  std::vector<double> thread_cpu_seconds() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zt::core::net
