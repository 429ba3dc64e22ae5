// core/workflow on SQLite and on a real PostgreSQL started on loopback: job leases, an item's
// history, staff resolutions by Idempotency-Key, and the stuck-item gauges — what every service's
// money workflow stands on (the mall's confirmation job and stuck-order desk use them).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <latch>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "core/observe/metrics.hpp"
#include "core/storage/database.hpp"
#include "core/util/error.hpp"
#include "core/workflow/history.hpp"
#include "core/workflow/intents.hpp"
#include "core/workflow/lease.hpp"
#include "core/workflow/resolutions.hpp"
#include "core/workflow/stuck_gauges.hpp"
#include "harness/process.hpp"
#include "harness/servers.hpp"

namespace zt::core::workflow {
namespace {

using storage::Tx;
using namespace std::chrono_literals;

constexpr std::int64_t kNow = 1'796'000'000'000;

// Runs one awaitable to its end on an io_context of its own (the database hops to the blocking
// pool and back).
template <class T>
T await(boost::asio::awaitable<T> a) {
  boost::asio::io_context io;
  std::optional<T> out;
  std::exception_ptr failed;
  boost::asio::co_spawn(io, std::move(a), [&](std::exception_ptr e, T v) {
    failed = e;
    if (!e) out.emplace(std::move(v));
  });
  io.run();
  if (failed) std::rethrow_exception(failed);
  return std::move(*out);
}
void await(boost::asio::awaitable<void> a) {
  boost::asio::io_context io;
  std::exception_ptr failed;
  boost::asio::co_spawn(io, std::move(a), [&](std::exception_ptr e) { failed = e; });
  io.run();
  if (failed) std::rethrow_exception(failed);
}

// What `fn` threw: "<status> <code>" for an ApiError, "error <what>" otherwise; "none" when it returned.
std::string code_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const ApiError& e) {
    return std::to_string(e.status()) + " " + e.code();
  } catch (const std::exception& e) {
    return std::string("error ") + e.what();
  }
  return "none";
}

enum class Backend { kSqlite, kPostgres };
void PrintTo(Backend b, std::ostream* os) { *os << (b == Backend::kSqlite ? "sqlite" : "postgres"); }

class Workflow : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    static std::atomic<int> n{0};
    const std::string name = "w" + std::to_string(::getpid()) + "_" + std::to_string(n++);
    storage::Options o;
    if (GetParam() == Backend::kSqlite) {
      o.driver = "sqlite";
      o.sqlite_path = dir_.path() + "/" + name + ".db";
    } else {
      o.driver = "postgres";
      o.postgres_dsn = test::shared_postgres().dsn();
      o.schema = name;
    }
    o.pool_size = 8;
    db_ = storage::Database::open(o);
    // The tables as a service declares them (core/workflow/*.hpp).
    db_->write_blocking([](Tx& tx) {
      tx.exec_script(
          "CREATE TABLE svc_leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until_ms BIGINT NOT NULL);"
          "CREATE TABLE svc_item_events (id TEXT PRIMARY KEY, item_id TEXT NOT NULL, first_at_ms BIGINT NOT NULL,"
          " last_at_ms BIGINT NOT NULL, times INTEGER NOT NULL, event TEXT NOT NULL, detail TEXT NOT NULL,"
          " actor TEXT NOT NULL);"
          "CREATE INDEX svc_item_events_item ON svc_item_events (item_id, first_at_ms);"
          "CREATE TABLE svc_resolutions (idempotency_key TEXT PRIMARY KEY, staff TEXT NOT NULL,"
          " item_id TEXT NOT NULL, fingerprint TEXT NOT NULL, result TEXT NOT NULL, created_at_ms BIGINT NOT NULL);"
          "CREATE TABLE svc_intents (id TEXT PRIMARY KEY, kind TEXT NOT NULL, subject TEXT NOT NULL,"
          " request TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL, next_at_ms BIGINT NOT NULL,"
          " wait_for TEXT, outcome TEXT, last_error TEXT, created_at_ms BIGINT NOT NULL, updated_at_ms BIGINT NOT "
          "NULL);"
          "CREATE INDEX svc_intents_due ON svc_intents (state, next_at_ms);"
          "CREATE INDEX svc_intents_subject ON svc_intents (subject);"
          // No key: an effect written twice would show as two rows.
          "CREATE TABLE svc_effects (id TEXT NOT NULL, what TEXT NOT NULL)");
    });
  }

  test::TempDir dir_{"zt-workflow"};
  std::unique_ptr<storage::Database> db_;
  const Leases leases_{"svc_leases"};
  const History history_{{"svc_item_events", "item_id", "svc", "SE"}};
  const Resolutions resolutions_{{"svc_resolutions", "item_id", "SVC"}};
  const Intents intents_{"svc_intents"};

  bool record(const Intent& in, std::int64_t at, const std::optional<std::string>& wait_for = std::nullopt) {
    bool fresh = false;
    db_->write_blocking([&](Tx& tx) { fresh = intents_.record(tx, in, at, wait_for); });
    return fresh;
  }
  IntentRecord intent(const std::string& id) {
    std::optional<IntentRecord> r;
    db_->read_blocking([&](Tx& tx) { r = intents_.find(tx, id); });
    if (!r) throw std::runtime_error("no intent " + id);
    return *r;
  }
  std::vector<std::string> due_ids(std::int64_t at, std::int64_t limit = 100) {
    std::vector<std::string> out;
    db_->read_blocking([&](Tx& tx) {
      for (const auto& r : intents_.due(tx, at, limit)) out.push_back(r.intent.id);
    });
    return out;
  }
  std::int64_t effect_rows() {
    std::int64_t n = 0;
    db_->read_blocking([&](Tx& tx) { n = tx.query("SELECT COUNT(*) FROM svc_effects").at(0).int64(0); });
    return n;
  }
  std::map<std::string, std::string> effects() {
    std::map<std::string, std::string> out;
    db_->read_blocking([&](Tx& tx) {
      for (const auto& r : tx.query("SELECT id, what FROM svc_effects")) out[r.string(0)] = r.string(1);
    });
    return out;
  }
};

