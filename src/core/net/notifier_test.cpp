#include "core/net/notifier.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <thread>

namespace zt::core::net {
namespace {

using namespace std::chrono_literals;

TEST(Notifier, AWaiterWakesOnNotifyFromAnotherThread) {
  Notifier n;
  boost::asio::io_context io;
  bool notified = false;
  // The generation the waiter saw, read before the other thread may notify: were it read inside the
  // coroutine, a notify before io.run() reached it would leave the waiter to time out.
  const auto seen = n.generation();
  boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> { notified = co_await n.wait(seen, 10s); },
                        boost::asio::detached);
  std::thread t([&] {
    std::this_thread::sleep_for(50ms);
    n.notify_all();
  });
  io.run();
  t.join();
  EXPECT_TRUE(notified) << "woken by the notify, not by the timeout";
}

TEST(Notifier, ANotifyBeforeTheWaitIsNotLost) {
  Notifier n;
  boost::asio::io_context io;
  const auto seen = n.generation();
  n.notify_all();  // between the caller's check and its wait
  bool notified = false;
  boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> { notified = co_await n.wait(seen, 10s); },
                        boost::asio::detached);
  io.run();
  EXPECT_TRUE(notified);
}

TEST(Notifier, TimesOutWithoutANotify) {
  Notifier n;
  boost::asio::io_context io;
  bool notified = true;
  boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> { notified = co_await n.wait(n.generation(), 20ms); },
                        boost::asio::detached);
  io.run();
  EXPECT_FALSE(notified);
}

}  // namespace
}  // namespace zt::core::net
