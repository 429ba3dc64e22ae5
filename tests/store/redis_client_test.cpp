// The Redis client's idle connections against a real redis-server: connections the server closed
// while they were idle (a restart, CLIENT KILL, an idle timeout) cost one failed command at most —
// the client then drops the rest and connects afresh — never one failure per dead connection. And
// a command run for a traced request is its child span (issue 19).
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <string>
#include <vector>

#include "core/net/redis.hpp"
#include "core/net/slot_executor.hpp"
#include "harness/servers.hpp"
#include "harness/spans.hpp"

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

// A command run for a traced request (its coroutine's slot holds it) is the request's client span:
// named by the verb only, never a key or a value; an error reply fails it, except NOSCRIPT (the
// script cache asking, which the caller answers); a command for no request records nothing.
TEST(RedisSpans, ACommandForATracedRequestIsItsChildSpan) {
  test::RedisServer server;
  RedisOptions o;
  o.port = static_cast<std::uint16_t>(server.port());
  o.command_timeout = std::chrono::milliseconds(2000);
  test::SpanCollector collector;
  const observe::SpanOrigin request{observe::TraceContext::generate(), "campaign"};
  boost::asio::io_context io;
  RedisClient client(o);
  boost::asio::co_spawn(
      work_executor(io.get_executor(), std::make_shared<WorkSlot>()),
      [&]() -> boost::asio::awaitable<void> {
        const std::vector<std::string> untraced{"SET", "secret-key", "secret-value"};
        co_await client.command(untraced);  // no request yet: no span
        WorkSlot* slot = co_await current_work_slot();
        const SpanParentScope scope(slot, request);
        const std::vector<std::string> set{"set", "secret-key", "secret-value"};
        co_await client.command(set);
        const std::vector<std::string> wrong{"INCR", "secret-key"};  // not a number: an error reply
        const auto refused = co_await client.command(wrong);
        EXPECT_EQ(refused.type, RedisReply::Type::kError);
        const std::vector<std::string> missing{"EVALSHA", std::string(40, 'a'), "0"};
        const auto noscript = co_await client.command(missing);
        EXPECT_EQ(noscript.str.rfind("NOSCRIPT", 0), 0u) << noscript.str;
      },
      boost::asio::detached);
  io.run();
  const auto spans = collector.take();
  ASSERT_EQ(spans.size(), 3u);
  const std::vector<std::string> names{"redis SET", "redis INCR", "redis EVALSHA"};
  for (std::size_t i = 0; i < spans.size(); ++i) {
    const auto& s = spans[i].span;
    EXPECT_EQ(spans[i].service, "campaign");
    EXPECT_EQ(s.name, names[i]);
    EXPECT_EQ(s.kind, observe::SpanKind::kClient);
    EXPECT_EQ(s.trace_id, request.trace.trace_id);
    EXPECT_EQ(s.parent_span_id, request.trace.span_id);
    bool peer = false;
    for (const auto& a : s.attributes) {
      if (a.key == "peer.service") peer = std::get<std::string>(a.value) == "redis";
      if (const auto* text = std::get_if<std::string>(&a.value)) {
        EXPECT_EQ(text->find("secret"), std::string::npos) << a.key << " names a key or a value";
      }
    }
    EXPECT_TRUE(peer) << s.name;
    EXPECT_EQ(s.name.find("secret"), std::string::npos);
  }
  EXPECT_EQ(spans[0].span.status, observe::SpanStatus::kUnset);
  EXPECT_EQ(spans[1].span.status, observe::SpanStatus::kError) << "an error reply";
  EXPECT_EQ(spans[2].span.status, observe::SpanStatus::kUnset) << "NOSCRIPT is the script cache asking";
}

}  // namespace
}  // namespace zt::core::net