// A scripted other end: per intent id, the answers its sends meet in turn (the last one repeats),
// and every body it was sent.
struct OtherEnd {
  std::mutex mutex;
  std::map<std::string, std::vector<IntentRunner::Sent>> script;
  std::map<std::string, std::vector<std::string>> received;
  std::atomic<int> effects{0};
  bool effect_fails = false;
  std::chrono::milliseconds answer_after{0};

  IntentRunner::Kind kind() {
    IntentRunner::Kind k;
    k.send = [this](const IntentRecord& r) -> boost::asio::awaitable<IntentRunner::Sent> {
      if (answer_after.count() > 0) std::this_thread::sleep_for(answer_after);
      std::lock_guard lock(mutex);
      received[r.intent.id].push_back(r.intent.request);
      auto& answers = script[r.intent.id];
      if (answers.empty()) throw std::runtime_error("connection reset");
      IntentRunner::Sent s = answers.front();
      if (answers.size() > 1) answers.erase(answers.begin());
      co_return s;
    };
    k.on_done = [this](Tx& tx, const IntentRecord& r, const std::string& answer) {
      if (effect_fails) throw std::runtime_error("the business write failed");
      ++effects;  // counted even if its transaction then fails: a second call shows
      tx.exec("INSERT INTO svc_effects (id, what) VALUES (?, ?)", {r.intent.id, "done " + answer});
    };
    k.on_refused = [this](Tx& tx, const IntentRecord& r, const std::string& error) {
      ++effects;
      tx.exec("INSERT INTO svc_effects (id, what) VALUES (?, ?)", {r.intent.id, "refused " + error});
    };
    return k;
  }
};

const IntentRunner::Sent kUnknown{discovery::Verdict::kUnknown, "504 GATEWAY_TIMEOUT 超时"};
const IntentRunner::Sent kDone{discovery::Verdict::kDone, R"({"order_id":"O1"})"};
const IntentRunner::Sent kRefused{discovery::Verdict::kRefused, "422 COUNTER_INSUFFICIENT_FUNDS 可用资金不足"};

TEST(WorkflowNames, OnlyPlainSqlNamesAreTaken) {
  EXPECT_THROW(Leases("leases; DROP TABLE x"), std::invalid_argument);
  EXPECT_THROW(Leases(""), std::invalid_argument);
  EXPECT_THROW(Leases("1leases"), std::invalid_argument);
  EXPECT_THROW(History({"svc_events", "item id", "svc", "SE"}), std::invalid_argument);
  EXPECT_THROW(History({"svc_events", "item_id", "", "SE"}), std::invalid_argument) << "no actor for its own lines";
  EXPECT_THROW(Resolutions({"svc_resolutions", "item_id", ""}), std::invalid_argument) << "no code prefix";
  EXPECT_NO_THROW(Leases("svc_leases_2"));
}

// One holder at a time: renewed by its holder, refused to another while live, taken over once it
// lapsed, given back for the next taker at once — and never given back by one that lost it.
TEST_P(Workflow, ALeaseHasOneHolderIsTakenOverWhenLapsedAndGivenBackOnlyByItsHolder) {
  const auto take = [&](const std::string& holder, std::int64_t at, const std::string& name = "job") {
    bool mine = false;
    db_->write_blocking([&](Tx& tx) { mine = leases_.take(tx, name, holder, at, 1000); });
    return mine;
  };
  EXPECT_TRUE(take("a", kNow)) << "the first taker creates it";
  EXPECT_FALSE(take("b", kNow + 10)) << "live, another's";
  EXPECT_TRUE(take("a", kNow + 500)) << "renewed by its holder (now until +1500)";
  EXPECT_FALSE(take("b", kNow + 1400)) << "the renewal counts";
  EXPECT_TRUE(take("b", kNow + 1501)) << "lapsed: taken over";
  EXPECT_FALSE(take("a", kNow + 1600)) << "the old holder lost it";
  db_->write_blocking([&](Tx& tx) { leases_.give_back(tx, "job", "a"); });
  EXPECT_FALSE(take("c", kNow + 1700)) << "given back by one that no longer holds it: nothing";
  db_->write_blocking([&](Tx& tx) { leases_.give_back(tx, "job", "b"); });
  EXPECT_TRUE(take("c", kNow + 1700)) << "given back: the next takes it at once";
  EXPECT_TRUE(take("b", kNow + 1700, "other")) << "another job's lease is its own row";
}

