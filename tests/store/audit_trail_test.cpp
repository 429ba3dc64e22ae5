// The audit trail every service keeps (core/storage/audit_trail.hpp), on both SQL backends: what
// is recorded reads back whole; each filter narrows; pages follow on without gaps or repeats; a
// rolled-back change leaves no entry; bad query values and cursors are refused in the error shape.
#include "core/storage/audit_trail.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <unistd.h>

#include <atomic>
#include <map>
#include <set>

#include "core/storage/database.hpp"
#include "harness/process.hpp"
#include "harness/servers.hpp"

namespace zt::core::storage {
namespace {

constexpr std::int64_t kT0 = 1'800'000'000'000;

class AuditTrailTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    static std::atomic<int> n{0};
    Options o;
    o.driver = GetParam();
    const std::string name = "audit" + std::to_string(::getpid()) + "_" + std::to_string(n++);
    if (o.driver == "sqlite") {
      o.sqlite_path = dir_.path() + "/" + name + ".db";
    } else {
      o.postgres_dsn = test::shared_postgres().dsn();
      o.schema = name;
    }
    db_ = Database::open(o);
    db_->write_blocking([](Tx& tx) {
      tx.exec_script(
          "CREATE TABLE x_audit (id TEXT PRIMARY KEY, at_ms BIGINT NOT NULL, actor TEXT NOT NULL, customer TEXT NOT "
          "NULL, "
          "action TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL, ip TEXT NOT NULL, trace_id TEXT NOT "
          "NULL)");
    });
  }
  void record(AuditEntry e) {
    db_->write_blocking([&](Tx& tx) { trail_.record(tx, e); });
  }
  std::variant<AuditPage, Refusal> page(const AuditQuery& q) {
    std::optional<std::variant<AuditPage, Refusal>> out;
    db_->read_blocking([&](Tx& tx) { out.emplace(trail_.page(tx, q, "X")); });
    return std::move(*out);
  }
  // The subjects of a page, newest first.
  std::vector<std::string> subjects(const AuditQuery& q) {
    auto p = page(q);
    EXPECT_TRUE(std::holds_alternative<AuditPage>(p)) << std::get<Refusal>(p).code;
    std::vector<std::string> out;
    if (auto* got = std::get_if<AuditPage>(&p))
      for (const auto& e : got->items) out.push_back(e.subject);
    return out;
  }
  // Six entries: staff S1 changing products, customers C1 and C2 placing and cancelling orders.
  void seed() {
    record({"", kT0 + 1, "S1", "", "product.created", "P1", "新建", "10.0.0.9", "t1"});
    record({"", kT0 + 2, "C1", "C1", "order.placed", "O1", "申购 1000.00 元", "10.0.0.1", "t2"});
    record({"", kT0 + 3, "C2", "C2", "order.placed", "O2", "申购 500.00 元", "10.0.0.2", "t3"});
    record({"", kT0 + 4, "mall", "C1", "order.confirmed", "O1", "确认", "", "t4"});
    record({"", kT0 + 5, "C1", "C1", "order.placed", "O3", "申购 200.00 元", "10.0.0.1", "t5"});
    record({"", kT0 + 6, "S1", "", "product.published", "P1", "上架", "10.0.0.9", "t6"});
  }

  test::TempDir dir_{"zt-audit"};
  std::unique_ptr<Database> db_;
  AuditTrail trail_{"x_audit", "XA"};
};

