// The etcd client against a real etcd on loopback.
#include "core/net/etcd.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "core/observe/blocking_parent.hpp"
#include "core/util/digest.hpp"
#include "harness/http.hpp"
#include "harness/process.hpp"
#include "harness/servers.hpp"
#include "harness/spans.hpp"

namespace zt::core::net::etcd {
namespace {

using namespace std::chrono_literals;

TEST(Base64, RoundTripsEveryPaddingLength) {
  for (const std::string& s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    auto enc = base64_encode(s);
    auto dec = base64_decode(enc);
    ASSERT_TRUE(dec.has_value()) << enc;
    EXPECT_EQ(*dec, s);
  }
  EXPECT_EQ(base64_encode("zt"), "enQ=");
  EXPECT_FALSE(base64_decode("abc").has_value());
  EXPECT_FALSE(base64_decode("a$c=").has_value());
}

TEST(EtcdKeys, PrefixEndIsTheNextKey) {
  EXPECT_EQ(prefix_end("/zt/"), "/zt0");
  EXPECT_EQ(prefix_end(std::string("a\xff", 2)), "b");
}

class EtcdClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new test::EtcdServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  Client client() { return Client({{"127.0.0.1:" + std::to_string(server_->port())}}); }
  static test::EtcdServer* server_;
};
test::EtcdServer* EtcdClientTest::server_ = nullptr;

TEST_F(EtcdClientTest, PutRangeAndDelete) {
  auto c = client();
  const auto rev = c.put("/t1/a", "值一");
  c.put("/t1/b", std::string("\0bin", 4));
  c.put("/t2/x", "other");
  auto one = c.range("/t1/a");
  ASSERT_EQ(one.kvs.size(), 1u);
  EXPECT_EQ(one.kvs[0].value, "值一");
  EXPECT_EQ(one.kvs[0].mod_revision, rev);
  auto all = c.range_prefix("/t1/");
  ASSERT_EQ(all.kvs.size(), 2u);
  EXPECT_EQ(all.kvs[1].value, std::string("\0bin", 4));
  EXPECT_GE(all.revision, rev);
  EXPECT_EQ(c.remove("/t1/", prefix_end("/t1/")), 2);
  EXPECT_TRUE(c.range_prefix("/t1/").kvs.empty());
  EXPECT_EQ(c.range_prefix("/t2/").kvs.size(), 1u);
  EXPECT_EQ(c.remove("/t1/nothing"), 0);
}

TEST_F(EtcdClientTest, RangeSortsAndFiltersByModRevision) {
  auto c = client();
  const auto r1 = c.put("/sort/b", "1");
  const auto r2 = c.put("/sort/a", "2");
  const auto r3 = c.put("/sort/c", "3");
  RangeOptions o;
  o.range_end = prefix_end("/sort/");
  o.descending_by_mod = true;
  o.limit = 2;
  auto newest = c.range("/sort/", o);
  ASSERT_EQ(newest.kvs.size(), 2u);
  EXPECT_EQ(newest.kvs[0].mod_revision, r3);
  EXPECT_EQ(newest.kvs[1].mod_revision, r2);
  EXPECT_TRUE(newest.more);
  o.max_mod_revision = r2 - 1;
  auto older = c.range("/sort/", o);
  ASSERT_EQ(older.kvs.size(), 1u);
  EXPECT_EQ(older.kvs[0].mod_revision, r1);
}

TEST_F(EtcdClientTest, TxnTakesTheBranchItsComparesChoose) {
  auto c = client();
  auto created = c.txn({Compare::missing("/txn/k")}, {Op::put("/txn/k", "v1"), Op::put("/txn/log/1", "x")},
                       {Op::get("/txn/k")});
  EXPECT_TRUE(created.succeeded);
  EXPECT_TRUE(created.ranges.empty());
  auto again = c.txn({Compare::missing("/txn/k")}, {Op::put("/txn/k", "v2")}, {Op::get("/txn/k")});
  EXPECT_FALSE(again.succeeded);
  ASSERT_EQ(again.ranges.size(), 1u);
  ASSERT_EQ(again.ranges[0].kvs.size(), 1u);
  EXPECT_EQ(again.ranges[0].kvs[0].value, "v1");
  const auto mod = again.ranges[0].kvs[0].mod_revision;
  EXPECT_TRUE(c.txn({Compare::mod_revision_is("/txn/k", mod)}, {Op::put("/txn/k", "v2")}, {}).succeeded);
  EXPECT_FALSE(c.txn({Compare::mod_revision_is("/txn/k", mod)}, {Op::put("/txn/k", "v3")}, {}).succeeded);
  auto del = c.txn({Compare::exists("/txn/k")}, {Op::remove("/txn/", prefix_end("/txn/"))}, {});
  EXPECT_TRUE(del.succeeded);
  ASSERT_EQ(del.deleted.size(), 1u);
  EXPECT_EQ(del.deleted[0], 2);
}

TEST_F(EtcdClientTest, LeasedKeysGoWithTheirLease) {
  auto c = client();
  const auto lease = c.grant(30);
  c.put("/lease/k", "v", lease);
  auto ttl = c.keepalive(lease);
  ASSERT_TRUE(ttl.has_value());
  EXPECT_GT(*ttl, 0);
  EXPECT_EQ(c.range("/lease/k").kvs.at(0).lease, lease);
  c.revoke(lease);
  EXPECT_TRUE(c.range("/lease/k").kvs.empty());
  EXPECT_FALSE(c.keepalive(lease).has_value());
  c.revoke(lease);  // already gone: not an error
}

TEST_F(EtcdClientTest, WatchDeliversPutsAndDeletesInOrderUntilStopped) {
  auto c = client();
  const auto start = c.put("/w/seed", "0") + 1;
  std::mutex m;
  std::vector<WatchEvent> seen;
  std::int64_t reached = 0;
  std::atomic<bool> stop{false};
  std::thread t([&] {
    auto w = client();
    w.watch("/w/", start, [&](const std::vector<WatchEvent>& events, std::int64_t rev) {
      std::lock_guard lock(m);
      seen.insert(seen.end(), events.begin(), events.end());
      reached = std::max(reached, rev);
    }, stop);
  });
  c.put("/w/a", "1");
  c.put("/other", "ignored");
  const auto last = c.remove("/w/seed") > 0 ? c.range("/w/a").revision : 0;
  ASSERT_TRUE(test::eventually([&] {
    std::lock_guard lock(m);
    return reached >= last;
  }, 5s, 20ms));
  stop = true;
  t.join();  // returns promptly once stop is set
  std::lock_guard lock(m);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].kv.key, "/w/a");
  EXPECT_FALSE(seen[0].deleted);
  EXPECT_EQ(seen[0].kv.value, "1");
  EXPECT_EQ(seen[1].kv.key, "/w/seed");
  EXPECT_TRUE(seen[1].deleted);
}