// Takers racing for a lease nobody has yet (PostgreSQL: READ COMMITTED, one transaction each):
// exactly one holds it, every time.
TEST_P(Workflow, TakersRacingForANewLeaseLeaveExactlyOneHolder) {
  constexpr int kTakers = 6, kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    const std::string name = "job-" + std::to_string(round);
    std::atomic<int> holders{0};
    std::latch start(kTakers);
    std::vector<std::thread> takers;
    for (int i = 0; i < kTakers; ++i)
      takers.emplace_back([&, i] {
        start.arrive_and_wait();
        for (;;) {
          try {
            bool mine = false;
            db_->write_blocking([&](Tx& tx) { mine = leases_.take(tx, name, "t" + std::to_string(i), kNow, 60'000); });
            if (mine) ++holders;
            return;
          } catch (const storage::StorageError& e) {
            // SQLite: the database is busy; taken again (PostgreSQL never comes here).
            if (GetParam() == Backend::kPostgres) {
              ADD_FAILURE() << e.what();
              return;
            }
          }
        }
      });
    for (auto& t : takers) t.join();
    EXPECT_EQ(holders.load(), 1) << "round " << round;
  }
}

// A job's lease as an instance holds it: one run at a time in the instance too; renewed only when
// a third of the ttl has passed; given back for another instance.
TEST_P(Workflow, AJobLeaseRunsOneAtATimeRenewsAfterAThirdAndIsGivenBack) {
  JobLease mine(*db_, leases_, "confirmation", "node-a", 3s, "svc: confirmation");
  JobLease theirs(*db_, leases_, "confirmation", "node-b", 3s, "svc: confirmation");
  ASSERT_TRUE(await(mine.take()));
  EXPECT_TRUE(mine.running());
  EXPECT_FALSE(await(mine.take())) << "this instance runs one already";
  EXPECT_FALSE(await(theirs.take())) << "held by another instance";
  EXPECT_FALSE(theirs.running()) << "a refused take leaves nothing running";
  std::int64_t until = 0;
  const auto read_until = [&] {
    std::int64_t v = 0;
    db_->read_blocking(
        [&](Tx& tx) { v = tx.query("SELECT until_ms FROM svc_leases WHERE name = 'confirmation'").at(0).int64(0); });
    return v;
  };
  until = read_until();
  EXPECT_TRUE(await(mine.keep()));
  EXPECT_EQ(read_until(), until) << "not renewed before a third of the ttl";
  std::this_thread::sleep_for(1100ms);
  EXPECT_TRUE(await(mine.keep()));
  EXPECT_GT(read_until(), until) << "renewed after a third";
  // Lost to another instance meanwhile (its lease lapsed while this one was stalled): keep() says so.
  db_->write_blocking([&](Tx& tx) { tx.exec("UPDATE svc_leases SET holder = 'node-c' WHERE name = 'confirmation'"); });
  std::this_thread::sleep_for(1100ms);
  EXPECT_FALSE(await(mine.keep()));
  db_->write_blocking([&](Tx& tx) { tx.exec("UPDATE svc_leases SET holder = 'node-a' WHERE name = 'confirmation'"); });
  await(mine.give_back());
  EXPECT_FALSE(mine.running());
  EXPECT_TRUE(await(theirs.take())) << "given back: the other instance need not wait for it to lapse";
  await(theirs.give_back());
}

// An item's history: a run of the service's own event is one line with a count, its first and last
// time and its latest detail; each staff note is a line; another event, or a staff line between,
// starts a new line; the last lines of several items in one read.
TEST_P(Workflow, AHistoryFoldsTheServicesOwnRepeatsAndKeepsEveryStaffLine) {
  db_->write_blocking([&](Tx& tx) {
    history_.note(tx, "I1", "unanswered", "504 GATEWAY_TIMEOUT", "svc", kNow + 1000);
    history_.note(tx, "I1", "unanswered", "504 GATEWAY_TIMEOUT", "svc", kNow + 2000);
    history_.note(tx, "I2", "unanswered", "0 无应答", "svc", kNow + 2500);  // another item
    history_.note(tx, "I1", "unanswered", "0 无应答", "svc", kNow + 3000);
    history_.note(tx, "I1", "refused", "COUNTER_X 不行", "svc", kNow + 4000);
    history_.note(tx, "I1", "resolved", "重试：柜台已恢复", "S1", kNow + 5000);
    history_.note(tx, "I1", "resolved", "重试：柜台已恢复", "S1", kNow + 5500);
    history_.note(tx, "I1", "refused", "COUNTER_X 不行", "svc", kNow + 6000);
  });
  std::vector<HistoryLine> lines, last_two;
  std::map<std::string, std::vector<HistoryLine>> several;
  db_->read_blocking([&](Tx& tx) {
    lines = history_.of(tx, "I1");
    last_two = history_.of(tx, "I1", 2);
    several = history_.of_each(tx, {"I1", "I2", "nobody"}, 3);
  });
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0].event, "unanswered");
  EXPECT_EQ(lines[0].times, 3) << "504, 504, then nothing: one line";
  EXPECT_EQ(lines[0].detail, "0 无应答") << "the latest detail";
  EXPECT_EQ(lines[0].first_at_ms, kNow + 1000);
  EXPECT_EQ(lines[0].last_at_ms, kNow + 3000);
  EXPECT_EQ(lines[0].actor, "svc");
  EXPECT_EQ(lines[1].event, "refused");
  EXPECT_EQ(lines[2].actor, "S1");
  EXPECT_EQ(lines[3].actor, "S1") << "what staff do is a line each, even when it says the same";
  EXPECT_EQ(lines[3].times, 1);
  EXPECT_EQ(lines[4].event, "refused") << "after a staff line, the service's event starts a new line";
  EXPECT_EQ(lines[4].times, 1);
  ASSERT_EQ(last_two.size(), 2u);
  EXPECT_EQ(last_two[0].first_at_ms, kNow + 5500) << "the last lines, oldest first";
  ASSERT_EQ(several.size(), 2u) << "no entry for an item without history";
  ASSERT_EQ(several["I1"].size(), 3u);
  EXPECT_EQ(several["I1"][2].first_at_ms, kNow + 6000);
  ASSERT_EQ(several["I2"].size(), 1u);
  EXPECT_EQ(several["I2"][0].detail, "0 无应答");
  db_->read_blocking([&](Tx& tx) { EXPECT_TRUE(history_.of_each(tx, {}, 3).empty()); });
}

