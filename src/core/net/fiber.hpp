#pragma once
// Stackful fibers on the io thread, for synchronous code that waits on a socket (libpq).
//
//   co_await core::run_on_fiber([&] { db.transact(...); });   // from a coroutine on an io thread
//
// fn starts at once on a stack of its own, on the calling io thread. Where it would wait for a
// socket it calls fiber_wait(fd): the fiber is put aside, the io thread serves other requests,
// and the fiber goes on, on the same thread, when the socket is ready. So a PostgreSQL
// transaction costs no hop to the blocking pool and back (two thread wake-ups on a loaded core)
// per transaction, and no io thread is blocked while the server works.
//
// Rules for code run on a fiber: no lock held across a wait (another fiber of the same thread may
// want it: the thread would wait for itself), nothing that blocks the thread for long (file I/O,
// hashing: those stay on the blocking pool). An exception escaping fn is rethrown to the caller.
#include <boost/asio/awaitable.hpp>
#include <functional>

namespace zt::core {

boost::asio::awaitable<void> run_on_fiber(std::function<void()> fn);

// True while running on a fiber started by run_on_fiber.
bool on_fiber();

// On a fiber: waits until fd is readable (or writable) and answers true; false when the fiber is
// being torn down (its io thread stops): the caller gives up what it was doing and returns, as on
// a connection lost. Off a fiber: answers true at once (the caller waits by itself).
bool fiber_wait(int fd, bool writable = false);

}  // namespace zt::core
