// The observer (issue 19) on the real binary, in both modes: a request through the gateway to the
// mall and the counter is one trace across processes — each hop's server span, each call's client
// span, parented as they happened — stored by the observer and read back by its id; and who may
// send spans and read traces.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/observe/otlp.hpp"
#include "core/observe/resources.hpp"
#include "core/util/gzip.hpp"
#include "core/util/hex.hpp"
#include "core/util/time.hpp"
#include "harness/business.hpp"
#include "harness/fake_server.hpp"
#include "harness/platform.hpp"
#include "harness/tokens.hpp"
#include "harness/zhongtai.hpp"

namespace zt::test {
namespace {

using namespace std::chrono_literals;

// Spans sent every 100 ms; an OTLP sender outside the platform known by its ingest token.
const std::string kIngestToken = "functional-tests-ingest-0123456789";
const Env kFastExport{{"ZT_TRACING__FLUSH_INTERVAL", "100ms"},
                      {"ZT_TRACING__RESOURCES_INTERVAL", "1s"},
                      {"ZT_OBSERVER__INGEST_TOKENS", "test-sender:" + kIngestToken}};

std::string random_trace_id() {
  static std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 32; ++i) id.push_back(kHex[rng() % 16]);
  return id;
}

std::string attribute(const boost::json::object& span, const char* key) {
  const auto& a = span.at("attributes").as_object();
  const auto* v = a.if_contains(key);
  if (!v) return "";
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_int64()) return std::to_string(v->as_int64());
  return boost::json::serialize(*v);
}

class Observer : public ::testing::TestWithParam<Mode> {};