TEST_F(EtcdClientTest, WatchFromACompactedRevisionSaysSo) {
  auto c = client();
  const auto old = c.put("/cw/a", "1");
  const auto now = c.put("/cw/a", "2");
  auto res = test::http_request(server_->port(), "POST", "/v3/kv/compaction",
                                "{\"revision\":\"" + std::to_string(now) + "\",\"physical\":true}",
                                {{"Content-Type", "application/json"}});
  ASSERT_EQ(res.status, 200) << res.body;
  std::atomic<bool> stop{false};
  try {
    c.watch("/cw/", old, [](const std::vector<WatchEvent>&, std::int64_t) {}, stop);
    FAIL() << "a watch from a compacted revision must fail";
  } catch (const EtcdError& e) {
    EXPECT_TRUE(e.compacted()) << e.what();
  }
}

TEST_F(EtcdClientTest, ADeadEndpointIsSkipped) {
  const int dead = test::free_port();
  Client c({{"127.0.0.1:" + std::to_string(dead), "http://127.0.0.1:" + std::to_string(server_->port())}});
  c.put("/fo/k", "v");
  EXPECT_EQ(c.range("/fo/k").kvs.at(0).value, "v");
  Client none({{"127.0.0.1:" + std::to_string(dead)}, 200ms, 500ms});
  EXPECT_THROW(none.range("/fo/k"), EtcdError);
}

