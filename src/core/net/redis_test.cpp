#include "core/net/redis.hpp"

#include <gtest/gtest.h>

namespace zt::core::net {
namespace {

TEST(Resp, EncodesCommandsAsArraysOfBulkStrings) {
  EXPECT_EQ(encode_redis_command({"SET", "k", "v\r\n"}), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3\r\nv\r\n\r\n");
}

TEST(Resp, ParsesEveryReplyType) {
  std::size_t used = 0;
  auto r = parse_redis_reply("*5\r\n+OK\r\n-ERR no\r\n:-42\r\n$3\r\nabc\r\n$-1\r\n", used);
  ASSERT_TRUE(r);
  EXPECT_EQ(used, 38u);
  ASSERT_EQ(r->elements.size(), 5u);
  EXPECT_EQ(r->elements[0].type, RedisReply::Type::kStatus);
  EXPECT_EQ(r->elements[1].str, "ERR no");
  EXPECT_EQ(r->elements[2].integer, -42);
  EXPECT_EQ(r->elements[3].str, "abc");
  EXPECT_EQ(r->elements[4].type, RedisReply::Type::kNil);
}

TEST(Resp, IncompleteRepliesWaitForMore) {
  std::size_t used = 0;
  for (std::string partial : {"", "*2\r\n", "*2\r\n:1\r\n", "*2\r\n:1\r\n$3\r\nab", "$3\r\nabc\r"}) {
    EXPECT_FALSE(parse_redis_reply(partial, used)) << partial;
    EXPECT_EQ(used, 0u);
  }
}

TEST(Resp, ProtocolViolationsThrow) {
  std::size_t used = 0;
  EXPECT_THROW(parse_redis_reply("?x\r\n", used), std::runtime_error);
  EXPECT_THROW(parse_redis_reply(":12a\r\n", used), std::runtime_error);
  EXPECT_THROW(parse_redis_reply("$3\r\nabcd\r\n", used), std::runtime_error);
  EXPECT_THROW(parse_redis_reply(std::string(20, '*').insert(0, "") + "1\r\n", used), std::runtime_error);
}

}  // namespace
}  // namespace zt::core::net
