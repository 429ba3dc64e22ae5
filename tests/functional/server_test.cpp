// The real binary on free ports: health, metrics, errors, hostile clients, graceful drain.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "harness/http.hpp"
#include "harness/process.hpp"
#include "harness/zhongtai.hpp"

namespace zt::test {
namespace {

TEST(Server, HealthReadinessAndLatencyHistogram) {
  Zhongtai z;
  EXPECT_EQ(http_get(z.admin, "/healthz").status, 200);
  auto ping = http_get(z.port, "/api/system/v1/ping");
  EXPECT_EQ(ping.status, 200);
  EXPECT_EQ(ping.body, "{\"status\":\"ok\"}");
  EXPECT_FALSE(ping.headers["x-request-id"].empty());
  auto metrics = http_get(z.admin, "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("zt_http_request_duration_seconds_bucket{server=\"public\",route=\"/api/system/v1/ping\","
                              "method=\"GET\",status_class=\"2xx\",le=\"0.005\"}"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("zt_http_requests_total{server=\"public\",route=\"/api/system/v1/ping\",method=\"GET\","
                              "status_class=\"2xx\"} 1"),
            std::string::npos);
}

TEST(Server, ErrorsUseTheOneShapeWithTraceId) {
  Zhongtai z;
  auto nf = http_get(z.port, "/api/nosuch");
  EXPECT_EQ(nf.status, 404);
  EXPECT_NE(nf.body.find("\"code\":\"NOT_FOUND\""), std::string::npos);
  EXPECT_NE(nf.body.find("\"message\":\"请求的资源不存在\""), std::string::npos);
  auto na = http_request(z.port, "DELETE", "/api/system/v1/ping");
  EXPECT_EQ(na.status, 405);
  EXPECT_EQ(na.headers["allow"], "GET");
  auto traced = http_request(z.port, "GET", "/api/nosuch", "",
                             {{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}});
  // An outside caller's trace is not continued (it must not steer sampling nor join another's
  // trace): the error names the trace the request became, as the traceresponse header does.
  EXPECT_EQ(traced.body.find("4bf92f3577b34da6a3ce929d0e0e4736"), std::string::npos) << traced.body;
  ASSERT_EQ(traced.headers["traceresponse"].size(), 55u) << traced.headers["traceresponse"];
  EXPECT_NE(traced.body.find("\"trace_id\":\"" + traced.headers["traceresponse"].substr(3, 32) + "\""), std::string::npos)
      << traced.body;
  // Refused before any identity is looked at (a path not in its one spelling): still a trace of ours.
  auto uncanonical = http_request(z.port, "GET", "/api/system/v1//ping", "",
                                  {{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}});
  EXPECT_EQ(uncanonical.status, 400) << uncanonical.body;
  EXPECT_EQ(uncanonical.body.find("4bf92f3577b34da6a3ce929d0e0e4736"), std::string::npos) << uncanonical.body;
  EXPECT_EQ(uncanonical.headers["traceresponse"].find("4bf92f3577b34da6a3ce929d0e0e4736"), std::string::npos);
  auto bad_limit = http_get(z.port, "/api/system/v1/events?limit=1000");
  EXPECT_EQ(bad_limit.status, 400);
  // The gateway checks the request against the system service's OpenAPI document first.
  EXPECT_NE(bad_limit.body.find("\"code\":\"GATEWAY_INVALID_REQUEST\""), std::string::npos) << bad_limit.body;
  EXPECT_NE(bad_limit.body.find("请求参数不合法：query.limit 不能大于 100"), std::string::npos) << bad_limit.body;
  EXPECT_NE(bad_limit.body.find("\"trace_id\":\""), std::string::npos);
}

TEST(Server, EventsArePagedByCursor) {
  // One data directory, two runs: start, stop, start — three events, read newest first one a page.
  TempDir dir{"zt-events"};
  { Zhongtai first({}, "all", dir.path()); }
  Zhongtai z({}, "all", dir.path());
  auto page1 = http_get(z.port, "/api/system/v1/events?limit=1");
  ASSERT_EQ(page1.status, 200) << page1.body;
  EXPECT_EQ(json_field(page1.body, "kind"), "start") << page1.body;
  const std::string cursor1 = json_field(page1.body, "next_cursor");
  auto page2 = http_get(z.port, "/api/system/v1/events?limit=1&cursor=" + cursor1);
  ASSERT_EQ(page2.status, 200) << page2.body;
  EXPECT_EQ(json_field(page2.body, "kind"), "stop") << "the page after the cursor: " << page2.body;
  auto page3 = http_get(z.port, "/api/system/v1/events?limit=1&cursor=" + json_field(page2.body, "next_cursor"));
  ASSERT_EQ(page3.status, 200) << page3.body;
  EXPECT_EQ(json_field(page3.body, "kind"), "start") << page3.body;
  EXPECT_EQ(json_field_if(page3.body, "next_cursor"), std::nullopt) << "the first run's start is the last: " << page3.body;
  EXPECT_NE(json_field(page1.body, "id"), json_field(page3.body, "id"));
  auto all = http_get(z.port, "/api/system/v1/events?limit=100");
  EXPECT_EQ(json_field_if(all.body, "next_cursor"), std::nullopt) << all.body;
  // Bad paging parameters: the gateway checks them against the declared operation first.
  EXPECT_TRUE(refused(http_get(z.port, "/api/system/v1/events?limit=0"), 400, "GATEWAY_INVALID_REQUEST"));
  EXPECT_TRUE(refused(http_get(z.port, "/api/system/v1/events?cursor=12x"), 400, "GATEWAY_INVALID_REQUEST",
                      "请求参数不合法：query.cursor 格式不正确"));
}

TEST(Server, OversizedHeadersGet431) {
  Zhongtai z(Env{{"ZT_SERVER__MAX_HEADER_BYTES", "2048"}});
  RawConnection c("127.0.0.1", z.port);
  c.send("GET /api/system/v1/ping HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(4096, 'a') + "\r\n\r\n");
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_NE(r->body.find("HEADERS_TOO_LARGE"), std::string::npos);
  EXPECT_EQ(http_get(z.port, "/api/system/v1/ping").status, 200) << "still serving others";
}

TEST(Server, OversizedBodyGets413) {
  Zhongtai z(Env{{"ZT_SERVER__MAX_BODY_BYTES", "1024"}});
  RawConnection c("127.0.0.1", z.port);
  c.send("POST /api/system/v1/ping HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'x'));
  auto r = c.read_response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(json_field(r->body, "code"), "BODY_TOO_LARGE") << r->body;
  EXPECT_EQ(http_get(z.port, "/api/system/v1/ping").status, 200);
}

TEST(Server, MalformedRequestLineGets400) {
  Zhongtai z;
  for (const char* bad : {"GARBAGE\r\n\r\n", "GET / HTTP/9.9\r\n\r\n", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n",
                          "GET / HTTP/1.1\r\nBad Header\r\n\r\n"}) {
    RawConnection c("127.0.0.1", z.port);
    c.send(bad);
    auto r = c.read_response();
    ASSERT_TRUE(r) << bad;
    EXPECT_EQ(r->status, 400) << bad;
    EXPECT_TRUE(c.wait_closed(std::chrono::seconds(5)));
  }
  EXPECT_EQ(http_get(z.port, "/api/system/v1/ping").status, 200);
}

TEST(Server, SlowlorisIsCutOffAtTheHeaderLimit) {
  Zhongtai z(Env{{"ZT_SERVER__HEADER_TIMEOUT", "1s"}, {"ZT_SERVER__IDLE_TIMEOUT", "5s"}});
  RawConnection slow("127.0.0.1", z.port);
  const std::string req = "GET /api/system/v1/ping HTTP/1.1\r\nHost: a\r\nX-Pad: aaaaaaaaaaaaaaaaaaaa\r\n\r\n";
  auto start = std::chrono::steady_clock::now();
  bool cut = false;
  for (char ch : req) {
    if (!slow.send(std::string(1, ch))) {
      cut = true;
      break;
    }
    // Meanwhile other clients are served.
    EXPECT_EQ(http_get(z.port, "/api/system/v1/ping").status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    if (std::chrono::steady_clock::now() - start > std::chrono::seconds(6)) break;
  }
  if (!cut) {
    auto r = slow.read_response(std::chrono::seconds(3));
    cut = !r || r->status == 408;
    if (r && r->status == 408) {
      EXPECT_EQ(json_field(r->body, "code"), "REQUEST_TIMEOUT") << r->body;
    }
  }
  EXPECT_TRUE(cut) << "a client sending one byte at a time must be cut off";
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(6));
}

TEST(Server, KeepAliveServesManyRequestsOnOneConnection) {
  Zhongtai z;
  RawConnection c("127.0.0.1", z.port);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(c.send("GET /api/system/v1/ping HTTP/1.1\r\nHost: a\r\n\r\n"));
    auto r = c.read_response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_FALSE(r->closed);
  }
  // Pipelined requests are answered in order.
  c.send("GET /api/system/v1/ping HTTP/1.1\r\nHost: a\r\n\r\nGET /nosuch HTTP/1.1\r\nHost: a\r\n\r\n");
  EXPECT_EQ(c.read_response()->status, 200);
  EXPECT_EQ(c.read_response()->status, 404);
}

TEST(Server, ConnectionsAboveTheLimitGet503) {
  Zhongtai z(Env{{"ZT_SERVER__MAX_CONNECTIONS", "2"}});
  RawConnection a("127.0.0.1", z.port), b("127.0.0.1", z.port);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  RawConnection c("127.0.0.1", z.port);
  auto r = c.read_response(std::chrono::seconds(5));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_NE(r->body.find("SERVER_BUSY"), std::string::npos);
}

TEST(Server, SigtermDrainsIdleConnectionsAndExitsCleanly) {
  Zhongtai z;
  RawConnection idle("127.0.0.1", z.port);
  idle.send("GET /api/system/v1/ping HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(idle.read_response());
  ::kill(z.process->pid(), SIGTERM);
  EXPECT_TRUE(idle.wait_closed(std::chrono::seconds(10)));
  EXPECT_EQ(z.process->wait_exit(std::chrono::seconds(20)), 0);
  EXPECT_NE(z.process->log_text().find("received SIGTERM, draining"), std::string::npos);
}

TEST(Server, SplitTargetRunsOnlyItsComponents) {
  Zhongtai z(Env{}, "admin");
  EXPECT_EQ(http_get(z.admin, "/healthz").status, 200);
  auto info = http_get(z.admin, "/config");
  EXPECT_EQ(info.status, 200);
  EXPECT_THROW(http_get(z.port, "/api/system/v1/ping"), std::runtime_error) << "no public listener in --target admin";
}

TEST(Cli, MigrateAppliesOnceAndReports) {
  TempDir dir;
  std::map<std::string, std::string> env{{"ZT_NODE__DATA_DIR", dir.path() + "/data"}};
  auto first = run({ZT_BINARY, "migrate"}, env);
  EXPECT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find("system: 2 applied now, 0 already applied"), std::string::npos) << first.output;
  auto second = run({ZT_BINARY, "migrate"}, env);
  EXPECT_NE(second.output.find("system: 0 applied now, 2 already applied"), std::string::npos) << second.output;
}

}  // namespace
}  // namespace zt::test
