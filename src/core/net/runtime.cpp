#include "core/net/runtime.hpp"

#include <pthread.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "core/net/blocking.hpp"
#include "core/net/work_executor.hpp"
#include "core/observe/blocking_parent.hpp"
#include "core/observe/log.hpp"
#include "core/observe/tracer.hpp"
#include "core/util/error.hpp"

namespace zt::core::net {

namespace asio = boost::asio;

namespace {
thread_local std::size_t t_context_index = static_cast<std::size_t>(-1);
thread_local const void* t_runtime = nullptr;
}  // namespace

// An io_context whose services can be shut down before it is destroyed. A coroutine frame still
// pending at exit (a long poll that outlived the drain) is destroyed when its context shuts down,
// and with it any socket or timer it holds — which may belong to another context. So every
// context is shut down (its pending frames destroyed while every context's services still exist)
// before the first is destroyed; a socket of a context already shut down is let go safely.
class ShutdownContext : public asio::io_context {
 public:
  using asio::io_context::io_context;
  void shut_down() {
    if (shut_) return;
    shut_ = true;
    shutdown();
  }

 private:
  bool shut_ = false;
};

struct IoRuntime::Impl {
  ~Impl() {
    for (auto& c : contexts) c->shut_down();
  }
  std::vector<std::unique_ptr<ShutdownContext>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::vector<std::thread> threads;
  std::vector<clockid_t> clocks;  // each io thread's CPU clock, set in start() before anyone reads
  std::atomic<std::size_t> round_robin{0};
  bool started = false;
  bool stopped = false;
};

IoRuntime::IoRuntime(std::size_t io_threads) : impl_(std::make_unique<Impl>()) {
  if (io_threads == 0) io_threads = 1;
  for (std::size_t i = 0; i < io_threads; ++i) {
    impl_->contexts.push_back(std::make_unique<ShutdownContext>(1));
    impl_->guards.push_back(asio::make_work_guard(*impl_->contexts.back()));
  }
}

IoRuntime::~IoRuntime() { stop(); }

std::size_t IoRuntime::size() const { return impl_->contexts.size(); }

asio::io_context& IoRuntime::context(std::size_t i) { return *impl_->contexts.at(i); }

asio::io_context& IoRuntime::next_context() {
  if (t_runtime == this && t_context_index < impl_->contexts.size()) return *impl_->contexts[t_context_index];
  return *impl_->contexts[impl_->round_robin++ % impl_->contexts.size()];
}

void IoRuntime::start() {
  if (impl_->started) return;
  impl_->started = true;
  for (std::size_t i = 0; i < impl_->contexts.size(); ++i) {
    impl_->threads.emplace_back([this, i] {
      t_context_index = i;
      t_runtime = this;
      for (;;) {
        try {
          impl_->contexts[i]->run();
          break;
        } catch (const std::exception& e) {
          log::error("io thread {} caught an exception and continues: {}", i, e.what());
        }
      }
    });
    clockid_t clock{};
    impl_->clocks.push_back(::pthread_getcpuclockid(impl_->threads.back().native_handle(), &clock) == 0 ? clock
                                                                                                      : clockid_t{-1});
  }
}

std::vector<double> IoRuntime::thread_cpu_seconds() const {
  std::vector<double> out;
  out.reserve(impl_->clocks.size());
  for (const clockid_t clock : impl_->clocks) {
    timespec ts{};
    out.push_back(clock != clockid_t{-1} && ::clock_gettime(clock, &ts) == 0
                      ? static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9
                      : -1.0);
  }
  return out;
}

void IoRuntime::stop() {
  // Once only: the drain below runs while the components are alive. A second call (the destructor,
  // after the components are gone) must not resume anything that would touch them.
  if (!impl_ || impl_->stopped) return;
  impl_->stopped = true;
  for (auto& g : impl_->guards) g.reset();
  for (auto& c : impl_->contexts) c->stop();
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
  impl_->threads.clear();
  // Let coroutines whose sockets and timers were closed during the drain run to completion now,
  // while every service of the context is still alive; a frame destroyed later by the context's
  // destructor could otherwise release objects whose services are already gone. All contexts at
  // once: a transaction on one may wait for a row another's holds.
  std::vector<std::thread> finishing;
  for (auto& c : impl_->contexts)
    finishing.emplace_back([&c] {
      c->restart();
      c->run_for(std::chrono::seconds(2));
    });
  for (auto& t : finishing) t.join();
  // Then what is still pending is destroyed, now, while the components it may touch exist: a
  // database transaction on a fiber (core/net/fiber.hpp) unwinds and gives its connection back
  // to a pool that is still there.
  for (auto& c : impl_->contexts) c->shut_down();
}

void IoRuntime::spawn(std::size_t i, std::function<asio::awaitable<void>()> fn) {
  asio::co_spawn(context(i), std::move(fn), [](std::exception_ptr ep) {
    if (!ep) return;
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      log::error("background task failed: {}", e.what());
    }
  });
}

