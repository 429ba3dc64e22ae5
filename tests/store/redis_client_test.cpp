// The Redis client's idle connections against a real redis-server: connections the server closed
// while they were idle (a restart, CLIENT KILL, an idle timeout) cost one failed command at most —
// the client then drops the rest and connects afresh — never one failure per dead connection.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <string>
#include <vector>

#include "core/net/redis.hpp"
#include "harness/servers.hpp"

namespace zt::core::net {
namespace {

TEST(RedisIdleConnections, ClosedByTheServerCostOneFailureAtMost) {
  test::RedisServer server;
  RedisOptions o;
  o.port = static_cast<std::uint16_t>(server.port());
  o.command_timeout = std::chrono::milliseconds(2000);
  boost::asio::io_context io;  // before the client: its idle connections go first
  RedisClient client(o);
  int answered = 0, failed = 0;
  std::vector<std::string> seen;
  const auto ping = [&]() -> boost::asio::awaitable<void> {
    try {
      const std::vector<std::string> cmd{std::string("PING")};
      auto r = co_await client.command(cmd);
      if (r.str == "PONG") ++answered;
    } catch (const RedisUnavailable& e) {
      ++failed;
      seen.push_back(e.what());
    }
  };
  // Eight at once: eight connections, then idle in the pool.
  for (int i = 0; i < 8; ++i) boost::asio::co_spawn(io, ping(), boost::asio::detached);
  io.run();
  io.restart();
  ASSERT_EQ(answered, 8);
  // The server closes every other client connection (the pool's seven idle ones).
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        const std::vector<std::string> kill{std::string("CLIENT"), std::string("KILL"),   std::string("TYPE"),
                                            std::string("normal"), std::string("SKIPME"), std::string("yes")};
        auto r = co_await client.command(kill);
        EXPECT_GE(r.integer, 7) << r.str;
      },
      boost::asio::detached);
  io.run();
  io.restart();
  answered = 0;
  // Two at once: one takes the live connection, the other a dead one (it fails: the dead ones are
  // dropped then); then eight at once, then five in turn: all answered.
  for (int burst : {2, 8, 1, 1, 1, 1, 1}) {
    for (int i = 0; i < burst; ++i) boost::asio::co_spawn(io, ping(), boost::asio::detached);
    io.run();
    io.restart();
  }
  EXPECT_LE(failed, 1) << "one failure per dead connection: " << failed << " (" << (seen.empty() ? "" : seen.front())
                       << ")";
  EXPECT_GE(answered, 14);
}

}  // namespace
}  // namespace zt::core::net
