// A storage transaction's span (issue 19): a client span of the work its coroutine's slot holds
// (core/net/work_executor.hpp) — a request, or a traced job's run — named by system and kind,
// never a statement; failed only when the database failed or the transaction could not run; and
// the caller sees exactly what it would without tracing (the same exception, the same rows).
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "core/net/periodic.hpp"
#include "core/net/runtime.hpp"
#include "core/net/slot_executor.hpp"
#include "core/observe/tracer.hpp"
#include "core/storage/database.hpp"
#include "core/util/error.hpp"

namespace zt::core::storage {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

std::string text_of(const observe::Span& s, const std::string& key) {
  for (const auto& a : s.attributes)
    if (a.key == key) {
      if (const auto* t = std::get_if<std::string>(&a.value)) return *t;
      if (const auto* b = std::get_if<bool>(&a.value)) return *b ? "true" : "false";
    }
  return "";
}

class DatabaseSpans : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/zt-db-spans-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    Options o;
    o.sqlite_path = dir_ + "/spans.db";
    o.sqlite_synchronous_full = false;
    db_ = Database::open(o);
    db_->write_blocking([](Tx& tx) { tx.exec("CREATE TABLE orders (id TEXT PRIMARY KEY, amount INTEGER)"); });
    observe::TracerOptions t;
    t.flush_interval = 10ms;
    observe::tracer().start(t);
    observe::tracer().set_export([this](std::vector<observe::RecordedSpan>&& batch) {
      std::lock_guard lock(mutex_);
      for (auto& s : batch) got_.push_back(std::move(s));
      return true;
    });
    rt_.start();
  }
  void TearDown() override {
    rt_.stop();
    observe::tracer().set_export(nullptr);
    observe::tracer().stop();
    db_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  // Runs `work` on io thread 0: on an executor with a slot holding `request` (as the tracing
  // middleware would put it), or on the plain executor.
  template <class F>
  void serve(F work, bool with_slot = true) {
    auto run = [this, work, with_slot]() -> asio::awaitable<void> {
      net::WorkSlot* slot = co_await net::current_work_slot();
      const net::SpanParentScope scope(slot, observe::SpanOrigin{request_, "mall"});
      EXPECT_EQ(slot != nullptr, with_slot);
      co_await work();
    };
    const auto plain = rt_.context(0).get_executor();
    auto done =
        with_slot ? asio::co_spawn(net::work_executor(plain, std::make_shared<net::WorkSlot>()), run, asio::use_future)
                  : asio::co_spawn(plain, run, asio::use_future);
    done.get();
  }
  std::vector<observe::RecordedSpan> spans(std::size_t at_least) {
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard lock(mutex_);
        if (got_.size() >= at_least) return got_;
      }
      std::this_thread::sleep_for(10ms);
    }
    std::lock_guard lock(mutex_);
    return got_;
  }

  std::string dir_;
  std::unique_ptr<Database> db_;
  net::IoRuntime rt_{1};
  const observe::TraceContext request_ = observe::TraceContext::generate();
  std::mutex mutex_;
  std::vector<observe::RecordedSpan> got_;
};

TEST_F(DatabaseSpans, ATransactionOfARequestIsItsClientSpanNamedBySystemAndKindNeverAStatement) {
  serve([this]() -> asio::awaitable<void> {
    co_await db_->write([](Tx& tx) { tx.exec("INSERT INTO orders VALUES ('O-1', 100)"); });
    const auto amount = co_await db_->read(
        [](Tx& tx) { return tx.query("SELECT amount FROM orders WHERE id = 'O-1'").at(0).int64(0); });
    EXPECT_EQ(amount, 100);
  });
  const auto got = spans(2);
  ASSERT_EQ(got.size(), 2u);
  const std::array<std::string, 2> kinds{"write", "read"};
  for (std::size_t i = 0; i < 2; ++i) {
    const auto& s = got[i].span;
    EXPECT_EQ(got[i].service, "mall");
    EXPECT_EQ(s.name, "sqlite " + kinds[i]);
    EXPECT_EQ(s.kind, observe::SpanKind::kClient);
    EXPECT_EQ(s.trace_id, request_.trace_id);
    EXPECT_EQ(s.parent_span_id, request_.span_id);
    EXPECT_NE(s.span_id, request_.span_id);
    EXPECT_EQ(s.status, observe::SpanStatus::kUnset);
    EXPECT_LE(s.start_unix_nano, s.end_unix_nano);
    EXPECT_EQ(text_of(s, "db.system"), "sqlite");
    EXPECT_EQ(text_of(s, "peer.service"), "db:sqlite");
    EXPECT_EQ(text_of(s, "zt.db.transaction"), kinds[i]);
    EXPECT_EQ(text_of(s, "zt.db.rolled_back"), "");
    for (const auto& a : s.attributes) {
      if (const auto* t = std::get_if<std::string>(&a.value)) {
        EXPECT_EQ(t->find("O-1"), std::string::npos) << a.key;
      }
    }
  }
}

