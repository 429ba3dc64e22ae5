// Server, pipeline, client and blocking pool together, in process.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "core/http/client.hpp"
#include "core/http/error.hpp"
#include "core/http/middleware.hpp"
#include "core/http/pipeline.hpp"
#include "core/http/server.hpp"
#include "core/net/blocking.hpp"
#include "core/net/runtime.hpp"
#include "core/observe/metrics.hpp"

namespace zt::core::http {
namespace {

namespace asio = boost::asio;

template <class T>
T run_co(net::IoRuntime& rt, std::function<asio::awaitable<T>()> fn) {
  std::promise<T> p;
  asio::co_spawn(rt.context(0), fn(), [&](std::exception_ptr e, T v) {
    if (e) p.set_exception(e);
    else p.set_value(std::move(v));
  });
  return p.get_future().get();
}

class HttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto router = std::make_shared<Router>();
    router->add(Method::kGet, "/echo/{word}", [](Request& req, RequestContext& ctx) -> asio::awaitable<Response> {
      std::string deadline(req.headers.get(kDeadlineHeader).value_or("none"));
      std::string trace(req.headers.get("traceparent").value_or("none"));
      co_return Response::json(200, std::string(*ctx.param("word")) + "|" + deadline + "|" + trace.substr(0, 35) + "|" + ctx.trace_id);
    });
    router->add(Method::kGet, "/slow", [](Request&, RequestContext&) -> asio::awaitable<Response> {
      asio::steady_timer t(co_await asio::this_coro::executor, std::chrono::seconds(2));
      co_await t.async_wait(asio::use_awaitable);
      co_return Response::json(200, "{}");
    });
    router->add(Method::kGet, "/big", [](Request&, RequestContext&) -> asio::awaitable<Response> {
      co_return Response::text(200, std::string(64 * 1024, 'x'));
    });
    router->add(Method::kGet, "/blocking", [](Request&, RequestContext&) -> asio::awaitable<Response> {
      auto tid = co_await blocking([] { return std::this_thread::get_id(); });
      co_return Response::text(200, tid == std::this_thread::get_id() ? "same" : "other");
    });
    router->add(Method::kGet, "/throws", [](Request&, RequestContext&) -> asio::awaitable<Response> {
      co_await blocking([] { throw ApiError(409, "TEST_CONFLICT", "冲突"); });
      co_return Response{};
    });
    router->add(Method::kGet, "/dependency", [](Request&, RequestContext&) -> asio::awaitable<Response> {
      throw ApiError::upstream(503, "TEST_DEPENDENCY_UNAVAILABLE", "依赖暂不可用");
      co_return Response{};
    });
    router->add(Method::kGet, "/crashes", [](Request&, RequestContext&) -> asio::awaitable<Response> {
      co_await blocking([] { throw std::runtime_error("secret detail: row 42 of table x"); });
      co_return Response{};
    });
    router_ = router;
    pipeline_ = std::make_unique<Pipeline>(router_, std::vector<std::shared_ptr<Middleware>>{metrics_middleware(metrics_, "public")});
    ServerOptions o;
    o.host = "127.0.0.1";
    o.limits.idle_timeout = std::chrono::milliseconds(300);
    server_ = std::make_unique<HttpServer>(rt_, o, pipeline_->handler(), &metrics_);
    server_->start();
    rt_.start();
    up_ = Upstream{"127.0.0.1", server_->port()};
  }
  void TearDown() override {
    server_->drain();
    rt_.stop();
  }

  Response get(HttpClient& client, const std::string& target, const RequestContext* parent = nullptr) {
    return run_co<Response>(rt_, [&]() -> asio::awaitable<Response> {
      Request req;
      req.method = Method::kGet;
      req.target = target;
      co_return co_await client.send(up_, req, parent);
    });
  }

  net::IoRuntime rt_{1};
  observe::Registry metrics_;
  std::shared_ptr<const Router> router_;
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<HttpServer> server_;
  Upstream up_;
};

TEST_F(HttpTest, ClientReusesPooledConnections) {
  HttpClient client;
  EXPECT_EQ(get(client, "/echo/a").status, 200);
  EXPECT_EQ(server_->connections(), 1u);
  EXPECT_EQ(get(client, "/echo/b").status, 200);
  EXPECT_EQ(server_->connections(), 1u) << "the second request reused the pooled connection";
}

