// The harness's real servers work, so later issues can rely on them.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include "harness/http.hpp"
#include "harness/process.hpp"
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

// The assertion helpers fail where a check must: a missing member, a wrong status, code or message.
TEST(Harness, AMissingMemberFailsTheTestUnlessPolling) {
  EXPECT_NONFATAL_FAILURE(json_field(R"({"code": "X"})", "message"), "the answer has no member \"message\"");
  EXPECT_NONFATAL_FAILURE(json_field(R"({"message": null})", "message"), "no member");
  EXPECT_NONFATAL_FAILURE(json_field("<html>", "code"), "no member");
  EXPECT_EQ(json_field(R"({"code": "X"})", "code"), "X");
  EXPECT_EQ(json_field_if(R"({"code": "X"})", "message"), std::nullopt);
  // While polling (eventually), a member not there yet is just not there yet.
  bool seen = false;
  EXPECT_TRUE(eventually([&] {
    seen = json_field(R"({"a": 1})", "b") == "<none>";
    return true;
  }, std::chrono::seconds(1)));
  EXPECT_TRUE(seen);
}

TEST(Harness, ARefusalIsCheckedByStatusCodeAndMessage) {
  HttpResponse r;
  r.status = 409;
  r.body = R"({"code": "MALL_HOLDERS_FULL", "message": "名额已满", "trace_id": "t"})";
  EXPECT_TRUE(refused(r, 409, "MALL_HOLDERS_FULL"));
  EXPECT_TRUE(refused(r, 409, "MALL_HOLDERS_FULL", "名额已满"));
  EXPECT_FALSE(refused(r, 400, "MALL_HOLDERS_FULL")) << "another status";
  EXPECT_FALSE(refused(r, 409, "MALL_HOLDERS_FUL")) << "another code";
  EXPECT_FALSE(refused(r, 409, "MALL_HOLDERS_FULL", "名额已满了")) << "another message";
  HttpResponse served;
  served.status = 200;
  served.body = R"({"ok": true})";
  EXPECT_FALSE(refused(served, 409, "MALL_HOLDERS_FULL")) << "an answer that is no refusal";
  HttpResponse crashed;
  crashed.status = 500;
  crashed.body = "";
  EXPECT_FALSE(refused(crashed, 500, "TEST_ERROR")) << "no error shape";
}

}  // namespace
}  // namespace zt::test