// Lines noted in the same millisecond (a staff resolution notes three at once) read back in the
// order they were noted: once, ordered by a random id, they came back shuffled (a fresh-clone
// failure of BothModes/Mall.StuckOrders…, 2026-12-07).
TEST_P(Workflow, HistoryLinesOfOneMillisecondReadBackInTheOrderTheyWereNoted) {
  const std::vector<std::string> events{"resolved", "voided", "resolution", "released", "noted", "closed"};
  for (int round = 0; round < 20; ++round) {
    const std::string item = "J" + std::to_string(round);
    db_->write_blocking([&](Tx& tx) {
      for (const auto& e : events) history_.note(tx, item, e, "-", "S1", kNow + 7000);
    });
    std::vector<HistoryLine> lines;
    std::map<std::string, std::vector<HistoryLine>> each;
    db_->read_blocking([&](Tx& tx) {
      lines = history_.of(tx, item);
      each = history_.of_each(tx, {item}, 10);
    });
    std::vector<std::string> read, read_each;
    for (const auto& l : lines) read.push_back(l.event);
    for (const auto& l : each[item]) read_each.push_back(l.event);
    ASSERT_EQ(read, events) << "round " << round;
    ASSERT_EQ(read_each, events) << "round " << round;
  }
}

// A resolution's claim under its Idempotency-Key: the first claims; a repeat while it acts sees it
// unfinished; the same resolution left unfinished past the bound is taken over (its instance died),
// never another staff member's or another resolution's; a failed one gives the key back; a
// finished one answers its result and is never given back.
TEST_P(Workflow, AResolutionsClaimIsTakenOnceTakenOverWhenAbandonedAndAnswersItsResult) {
  constexpr std::int64_t kStale = 60'000;
  std::optional<Resolutions::Claim> first, repeat, other_staff, other_fingerprint, taken_over, after_failure, finished;
  db_->write_blocking([&](Tx& tx) {
    first = resolutions_.claim(tx, "key-1", "S1", "I1", "fp", kNow);
    repeat = resolutions_.claim(tx, "key-1", "S1", "I1", "fp", kNow + 1000);
    other_staff = resolutions_.claim(tx, "key-1", "S2", "I1", "fp", kNow + kStale + 1);
    other_fingerprint = resolutions_.claim(tx, "key-1", "S1", "I1", "fp2", kNow + kStale + 1);
    taken_over = resolutions_.claim(tx, "key-1", "S1", "I1", "fp", kNow + kStale + 1);
    resolutions_.give_back(tx, "key-1");
    after_failure = resolutions_.claim(tx, "key-1", "S1", "I1", "fp", kNow + kStale + 2);
    resolutions_.done(tx, "key-1", R"({"outcome":"resolved"})");
    resolutions_.give_back(tx, "key-1");  // a finished one is not given back
    finished = resolutions_.claim(tx, "key-1", "S1", "I1", "fp", kNow + 10 * kStale);
  });
  EXPECT_FALSE(first) << "claimed";
  ASSERT_TRUE(repeat);
  EXPECT_EQ(repeat->result, "") << "still acting";
  ASSERT_TRUE(other_staff) << "another staff member's request never takes it over";
  EXPECT_EQ(other_staff->staff, "S1");
  ASSERT_TRUE(other_fingerprint) << "nor another resolution under the same key";
  EXPECT_FALSE(taken_over) << "the same resolution, abandoned past the bound";
  EXPECT_FALSE(after_failure) << "a failed resolution gave its key back";
  ASSERT_TRUE(finished);
  EXPECT_EQ(finished->result, R"({"outcome":"resolved"})");
  EXPECT_EQ(finished->fingerprint, "fp");
  // What a repeat is answered.
  EXPECT_EQ(resolutions_.answer(*finished, "S1", "fp"), R"({"outcome":"resolved"})");
  EXPECT_EQ(code_of([&] { resolutions_.answer(*finished, "S2", "fp"); }), "422 SVC_IDEMPOTENCY_KEY_REUSED")
      << "another staff member's key";
  EXPECT_EQ(code_of([&] { resolutions_.answer(*repeat, "S1", "fp"); }), "409 SVC_RESOLUTION_IN_PROGRESS")
      << "still acting";
}

// The whole protocol, with steps that record what they were asked to do.
class Protocol {
 public:
  Protocol(storage::Database& db, const Resolutions& r, const History& h) : db_(db), r_(r), h_(h) {}
  std::atomic<int> judged{0}, begun{0}, acted{0}, finished{0}, abandoned{0};
  std::string refuse;                    // judge refuses with this code when set
  std::string fail;                      // act throws this when set
  std::chrono::milliseconds act_for{0};  // act takes this long
  std::string abandoned_with;

  std::string run(const std::string& key, const std::string& staff, const std::string& fingerprint) {
    Resolutions::Resolve r;
    r.key = key;
    r.staff = staff;
    r.subject = "I1";
    r.fingerprint = fingerprint;
    r.judge = [&](Tx&) {
      ++judged;
      if (!refuse.empty()) throw ApiError(409, refuse, "不可处理");
    };
    r.begin = [&](Tx& tx) {
      ++begun;
      h_.note(tx, "I1", "resolved", "重试", staff, kNow);
    };
    r.act = [&]() -> boost::asio::awaitable<void> {
      ++acted;
      if (act_for.count() > 0) std::this_thread::sleep_for(act_for);
      if (!fail.empty()) throw std::runtime_error(fail);
      co_return;
    };
    r.finish = [&](Tx& tx) {
      ++finished;
      h_.note(tx, "I1", "resolution", "已处理", staff, kNow + 1);
      return std::string(R"({"outcome":"resolved","n":)") + std::to_string(acted.load()) + "}";
    };
    r.abandoned = [&](Tx&, const std::string& error) {
      ++abandoned;
      abandoned_with = error;
    };
    return await(r_.run(db_, r, kNow));
  }

 private:
  storage::Database& db_;
  const Resolutions& r_;
  const History& h_;
};

