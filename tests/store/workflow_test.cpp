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
#include <optional>
#include <thread>

#include "core/observe/metrics.hpp"
#include "core/storage/database.hpp"
#include "core/util/error.hpp"
#include "core/workflow/history.hpp"
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
          " item_id TEXT NOT NULL, fingerprint TEXT NOT NULL, result TEXT NOT NULL, created_at_ms BIGINT NOT NULL)");
    });
  }

  test::TempDir dir_{"zt-workflow"};
  std::unique_ptr<storage::Database> db_;
  const Leases leases_{"svc_leases"};
  const History history_{{"svc_item_events", "item_id", "svc", "SE"}};
  const Resolutions resolutions_{{"svc_resolutions", "item_id", "SVC"}};
};

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
          } catch (const storage::StorageError&) {
            // SQLite: the database is busy; taken again (PostgreSQL never comes here).
            if (GetParam() == Backend::kPostgres) throw;
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
  JobLease mine(*db_, leases_, "confirmation", "node-a", 600ms, "svc: confirmation");
  JobLease theirs(*db_, leases_, "confirmation", "node-b", 600ms, "svc: confirmation");
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
  std::this_thread::sleep_for(250ms);
  EXPECT_TRUE(await(mine.keep()));
  EXPECT_GT(read_until(), until) << "renewed after a third";
  // Lost to another instance meanwhile (its lease lapsed while this one was stalled): keep() says so.
  db_->write_blocking([&](Tx& tx) { tx.exec("UPDATE svc_leases SET holder = 'node-c' WHERE name = 'confirmation'"); });
  std::this_thread::sleep_for(250ms);
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
  try {
    resolutions_.answer(*finished, "S2", "fp");
    ADD_FAILURE() << "another staff member's key";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 422);
    EXPECT_EQ(e.code(), "SVC_IDEMPOTENCY_KEY_REUSED");
  }
  try {
    resolutions_.answer(*repeat, "S1", "fp");
    ADD_FAILURE() << "still acting";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 409);
    EXPECT_EQ(e.code(), "SVC_RESOLUTION_IN_PROGRESS");
  }
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

INSTANTIATE_TEST_SUITE_P(Backends, Workflow, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& info) { return info.param == Backend::kSqlite ? "sqlite" : "postgres"; });

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