TEST_F(DatabaseSpans, ARefusalThrownInsideRollsBackAndReachesTheCallerUnchangedButIsNoFailure) {
  serve([this]() -> asio::awaitable<void> {
    std::string code, message;
    try {
      co_await db_->write([](Tx& tx) {
        tx.exec("INSERT INTO orders VALUES ('O-2', 100)");
        throw ApiError(409, "MALL_ORDER_REFUSED", "订单不可提交");
      });
    } catch (const ApiError& e) {
      code = e.code();
      message = e.message();
    }
    EXPECT_EQ(code, "MALL_ORDER_REFUSED");
    EXPECT_EQ(message, "订单不可提交");
    const auto left = co_await db_->read(
        [](Tx& tx) { return tx.query("SELECT COUNT(*) FROM orders WHERE id = 'O-2'").at(0).int64(0); });
    EXPECT_EQ(left, 0) << "rolled back";
  });
  const auto got = spans(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].span.name, "sqlite write");
  EXPECT_EQ(got[0].span.status, observe::SpanStatus::kUnset);
  EXPECT_EQ(text_of(got[0].span, "zt.db.rolled_back"), "true");
  EXPECT_EQ(text_of(got[1].span, "zt.db.rolled_back"), "");
}

TEST_F(DatabaseSpans, AUniqueViolationIsTheCallersToHandleAndAStatementThatFailsIsAFailure) {
  serve([this]() -> asio::awaitable<void> {
    co_await db_->write([](Tx& tx) { tx.exec("INSERT INTO orders VALUES ('O-3', 100)"); });
    bool unique = false;
    try {
      co_await db_->write([](Tx& tx) { tx.exec("INSERT INTO orders VALUES ('O-3', 200)"); });
    } catch (const StorageError& e) {
      unique = e.kind() == StorageError::Kind::kUniqueViolation;
    }
    EXPECT_TRUE(unique);
    bool broken = false;
    try {
      co_await db_->read([](Tx& tx) { tx.query("SELECT nothing FROM no_such_table"); });
    } catch (const StorageError& e) {
      broken = e.kind() == StorageError::Kind::kOther;
    }
    EXPECT_TRUE(broken);
  });
  const auto got = spans(3);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1].span.status, observe::SpanStatus::kUnset);
  EXPECT_EQ(text_of(got[1].span, "zt.db.unique_violation"), "true");
  EXPECT_EQ(text_of(got[1].span, "zt.db.rolled_back"), "true");
  EXPECT_EQ(got[2].span.status, observe::SpanStatus::kError);
  EXPECT_EQ(got[2].span.status_message, "storage error") << "never the statement or the database's text";
}

TEST_F(DatabaseSpans, WorkWithoutASlotOrWithTracingOffMakesNoSpanAndWritesTheSame) {
  serve(
      [this]() -> asio::awaitable<void> {
        co_await db_->write([](Tx& tx) { tx.exec("INSERT INTO orders VALUES ('O-4', 1)"); });
      },
      false);
  // Then one with a slot: the only span to arrive (the queue keeps its order).
  serve([this]() -> asio::awaitable<void> {
    co_await db_->write([](Tx& tx) { tx.exec("INSERT INTO orders VALUES ('O-5', 1)"); });
  });
  auto got = spans(1);
  std::this_thread::sleep_for(50ms);
  got = spans(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].span.parent_span_id, request_.span_id);
  observe::tracer().set_export(nullptr);  // tracing off: nothing records
  ASSERT_FALSE(observe::tracer().recording());
  const auto recorded = observe::tracer().stats().recorded;
  serve([this]() -> asio::awaitable<void> {
    co_await db_->write([](Tx& tx) { tx.exec("INSERT INTO orders VALUES ('O-6', 1)"); });
  });
  EXPECT_EQ(observe::tracer().stats().recorded, recorded) << "nothing waits to be sent either";
  std::int64_t rows = 0;
  db_->read_blocking([&](Tx& tx) { rows = tx.query("SELECT COUNT(*) FROM orders").at(0).int64(0); });
  EXPECT_EQ(rows, 3);
  std::lock_guard lock(mutex_);
  EXPECT_EQ(got_.size(), 1u);
}

