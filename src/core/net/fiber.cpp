// Fibers on ucontext: a stack per fiber (kept for reuse per thread), the switch in and out of it
// with what must follow the stack — libstdc++'s exceptions-in-flight state, and AddressSanitizer's
// notion of the current stack — and a coroutine that waits on the fiber's socket with Asio.
#include "core/net/fiber.hpp"

#include <cxxabi.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <new>
#include <utility>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#include <dlfcn.h>
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#define ZT_FIBER_ASAN 1
#endif

namespace zt::core {

namespace asio = boost::asio;

namespace {

#ifdef ZT_FIBER_ASAN
constexpr std::size_t kStackSize = std::size_t{2} << 20;  // AddressSanitizer's frames are larger
#else
constexpr std::size_t kStackSize = std::size_t{512} << 10;
#endif
constexpr std::size_t kKeptStacks = 16;  // per thread, for reuse

std::size_t page_size() {
  static const std::size_t size = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return size;
}
std::size_t mapping_size() { return kStackSize + page_size(); }

// A stack's mapping: a guard page (no access: an overflow faults) below kStackSize bytes.
struct StackPool {
  std::vector<void*> free;
  ~StackPool() {
    for (void* m : free) munmap(m, mapping_size());
  }
};
thread_local StackPool t_stacks;

// Frames left on a stack (an exception unwound them, a fiber ended) and whatever an earlier
// mapping of the same addresses held must not look poisoned to AddressSanitizer.
void unpoison(void* m) {
#ifdef ZT_FIBER_ASAN
  ASAN_UNPOISON_MEMORY_REGION(static_cast<char*>(m) + page_size(), kStackSize);
#else
  (void)m;
#endif
}

void* take_stack() {
  void* m = nullptr;
  if (!t_stacks.free.empty()) {
    m = t_stacks.free.back();
    t_stacks.free.pop_back();
  } else {
    m = mmap(nullptr, mapping_size(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
             -1, 0);
    if (m == MAP_FAILED) throw std::bad_alloc();
    if (mprotect(m, page_size(), PROT_NONE) != 0) {
      munmap(m, mapping_size());
      throw std::bad_alloc();
    }
  }
  unpoison(m);
  return m;
}

void give_stack(void* m) {
  unpoison(m);
  if (t_stacks.free.size() < kKeptStacks)
    t_stacks.free.push_back(m);
  else
    munmap(m, mapping_size());
}

// libstdc++'s per-thread exception state (unwind-cxx.h: the chain of exceptions being handled,
// the count thrown and not yet caught). It belongs to a stack, not a thread: a fiber put aside
// inside a catch block must not leave its exception on the chain of whatever runs next.
struct EhGlobals {
  void* caught = nullptr;
  unsigned int uncaught = 0;
};
EhGlobals& thread_eh() { return *reinterpret_cast<EhGlobals*>(abi::__cxa_get_globals()); }

// The C library's swapcontext. AddressSanitizer's own (its interceptor) warns once per process
// that it does not fully support contexts and clears the shadow of the stack switched to; the
// switches here tell it about each stack themselves (__sanitizer_*_switch_fiber), so they call
// the C library's directly.
int switch_context(ucontext_t* from, const ucontext_t* to) {
#ifdef ZT_FIBER_ASAN
  using Swap = int (*)(ucontext_t*, const ucontext_t*);
  static const Swap libc_swap = [] {
    void* libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
    void* found = libc ? dlsym(libc, "swapcontext") : nullptr;
    return found ? reinterpret_cast<Swap>(found) : &swapcontext;
  }();
  return libc_swap(from, to);
#else
  return swapcontext(from, to);
#endif
}

struct Fiber {
  std::function<void()> fn;
  std::exception_ptr error;
  bool started = false;
  bool done = false;
  bool stopping = false;
  int wait_fd = -1;
  bool wait_writable = false;
  void* mapping = nullptr;
  ucontext_t self{};
  ucontext_t caller{};
  EhGlobals eh;  // the fiber's while it is put aside
#ifdef ZT_FIBER_ASAN
  void* caller_fake = nullptr;
  void* self_fake = nullptr;
  const void* caller_bottom = nullptr;
  std::size_t caller_size = 0;
#endif
  char* stack_bottom() const { return static_cast<char*>(mapping) + page_size(); }
};

thread_local Fiber* t_current = nullptr;

void entry(unsigned int low, unsigned int high) {
  auto* f = reinterpret_cast<Fiber*>((static_cast<std::uintptr_t>(high) << 32) | static_cast<std::uintptr_t>(low));
#ifdef ZT_FIBER_ASAN
  __sanitizer_finish_switch_fiber(nullptr, &f->caller_bottom, &f->caller_size);
#endif
  try {
    f->fn();
  } catch (...) {
    f->error = std::current_exception();
  }
  f->done = true;
#ifdef ZT_FIBER_ASAN
  __sanitizer_start_switch_fiber(nullptr, f->caller_bottom, f->caller_size);  // this stack ends here
#endif
  switch_context(&f->self, &f->caller);
  std::abort();  // a finished fiber is never resumed
}

// From the io thread's stack into the fiber, until it waits or ends. Never from a fiber: a fiber
// runs no coroutine, and a coroutine is where fibers are resumed.
void resume(Fiber& f) {
  if (t_current != nullptr) std::abort();
  t_current = &f;
  std::swap(thread_eh(), f.eh);
#ifdef ZT_FIBER_ASAN
  __sanitizer_start_switch_fiber(&f.caller_fake, f.stack_bottom(), kStackSize);
#endif
  switch_context(&f.caller, &f.self);
#ifdef ZT_FIBER_ASAN
  __sanitizer_finish_switch_fiber(f.caller_fake, nullptr, nullptr);
#endif
  std::swap(thread_eh(), f.eh);
  t_current = nullptr;
}

// From the fiber back to the io thread's stack; returns when resumed.
void suspend(Fiber& f) {
#ifdef ZT_FIBER_ASAN
  __sanitizer_start_switch_fiber(&f.self_fake, f.caller_bottom, f.caller_size);
#endif
  switch_context(&f.self, &f.caller);
#ifdef ZT_FIBER_ASAN
  __sanitizer_finish_switch_fiber(f.self_fake, &f.caller_bottom, &f.caller_size);
#endif
}

// Owns a fiber for the coroutine that runs it. Destroyed while the fiber waits (the io thread's
// context is torn down with the coroutine in it), it lets the fiber finish: every further wait
// answers false, so the code on it gives up and unwinds, freeing what it holds.
class Owner {
 public:
  explicit Owner(std::function<void()> fn) : f_(std::make_unique<Fiber>()) {
    f_->fn = std::move(fn);
    f_->mapping = take_stack();
    getcontext(&f_->self);
    f_->self.uc_stack.ss_sp = f_->stack_bottom();
    f_->self.uc_stack.ss_size = kStackSize;
    f_->self.uc_link = nullptr;
    const auto address = reinterpret_cast<std::uintptr_t>(f_.get());
    // makecontext passes int arguments: the pointer in two halves.
    makecontext(&f_->self, reinterpret_cast<void (*)()>(&entry), 2, static_cast<unsigned int>(address & 0xffffffffu),
                static_cast<unsigned int>(address >> 32));
  }
  ~Owner() {
    if (f_->started && !f_->done) {
      f_->stopping = true;
      for (int guard = 0; guard < 64 && !f_->done; ++guard) resume(*f_);
      if (!f_->done) std::abort();  // code on a fiber that ignores fiber_wait's false
    }
    give_stack(f_->mapping);
  }
  // (The io runtime shuts its contexts down before the components go, so what such a fiber
  // touches on its way out — a connection pool — still exists: IoRuntime::stop.)
  Owner(const Owner&) = delete;
  Owner& operator=(const Owner&) = delete;

  Fiber& fiber() { return *f_; }
  void start() {
    f_->started = true;
    resume(*f_);
  }

 private:
  std::unique_ptr<Fiber> f_;
};

// The fiber's socket, borrowed from its owner (libpq) for one wait: released, never closed.
class Borrowed {
 public:
  Borrowed(const asio::any_io_executor& executor, int fd) : socket_(executor, fd) {}
  ~Borrowed() { socket_.release(); }
  Borrowed(const Borrowed&) = delete;
  Borrowed& operator=(const Borrowed&) = delete;
  asio::posix::stream_descriptor& socket() { return socket_; }

 private:
  asio::posix::stream_descriptor socket_;
};

}  // namespace

bool on_fiber() { return t_current != nullptr; }

bool fiber_wait(int fd, bool writable) {
  Fiber* f = t_current;
  if (!f) return true;
  if (f->stopping) return false;
  f->wait_fd = fd;
  f->wait_writable = writable;
  suspend(*f);
  return !f->stopping;
}

asio::awaitable<void> run_on_fiber(std::function<void()> fn) {
  // Not cancellable once begun: a transaction ends as it would on the blocking pool (a COMMIT
  // whose answer is awaited is never cut into a plain failure). The caller's cancellation
  // state comes back afterwards.
  const bool throw_if_cancelled = co_await asio::this_coro::throw_if_cancelled();
  co_await asio::this_coro::throw_if_cancelled(false);
  const asio::any_io_executor executor = co_await asio::this_coro::executor;
  Owner owner(std::move(fn));
  Fiber& f = owner.fiber();
  owner.start();
  while (!f.done) {
    boost::system::error_code ec;
    {
      // Given back before the fiber goes on: it may close the socket.
      Borrowed borrowed(executor, f.wait_fd);
      const auto direction =
          f.wait_writable ? asio::posix::descriptor_base::wait_write : asio::posix::descriptor_base::wait_read;
      auto token =
          asio::redirect_error(asio::bind_cancellation_slot(asio::cancellation_slot(), asio::use_awaitable), ec);
      co_await borrowed.socket().async_wait(direction, token);
    }
    // A wait that fails (a descriptor gone bad) answers the fiber false: its owner gives the
    // socket up, as on a connection lost, rather than waiting on it again and again.
    if (ec) f.stopping = true;
    resume(f);
  }
  co_await asio::this_coro::throw_if_cancelled(throw_if_cancelled);
  if (f.error) std::rethrow_exception(f.error);
}

}  // namespace zt::core
