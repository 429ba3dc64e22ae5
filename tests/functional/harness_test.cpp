// The harness's real servers work, so later issues can rely on them.
#include <gtest/gtest.h>

#include "harness/http.hpp"
#include "harness/servers.hpp"

namespace zt::test {
namespace {

TEST(Harness, EtcdAnswersItsV3JsonApi) {
  EtcdServer etcd;
  // key "zt" and value "ok" in base64, as the v3 JSON gateway wants them.
  auto put = http_request(etcd.port(), "POST", "/v3/kv/put", R"({"key":"enQ=","value":"b2s="})",
                          {{"Content-Type", "application/json"}});
  EXPECT_EQ(put.status, 200) << put.body;
  auto get = http_request(etcd.port(), "POST", "/v3/kv/range", R"({"key":"enQ="})", {{"Content-Type", "application/json"}});
  EXPECT_EQ(get.status, 200);
  EXPECT_NE(get.body.find("\"value\":\"b2s=\""), std::string::npos) << get.body;
}

TEST(Harness, RedisAnswersPing) {
  RedisServer redis;
  const std::string port = std::to_string(redis.port());
  auto ping = run({"redis-cli", "-p", port, "PING"});
  EXPECT_EQ(ping.output, "PONG\n");
  EXPECT_EQ(run({"redis-cli", "-p", port, "SET", "k", "v"}).output, "OK\n");
  auto r = run({"redis-cli", "-p", port, "GET", "k"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, "v\n");
}

TEST(Harness, PostgresRunsAsThePostgresUserAndAcceptsQueries) {
  PostgresServer pg;
  auto r = run({"psql", pg.dsn(), "-tAc", "SELECT current_user || ':' || (2 + 2)"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "zt:4\n");
}

}  // namespace
}  // namespace zt::test