TEST_F(HttpTest, DeadlineAndTraceTravelWithTheCall) {
  HttpClient client;
  RequestContext parent;
  parent.trace = observe::TraceContext::generate();
  parent.trace_id = parent.trace.trace_id_hex();
  parent.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(800);
  Response r = get(client, "/echo/x", &parent);
  ASSERT_EQ(r.status, 200);
  auto parts = r.body;
  auto deadline_ms = std::stoi(parts.substr(2, parts.find('|', 2) - 2));
  EXPECT_GT(deadline_ms, 0);
  EXPECT_LE(deadline_ms, 800);
  EXPECT_NE(r.body.find("00-" + parent.trace_id), std::string::npos) << r.body;
  // A call with no service identity is outside traffic: the server starts a trace of its own
  // (the caller must not steer sampling nor join another's trace).
  EXPECT_EQ(r.body.find("|" + parent.trace_id), std::string::npos) << r.body;
}

TEST_F(HttpTest, ExpiredDeadlineFailsWithoutCalling) {
  HttpClient client;
  RequestContext parent;
  parent.deadline = std::chrono::steady_clock::now() - std::chrono::milliseconds(1);
  try {
    get(client, "/echo/x", &parent);
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 504);
    EXPECT_EQ(e.code(), "DEADLINE_EXCEEDED");
  }
}

TEST_F(HttpTest, RequestTimeoutIs504) {
  HttpClient client(ClientOptions{.request_timeout = std::chrono::milliseconds(200)});
  try {
    get(client, "/slow");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 504);
    EXPECT_EQ(e.code(), "DEADLINE_EXCEEDED");
  }
}

TEST_F(HttpTest, OversizedResponseIs502) {
  HttpClient client(ClientOptions{.max_response_bytes = 1024});
  try {
    get(client, "/big");
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 502);
    EXPECT_EQ(e.code(), "UPSTREAM_ERROR");
    EXPECT_EQ(e.message(), "上游服务响应过大");
  }
}

TEST_F(HttpTest, StalePooledConnectionIsRetriedOnAFreshOne) {
  HttpClient client(ClientOptions{.pool_idle_timeout = std::chrono::seconds(30)});
  EXPECT_EQ(get(client, "/echo/a").status, 200);
  // The server closes idle connections after 300 ms; the pooled one is now dead.
  std::this_thread::sleep_for(std::chrono::milliseconds(900));
  EXPECT_EQ(get(client, "/echo/b").status, 200);
}

TEST_F(HttpTest, ConnectionRefusedIs502) {
  HttpClient client;
  Upstream dead{"127.0.0.1", 1};
  try {
    run_co<Response>(rt_, [&]() -> asio::awaitable<Response> {
      Request req;
      req.target = "/";
      co_return co_await client.send(dead, req);
    });
    FAIL();
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 502);
    EXPECT_EQ(e.code(), "UPSTREAM_ERROR");
    EXPECT_EQ(e.message(), "上游服务连接失败");
    EXPECT_TRUE(e.from_upstream()) << "a handler passing it on answers that its dependency failed";
  }
}

// A refusal about something the handler called says so, for the caller's breaker; its own do not.
TEST_F(HttpTest, AFailureOfADependencyIsMarkedAsSuchInTheAnswer) {
  HttpClient client;
  auto r = get(client, "/dependency");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("TEST_DEPENDENCY_UNAVAILABLE"), std::string::npos) << r.body;
  EXPECT_EQ(r.headers.get(kFailureOriginHeader).value_or(""), "upstream");
  EXPECT_FALSE(get(client, "/throws").headers.has(kFailureOriginHeader));
  EXPECT_FALSE(get(client, "/crashes").headers.has(kFailureOriginHeader));
}

TEST_F(HttpTest, BlockingWorkRunsOffTheIoThreadAndErrorsPropagate) {
  HttpClient client;
  EXPECT_EQ(get(client, "/blocking").body, "other");
  auto r = get(client, "/throws");
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(r.body.find("TEST_CONFLICT"), std::string::npos);
  // Anything else a handler throws is a 500 in the error shape, and its detail stays in the log.
  auto crash = get(client, "/crashes");
  EXPECT_EQ(crash.status, 500);
  EXPECT_NE(crash.body.find("\"code\":\"INTERNAL_ERROR\""), std::string::npos) << crash.body;
  EXPECT_NE(crash.body.find("系统内部错误，请稍后再试"), std::string::npos) << crash.body;
  EXPECT_EQ(crash.body.find("secret detail"), std::string::npos) << crash.body;
}

TEST_F(HttpTest, MetricsCountRoutesByTemplateAndUnmatchedTogether) {
  HttpClient client;
  get(client, "/echo/a");
  get(client, "/echo/b");
  get(client, "/nothing/here");
  get(client, "/or/here");
  std::string text = metrics_.render();
  EXPECT_NE(text.find("zt_http_requests_total{server=\"public\",route=\"/echo/{word}\",method=\"GET\",status_class=\"2xx\"} 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("zt_http_requests_total{server=\"public\",route=\"unmatched\",method=\"OTHER\",status_class=\"4xx\"} 2"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace zt::core::http