// A day as the observer names its partitions: YYYYMMDD (UTC).
std::string day_suffix(std::chrono::sys_days day) {
  const std::chrono::year_month_day ymd{day};
  char out[16];
  std::snprintf(out, sizeof out, "%04d%02u%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return out;
}

TEST_P(Observer, ARequestThroughTheGatewayToTheMallAndTheCounterIsOneTraceAcrossProcesses) {
  auto& p = Platform::shared(GetParam(), kFastExport);
  const int port = p.port();
  const auto c = sign_up(port, GetParam() == Mode::kAll ? "13900190001" : "13900190002");
  const auto account = http_request(port, "POST", "/api/auth/v1/me/sandbox-account", "", c.headers());
  ASSERT_EQ(account.status, 200) << account.body;

  // An outside caller's trace context is not continued (it must not steer sampling nor join
  // another customer's trace): the gateway starts a trace of ours, says which (traceresponse) and
  // keeps what the caller sent on its span.
  const std::string callers_trace = random_trace_id(), callers_span = "00f067aa0ba902b7";
  auto headers = c.headers();
  headers["traceparent"] = "00-" + callers_trace + "-" + callers_span + "-00";
  const auto holdings = http_request(port, "GET", "/api/mall/v1/holdings", "", headers);
  ASSERT_EQ(holdings.status, 200) << holdings.body;
  const std::string traceresponse = holdings.headers.count("traceresponse") ? holdings.headers.at("traceresponse") : "";
  ASSERT_EQ(traceresponse.size(), 55u) << traceresponse;
  const std::string trace_id = traceresponse.substr(3, 32);
  EXPECT_NE(trace_id, callers_trace);
  EXPECT_EQ(traceresponse.substr(53), "01") << "sampled as this platform samples, whatever the caller said";

  // The tree, once every process has sent its part: gateway (server) → gateway→mall (client) →
  // mall (server) → mall→counter (client, the balance and the positions) → counter (server).
  boost::json::array spans;
  std::string seen;
  const auto complete = [&] {
    auto r = http_request(port, "GET", "/api/observer/v1/traces/" + trace_id, "", staff_headers());
    seen = r.body;
    if (r.status != 200) return false;
    spans = boost::json::parse(r.body).at("spans").as_array();
    // Whole: both counter calls answered, and every span's parent is there (the root has none).
    std::set<std::string> ids{""};
    for (const auto& s : spans) ids.insert(std::string(s.at("span_id").as_string()));
    int counter_servers = 0, transactions = 0;
    for (const auto& s : spans) {
      if (!ids.count(std::string(s.at("parent_span_id").as_string()))) return false;
      if (s.at("service") == "counter" && s.at("kind") == "server") ++counter_servers;
      if (s.at("service") == "counter" && attribute(s.as_object(), "db.system") != "") ++transactions;
    }
    return counter_servers >= 2 && transactions >= 2;
  };
  ASSERT_TRUE(eventually(complete, 20s)) << seen;

  // A client that also sends an identity header of its own (it does not verify: dropped, the
  // trace restarted there) with a sampled traceparent: nothing of the request — its spans, its
  // transactions — joins the trace the client named.
  {
    const std::string forged_trace = random_trace_id();
    auto forged = c.headers();
    forged["traceparent"] = "00-" + forged_trace + "-" + callers_span + "-01";
    forged["x-zt-identity"] = "v1.junk.junk";
    const auto again = http_request(port, "GET", "/api/mall/v1/holdings", "", forged);
    ASSERT_EQ(again.status, 200) << again.body;
    const std::string ours =
        again.headers.count("traceresponse") ? again.headers.at("traceresponse").substr(3, 32) : "";
    EXPECT_NE(ours, forged_trace);
    std::string body;
    const auto arrived = [&] {
      auto r = http_request(port, "GET", "/api/observer/v1/traces/" + ours, "", staff_headers());
      body = r.body;
      if (r.status != 200) return false;
      int transactions = 0;
      const auto doc = boost::json::parse(r.body);
      for (const auto& s : doc.at("spans").as_array())
        if (s.at("service") == "counter" && attribute(s.as_object(), "db.system") != "") ++transactions;
      return transactions >= 2;
    };
    ASSERT_TRUE(eventually(arrived, 20s)) << body;
    const auto named = http_request(port, "GET", "/api/observer/v1/traces/" + forged_trace, "", staff_headers());
    EXPECT_EQ(named.status, 404) << named.body;
  }

  std::map<std::string, boost::json::object> by_id;
  for (const auto& s : spans) by_id[std::string(s.at("span_id").as_string())] = s.as_object();
  const auto parent_of = [&](const boost::json::object& s) -> const boost::json::object* {
    auto it = by_id.find(std::string(s.at("parent_span_id").as_string()));
    return it == by_id.end() ? nullptr : &it->second;
  };

  // The gateway's server span: named by the route template, a child of the caller's span.
  const boost::json::object* gateway = nullptr;
  for (const auto& [id, s] : by_id)
    if (s.at("service") == "gateway" && s.at("kind") == "server") gateway = &s;
  ASSERT_NE(gateway, nullptr) << seen;
  EXPECT_EQ(gateway->at("name"), "GET /api/mall/v1/holdings");
  EXPECT_EQ(gateway->at("parent_span_id"), "") << "a root: the caller's span is not its parent";
  EXPECT_EQ(gateway->at("span_id").as_string(), traceresponse.substr(36, 16));
  EXPECT_EQ(attribute(*gateway, "zt.client_traceparent"), "00-" + callers_trace + "-" + callers_span + "-00");
  EXPECT_EQ(attribute(*gateway, "http.response.status_code"), "200");
  EXPECT_EQ(attribute(*gateway, "zt.caller_kind"), "customer");
  EXPECT_EQ(gateway->at("status"), "unset");
  // Never who the customer is: not the id, the mobile, the fund account or the token.
  const std::string mobile = GetParam() == Mode::kAll ? "13900190001" : "13900190002";
  for (const auto& secret : {c.id, mobile, c.token, json_field(account.body, "fund_account")})
    EXPECT_EQ(seen.find(secret), std::string::npos) << "a span names the customer (" << secret << "): " << seen;

  // The mall's server span under the gateway's client span to it.
  const boost::json::object* mall = nullptr;
  for (const auto& [id, s] : by_id)
    if (s.at("service") == "mall" && s.at("kind") == "server" && s.at("name") == "GET /api/mall/v1/holdings") mall = &s;
  ASSERT_NE(mall, nullptr) << seen;
  const auto* to_mall = parent_of(*mall);
  ASSERT_NE(to_mall, nullptr) << seen;
  EXPECT_EQ(to_mall->at("kind"), "client");
  EXPECT_EQ(to_mall->at("service"), "gateway");
  EXPECT_EQ(attribute(*to_mall, "peer.service"), "mall");
  EXPECT_EQ(to_mall->at("parent_span_id"), gateway->at("span_id"));
  EXPECT_EQ(attribute(*mall, "zt.edge"), "true") << "forwarded for an outside customer: no service call";

  // Each counter server span under a client span the mall made, itself under the mall's span.
  std::set<std::string> counter_routes;
  for (const auto& [id, s] : by_id) {
    if (s.at("service") != "counter" || s.at("kind") != "server") continue;
    counter_routes.insert(std::string(s.at("name").as_string()));
    const auto* call = parent_of(s);
    ASSERT_NE(call, nullptr) << seen;
    EXPECT_EQ(call->at("kind"), "client");
    EXPECT_EQ(call->at("service"), "mall");
    EXPECT_EQ(attribute(*call, "peer.service"), "counter");
    EXPECT_EQ(attribute(s, "zt.calling_service"), "mall");
    const auto* caller = parent_of(*call);
    ASSERT_NE(caller, nullptr) << seen;
    EXPECT_EQ(caller->at("service"), "mall");
    EXPECT_EQ(caller->at("kind"), "server");
    // The call began before it was served and lasted at least as long (within 50 µs: a span's
    // start is its end on the wall clock less its length on the steady clock).
    EXPECT_GE(std::stoll(std::string(s.at("start_unix_nano").as_string())) + 50'000,
              std::stoll(std::string(call->at("start_unix_nano").as_string())));
    EXPECT_GE(call->at("duration_us").as_int64() + 50, s.at("duration_us").as_int64());
  }
  // Each server span's storage transactions are its children, under its service (in one process
  // too, where the gateway serves the mall in its own pass: never "gateway"): the database the
  // service runs on (SQLite in one process, PostgreSQL split), named by system and kind, never a
  // statement.
  const std::string system = GetParam() == Mode::kAll ? "sqlite" : "postgresql";
  int transactions = 0;
  for (const auto& [id, s] : by_id) {
    if (attribute(s, "db.system").empty()) continue;
    EXPECT_NE(s.at("service"), "gateway") << seen;
    if (s.at("service") == "counter") ++transactions;
    EXPECT_EQ(s.at("kind"), "client");
    EXPECT_EQ(attribute(s, "db.system"), system);
    EXPECT_EQ(attribute(s, "peer.service"), "db:" + system);
    const auto kind = attribute(s, "zt.db.transaction");
    EXPECT_TRUE(kind == "read" || kind == "write") << kind;
    EXPECT_EQ(s.at("name").as_string(), system + " " + kind);
    const auto* served = parent_of(s);
    ASSERT_NE(served, nullptr) << seen;
    EXPECT_EQ(served->at("service"), s.at("service"));
    EXPECT_EQ(served->at("kind"), "server");
    EXPECT_LE(s.at("duration_us").as_int64(), served->at("duration_us").as_int64() + 50);
  }
  EXPECT_GE(transactions, 2) << seen;
  EXPECT_TRUE(counter_routes.count("GET /api/counter/v1/accounts/{fund_account}/balance")) << seen;
  EXPECT_TRUE(counter_routes.count("GET /api/counter/v1/accounts/{fund_account}/positions")) << seen;
  // The trace search finds it by the gateway's endpoint, and the figures count it: the mall's
  // endpoint, and the topology's mall→counter edge (two calls).
  const auto since =
      std::to_string(std::stoll(std::string(gateway->at("start_unix_nano").as_string())) / 1'000'000 - 1);
  const auto found = http_request(
      port, "GET", "/api/observer/v1/traces?service=gateway&from_ms=" + since + "&endpoint=GET%20/api/mall/v1/holdings",
      "", staff_headers());
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_NE(found.body.find(trace_id), std::string::npos) << found.body;
  std::string topology;
  EXPECT_TRUE(eventually(
      [&] {
        topology = http_request(port, "GET", "/api/observer/v1/topology?from_ms=" + since, "", staff_headers()).body;
        const auto parsed = boost::json::parse(topology);
        bool to_counter = false, to_database = false;
        for (const auto& e : parsed.at("edges").as_array()) {
          if (e.at("from") == "mall" && e.at("to") == "counter" && e.at("calls").to_number<std::uint64_t>() >= 2)
            to_counter = true;
          // What the shipped "database access" alert rule judges (edges to "db:…").
          if (e.at("from") == "counter" && e.at("to").as_string() == "db:" + system &&
              e.at("calls").to_number<std::uint64_t>() >= 2)
            to_database = true;
        }
        return to_counter && to_database;
      },
      10s))
      << topology;
  std::string endpoints;
  EXPECT_TRUE(eventually(
      [&] {
        const auto r =
            http_request(port, "GET", "/api/observer/v1/services/mall/endpoints?order_by=calls&from_ms=" + since, "",
                         staff_headers());
        endpoints = r.body;
        if (r.status != 200) return false;
        const auto parsed = boost::json::parse(r.body);
        for (const auto& e : parsed.at("items").as_array())
          if (e.at("endpoint") == "GET /api/mall/v1/holdings")
            return e.at("calls").to_number<std::uint64_t>() >= 1 && e.at("p99_ms").as_double() > 0.0 &&
                   e.at("errors").to_number<std::uint64_t>() == 0;
        return false;
      },
      10s))
      << endpoints;

  // Split: the client spans say which instance answered.
  if (GetParam() == Mode::kSplit) {
    EXPECT_NE(attribute(*to_mall, "server.address").find("127.0.0.1:"), std::string::npos) << seen;
  }
}

// One search by trace id finds a line of every process the request went through (each hop's
// request record, in its own process in the split layout), and the trace view shows them; the log
// search narrows by service, level and words; outside senders' records are theirs; refusals.
TEST_P(Observer, EveryProcesssLogLinesOfATraceAreFoundByItsTraceId) {
  auto& p = Platform::shared(GetParam(), kFastExport);
  const int port = p.port();
  const auto c = sign_up(port, GetParam() == Mode::kAll ? "13900190011" : "13900190012");
  const auto account = http_request(port, "POST", "/api/auth/v1/me/sandbox-account", "", c.headers());
  ASSERT_EQ(account.status, 200) << account.body;
  const auto holdings = http_request(port, "GET", "/api/mall/v1/holdings", "", c.headers());
  ASSERT_EQ(holdings.status, 200) << holdings.body;
  const std::string trace_id = holdings.headers.at("traceresponse").substr(3, 32);

  boost::json::array items;
  std::string seen;
  std::set<std::string> services, instances;
  ASSERT_TRUE(eventually(
      [&] {
        const auto r = http_request(port, "GET", "/api/observer/v1/logs?trace_id=" + trace_id, "", staff_headers());
        seen = r.body;
        if (r.status != 200) return false;
        items = boost::json::parse(r.body).at("items").as_array();
        services.clear();
        instances.clear();
        int counter_lines = 0;
        for (const auto& i : items) {
          services.insert(std::string(i.at("service").as_string()));
          instances.insert(std::string(i.at("instance").as_string()));
          if (i.at("service") == "counter") ++counter_lines;
        }
        return services.count("gateway") && services.count("mall") && counter_lines >= 2;
      },
      20s))
      << seen;
  for (const auto& i : items) {
    EXPECT_EQ(i.at("trace_id").as_string(), trace_id);
    EXPECT_EQ(i.at("span_id").as_string().size(), 16u);
    EXPECT_EQ(i.at("level"), "info") << i;
  }
  if (GetParam() == Mode::kSplit) {
    EXPECT_GE(instances.size(), 3u) << "the gateway's, the mall's and the counter's processes: " << seen;
  }
  // Never who the customer is: not in this trace's lines, nor in any line the sign-up and the
  // account opening wrote (by now exported: they were written before the lines found above).
  for (const auto& secret : {c.id, c.token}) EXPECT_EQ(seen.find(secret), std::string::npos) << secret << ": " << seen;
  // The sign-in's own line is there (so the lines of the sign-up and the account were exported).
  std::string signed_in;
  EXPECT_TRUE(eventually(
      [&] {
        signed_in = http_request(port, "GET", "/api/observer/v1/logs?service=auth&q=customer%20signed%20in&from_ms=" +
                                                  std::to_string(core::unix_millis() - 600'000),
                                 "", staff_headers())
                        .body;
        return signed_in.find("a customer signed in") != std::string::npos;
      },
      20s))
      << signed_in;
  for (const auto& who : {c.id, json_field(account.body, "fund_account")}) {
    ASSERT_FALSE(who.empty());
    const auto found = http_request(port, "GET", "/api/observer/v1/logs?q=" + who, "", staff_headers());
    ASSERT_EQ(found.status, 200) << found.body;
    EXPECT_TRUE(boost::json::parse(found.body).at("items").as_array().empty()) << who << ": " << found.body;
  }
  // The mall's record of the request: its route, status and time.
  bool mall_line = false;
  for (const auto& i : items)
    if (i.at("service") == "mall" && i.at("body").as_string().starts_with("GET /api/mall/v1/holdings 200 ")) {
      mall_line = true;
      EXPECT_EQ(attribute(i.as_object(), "http.route"), "/api/mall/v1/holdings");
    }
  EXPECT_TRUE(mall_line) << seen;

  // The trace view carries the same lines, oldest first.
  const auto view = http_request(port, "GET", "/api/observer/v1/traces/" + trace_id, "", staff_headers());
  ASSERT_EQ(view.status, 200) << view.body;
  const auto view_logs = boost::json::parse(view.body).at("logs").as_array();
  EXPECT_GE(view_logs.size(), items.size());
  for (std::size_t i = 1; i < view_logs.size(); ++i)
    EXPECT_LE(std::stoull(std::string(view_logs[i - 1].at("time_unix_nano").as_string())),
              std::stoull(std::string(view_logs[i].at("time_unix_nano").as_string())));

  // Narrowed: by service and words (any case), by level (none of these is an error).
  const auto narrowed =
      http_request(port, "GET", "/api/observer/v1/logs?trace_id=" + trace_id + "&service=mall&q=HOLDINGS%20200", "",
                   staff_headers());
  ASSERT_EQ(narrowed.status, 200) << narrowed.body;
  const auto narrowed_items = boost::json::parse(narrowed.body).at("items").as_array();
  ASSERT_GE(narrowed_items.size(), 1u) << narrowed.body;
  for (const auto& i : narrowed_items) EXPECT_EQ(i.at("service"), "mall");
  const auto errors =
      http_request(port, "GET", "/api/observer/v1/logs?trace_id=" + trace_id + "&level=error", "", staff_headers());
  ASSERT_EQ(errors.status, 200) << errors.body;
  EXPECT_TRUE(boost::json::parse(errors.body).at("items").as_array().empty()) << errors.body;

  // An outside sender's records (OTLP/JSON, its ingest token), kept under its own name.
  const std::string own_trace = random_trace_id();
  const std::string record =
      R"({"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"h5"}}]},)"
      R"("scopeLogs":[{"logRecords":[{"timeUnixNano":")" +
      std::to_string(
          std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
              .count()) +
      R"(","severityNumber":17,"severityText":"ERROR","body":{"stringValue":"下单页面加载失败"},"traceId":")" +
      own_trace + R"("}]}]}]})";
  // Gzip-compressed, as SDK exporters send when asked (the gateway leaves a compressed body to the
  // service to read).
  const auto sent = http_request(
      port, "POST", "/api/observer/v1/otlp/v1/logs", core::gzip(record),
      {{"content-type", "application/json"}, {"content-encoding", "GZIP"}, {"x-ingest-token", kIngestToken}});
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_TRUE(
      refused(http_request(port, "POST", "/api/observer/v1/otlp/v1/logs", record,
                           {{"content-type", "application/json"}, {"x-ingest-token", "not-the-token-0123456789"}}),
              401, "OBSERVER_INGEST_TOKEN_INVALID"));
  EXPECT_TRUE(refused(http_request(port, "POST", "/api/observer/v1/otlp/v1/logs", "{\"resourceLogs\":{}}",
                                   {{"content-type", "application/json"}, {"x-ingest-token", kIngestToken}}),
                      400, "OBSERVER_OTLP_INVALID"));
  const auto outside = http_request(
      port, "GET", "/api/observer/v1/logs?trace_id=" + own_trace + "&level=error&q=加载失败", "", staff_headers());
  ASSERT_EQ(outside.status, 200) << outside.body;
  const auto outside_items = boost::json::parse(outside.body).at("items").as_array();
  ASSERT_EQ(outside_items.size(), 1u) << outside.body;
  EXPECT_EQ(outside_items[0].at("service"), "test-sender:h5");
  EXPECT_EQ(outside_items[0].at("sender"), "token:test-sender");
  EXPECT_EQ(outside_items[0].at("level"), "error");

  // Only an operation that takes a compressed body gets one past the gateway: elsewhere the
  // gateway could not check it, so it is refused — compressed or merely said to be.
  const std::string sms = R"({"mobile": "13900190099"})";
  for (const auto& [body, coding] : std::vector<std::pair<std::string, std::string>>{{core::gzip(sms), "gzip"},
                                                                                     {sms, "br"}}) {
    const auto r = http_request(port, "POST", "/api/auth/v1/sms-codes", body,
                                {{"content-type", "application/json"}, {"content-encoding", coding}});
    EXPECT_TRUE(refused(r, 400, "GATEWAY_INVALID_REQUEST", "请求参数不合法：body 不支持的内容编码：" + coding)) << r.body;
  }
  // Refusals: who may read, and what a search may ask.
  EXPECT_EQ(http_get(port, "/api/observer/v1/logs").status, 401);
  EXPECT_EQ(http_request(port, "GET", "/api/observer/v1/logs", "", c.headers()).status, 403);
  EXPECT_EQ(http_request(port, "GET", "/api/observer/v1/logs", "", sandbox_staff_headers()).status, 403);
  // (What the declared schema rules out, the gateway refuses before the observer reads it.)
  for (const auto& [query, code] :
       std::vector<std::pair<std::string, std::string>>{{"level=fatal", "GATEWAY_INVALID_REQUEST"},
                                                        {"limit=501", "GATEWAY_INVALID_REQUEST"},
                                                        {"trace_id=ABC", "GATEWAY_INVALID_REQUEST"},
                                                        {"q=a%20b%20c%20d%20e%20f%20g%20h%20i", "OBSERVER_BAD_PARAM"},
                                                        {"q=%20%20", "OBSERVER_BAD_PARAM"},
                                                        {"from_ms=5&to_ms=4", "OBSERVER_RANGE_INVALID"}}) {
    const auto r = http_request(port, "GET", "/api/observer/v1/logs?" + query, "", staff_headers());
    EXPECT_TRUE(r.status == 400 && json_field(r.body, "code") == code) << query << ": " << r.status << " " << r.body;
  }
  // Log records are our processes' to send: from outside, through the gateway, refused.
  const auto forged =
      http_request(port, "POST", "/api/observer/v1/logs", record,
                   {{"content-type", "application/json"}, {"authorization", staff_headers().at("authorization")}});
  EXPECT_TRUE(forged.status == 401 || forged.status == 403) << forged.status << " " << forged.body;
}