TEST_P(AuditTrailTest, AnEntryReadsBackWholeWithAnIdOfItsOwn) {
  record({"", kT0, "C1", "C1", "order.placed", "O1", "申购 DEMO02 1000.00 元", "10.0.0.1", "trace-1"});
  auto p = page({});
  ASSERT_TRUE(std::holds_alternative<AuditPage>(p));
  const auto& items = std::get<AuditPage>(p).items;
  ASSERT_EQ(items.size(), 1u);
  const auto& e = items[0];
  EXPECT_EQ(e.id.rfind("XA", 0), 0u) << e.id;
  EXPECT_GT(e.id.size(), 2u);
  EXPECT_EQ(e.at_ms, kT0);
  EXPECT_EQ(e.actor, "C1");
  EXPECT_EQ(e.customer, "C1");
  EXPECT_EQ(e.action, "order.placed");
  EXPECT_EQ(e.subject, "O1");
  EXPECT_EQ(e.detail, "申购 DEMO02 1000.00 元");
  EXPECT_EQ(e.ip, "10.0.0.1");
  EXPECT_EQ(e.trace_id, "trace-1");
  EXPECT_TRUE(std::get<AuditPage>(p).next_cursor.empty());
}

TEST_P(AuditTrailTest, EntriesOfOneMillisecondReadBackNewestFirstInTheOrderTheyWereMade) {
  std::vector<std::string> made;
  for (int i = 0; i < 20; ++i) {
    made.push_back("O" + std::to_string(i));
    record({"", kT0, "S1", "", "order.expire", made.back(), "", "", ""});
  }
  std::reverse(made.begin(), made.end());
  AuditQuery q;
  q.limit = 50;
  EXPECT_EQ(subjects(q), made) << "ids of one millisecond sort in the order they were made";
}

TEST_P(AuditTrailTest, EachFilterNarrowsNewestFirst) {
  seed();
  EXPECT_EQ(subjects({}), (std::vector<std::string>{"P1", "O3", "O1", "O2", "O1", "P1"}));
  AuditQuery by_customer;
  by_customer.customer = "C1";  // the customer's own acts and what the mall did to their orders
  EXPECT_EQ(subjects(by_customer), (std::vector<std::string>{"O3", "O1", "O1"}));
  AuditQuery by_actor;
  by_actor.actor = "S1";
  EXPECT_EQ(subjects(by_actor), (std::vector<std::string>{"P1", "P1"}));
  AuditQuery exact;
  exact.action = "order.placed";
  EXPECT_EQ(subjects(exact), (std::vector<std::string>{"O3", "O2", "O1"}));
  AuditQuery prefix;
  prefix.action = "product.";
  EXPECT_EQ(subjects(prefix), (std::vector<std::string>{"P1", "P1"}));
  AuditQuery no_dot;  // without its dot, "order" is an action name of its own: none
  no_dot.action = "order";
  EXPECT_TRUE(subjects(no_dot).empty());
  AuditQuery window;  // from inclusive, to exclusive
  window.from_ms = kT0 + 2;
  window.to_ms = kT0 + 5;
  EXPECT_EQ(subjects(window), (std::vector<std::string>{"O1", "O2", "O1"}));
  AuditQuery subject;
  subject.subject = "O1";
  subject.customer = "C1";
  subject.action = "order.confirmed";
  EXPECT_EQ(subjects(subject), (std::vector<std::string>{"O1"}));
}

