#include "core/net/fiber.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace zt::core {
namespace {

namespace asio = boost::asio;

// Two connected sockets: a fiber waits on `reader` until a byte is written to `writer`.
struct Pair {
  Pair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) != 0) throw std::runtime_error("socketpair");
    reader = fds[0];
    writer = fds[1];
  }
  ~Pair() {
    ::close(reader);
    ::close(writer);
  }
  void send() const { ASSERT_EQ(::write(writer, "x", 1), 1); }
  // On a fiber: waits for the byte and reads it; what fiber_wait answered.
  bool receive() const {
    char c = 0;
    while (::read(reader, &c, 1) != 1) {
      if (!fiber_wait(reader)) return false;
    }
    return true;
  }
  int reader = -1;
  int writer = -1;
};

// Runs fn on a fiber from a detached coroutine; `done` holds what escaped it ("" when nothing).
void spawn_fiber(asio::io_context& io, std::function<void()> fn, std::optional<std::string>& done) {
  asio::co_spawn(
      io,
      [fn = std::move(fn), &done]() mutable -> asio::awaitable<void> {
        try {
          co_await run_on_fiber(std::move(fn));
          done = "";
        } catch (const std::exception& e) {
          done = e.what();
        }
      },
      asio::detached);
}

TEST(Fiber, FibersWaitingOnSocketsLetTheirThreadServeOthersAndGoOnWhereTheyStopped) {
  asio::io_context io;
  Pair first, second;
  std::vector<std::string> steps;
  const auto io_thread = std::this_thread::get_id();
  std::optional<std::string> a, b;
  spawn_fiber(
      io,
      [&] {
        EXPECT_TRUE(on_fiber());
        EXPECT_EQ(std::this_thread::get_id(), io_thread);
        steps.push_back("a waits");
        EXPECT_TRUE(first.receive());
        steps.push_back("a goes on");
      },
      a);
  spawn_fiber(
      io,
      [&] {
        steps.push_back("b waits");
        EXPECT_TRUE(second.receive());
        steps.push_back("b goes on");
        first.send();  // only now can the first go on
      },
      b);
  asio::post(io, [&] {
    steps.push_back("others served");
    second.send();
  });
  io.run();
  EXPECT_EQ(a, "");
  EXPECT_EQ(b, "");
  EXPECT_EQ(steps, (std::vector<std::string>{"a waits", "b waits", "others served", "b goes on", "a goes on"}));
  EXPECT_FALSE(on_fiber());
}

TEST(Fiber, OffAFiberAWaitAnswersAtOnceAndNothingChanges) {
  EXPECT_FALSE(on_fiber());
  Pair p;
  EXPECT_TRUE(fiber_wait(p.reader));
}

TEST(Fiber, AnExceptionEscapingTheFiberReachesTheCoroutineThatRanIt) {
  asio::io_context io;
  Pair p;
  std::optional<std::string> done;
  spawn_fiber(
      io,
      [&] {
        EXPECT_TRUE(p.receive());
        throw std::runtime_error("答复有误");
      },
      done);
  asio::post(io, [&] { p.send(); });
  io.run();
  EXPECT_EQ(done, "答复有误");
}

// The exceptions being handled belong to a stack: a fiber put aside inside a catch block finds its
// own exception when it goes on, whatever another fiber threw, and is handling, meanwhile.
TEST(Fiber, AFiberPutAsideInACatchBlockKeepsItsOwnException) {
  asio::io_context io;
  Pair first, second;
  std::optional<std::string> a, b;
  spawn_fiber(
      io,
      [&] {
        try {
          throw std::runtime_error("first");
        } catch (const std::exception&) {
          EXPECT_TRUE(first.receive());  // put aside here, its exception being handled
          EXPECT_EQ(std::uncaught_exceptions(), 0);
          second.send();
          throw;  // rethrows the exception of this fiber, not the one the other is handling
        }
      },
      a);
  spawn_fiber(
      io,
      [&] {
        try {
          throw std::logic_error("second");
        } catch (const std::logic_error&) {
          EXPECT_TRUE(second.receive());
          first.send();
          EXPECT_TRUE(second.receive());  // put aside while handling its own, as the first goes on
        }
      },
      b);
  asio::post(io, [&] { second.send(); });
  io.run();
  EXPECT_EQ(a, "first");
  EXPECT_EQ(b, "");
}

// The io thread's context torn down while a fiber waits: the wait answers false, the fiber unwinds
// (what it holds is freed) and nothing is left behind.
TEST(Fiber, AFiberWaitingWhenItsContextIsDestroyedIsToldAndUnwinds) {
  Pair p;
  bool told = false;
  auto held = std::make_shared<int>(7);
  std::weak_ptr<int> watch = held;
  {
    std::optional<std::string> done;
    asio::io_context io;
    spawn_fiber(
        io,
        [&, mine = std::move(held)] {
          EXPECT_EQ(*mine, 7);
          told = !p.receive();
        },
        done);
    io.run_for(std::chrono::milliseconds(20));
    EXPECT_FALSE(done.has_value());
  }
  EXPECT_TRUE(told);
  EXPECT_TRUE(watch.expired());
}

TEST(Fiber, ManyFibersInTurnReuseTheirStacks) {
  asio::io_context io;
  constexpr int kFibers = 200;
  std::vector<std::unique_ptr<Pair>> pairs;
  std::vector<std::optional<std::string>> done(kFibers);
  int finished = 0;
  for (int i = 0; i < kFibers; ++i) {
    pairs.push_back(std::make_unique<Pair>());
    Pair& pair = *pairs.back();
    spawn_fiber(
        io,
        [&pair, &finished] {
          char buffer[4096];  // a frame of some size on the fiber's stack
          buffer[0] = 1;
          EXPECT_TRUE(pair.receive());
          finished += buffer[0];
        },
        done[static_cast<std::size_t>(i)]);
  }
  for (int i = kFibers - 1; i >= 0; --i) asio::post(io, [&pairs, i] { pairs[static_cast<std::size_t>(i)]->send(); });
  io.run();
  EXPECT_EQ(finished, kFibers);
  for (const auto& d : done) EXPECT_EQ(d, "");
}

}  // namespace
}  // namespace zt::core