// A refusal keeps nothing and uses up no key; an action that throws gives its key back (audited as
// come to nothing) and throws on; one that succeeds is kept: a repeat answers it without judging or
// acting again, another staff member or another resolution under that key is refused.
TEST_P(Workflow, AResolutionIsJudgedBeforeItActsKeptOnceAndAnsweredToARepeat) {
  Protocol p(*db_, resolutions_, history_);
  p.refuse = "SVC_ITEM_NOT_STUCK";
  EXPECT_EQ(code_of([&] { p.run("k1", "S1", "fp"); }), "409 SVC_ITEM_NOT_STUCK");
  EXPECT_EQ(p.begun.load(), 0);
  EXPECT_EQ(p.acted.load(), 0);
  db_->read_blocking([&](Tx& tx) {
    EXPECT_FALSE(resolutions_.find(tx, "k1")) << "a refusal keeps nothing";
    EXPECT_TRUE(history_.of(tx, "I1").empty()) << "nor notes anything";
  });

  p.refuse.clear();
  p.fail = "柜台应答无法解析";
  EXPECT_EQ(code_of([&] { p.run("k1", "S1", "fp"); }), "error 柜台应答无法解析") << "thrown on";
  EXPECT_EQ(p.abandoned.load(), 1);
  EXPECT_EQ(p.abandoned_with, "柜台应答无法解析");
  db_->read_blocking([&](Tx& tx) { EXPECT_FALSE(resolutions_.find(tx, "k1")) << "the key given back"; });

  p.fail.clear();
  const std::string first = p.run("k1", "S1", "fp");
  EXPECT_EQ(first, R"({"outcome":"resolved","n":2})");
  EXPECT_EQ(p.run("k1", "S1", "fp"), first) << "a repeat gets the first answer";
  EXPECT_EQ(p.acted.load(), 2) << "and does not act again";
  EXPECT_EQ(p.judged.load(), 3) << "the refused, the failed and the first, never a repeat: the item has changed since";
  p.refuse = "SVC_ITEM_NOT_STUCK";
  EXPECT_EQ(p.run("k1", "S1", "fp"), first) << "answered whatever the item's state is now";
  p.refuse.clear();
  EXPECT_EQ(code_of([&] { p.run("k1", "S2", "fp"); }), "422 SVC_IDEMPOTENCY_KEY_REUSED");
  EXPECT_EQ(code_of([&] { p.run("k1", "S1", "other"); }), "422 SVC_IDEMPOTENCY_KEY_REUSED");
  EXPECT_EQ(p.finished.load(), 1);
  db_->read_blocking([&](Tx& tx) {
    const auto lines = history_.of(tx, "I1");
    ASSERT_EQ(lines.size(), 3u) << "the failed attempt's intent, then the successful one's and its result";
    EXPECT_EQ(lines[2].event, "resolution");
  });
}