TEST_P(AuditTrailTest, PagesFollowOnWithoutGapsOrRepeats) {
  // Entries sharing a millisecond are ordered by id, so a page boundary inside them loses none.
  for (int i = 0; i < 7; ++i)
    record({"", kT0 + (i < 4 ? 0 : i), "S1", "", "product.updated", "P" + std::to_string(i), "", "", ""});
  AuditQuery q;
  q.limit = 3;
  std::set<std::string> seen;
  std::vector<std::int64_t> times;
  int pages = 0;
  for (;;) {
    auto p = page(q);
    ASSERT_TRUE(std::holds_alternative<AuditPage>(p));
    const auto& got = std::get<AuditPage>(p);
    ++pages;
    EXPECT_LE(got.items.size(), 3u);
    for (const auto& e : got.items) {
      EXPECT_TRUE(seen.insert(e.id).second) << "repeated " << e.id;
      times.push_back(e.at_ms);
    }
    if (got.next_cursor.empty()) break;
    q.cursor = got.next_cursor;
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(seen.size(), 7u);
  EXPECT_EQ(pages, 3);
  EXPECT_TRUE(std::is_sorted(times.rbegin(), times.rend()));
}

TEST_P(AuditTrailTest, AnEntryOfARolledBackChangeIsNotKept) {
  EXPECT_THROW(db_->write_blocking([&](Tx& tx) {
    trail_.record(tx, {"", kT0, "C1", "C1", "order.placed", "O1", "", "", ""});
    throw std::runtime_error("the change failed");
  }),
               std::runtime_error);
  auto p = page({});
  ASSERT_TRUE(std::holds_alternative<AuditPage>(p));
  EXPECT_TRUE(std::get<AuditPage>(p).items.empty());
}

TEST_P(AuditTrailTest, ABadCursorIsRefusedInTheErrorShape) {
  seed();
  for (const char* bad : {"garbage", "12", "x.y", "-5.XA1", "12."}) {
    AuditQuery q;
    q.cursor = bad;
    auto p = page(q);
    ASSERT_TRUE(std::holds_alternative<Refusal>(p)) << bad;
    EXPECT_EQ(std::get<Refusal>(p).status, 400);
    EXPECT_EQ(std::get<Refusal>(p).code, "X_BAD_CURSOR");
    EXPECT_EQ(std::get<Refusal>(p).message, "分页游标无效");
  }
}

TEST(AuditQuery, ReadsEveryParameterAndRefusesWhatDoesNotParse) {
  std::map<std::string, std::string> params{
      {"actor", "S1"},  {"customer", "C000000000001"}, {"action", "order."}, {"subject", "O1"}, {"from_ms", "100"},
      {"to_ms", "200"}, {"cursor", "150.XA1"},         {"limit", "500"}};
  auto get = [&](const char* name) -> std::optional<std::string> {
    auto it = params.find(name);
    return it == params.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  auto q = audit_query(get, "MALL");
  ASSERT_TRUE(std::holds_alternative<AuditQuery>(q));
  const auto& got = std::get<AuditQuery>(q);
  EXPECT_EQ(got.actor, "S1");
  EXPECT_EQ(got.customer, "C000000000001");
  EXPECT_EQ(got.action, "order.");
  EXPECT_EQ(got.subject, "O1");
  EXPECT_EQ(got.from_ms, 100);
  EXPECT_EQ(got.to_ms, 200);
  EXPECT_EQ(got.cursor, "150.XA1");
  EXPECT_EQ(got.limit, 200);  // held to the most a page gives

  for (const auto& [name, bad] : std::vector<std::pair<std::string, std::string>>{{"from_ms", "yesterday"},
                                                                                  {"from_ms", "-1"},
                                                                                  {"to_ms", "12x"},
                                                                                  {"limit", "0"},
                                                                                  {"limit", "ten"},
                                                                                  {"cursor", "garbage"},
                                                                                  {"action", "ORDER PLACED"},
                                                                                  {"action", std::string(65, 'a')}}) {
    auto one = params;
    one[name] = bad;
    auto lookup = [&](const char* n) -> std::optional<std::string> {
      auto it = one.find(n);
      return it == one.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    auto refused = audit_query(lookup, "MALL");
    ASSERT_TRUE(std::holds_alternative<Refusal>(refused)) << name << "=" << bad;
    EXPECT_EQ(std::get<Refusal>(refused).code, name == "cursor" ? "MALL_BAD_CURSOR" : "MALL_BAD_QUERY");
    EXPECT_EQ(std::get<Refusal>(refused).message, name == "cursor" ? "分页游标无效" : "查询参数不合法：" + name);
  }
  auto none = audit_query([](const char*) { return std::optional<std::string>(); }, "AUTH");
  ASSERT_TRUE(std::holds_alternative<AuditQuery>(none));
  EXPECT_EQ(std::get<AuditQuery>(none).limit, 50);
  EXPECT_EQ(std::get<AuditQuery>(none).from_ms, 0);
}

INSTANTIATE_TEST_SUITE_P(Sql, AuditTrailTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace zt::core::storage