TEST_P(Observer, OnlyStaffWhoReadGovernanceReadTracesAndNoOutsideCallerSendsSpans) {
  auto& p = Platform::shared(GetParam(), kFastExport);
  const int port = p.port();
  EXPECT_TRUE(refused(http_request(port, "GET", "/api/observer/v1/traces/" + random_trace_id(), "", staff_headers()),
                      404, "OBSERVER_TRACE_NOT_FOUND", "未找到该调用链（可能尚未上报或已过保留期）"));
  EXPECT_EQ(http_get(port, "/api/observer/v1/traces/" + random_trace_id()).status, 401);
  const auto c = customer_headers("C-observer-outsider");
  EXPECT_EQ(http_request(port, "GET", "/api/observer/v1/traces/" + random_trace_id(), "", c).status, 403);
  EXPECT_EQ(
      http_request(port, "GET", "/api/observer/v1/traces/" + random_trace_id(), "", sandbox_staff_headers()).status,
      403)
      << "governance.read, not any staff member";
  EXPECT_EQ(http_request(port, "GET", "/api/observer/v1/traces/NOT-A-TRACE-ID-0123456789abcdef01", "", staff_headers())
                .status,
            400);

  // Spans are our processes' to send: from outside, through the gateway, refused whatever the token.
  core::observe::SpanSource source{"intruder", "x", {}};
  core::observe::Span span;
  span.trace_id.fill(7);
  span.span_id.fill(9);
  span.name = "forged";
  span.start_unix_nano = 1;
  span.end_unix_nano = 2;
  const std::vector<core::observe::Span> forged{span};
  const auto body = core::observe::otlp_traces_protobuf(source, forged);
  for (const auto& h : {std::map<std::string, std::string>{{"content-type", "application/x-protobuf"}},
                        std::map<std::string, std::string>{{"content-type", "application/x-protobuf"},
                                                           {"authorization", staff_headers().at("authorization")}},
                        std::map<std::string, std::string>{{"content-type", "application/x-protobuf"},
                                                           {"authorization", c.at("authorization")}}}) {
    const auto r = http_request(port, "POST", "/api/observer/v1/traces", body, h);
    EXPECT_TRUE(r.status == 401 || r.status == 403) << r.status << " " << r.body;
  }
  EXPECT_TRUE(refused(
      http_request(port, "GET", "/api/observer/v1/traces/07070707070707070707070707070707", "", staff_headers()), 404,
      "OBSERVER_TRACE_NOT_FOUND"))
      << "a refused export stored nothing";
}