// A repeat while the first acts is told so (409), deterministically; a claim left unfinished past
// the bound (its instance died) is taken over by a repeat, which acts; the first to finish keeps
// its answer.
TEST_P(Workflow, AnUnfinishedResolutionAnswers409UntilARepeatTakesItOver) {
  Protocol p(*db_, resolutions_, history_);
  db_->write_blocking([&](Tx& tx) { EXPECT_FALSE(resolutions_.claim(tx, "k2", "S1", "I1", "fp", kNow)); });
  EXPECT_EQ(code_of([&] { p.run("k2", "S1", "fp"); }), "409 SVC_RESOLUTION_IN_PROGRESS")
      << "claimed at kNow, asked again at once (the protocol runs at kNow)";
  EXPECT_EQ(p.acted.load(), 0);
  // The same claim, abandoned long ago.
  db_->write_blocking([&](Tx& tx) {
    tx.exec("UPDATE svc_resolutions SET created_at_ms = ? WHERE idempotency_key = 'k2'", {kNow - 60'001});
  });
  EXPECT_EQ(p.run("k2", "S1", "fp"), R"({"outcome":"resolved","n":1})") << "taken over, acted";
  bool kept_again = true;
  std::optional<Resolutions::Claim> now;
  db_->write_blocking([&](Tx& tx) {
    kept_again = resolutions_.done(tx, "k2", R"({"outcome":"late"})");  // the dead instance's, arriving late
    now = resolutions_.find(tx, "k2");
  });
  EXPECT_FALSE(kept_again);
  EXPECT_EQ(now->result, R"({"outcome":"resolved","n":1})") << "the first to finish keeps its answer";
}

// Two staff clicks racing with the same key: one acts, the other is told it is in progress or gets
// the first answer — never a second action.
TEST_P(Workflow, RacingRepeatsOfOneResolutionActOnce) {
  Protocol p(*db_, resolutions_, history_);
  p.act_for = 300ms;
  constexpr int kRacers = 4;
  std::latch start(kRacers);
  std::vector<std::string> answers(kRacers);
  std::vector<std::thread> racers;
  for (int i = 0; i < kRacers; ++i)
    racers.emplace_back([&, i] {
      start.arrive_and_wait();
      answers[static_cast<std::size_t>(i)] =
          code_of([&] { answers[static_cast<std::size_t>(i)] = p.run("k", "S1", "fp"); });
      if (answers[static_cast<std::size_t>(i)] == "none") answers[static_cast<std::size_t>(i)] = "answered";
    });
  for (auto& t : racers) t.join();
  EXPECT_EQ(p.acted.load(), 1);
  int answered = 0;
  for (const auto& a : answers) {
    if (a == "answered")
      ++answered;
    else if (a.starts_with("error"))
      EXPECT_EQ(GetParam(), Backend::kSqlite) << a;  // SQLite busy only
    else
      EXPECT_EQ(a, "409 SVC_RESOLUTION_IN_PROGRESS");
  }
  EXPECT_GE(answered, 1);
  EXPECT_EQ(p.run("k", "S1", "fp"), R"({"outcome":"resolved","n":1})") << "and afterwards everyone gets its answer";
}

// Recorded once, before the first send; a repeat changes nothing; a request id is never reused
// for another request.
TEST_P(Workflow, AnIntentIsRecordedOnceAndItsRequestIdIsNeverReused) {
  const Intent order{"inv-run-P1-20260302", "counter.place_order", "P1", R"({"amount":"1000.00"})"};
  EXPECT_TRUE(record(order, kNow));
  EXPECT_FALSE(record(order, kNow + 5)) << "the same intent again: nothing changes";
  EXPECT_THROW(record({order.id, order.kind, order.subject, R"({"amount":"2000.00"})"}, kNow), std::logic_error);
  EXPECT_THROW(record({order.id, "bank.transfer", order.subject, order.request}, kNow), std::logic_error);
  EXPECT_THROW(record({order.id, order.kind, "P2", order.request}, kNow), std::logic_error) << "another item's";
  EXPECT_THROW(record({"inv-2", "", "P1", "{}"}, kNow), std::logic_error) << "no kind";
  EXPECT_THROW(record({"not a request id", order.kind, "P1", "{}"}, kNow), std::logic_error);
  const auto r = intent(order.id);
  EXPECT_EQ(r.state, "due");
  EXPECT_EQ(r.attempts, 0);
  EXPECT_EQ(r.intent.request, order.request);
  EXPECT_EQ(r.created_at_ms, kNow) << "the first record's";
  EXPECT_FALSE(r.wait_for);
  EXPECT_EQ(due_ids(kNow), std::vector<std::string>{order.id});
}

// Unknown outcomes are sent again byte-identical after a growing backoff, never marked failed;
// done and refused settle the intent once, with the business effect in the same transaction (an
// effect that fails leaves the intent due); a send that throws is an unknown outcome.
TEST_P(Workflow, EachAnswerSettlesTheIntentOnceWithItsEffectInTheSameTransaction) {
  OtherEnd other;
  other.script["A"] = {kUnknown, kUnknown, kDone};
  other.script["B"] = {kRefused};
  other.script["C"] = {kDone};
  IntentRunner runner(*db_, intents_, &history_, Backoff{1000ms, 8000ms});
  runner.add("counter.place_order", other.kind());
  for (const char* id : {"A", "B", "C"})
    ASSERT_TRUE(record({id, "counter.place_order", std::string("S") + id, std::string("req-") + id}, kNow));
  record({"D", "retired.kind", "SD", "req-D"}, kNow);

  other.effect_fails = true;  // C's answer arrives but its business write fails
  auto pass = await(runner.run_due(kNow, 10));
  EXPECT_EQ(pass.sent, 4);
  EXPECT_EQ(pass.refused, 1);
  EXPECT_EQ(pass.done, 0);
  const auto a = intent("A");
  EXPECT_EQ(a.state, "due") << "unknown: never failed";
  EXPECT_EQ(a.attempts, 1);
  EXPECT_GE(a.next_at_ms, kNow + 1000);
  EXPECT_LE(a.next_at_ms, kNow + 1500) << "a fifth of spread, and the pass's own time";
  EXPECT_EQ(a.last_error, kUnknown.text);
  EXPECT_EQ(intent("B").state, "refused");
  EXPECT_EQ(intent("B").outcome, kRefused.text);
  const auto c = intent("C");
  EXPECT_EQ(c.state, "due") << "its effect failed: neither is kept";
  EXPECT_EQ(c.attempts, 1) << "sent again after the backoff, behind the others";
  EXPECT_EQ(c.last_error, "结果未能入账：the business write failed");
  EXPECT_EQ(intent("D").state, "due") << "a kind without a handler waits, behind the others";
  EXPECT_EQ(intent("D").attempts, 1);
  EXPECT_EQ(effects(), (std::map<std::string, std::string>{{"B", "refused " + kRefused.text}}));

  other.effect_fails = false;
  EXPECT_TRUE(due_ids(kNow + 999).empty()) << "every one waits for its backoff";
  await(runner.run_due(c.next_at_ms, 10));
  EXPECT_EQ(intent("C").state, "done");
  pass = await(runner.run_due(a.next_at_ms, 10));
  EXPECT_EQ(intent("A").attempts, 2);
  EXPECT_GE(intent("A").next_at_ms - a.next_at_ms, 2000) << "the backoff grows";
  await(runner.run_due(intent("A").next_at_ms, 10));
  EXPECT_EQ(intent("A").state, "done");
  EXPECT_EQ(intent("A").outcome, kDone.text);
  await(runner.run_due(kNow + 3'600'000, 10));  // much later: nothing settled is sent again
  EXPECT_EQ(other.received["A"], (std::vector<std::string>{"req-A", "req-A", "req-A"})) << "byte-identical, 3 times";
  EXPECT_EQ(other.received["B"].size(), 1u) << "refused for good: never sent again";
  EXPECT_EQ(other.received["C"].size(), 2u);
  EXPECT_EQ(other.effects.load(), 3) << "one effect per settled intent";
  EXPECT_EQ(effect_rows(), 3);
  EXPECT_EQ(effects().at("A"), "done " + kDone.text);
  EXPECT_GE(intent("D").attempts, 3) << "still due, still behind";

  // Sent directly (the request path's first send): settled by its answer at once.
  other.script["E"] = {};  // the connection resets: unknown
  record({"E", "counter.place_order", "SE", "req-E"}, kNow);
  const auto e = await(runner.send(intent("E"), kNow));
  EXPECT_EQ(e.state, "due");
  EXPECT_EQ(e.last_error, "connection reset");
  EXPECT_TRUE(e == intent("E")) << "answered as the database has it, without reading it back";
  other.script["F"] = {kDone};
  other.script["G"] = {kRefused};
  record({"F", "counter.place_order", "SF", "req-F"}, kNow);
  record({"G", "counter.place_order", "SG", "req-G"}, kNow);
  const auto f = await(runner.send(intent("F"), kNow + 1));
  const auto g = await(runner.send(intent("G"), kNow + 1));
  EXPECT_EQ(f.state, "done");
  EXPECT_EQ(g.state, "refused");
  EXPECT_TRUE(f == intent("F"));
  EXPECT_TRUE(g == intent("G"));
  std::vector<HistoryLine> lines;
  db_->read_blocking([&](Tx& tx) { lines = history_.of(tx, "SA"); });
  ASSERT_EQ(lines.size(), 1u) << "A's two unanswered sends: one line";
  EXPECT_EQ(lines[0].times, 2);
  EXPECT_EQ(lines[0].event, "unanswered");
}

// Waiting for an outside event never holds the due ones back; the event releases every intent
// waiting for it; an unanswered one goes behind newer due ones.
TEST_P(Workflow, IntentsWaitingForAnEventNeverHoldBackTheDueOnes) {
  for (int i = 0; i < 5; ++i)
    record({"W" + std::to_string(i), "counter.confirm", "S", "w"}, kNow + i, std::string("nav:F1:2026-03-02"));
  record({"X", "counter.confirm", "S", "x"}, kNow + 100, std::string("nav:F2:2026-03-02"));
  record({"N", "counter.place_order", "S", "n"}, kNow + 200);
  EXPECT_EQ(due_ids(kNow + 300, 1), std::vector<std::string>{"N"}) << "the older waiting ones are not in the way";
  // Sent directly before its event (a request path that recorded it waiting): not sent at all.
  OtherEnd other;
  other.script["X"] = {kDone};
  IntentRunner runner(*db_, intents_, nullptr, Backoff{});
  runner.add("counter.confirm", other.kind());
  const auto x = await(runner.send(intent("X"), kNow + 300));
  EXPECT_EQ(x.state, "due");
  EXPECT_EQ(x.wait_for, "nav:F2:2026-03-02");
  EXPECT_EQ(x.attempts, 0);
  EXPECT_TRUE(other.received.empty()) << "nothing moves before its event";
  EXPECT_THROW(runner.add("counter.other", IntentRunner::Kind{}), std::logic_error) << "a kind needs all three";
  std::int64_t released = 0;
  db_->write_blocking([&](Tx& tx) { released = intents_.release(tx, "nav:F1:2026-03-02", kNow + 400); });
  EXPECT_EQ(released, 5);
  EXPECT_EQ(due_ids(kNow + 400).size(), 6u) << "X still waits for its own NAV";
  db_->write_blocking([&](Tx& tx) { EXPECT_TRUE(intents_.unanswered(tx, "N", "timeout", kNow + 400, kNow + 401)); });
  EXPECT_EQ(due_ids(kNow + 500).back(), "N") << "tried, it goes behind";
}

// Two runners (two instances, or a staff retry racing the job) over the same due intents: each is
// settled, and its effect written, exactly once.
TEST_P(Workflow, TwoRunnersRacingSettleEachIntentOnce) {
  OtherEnd other;
  other.answer_after = 5ms;
  constexpr int kIntents = 20;
  for (int i = 0; i < kIntents; ++i) {
    const std::string id = "R" + std::to_string(i);
    other.script[id] = {kDone};
    record({id, "counter.place_order", "S", "req"}, kNow);
  }
  std::latch start(2);
  std::vector<std::thread> runners;
  for (int n = 0; n < 2; ++n)
    runners.emplace_back([&] {
      IntentRunner runner(*db_, intents_, nullptr, Backoff{});
      runner.add("counter.place_order", other.kind());
      start.arrive_and_wait();
      try {
        await(runner.run_due(kNow, 100));
      } catch (const storage::StorageError& e) {
        // SQLite busy: a later pass settles the rest.
        if (GetParam() == Backend::kPostgres) ADD_FAILURE() << e.what();
      }
    });
  for (auto& t : runners) t.join();
  if (GetParam() == Backend::kSqlite) {  // whatever a busy database left, a later pass settles
    IntentRunner runner(*db_, intents_, nullptr, Backoff{});
    runner.add("counter.place_order", other.kind());
    await(runner.run_due(kNow + 600'000, 100));
  }
  EXPECT_EQ(other.effects.load(), kIntents);
  EXPECT_EQ(effect_rows(), kIntents);
  std::size_t sends = 0;
  for (const auto& [id, bodies] : other.received) sends += bodies.size();
  if (GetParam() == Backend::kPostgres) {
    EXPECT_GT(sends, static_cast<std::size_t>(kIntents)) << "the runners did race";
  }
  EXPECT_TRUE(due_ids(kNow + 600'000).empty());
}

// Stuck: unanswered since before the bound, or waiting too long — counted and listed; staff retry
// one now, or void one (nothing settles it after).
TEST_P(Workflow, StuckIntentsAreCountedListedAndRetriedOrVoidedByStaff) {
  record({"U", "counter.place_order", "S1", "u"}, kNow);
  record({"V", "counter.place_order", "S2", "v"}, kNow + 1);
  record({"W", "counter.confirm", "S3", "w"}, kNow + 2, std::string("nav:F1:2026-03-02"));
  record({"F", "counter.place_order", "S4", "f"}, kNow + 3);  // recorded, never tried
  db_->write_blocking([&](Tx& tx) {
    intents_.unanswered(tx, "U", "timeout", kNow + 10, kNow + 60'000);
    intents_.unanswered(tx, "V", "timeout", kNow + 10, kNow + 60'000);
  });
  StuckFigures figures;
  std::vector<IntentRecord> listed;
  db_->read_blocking([&](Tx& tx) {
    figures = intents_.stuck(tx, kNow + 5, kNow + 5);
    listed = intents_.stuck_list(tx, kNow + 5, kNow + 5, 10);
  });
  EXPECT_EQ(figures["unanswered"].count, 3) << "U and V unanswered, F never tried (no runner ran)";
  EXPECT_EQ(figures["unanswered"].oldest_ms, kNow);
  EXPECT_EQ(figures["waiting"].count, 1);
  ASSERT_EQ(listed.size(), 4u);
  EXPECT_EQ(listed[0].intent.id, "U");
  EXPECT_EQ(listed[2].intent.id, "W");
  EXPECT_EQ(listed[3].intent.id, "F");
  db_->read_blocking(
      [&](Tx& tx) { EXPECT_EQ(intents_.stuck(tx, kNow, kNow)["unanswered"].count, 0) << "not yet past the bound"; });
  db_->write_blocking([&](Tx& tx) {
    EXPECT_TRUE(intents_.retry_now(tx, "U", kNow + 20));
    EXPECT_TRUE(intents_.voided(tx, "V", "柜台确认未收到该委托，人工作废", kNow + 20));
    EXPECT_FALSE(intents_.done(tx, "V", "{}", kNow + 30)) << "a voided intent is never settled after";
    EXPECT_FALSE(intents_.voided(tx, "V", "again", kNow + 30));
    EXPECT_FALSE(intents_.done(tx, "W", "{}", kNow + 30)) << "a waiting one is not answered before its event";
    EXPECT_FALSE(intents_.unanswered(tx, "W", "timeout", kNow + 30, kNow + 40)) << "nor tried";
    EXPECT_FALSE(intents_.retry_now(tx, "W", kNow + 30)) << "a retry does not skip its event";
  });
  EXPECT_EQ(due_ids(kNow + 20), (std::vector<std::string>{"F", "U"})) << "U due again at once (behind F, never tried)";
  EXPECT_EQ(intent("V").state, "voided");
  EXPECT_EQ(intent("V").outcome, "柜台确认未收到该委托，人工作废");
}

INSTANTIATE_TEST_SUITE_P(Backends, Workflow, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& info) { return info.param == Backend::kSqlite ? "sqlite" : "postgres"; });

TEST(IntentBackoff, GrowsToItsCapWithAFifthOfSpreadAndIsTheSameEachTime) {
  const Backoff b{1000ms, 8000ms};
  for (const char* id : {"A", "B", "inv-run-P1-20260302"}) {
    EXPECT_GE(b.after(id, 1).count(), 1000);
    EXPECT_LE(b.after(id, 1).count(), 1200);
    EXPECT_GE(b.after(id, 2).count(), 2000);
    EXPECT_LE(b.after(id, 2).count(), 2400);
    EXPECT_GE(b.after(id, 4).count(), 8000);
    EXPECT_LE(b.after(id, 60).count(), 9600) << "capped, even after many attempts";
    EXPECT_EQ(b.after(id, 3), b.after(id, 3)) << "deterministic";
  }
  std::set<std::int64_t> spread;
  for (int i = 0; i < 20; ++i) spread.insert(b.after("I" + std::to_string(i), 1).count());
  EXPECT_GT(spread.size(), 10u) << "intents unanswered together are not all sent again at once";
}

// The gauges: every kind named is exported (0 when none); counted is 0 until a count succeeds and
// when one fails, the figures then being the last good ones.
TEST(StuckGauges, ExportEveryKindAndKeepTheLastGoodFiguresWhenACountFails) {
  observe::Registry metrics;
  StuckFigures next{{"placing", {2, 1'000}}};
  bool fail = false;
  StuckGauges gauges(metrics,
                     {"zt_svc_stuck_items",
                      "Items stuck, by kind",
                      "zt_svc_stuck_oldest_age_seconds",
                      "Oldest, by kind",
                      "zt_svc_stuck_counted",
                      "1 while counted",
                      {"placing", "waiting"},
                      "svc: stuck items not counted"},
                     [&]() -> boost::asio::awaitable<StuckFigures> {
                       if (fail) throw std::runtime_error("database unavailable");
                       co_return next;
                     });
  const auto line = [&](const std::string& prefix) {
    const std::string text = metrics.render();
    const auto at = text.find("\n" + prefix + " ");
    if (at == std::string::npos) return std::string("absent");
    const auto from = at + 1 + prefix.size() + 1;
    return text.substr(from, text.find('\n', from) - from);
  };
  EXPECT_EQ(line("zt_svc_stuck_counted"), "0") << "not counted yet";
  EXPECT_EQ(line(R"(zt_svc_stuck_items{kind="waiting"})"), "0");
  await(gauges.count());
  EXPECT_EQ(line("zt_svc_stuck_counted"), "1");
  EXPECT_EQ(line(R"(zt_svc_stuck_items{kind="placing"})"), "2");
  EXPECT_EQ(line(R"(zt_svc_stuck_items{kind="waiting"})"), "0") << "a kind absent from the count is 0, still exported";
  const auto age = std::stoll(line(R"(zt_svc_stuck_oldest_age_seconds{kind="placing"})"));
  EXPECT_GT(age, 1'700'000'000) << "seconds since the oldest began (here 1970)";
  EXPECT_EQ(line(R"(zt_svc_stuck_oldest_age_seconds{kind="waiting"})"), "0");
  fail = true;
  await(gauges.count());
  EXPECT_EQ(line("zt_svc_stuck_counted"), "0");
  EXPECT_EQ(line(R"(zt_svc_stuck_items{kind="placing"})"), "2") << "the last good figures";
  fail = false;
  next = {};
  await(gauges.count());
  EXPECT_EQ(line("zt_svc_stuck_counted"), "1");
  EXPECT_EQ(line(R"(zt_svc_stuck_items{kind="placing"})"), "0") << "fallen back to none";
}

}  // namespace
}  // namespace zt::core::workflow