void IoRuntime::run_on(std::size_t i, std::function<void()> fn) {
  std::promise<void> done;
  auto fut = done.get_future();
  asio::post(context(i), [&] {
    try {
      fn();
      done.set_value();
    } catch (...) {
      done.set_exception(std::current_exception());
    }
  });
  fut.get();
}

}  // namespace zt::core::net

namespace zt::core {
namespace asio = boost::asio;

namespace {

struct BlockingPool {
  explicit BlockingPool(const BlockingPoolOptions& o) : options(o), pool(o.threads) {}
  BlockingPoolOptions options;
  asio::thread_pool pool;
  std::atomic<std::size_t> queued{0};
};

std::mutex g_pool_mutex;
BlockingPoolOptions g_pool_options;
std::unique_ptr<BlockingPool> g_pool;

BlockingPool& pool() {
  std::lock_guard lock(g_pool_mutex);
  if (!g_pool) g_pool = std::make_unique<BlockingPool>(g_pool_options);
  return *g_pool;
}

}  // namespace

void configure_blocking_pool(const BlockingPoolOptions& options) {
  std::lock_guard lock(g_pool_mutex);
  if (!g_pool) g_pool_options = options;
}

void shutdown_blocking_pool() {
  std::unique_ptr<BlockingPool> p;
  {
    std::lock_guard lock(g_pool_mutex);
    p = std::move(g_pool);
  }
  if (p) p->pool.join();
}

std::size_t blocking_pool_queued() {
  // Read where it is, never made for it (a sampler must not start the pool, nor bring it back
  // after shutdown).
  std::lock_guard lock(g_pool_mutex);
  return g_pool ? g_pool->queued.load() : 0;
}

asio::awaitable<void> run_blocking(std::function<void()> fn) {
  BlockingPool& p = pool();
  if (p.queued.fetch_add(1) >= p.options.max_queued) {
    p.queued.fetch_sub(1);
    throw ApiError(503, codes::kOverloaded, "系统繁忙，请稍后再试");
  }
  struct Release {
    BlockingPool& p;
    ~Release() { p.queued.fetch_sub(1); }
  } release{p};
  // The request this work is for, as the parent of the blocking calls it makes (etcd's).
  std::optional<observe::SpanOrigin> parent;
  if (observe::tracer().recording()) parent = co_await net::current_span_parent();
  const observe::SpanOrigin* for_calls = parent ? &*parent : nullptr;
  co_await asio::co_spawn(
      p.pool,
      [&fn, for_calls]() -> asio::awaitable<void> {
        const observe::BlockingParentScope scope(for_calls);
        fn();
        co_return;
      },
      asio::use_awaitable);
}

struct WorkPool::Impl {
  Impl(std::string n, const BlockingPoolOptions& o) : name(std::move(n)), options(o), pool(o.threads) {}
  std::string name;
  BlockingPoolOptions options;
  asio::thread_pool pool;
  std::atomic<std::size_t> queued{0};
};

WorkPool::WorkPool(std::string name, BlockingPoolOptions options) : impl_(std::make_unique<Impl>(std::move(name), options)) {}

WorkPool::~WorkPool() { impl_->pool.join(); }

asio::awaitable<void> WorkPool::run(std::function<void()> fn) {
  Impl& p = *impl_;
  if (p.queued.fetch_add(1) >= p.options.max_queued) {
    p.queued.fetch_sub(1);
    throw ApiError(503, codes::kOverloaded, "系统繁忙，请稍后再试");
  }
  struct Release {
    Impl& p;
    ~Release() { p.queued.fetch_sub(1); }
  } release{p};
  const bool low = p.options.low_priority;
  co_await asio::co_spawn(
      p.pool, [&fn, low]() -> asio::awaitable<void> {
        thread_local bool lowered = false;
        if (low && !lowered) {
          // Per thread on Linux: this pool thread only.
          ::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 19);
          lowered = true;
        }
        fn();
        co_return;
      },
      asio::use_awaitable);
}

std::size_t WorkPool::queued() const { return impl_->queued.load(); }
const std::string& WorkPool::name() const { return impl_->name; }

}  // namespace zt::core