// Each process sends its resources every tracing.resources_interval (OTLP metrics); the observer
// keeps them per service, instance and minute, under the instance id its spans carry.
TEST_P(Observer, EachInstanceSendsItsResourcesAndStaffReadThemPerService) {
  auto& p = Platform::shared(GetParam(), kFastExport);
  const int port = p.port();
  // An instance's newest figures, once a second sample gave the rates too.
  const auto latest_of = [&](const std::string& service) -> std::optional<boost::json::object> {
    const auto r =
        http_request(port, "GET", "/api/observer/v1/services/" + service + "/resources", "", staff_headers());
    if (r.status != 200) return std::nullopt;
    const auto items = boost::json::parse(r.body).at("items").as_array();
    for (const auto& i : items) {
      const auto& latest = i.at("latest").as_object();
      if (!latest.at("cpu_cores").is_null() && !latest.at("io_busy_avg").is_null()) {
        auto o = latest;
        o["instance"] = i.at("instance");
        o["sender"] = i.at("sender");
        o["points"] = i.at("points");
        return o;
      }
    }
    return std::nullopt;
  };
  std::map<std::string, boost::json::object> seen;
  for (const std::string service : {"gateway", "mall", "counter", "observer"}) {
    std::optional<boost::json::object> got;
    ASSERT_TRUE(eventually([&] { return (got = latest_of(service)).has_value(); }, 30s)) << service;
    const auto& f = *got;
    EXPECT_GT(f.at("rss_bytes").as_int64(), 1 << 20) << service;
    EXPECT_GT(f.at("open_fds").as_int64(), 2) << service;
    EXPECT_GE(f.at("max_fds").as_int64(), f.at("open_fds").as_int64()) << service;
    EXPECT_GE(f.at("threads").as_int64(), 2) << service;
    EXPECT_GE(f.at("cpu_cores").to_number<double>(), 0.0) << service;
    const double avg = f.at("io_busy_avg").to_number<double>(), max = f.at("io_busy_max").to_number<double>();
    EXPECT_TRUE(avg >= 0 && avg <= max && max <= 1.0) << service << " " << avg << " " << max;
    EXPECT_GE(f.at("blocking_queued").as_int64(), 0) << service;
    EXPECT_GT(f.at("at_ms").as_int64(), core::unix_millis() - 120'000) << service;
    EXPECT_FALSE(f.at("points").as_array().empty()) << service;
    seen[service] = f;
  }
  // Each row says who sent it: the process, signed as one of its services.
  for (const auto& [service, f] : seen) EXPECT_FALSE(f.at("sender").as_string().empty()) << service;
  // One process a service in the split layout, one for all of them in one.
  const auto instance = [&](const char* s) { return std::string(seen.at(s).at("instance").as_string()); };
  if (GetParam() == Mode::kSplit) {
    EXPECT_NE(instance("mall"), instance("counter"));
    EXPECT_NE(instance("gateway"), instance("mall"));
    // On PostgreSQL the observer keeps spans and log records in a partition a day: today's and
    // two days ahead are made once it tends its storage.
    const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
    for (const auto& made : {std::string("made partition observer_spans_d") + day_suffix(today),
                             std::string("made partition observer_logs_d") + day_suffix(today + std::chrono::days(2))})
      EXPECT_TRUE(eventually(
          [&] { return p.process_of("observer")->process->log_text().find(made) != std::string::npos; }, 30s))
          << made;
  } else {
    EXPECT_EQ(instance("mall"), instance("counter"));
  }
  // The instance id is the one its spans carry (the registry's): resources and figures line up.
  ASSERT_EQ(http_get(port, "/api/mall/v1/products").status, 200);
  ASSERT_TRUE(eventually(
      [&] {
        const auto r = http_request(port, "GET", "/api/observer/v1/services/gateway/instances", "", staff_headers());
        if (r.status != 200) return false;
        const auto doc = boost::json::parse(r.body);
        for (const auto& i : doc.at("items").as_array())
          if (i.at("instance").as_string() == instance("gateway")) return true;
        return false;
      },
      30s))
      << instance("gateway");

  // Who may read them; what is refused.
  const std::string path = "/api/observer/v1/services/mall/resources";
  EXPECT_EQ(http_get(port, path).status, 401);
  EXPECT_EQ(http_request(port, "GET", path, "", customer_headers("C-observer-outsider")).status, 403);
  EXPECT_EQ(http_request(port, "GET", path, "", sandbox_staff_headers()).status, 403);
  EXPECT_TRUE(refused(http_request(port, "GET", path + "?from_ms=10&to_ms=5", "", staff_headers()), 400,
                      "OBSERVER_RANGE_INVALID"));
  const auto nobody = http_request(port, "GET", "/api/observer/v1/services/nobody/resources", "", staff_headers());
  ASSERT_EQ(nobody.status, 200) << nobody.body;
  EXPECT_TRUE(boost::json::parse(nobody.body).at("items").as_array().empty());

  // From outside through the gateway, no one sends resources as a service, whatever the token.
  core::observe::ResourceMeter meter;
  core::observe::ResourceReading fake;
  fake.time_unix_nano = 1;
  fake.blocking_queued = 99;
  const auto forged = core::observe::otlp_metrics_body(meter.take(fake), {"mall"}, "forged-1", "");
  for (const auto& h : {std::map<std::string, std::string>{{"content-type", "application/x-protobuf"}},
                        std::map<std::string, std::string>{{"content-type", "application/x-protobuf"},
                                                           {"authorization", staff_headers().at("authorization")}}}) {
    const auto r = http_request(port, "POST", "/api/observer/v1/metrics", forged, h);
    EXPECT_TRUE(r.status == 401 || r.status == 403) << r.status << " " << r.body;
  }
  // An outside sender with its ingest token: kept under its own name, never as the platform's mall.
  const auto outside = http_request(port, "POST", "/api/observer/v1/otlp/v1/metrics", forged,
                                    {{"content-type", "application/x-protobuf"}, {"x-ingest-token", kIngestToken}});
  ASSERT_EQ(outside.status, 200) << outside.body;
  const auto kept =
      http_request(port, "GET", "/api/observer/v1/services/test-sender:mall/resources", "", staff_headers());
  ASSERT_EQ(kept.status, 200) << kept.body;
  const auto kept_items = boost::json::parse(kept.body).at("items").as_array();
  ASSERT_EQ(kept_items.size(), 1u) << kept.body;
  EXPECT_EQ(kept_items[0].at("instance"), "forged-1");
  EXPECT_EQ(kept_items[0].at("sender"), "token:test-sender");
  EXPECT_EQ(kept_items[0].at("latest").at("blocking_queued"), 99);
  const auto mall = http_request(port, "GET", path, "", staff_headers());
  EXPECT_EQ(mall.body.find("forged-1"), std::string::npos) << mall.body;
  EXPECT_TRUE(refused(
      http_request(port, "POST", "/api/observer/v1/otlp/v1/metrics", forged,
                   {{"content-type", "application/x-protobuf"}, {"x-ingest-token", "not-the-token-0123456789abcdef"}}),
      401, "OBSERVER_INGEST_TOKEN_INVALID"));
  EXPECT_TRUE(refused(http_request(port, "POST", "/api/observer/v1/otlp/v1/metrics", "{\"resourceMetrics\":7}",
                                   {{"content-type", "application/json"}, {"x-ingest-token", kIngestToken}}),
                      400, "OBSERVER_OTLP_INVALID"));
  // More services and instances in one export than an outside sender may send: refused whole.
  std::vector<std::string> many;
  for (int i = 0; i < 21; ++i) many.push_back("svc-" + std::to_string(i));
  core::observe::ResourceMeter wide_meter;
  const auto wide = core::observe::otlp_metrics_body(wide_meter.take(fake), many, "wide-1", "");
  EXPECT_TRUE(refused(http_request(port, "POST", "/api/observer/v1/otlp/v1/metrics", wide,
                                   {{"content-type", "application/x-protobuf"}, {"x-ingest-token", kIngestToken}}),
                      400, "OBSERVER_TOO_MANY_INSTANCES", "一次上报的服务实例过多（至多 20 个），请分批发送"));
  const auto none_kept =
      http_request(port, "GET", "/api/observer/v1/services/test-sender:svc-0/resources", "", staff_headers());
  ASSERT_EQ(none_kept.status, 200) << none_kept.body;
  EXPECT_TRUE(boost::json::parse(none_kept.body).at("items").as_array().empty()) << none_kept.body;
  // A body of another type is refused at the gateway (the operation's declared types) before it.
  EXPECT_TRUE(refused(http_request(port, "POST", "/api/observer/v1/otlp/v1/metrics", "x",
                                   {{"content-type", "text/plain"}, {"x-ingest-token", kIngestToken}}),
                      400, "GATEWAY_INVALID_REQUEST"));
}

// Straight at the split observer, signed as one of the platform's services: what it takes and what
// it refuses (whole, storing nothing).
TEST(ObserverSplit, ItTakesOtlpFromOurServicesInProtobufAndJsonAndRefusesWhatItCannotRead) {
  auto& p = Platform::shared(Mode::kSplit, kFastExport);
  const int observer = p.process_of("observer")->port;
  const std::string path = "/api/observer/v1/traces";
  // As an OTLP sender does: a 429 (the observer busy with the platform's own exports, on a loaded
  // machine) is signed and sent again after its Retry-After, for up to 30 s.
  const auto send = [&](const std::string& type, const std::string& body,
                        std::map<std::string, std::string> extra = {}) {
    for (int attempt = 0;; ++attempt) {
      auto h = service_headers("mall", "POST", path, Platform::master(), body);
      h["content-type"] = type;
      for (auto& [k, v] : extra) h[k] = v;
      auto r = http_request(observer, "POST", path, body, h);
      if (r.status != 429 || attempt == 30) return r;
      EXPECT_EQ(json_field(r.body, "code"), "OBSERVER_BUSY") << r.body;
      EXPECT_EQ(r.headers.count("retry-after"), 1u) << r.body;
      std::this_thread::sleep_for(1s);
    }
  };
  const std::string trace_id = random_trace_id();
  core::observe::SpanSource source{"batch-job", "job-1", {}};
  core::observe::Span span;
  for (std::size_t i = 0; i < 16; ++i)
    span.trace_id[i] = static_cast<std::uint8_t>(std::stoi(trace_id.substr(2 * i, 2), nullptr, 16));
  span.span_id.fill(0x11);
  span.name = "nightly settlement";
  span.kind = core::observe::SpanKind::kInternal;
  span.start_unix_nano = 1'765'000'000'000'000'000ULL;
  span.end_unix_nano = span.start_unix_nano + 2'500'000;
  span.attributes.push_back({"zt.rows", std::int64_t{42}});
  span.status = core::observe::SpanStatus::kError;
  span.status_message = "one row refused";
  std::vector<core::observe::Span> spans{span};
  const auto protobuf = send("application/x-protobuf", core::observe::otlp_traces_protobuf(source, spans));
  ASSERT_EQ(protobuf.status, 200) << protobuf.body;
  EXPECT_EQ(protobuf.headers.at("content-type"), "application/x-protobuf");
  EXPECT_TRUE(protobuf.body.empty()) << "an empty ExportTraceServiceResponse";
  // The same span again, and a second one in JSON: the first is not doubled.
  spans[0].span_id.fill(0x22);
  spans[0].parent_span_id.fill(0x11);
  spans[0].status = core::observe::SpanStatus::kUnset;
  std::vector<core::observe::Span> both{span, spans[0]};
  const auto json = send("application/json; charset=utf-8", core::observe::otlp_traces_json(source, both));
  ASSERT_EQ(json.status, 200) << json.body;
  EXPECT_EQ(json.body, "{}");

  auto read = http_request(p.port(), "GET", "/api/observer/v1/traces/" + trace_id, "", staff_headers());
  ASSERT_EQ(read.status, 200) << read.body;
  const auto got = boost::json::parse(read.body).at("spans").as_array();
  ASSERT_EQ(got.size(), 2u) << read.body;
  const auto& first = got.at(0).as_object();
  EXPECT_EQ(first.at("span_id"), "1111111111111111");
  EXPECT_EQ(first.at("parent_span_id"), "");
  EXPECT_EQ(first.at("service"), "batch-job");
  EXPECT_EQ(first.at("instance"), "job-1");
  EXPECT_EQ(first.at("kind"), "internal");
  EXPECT_EQ(first.at("status"), "error");
  EXPECT_EQ(first.at("status_message"), "one row refused");
  EXPECT_EQ(first.at("duration_us"), 2500);
  EXPECT_EQ(first.at("start_unix_nano"), "1765000000000000000");
  EXPECT_EQ(attribute(first, "zt.rows"), "42");
  EXPECT_EQ(first.at("sender"), "mall") << "who sent it, whatever service it names";
  EXPECT_EQ(got.at(1).at("parent_span_id"), "1111111111111111");

  EXPECT_TRUE(refused(send("text/plain", "hello"), 415, "OBSERVER_MEDIA_TYPE_UNSUPPORTED"));
  EXPECT_TRUE(refused(
      send("application/x-protobuf", core::observe::otlp_traces_protobuf(source, spans), {{"content-encoding", "br"}}),
      415, "OBSERVER_ENCODING_UNSUPPORTED"));
  // gzip (what OTLP exporters send compressed): taken; cut short, refused; a bomb, refused at
  // the bound.
  spans[0].span_id.fill(0x33);
  const auto packed = core::gzip(core::observe::otlp_traces_protobuf(source, spans));
  const auto gzipped = send("application/x-protobuf", packed, {{"content-encoding", "gzip"}});
  ASSERT_EQ(gzipped.status, 200) << gzipped.body;
  EXPECT_TRUE(
      refused(send("application/x-protobuf", packed.substr(0, packed.size() - 4), {{"content-encoding", "gzip"}}), 400,
              "OBSERVER_OTLP_INVALID"));
  EXPECT_TRUE(
      refused(send("application/x-protobuf", core::gzip(std::string(17u << 20, '\0')), {{"content-encoding", "gzip"}}),
              413, "OBSERVER_BODY_TOO_LARGE"));
  EXPECT_TRUE(
      refused(send("application/x-protobuf", std::string("\x0a\xff\xff\xff\x0f", 5)), 400, "OBSERVER_OTLP_INVALID"));
  EXPECT_TRUE(refused(send("application/json", "{\"resourceSpans\": 5}"), 400, "OBSERVER_OTLP_INVALID"));
  const auto after_gzip = http_request(p.port(), "GET", "/api/observer/v1/traces/" + trace_id, "", staff_headers());
  EXPECT_EQ(boost::json::parse(after_gzip.body).at("spans").as_array().size(), 3u) << after_gzip.body;
  // A gateway forwarding a staff member who reads governance: still no export (services only);
  // and a service reading a trace: refused (staff only).
  const auto spans_body = core::observe::otlp_traces_protobuf(source, spans);
  auto as_staff = forwarded(observer, "POST", path, Platform::master(), spans_body, staff_caller({"governance.read"}),
                            {{"content-type", "application/x-protobuf"}});
  EXPECT_EQ(as_staff.status, 403) << as_staff.body;
  const auto trace_path = "/api/observer/v1/traces/" + trace_id;
  const auto by_service =
      http_request(observer, "GET", trace_path, "", service_headers("mall", "GET", trace_path, Platform::master()));
  EXPECT_EQ(by_service.status, 403) << by_service.body;
  // Unsigned, straight at the observer: no identity, no export.
  const auto unsigned_export = http_request(observer, "POST", path, core::observe::otlp_traces_protobuf(source, spans),
                                            {{"content-type", "application/x-protobuf"}});
  EXPECT_TRUE(unsigned_export.status == 401 || unsigned_export.status == 403) << unsigned_export.body;
}

// Known latencies in, a percentile table out: each within 1 % of the exact (nearest-rank)
// percentile, from 0.1 ms to 10 s; calls, errors and the average exact.
// Sent from outside the platform as an OpenTelemetry SDK would (OTLP protobuf with an ingest
// token, through the gateway), in both modes.
TEST_P(Observer, PercentilesOfKnownLatenciesAreWithinOnePercentFromATenthOfAMillisecondToTenSeconds) {
  auto& p = Platform::shared(GetParam(), kFastExport);
  const std::string path = "/api/observer/v1/otlp/v1/traces", sent_as = "pct-" + random_trace_id().substr(0, 8);
  const std::string service = "test-sender:" + sent_as;  // an outside sender's names, kept apart under its token's
  const auto now_ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  // Three endpoints: 0.1–0.2 ms, 1–100 ms and 0.1 ms–10 s, log-uniform, in shuffled order.
  struct Endpoint {
    std::string name;
    double lo_us, hi_us;
    std::vector<double> durations_us;
  };
  std::vector<Endpoint> endpoints{{"GET /api/pct/v1/fast", 100, 200, {}},
                                  {"GET /api/pct/v1/middle", 1'000, 100'000, {}},
                                  {"GET /api/pct/v1/wide", 100, 10'000'000, {}}};
  std::mt19937_64 rng(20261207);
  const std::string run = random_trace_id().substr(0, 16);  // the trace ids' second half, this run's
  core::observe::SpanSource source{sent_as, "pct-1", {}};
  std::vector<core::observe::Span> spans;
  std::uint64_t next_id = 1;
  for (auto& e : endpoints) {
    for (int i = 0; i < 1000; ++i) {
      const double d = e.lo_us * std::pow(e.hi_us / e.lo_us, i / 999.0);
      e.durations_us.push_back(d);
      core::observe::Span s;
      for (std::size_t b = 0; b < 8; ++b) s.trace_id[b] = static_cast<std::uint8_t>(next_id >> (8 * b));
      for (std::size_t b = 0; b < 8; ++b)
        s.trace_id[8 + b] = static_cast<std::uint8_t>(std::stoi(run.substr(2 * b, 2), nullptr, 16));
      for (std::size_t b = 0; b < 8; ++b) s.span_id[b] = static_cast<std::uint8_t>(next_id >> (8 * b));
      ++next_id;
      s.name = e.name;
      s.kind = core::observe::SpanKind::kServer;
      s.end_unix_nano = now_ns;
      s.start_unix_nano = now_ns - static_cast<std::uint64_t>(std::llround(d * 1000));
      if (i % 100 == 0) s.status = core::observe::SpanStatus::kError;
      spans.push_back(std::move(s));
    }
  }
  std::shuffle(spans.begin(), spans.end(), rng);
  const auto body = core::observe::otlp_traces_protobuf(source, spans);
  const std::map<std::string, std::string> h{{"content-type", "application/x-protobuf"},
                                             {"x-ingest-token", kIngestToken}};
  // Not without the token, nor with another.
  auto wrong = h;
  wrong["x-ingest-token"] = "not-the-token-0123456789abcdef";
  EXPECT_TRUE(
      refused(http_request(p.port(), "POST", path, body, wrong), 401, "OBSERVER_INGEST_TOKEN_INVALID", "上报凭证无效"));
  auto none = h;
  none.erase("x-ingest-token");
  EXPECT_EQ(http_request(p.port(), "POST", path, body, none).status, 400) << "the gateway asks for it first";
  const auto sent = http_request(p.port(), "POST", path, body, h);
  ASSERT_EQ(sent.status, 200) << sent.body;
  // Stored with who sent it.
  const auto one = http_request(p.port(), "GET", "/api/observer/v1/traces/0100000000000000" + run, "", staff_headers());
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(boost::json::parse(one.body).at("spans").at(0).at("sender"), "token:test-sender");

  const auto from = std::to_string(static_cast<std::int64_t>(now_ns / 1'000'000) - 60'000);
  const auto table = http_request(
      p.port(), "GET", "/api/observer/v1/services/" + service + "/endpoints?from_ms=" + from, "", staff_headers());
  ASSERT_EQ(table.status, 200) << table.body;
  const auto items = boost::json::parse(table.body).at("items").as_array();
  ASSERT_EQ(items.size(), 3u) << table.body;
  EXPECT_EQ(items.at(0).at("endpoint"), "GET /api/pct/v1/wide") << "slowest p99 first";
  for (auto& e : endpoints) {
    const boost::json::object* row = nullptr;
    for (const auto& i : items)
      if (i.at("endpoint").as_string() == e.name) row = &i.as_object();
    ASSERT_NE(row, nullptr) << e.name << " " << table.body;
    auto sorted = e.durations_us;
    std::sort(sorted.begin(), sorted.end());
    for (const auto& [key, q] : std::vector<std::pair<const char*, double>>{
             {"p50_ms", 0.50}, {"p75_ms", 0.75}, {"p90_ms", 0.90}, {"p95_ms", 0.95}, {"p99_ms", 0.99}}) {
      const double exact_ms = sorted.at(static_cast<std::size_t>(std::ceil(q * 1000)) - 1) / 1000.0;
      const double got = row->at(key).as_double();
      EXPECT_LE(std::abs(got - exact_ms) / exact_ms, 0.01)
          << e.name << " " << key << ": " << got << " against " << exact_ms;
    }
    double sum = 0;
    for (double d : sorted) sum += d;
    EXPECT_NEAR(row->at("avg_ms").as_double(), sum / 1000 / 1000.0, 0.001) << e.name;
    EXPECT_EQ(row->at("calls").to_number<std::uint64_t>(), 1000u);
    EXPECT_EQ(row->at("errors").to_number<std::uint64_t>(), 10u);
    EXPECT_DOUBLE_EQ(row->at("error_rate").as_double(), 0.01);
    EXPECT_NEAR(row->at("max_ms").as_double(), sorted.back() / 1000.0, 0.0001);
  }
  // The service's own figures are all three endpoints together, and its minutes hold them.
  const auto services = http_request(p.port(), "GET", "/api/observer/v1/services?from_ms=" + from, "", staff_headers());
  ASSERT_EQ(services.status, 200) << services.body;
  bool seen = false;
  const auto service_list = boost::json::parse(services.body);
  for (const auto& s : service_list.at("items").as_array())
    if (s.at("service").as_string() == service) {
      seen = true;
      EXPECT_EQ(s.at("calls").to_number<std::uint64_t>(), 3000u);
      EXPECT_EQ(s.at("errors").to_number<std::uint64_t>(), 30u);
    }
  EXPECT_TRUE(seen) << services.body;
  const auto minutes = http_request(
      p.port(), "GET", "/api/observer/v1/services/" + service + "/minutes?from_ms=" + from, "", staff_headers());
  ASSERT_EQ(minutes.status, 200) << minutes.body;
  const auto points = boost::json::parse(minutes.body).at("points").as_array();
  ASSERT_EQ(points.size(), 1u) << minutes.body;
  EXPECT_EQ(points.at(0).at("calls").to_number<std::uint64_t>(), 3000u);
  EXPECT_EQ(points.at(0).at("minute_ms").as_int64(), static_cast<std::int64_t>(now_ns / 60'000'000'000ULL) * 60'000);
  // A range that cannot be, and a limit out of bounds, straight at the service (split).
  if (GetParam() != Mode::kSplit) return;
  const int observer = p.process_of("observer")->port;
  const auto reader = [&](const std::string& target) {
    return forwarded(observer, "GET", target, Platform::master(), "", staff_caller({"governance.read"}));
  };
  EXPECT_TRUE(refused(reader("/api/observer/v1/services?from_ms=2000&to_ms=1000"), 400, "OBSERVER_RANGE_INVALID"));
  EXPECT_TRUE(refused(reader("/api/observer/v1/topology?from_ms=0&to_ms=864000000000"), 400, "OBSERVER_RANGE_INVALID"))
      << "longer than the retention";
  EXPECT_TRUE(
      refused(reader("/api/observer/v1/services/" + service + "/endpoints?limit=0"), 400, "OBSERVER_BAD_PARAM"));
  EXPECT_TRUE(
      refused(reader("/api/observer/v1/services/" + service + "/instances?order_by=name"), 400, "OBSERVER_BAD_PARAM"));
  EXPECT_TRUE(refused(reader("/api/observer/v1/traces?status=slow"), 400, "OBSERVER_BAD_PARAM"));
  const auto instances = reader("/api/observer/v1/services/" + service + "/instances");
  ASSERT_EQ(instances.status, 200) << instances.body;
  EXPECT_NE(instances.body.find("\"instance\":\"pct-1\""), std::string::npos) << instances.body;
}

// An observer busy storing as many exports as it may store at once answers the next one 429 with
// Retry-After (the OTLP/HTTP sender keeps its batch and tries again), and stores nothing of it.
// tracing.endpoint: spans, log records and resource figures go to any OTLP/HTTP backend instead — here a stand-in
// Collector that reads them with our receiver's decoders — gzip-compressed when asked.
TEST(ObserverElsewhere, SpansAndLogRecordsGoToAnOtlpBackendGzipped) {
  std::mutex mutex;
  std::vector<core::observe::SpanBatch> span_batches;
  std::vector<core::observe::LogBatch> log_batches;
  std::vector<core::observe::MetricBatch> metric_batches;
  std::vector<std::string> problems;
  FakeServer collector([&](const FakeRequest& r) {
    std::lock_guard lock(mutex);
    std::string body;
    const auto encoding = r.headers.count("content-encoding") ? r.headers.at("content-encoding") : "";
    if (encoding != "gzip" || core::gunzip(r.body, 64u << 20, body) != core::Gunzip::kOk ||
        r.headers.at("content-type") != "application/x-protobuf") {
      problems.push_back(r.target + " " + encoding);
      return FakeReply{400, "{}"};
    }
    if (r.target == "/otlp/v1/traces") {
      auto d = core::observe::decode_otlp_traces_protobuf(body);
      if (!d.error.empty()) problems.push_back(d.error);
      for (auto& b : d.batches) span_batches.push_back(std::move(b));
    } else if (r.target == "/otlp/v1/logs") {
      auto d = core::observe::decode_otlp_logs_protobuf(body);
      if (!d.error.empty()) problems.push_back(d.error);
      for (auto& b : d.batches) log_batches.push_back(std::move(b));
    } else if (r.target == "/otlp/v1/metrics") {
      auto d = core::observe::decode_otlp_metrics_protobuf(body);
      if (!d.error.empty()) problems.push_back(d.error);
      for (auto& b : d.batches) metric_batches.push_back(std::move(b));
    } else {
      problems.push_back("unexpected " + r.target);
    }
    return FakeReply{200, "", "application/x-protobuf"};
  });
  Zhongtai z{Env{{"ZT_TRACING__ENDPOINT", "http://127.0.0.1:" + std::to_string(collector.port()) + "/otlp/v1/traces"},
                 {"ZT_TRACING__COMPRESSION", "gzip"},
                 {"ZT_TRACING__FLUSH_INTERVAL", "100ms"},
                 {"ZT_TRACING__RESOURCES_INTERVAL", "1s"}}};
  const auto r = http_get(z.port, "/api/calendar/v1/years/2026");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string trace_hex = r.headers.at("traceresponse").substr(3, 32);
  std::array<std::uint8_t, 16> trace{};
  ASSERT_TRUE(core::from_hex(trace_hex, trace));
  const auto arrived = [&] {
    std::lock_guard lock(mutex);
    bool span = false, line = false;
    for (const auto& b : span_batches)
      for (const auto& s : b.spans)
        if (s.trace_id == trace && b.source.service_name == "gateway" && s.name == "GET /api/calendar/v1/years/{year}")
          span = true;
    for (const auto& b : log_batches)
      for (const auto& l : b.records)
        if (l.trace_id == trace && l.body.starts_with("GET /api/calendar/v1/years/{year} 200 ")) line = true;
    // The process's resources too (from the second sample: the first primes the rates), to the
    // traces URL's /v1/metrics.
    bool memory = false;
    for (const auto& b : metric_batches)
      for (const auto& m : b.metrics)
        if (b.source.service_name == "gateway" && m.name == "process.memory.usage" && !m.points.empty() &&
            m.points[0].number() > 1 << 20)
          memory = true;
    return span && line && memory;
  };
  EXPECT_TRUE(eventually(arrived, 15s));
  std::lock_guard lock(mutex);
  EXPECT_TRUE(problems.empty()) << problems.front();
  // Lines of no request are there too (the process's start), under a service of this process.
  bool started = false;
  for (const auto& b : log_batches) {
    EXPECT_FALSE(b.source.service_instance_id.empty());
    for (const auto& l : b.records)
      if (l.severity_text == "info" && l.trace_id == std::array<std::uint8_t, 16>{}) started = true;
  }
  EXPECT_TRUE(started);
}

// A vendor call (公安 identity check over HTTP) is a client span of the calling service's, peer
// "vendor:identity" with the vendor's address, and the vendor is told that span as its parent.
TEST(ObserverElsewhere, EachVendorAttemptIsAClientSpanTheVendorContinues) {
  std::mutex mutex;
  std::vector<core::observe::SpanBatch> batches;
  FakeServer collector([&](const FakeRequest& r) {
    std::lock_guard lock(mutex);
    if (r.target == "/v1/traces")
      for (auto& b : core::observe::decode_otlp_traces_protobuf(r.body).batches) batches.push_back(std::move(b));
    return FakeReply{200, "", "application/x-protobuf"};
  });
  std::string vendor_traceparent;
  FakeServer vendor([&](const FakeRequest& r) {
    std::lock_guard lock(mutex);
    vendor_traceparent = r.headers.count("traceparent") ? r.headers.at("traceparent") : "";
    return FakeReply{200, R"({"result":"match","message":"一致"})"};
  });
  const std::string secret = "observer-vendor-suite-0123456789abcd";
  Zhongtai z{Env{{"ZT_NODE__INTERNAL_SECRET", secret},
                 {"ZT_IDENTITY__PROVIDER", "http"},
                 {"ZT_IDENTITY__ENDPOINT", "http://127.0.0.1:" + std::to_string(vendor.port()) + "/vendor"},
                 {"ZT_IDENTITY__APP_KEY", "zt-app-key"},
                 {"ZT_IDENTITY__APP_SECRET", "vendor-app-secret-0123456789"},
                 {"ZT_TRACING__ENDPOINT", "http://127.0.0.1:" + std::to_string(collector.port()) + "/v1/traces"},
                 {"ZT_TRACING__FLUSH_INTERVAL", "100ms"}},
             "identity"};
  const std::string path = "/api/identity/v1/verifications",
                    body = R"({"name": "张三", "id_number": "11010519491231002X"})";
  const auto r = http_request(z.port, "POST", path, body, service_headers("opening", "POST", path, secret, body));
  ASSERT_EQ(r.status, 200) << r.body;
  std::array<std::uint8_t, 16> trace{};
  ASSERT_TRUE(core::from_hex(r.headers.at("traceresponse").substr(3, 32), trace));
  core::observe::Span call, served;
  ASSERT_TRUE(eventually(
      [&] {
        std::lock_guard lock(mutex);
        bool have_call = false, have_served = false;
        for (const auto& b : batches)
          for (const auto& s : b.spans) {
            if (s.trace_id != trace || b.source.service_name != "identity") continue;
            if (s.kind == core::observe::SpanKind::kClient) call = s, have_call = true;
            if (s.kind == core::observe::SpanKind::kServer) served = s, have_served = true;
          }
        return have_call && have_served;
      },
      15s));
  EXPECT_EQ(call.name, "POST vendor:identity");
  EXPECT_EQ(call.parent_span_id, served.span_id) << "under the request that made it";
  std::map<std::string, std::string> attributes;
  for (const auto& a : call.attributes)
    if (const auto* text = std::get_if<std::string>(&a.value)) attributes[a.key] = *text;
  EXPECT_EQ(attributes["peer.service"], "vendor:identity");
  EXPECT_EQ(attributes["server.address"], "127.0.0.1:" + std::to_string(vendor.port()));
  std::lock_guard lock(mutex);
  EXPECT_EQ(vendor_traceparent.substr(3, 32), core::to_hex(trace));
  EXPECT_EQ(vendor_traceparent.substr(36, 16), core::to_hex(call.span_id)) << vendor_traceparent;
}

// Each process's resources on its admin /metrics, in the names Prometheus dashboards expect.
TEST(ObserverElsewhere, EachProcessShowsItsResourcesOnTheAdminListener) {
  Zhongtai z{Env{}, "observer"};
  const auto m = http_get(z.admin, "/metrics");
  ASSERT_EQ(m.status, 200);
  for (const auto* name : {"process_cpu_seconds_total ", "process_resident_memory_bytes ", "process_open_fds ",
                           "process_threads ", "zt_blocking_pool_queued "}) {
    const auto at = m.body.find(std::string("\n") + name);
    ASSERT_NE(at, std::string::npos) << name << " in " << m.body;
    const auto value =
        m.body.substr(at + 1 + std::string(name).size(), m.body.find('\n', at + 1) - at - 1 - std::string(name).size());
    EXPECT_GE(std::stod(value), std::string(name) == "zt_blocking_pool_queued " ? 0.0 : 1e-9) << name << value;
  }
  EXPECT_NE(m.body.find("\nzt_io_thread_cpu_seconds_total{thread=\"0\"} "), std::string::npos) << m.body;
  const auto outside = http_get(z.port, "/metrics");
  EXPECT_NE(outside.status, 200) << "never on the public listener";
  EXPECT_EQ(outside.body.find("process_"), std::string::npos) << outside.body;
}

TEST(ObserverAlone, ABusyObserverAnswers429WithRetryAfterAndKeepsWhatItTook) {
  const std::string secret = "observer-alone-suite-0123456789abcdef";
  Zhongtai z{Env{{"ZT_NODE__INTERNAL_SECRET", secret}, {"ZT_OBSERVER__MAX_CONCURRENT_EXPORTS", "1"}}, "observer"};
  const std::string path = "/api/observer/v1/traces";
  // Exports of 3,000 spans (~0.4 MB each), eight at once, until one meets another being stored.
  std::atomic<int> taken{0}, busy{0}, other{0};
  std::mutex mutex;
  std::string busy_answer, busy_retry, other_answer;
  std::vector<std::string> stored_traces;
  const auto export_once = [&](int round, int sender) {
    core::observe::SpanSource source{"load", "load-" + std::to_string(sender), {}};
    std::vector<core::observe::Span> spans(3000);
    const std::string trace_id = random_trace_id();
    for (std::size_t i = 0; i < spans.size(); ++i) {
      for (std::size_t b = 0; b < 16; ++b)
        spans[i].trace_id[b] = static_cast<std::uint8_t>(std::stoi(trace_id.substr(2 * b, 2), nullptr, 16));
      for (std::size_t b = 0; b < 8; ++b) spans[i].span_id[b] = static_cast<std::uint8_t>((i + 1) >> (8 * b));
      spans[i].name = "GET /api/load/v1/items/{id}";
      spans[i].kind = core::observe::SpanKind::kServer;
      spans[i].start_unix_nano = 1'765'000'000'000'000'000ULL + i * 1000;
      spans[i].end_unix_nano = spans[i].start_unix_nano + 500'000;
      spans[i].attributes.push_back({"http.route", std::string("/api/load/v1/items/{id}")});
      spans[i].attributes.push_back({"round", std::int64_t{round}});
    }
    const auto body = core::observe::otlp_traces_protobuf(source, spans);
    auto h = service_headers("mall", "POST", path, secret, body);
    h["content-type"] = "application/x-protobuf";
    const auto r = http_request(z.port, "POST", path, body, h);
    std::lock_guard lock(mutex);
    if (r.status == 200) {
      ++taken;
      stored_traces.push_back(trace_id);
    } else if (r.status == 429) {
      ++busy;
      busy_answer = r.body;
      busy_retry = r.headers.count("retry-after") ? r.headers.at("retry-after") : "";
    } else {
      ++other;
      other_answer = std::to_string(r.status) + " " + r.body;
    }
  };
  for (int round = 0; round < 20 && busy == 0; ++round) {
    std::vector<std::thread> senders;
    for (int sender = 0; sender < 8; ++sender) senders.emplace_back(export_once, round, sender);
    for (auto& t : senders) t.join();
  }
  EXPECT_EQ(other, 0) << other_answer;
  ASSERT_GT(busy, 0) << "no export met another being stored in 20 rounds of 8";
  EXPECT_GT(taken, 0);
  EXPECT_TRUE(refused(HttpResponse{429, {}, busy_answer}, 429, "OBSERVER_BUSY", "观测服务繁忙，请稍后重试"));
  EXPECT_EQ(busy_retry, "1");
  // What it took is whole: every span of each trace it answered 200 for.
  const auto reader = [&](const std::string& target) {
    return forwarded(z.port, "GET", target, secret, "", staff_caller({"governance.read"}));
  };
  for (const auto& id : {stored_traces.front(), stored_traces.back()}) {
    const auto t = reader("/api/observer/v1/traces/" + id);
    ASSERT_EQ(t.status, 200) << t.body.substr(0, 300);
    EXPECT_EQ(boost::json::parse(t.body).at("spans").as_array().size(), 3000u);
  }
  // No ingest token configured: outside senders are refused, whatever they present.
  const std::string outside = "/api/observer/v1/otlp/v1/traces";
  EXPECT_TRUE(refused(forwarded(z.port, "POST", outside, secret, "{}", {},
                                {{"content-type", "application/json"}, {"x-ingest-token", std::string(32, 'k')}}),
                      403, "OBSERVER_INGEST_CLOSED", "未开放外部调用链数据上报"));
  // A trace id not in its one spelling (lower-case hex), straight at the service.
  EXPECT_TRUE(refused(reader("/api/observer/v1/traces/" + std::string(32, 'A')), 400, "OBSERVER_TRACE_ID_INVALID",
                      "调用链编号应为 32 位小写十六进制"));
}

// Minutes still being counted when the observer stops are stored on the way out: after a restart
// (the flush loop would not have run for ten minutes) the figures are there.
TEST(ObserverAlone, WhatIsStillCountedAtShutdownIsStoredAndFoundAfterARestart) {
  const std::string secret = "observer-alone-suite-0123456789abcdef";
  const Env env{{"ZT_NODE__INTERNAL_SECRET", secret}, {"ZT_OBSERVER__FLUSH_INTERVAL", "10m"}};
  const std::string path = "/api/observer/v1/traces", service = "shutdown-" + random_trace_id().substr(0, 8);
  std::string root;
  {
    Zhongtai z{env, "observer"};
    root = z.root();
    z.keep_data();
    core::observe::SpanSource source{service, "s-1", {}};
    std::vector<core::observe::Span> spans(7);
    const auto now_ns = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    for (std::size_t i = 0; i < spans.size(); ++i) {
      spans[i].trace_id.fill(static_cast<std::uint8_t>(i + 1));
      spans[i].span_id.fill(0x33);
      spans[i].name = "GET /api/shutdown/v1/x";
      spans[i].kind = core::observe::SpanKind::kServer;
      spans[i].end_unix_nano = now_ns;
      spans[i].start_unix_nano = now_ns - 3'000'000;
    }
    const auto body = core::observe::otlp_traces_protobuf(source, spans);
    auto h = service_headers("mall", "POST", path, secret, body);
    h["content-type"] = "application/x-protobuf";
    ASSERT_EQ(http_request(z.port, "POST", path, body, h).status, 200);
  }  // SIGTERM: a clean stop
  {
    Zhongtai again{env, "observer", root};
    const auto minutes = forwarded(again.port, "GET", "/api/observer/v1/services/" + service + "/minutes", secret, "",
                                   staff_caller({"governance.read"}));
    ASSERT_EQ(minutes.status, 200) << minutes.body;
    const auto points = boost::json::parse(minutes.body).at("points").as_array();
    ASSERT_EQ(points.size(), 1u) << minutes.body;
    EXPECT_EQ(points.at(0).at("calls").to_number<std::uint64_t>(), 7u);
  }
  std::error_code ignored;
  std::filesystem::remove_all(root, ignored);
}

INSTANTIATE_TEST_SUITE_P(BothModes, Observer, ::testing::Values(Mode::kAll, Mode::kSplit), mode_name);

}  // namespace
}  // namespace zt::test