TEST(DatabaseSpanVerdict, FailedOnlyWhenTheDatabaseOrTheTransactionsCodeFailed) {
  const auto thrown = [](auto e) { return std::make_exception_ptr(e); };
  EXPECT_EQ(judge_transaction(nullptr, false).failed, "");
  const auto unavailable =
      judge_transaction(thrown(StorageError(StorageError::Kind::kUnavailable, "conn refused")), true);
  EXPECT_EQ(unavailable.failed, "database unavailable");
  const auto other = judge_transaction(thrown(StorageError(StorageError::Kind::kOther, "syntax error near 'x'")), true);
  EXPECT_EQ(other.failed, "storage error");
  const auto unique = judge_transaction(thrown(StorageError(StorageError::Kind::kUniqueViolation, "dup")), true);
  EXPECT_EQ(unique.failed, "");
  EXPECT_TRUE(unique.unique_violation);
  const auto refused = judge_transaction(thrown(ApiError(409, "X", "拒绝")), true);
  EXPECT_EQ(refused.failed, "");
  EXPECT_TRUE(refused.rolled_back);
  // The blocking pool full: the transaction never ran — this process's load, not a failure of the
  // edge to the database.
  const auto overloaded = judge_transaction(thrown(ApiError(503, "OVERLOADED", "系统繁忙")), false);
  EXPECT_EQ(overloaded.failed, "");
  EXPECT_TRUE(overloaded.not_run);
  EXPECT_FALSE(overloaded.rolled_back);
  // A body that fails otherwise (a row not there): the transaction's failure.
  const auto broken = judge_transaction(thrown(std::out_of_range("row 0")), true);
  EXPECT_EQ(broken.failed, "transaction failed");
  EXPECT_TRUE(broken.rolled_back);
}

// A traced job's run is the root of its trace, and its transaction is the run's child.
TEST_F(DatabaseSpans, ATracedJobsRunIsTheRootOfItsTransactions) {
  std::atomic<int> runs{0};
  net::Periodic job("database span test");
  job.trace_as("mall", "confirmation");
  job.start(rt_, std::chrono::hours(1), net::Periodic::First::kNow, [&]() -> asio::awaitable<void> {
    co_await db_->write([](Tx& tx) { tx.exec("INSERT INTO orders VALUES ('O-7', 1)"); });
    ++runs;
  });
  const auto got = spans(2);
  job.stop();
  rt_.stop();  // the job's loop ends before the job does
  std::string names;
  for (const auto& g : got) names += g.span.name + " (" + g.service + ") ";
  ASSERT_EQ(got.size(), 2u) << names << " runs " << runs.load();
  EXPECT_EQ(runs.load(), 1);
  const auto& call = got[0].span.kind == observe::SpanKind::kClient ? got[0] : got[1];
  const auto& run = got[0].span.kind == observe::SpanKind::kClient ? got[1] : got[0];
  EXPECT_EQ(run.service, "mall");
  EXPECT_EQ(run.span.name, "job confirmation");
  EXPECT_EQ(run.span.kind, observe::SpanKind::kInternal);
  EXPECT_EQ(run.span.parent_span_id, (std::array<std::uint8_t, 8>{})) << "a root";
  EXPECT_EQ(call.service, "mall");
  EXPECT_EQ(call.span.name, "sqlite write");
  EXPECT_EQ(call.span.trace_id, run.span.trace_id);
  EXPECT_EQ(call.span.parent_span_id, run.span.span_id);
}

}  // namespace
}  // namespace zt::core::storage