// A call made for a traced request (the blocking pool puts it on the thread) is its client span:
// named by the operation, never a key or a value; a refused or unreachable call fails its span,
// a revoke of a lease already gone does not; a call for no request records nothing.
TEST_F(EtcdClientTest, ACallForATracedRequestIsItsChildSpan) {
  test::SpanCollector collector;
  const observe::SpanOrigin request{observe::TraceContext::generate(), "registry"};
  auto c = client();
  c.put("/sp/untraced", "no request");  // before the scope: no span
  const int dead = test::free_port();
  Client none({{"127.0.0.1:" + std::to_string(dead)}, 200ms, 500ms});
  {
    const observe::BlockingParentScope scope(&request);
    c.put("/sp/secret-key", "secret-value");
    EXPECT_FALSE(c.txn({Compare::missing("/sp/secret-key")}, {Op::put("/sp/secret-key", "x")}, {}).succeeded);
    c.revoke(123456789);  // no such lease: already gone
    EXPECT_THROW(none.range("/sp/secret-key"), EtcdError);
  }
  const auto spans = collector.take();
  ASSERT_EQ(spans.size(), 4u);
  const auto attribute = [](const observe::Span& s, const std::string& key) -> std::string {
    for (const auto& a : s.attributes)
      if (a.key == key) {
        if (const auto* text = std::get_if<std::string>(&a.value)) return *text;
        if (const auto* number = std::get_if<std::int64_t>(&a.value)) return std::to_string(*number);
      }
    return "";
  };
  const std::vector<std::string> names{"etcd kv/put", "etcd kv/txn", "etcd lease/revoke", "etcd kv/range"};
  for (std::size_t i = 0; i < spans.size(); ++i) {
    const auto& s = spans[i].span;
    EXPECT_EQ(spans[i].service, "registry");
    EXPECT_EQ(s.name, names[i]);
    EXPECT_EQ(s.kind, observe::SpanKind::kClient);
    EXPECT_EQ(s.trace_id, request.trace.trace_id);
    EXPECT_EQ(s.parent_span_id, request.trace.span_id);
    EXPECT_NE(s.span_id, request.trace.span_id);
    EXPECT_EQ(attribute(s, "db.system"), "etcd");
    EXPECT_EQ(attribute(s, "peer.service"), "etcd");
    EXPECT_EQ(attribute(s, "zt.etcd.operation"), names[i].substr(5));
    for (const auto& a : s.attributes) {
      if (const auto* text = std::get_if<std::string>(&a.value)) {
        EXPECT_EQ(text->find("secret"), std::string::npos) << a.key << " names a key or a value";
      }
    }
  }
  EXPECT_EQ(spans[0].span.status, observe::SpanStatus::kUnset);
  EXPECT_EQ(spans[1].span.status, observe::SpanStatus::kUnset) << "a compare that fails is an answer";
  EXPECT_EQ(spans[2].span.status, observe::SpanStatus::kUnset) << "a lease already gone is what a revoke expects";
  EXPECT_EQ(attribute(spans[2].span, "rpc.grpc.status_code"), "5");
  EXPECT_EQ(spans[3].span.status, observe::SpanStatus::kError);
  EXPECT_EQ(spans[3].span.status_message.rfind("etcd unreachable: 127.0.0.1:" + std::to_string(dead), 0), 0u)
      << spans[3].span.status_message;
}

TEST(EtcdClient, RefusesBadEndpoints) {
  EXPECT_THROW(Client(ClientOptions{}), std::invalid_argument);
  ClientOptions bad;
  bad.endpoints = {"no-port"};
  EXPECT_THROW(Client{bad}, std::invalid_argument);
}

}  // namespace
}  // namespace zt::core::net::etcd
