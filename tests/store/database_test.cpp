// One suite, run unchanged against SQLite and a real PostgreSQL started on loopback.
#include "core/storage/database.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/describe.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <map>
#include <mutex>
#include <thread>

#include "core/storage/idempotency.hpp"
#include "harness/process.hpp"
#include "harness/servers.hpp"

namespace zt::core::storage {
namespace {

enum class Backend { kSqlite, kPostgres };
void PrintTo(Backend b, std::ostream* os) { *os << (b == Backend::kSqlite ? "sqlite" : "postgres"); }

test::PostgresServer& postgres() { return test::shared_postgres(); }

class StorageTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { db_ = open_db(next_name()); }

  std::string next_name() {
    static std::atomic<int> n{0};
    return "t" + std::to_string(::getpid()) + "_" + std::to_string(n++);
  }

  std::unique_ptr<Database> open_db(const std::string& name) {
    Options o;
    if (GetParam() == Backend::kSqlite) {
      o.driver = "sqlite";
      o.sqlite_path = dir_.path() + "/" + name + ".db";
    } else {
      o.driver = "postgres";
      o.postgres_dsn = postgres().dsn();
      o.schema = name;
    }
    o.pool_size = 4;
    return Database::open(o);
  }

  void create_table(Database& db) {
    db.write_blocking([](Tx& tx) {
      tx.exec_script("CREATE TABLE accounts (id INTEGER PRIMARY KEY, owner TEXT NOT NULL UNIQUE, balance BIGINT NOT NULL)");
    });
  }

  // The write fails with a StorageError of `kind`.
  template <class F>
  ::testing::AssertionResult fails_with(StorageError::Kind kind, F fn) {
    try {
      db_->write_blocking(fn);
    } catch (const StorageError& e) {
      if (e.kind() == kind) return ::testing::AssertionSuccess();
      return ::testing::AssertionFailure() << "another kind of error: " << e.what();
    }
    return ::testing::AssertionFailure() << "the write succeeded";
  }
  // `n` accounts from `first_id` on, each in its own write, inserted by a deferred statement.
  void defer_accounts(int first_id, int n) {
    for (int i = 0; i < n; ++i)
      db_->write_blocking([&](Tx& tx) {
        tx.defer("INSERT INTO accounts (id, owner, balance) VALUES (?, ?, 1)",
                 {std::int64_t{first_id + i}, "o" + std::to_string(first_id + i)});
      });
  }

  test::TempDir dir_{"zt-storage"};
  std::unique_ptr<Database> db_;
};

TEST_P(StorageTest, WritesAndReadsTypedValues) {
  create_table(*db_);
  db_->write_blocking([](Tx& tx) {
    EXPECT_EQ(tx.exec("INSERT INTO accounts (id, owner, balance) VALUES (?, ?, ?)", {std::int64_t{1}, std::string("张三"), std::int64_t{100050}}), 1);
    tx.exec("INSERT INTO accounts (id, owner, balance) VALUES (?, ?, ?)", {std::int64_t{2}, std::string("O'Brien ?"), std::int64_t{-5}});
  });
  db_->read_blocking([](Tx& tx) {
    auto rows = tx.query("SELECT id, owner, balance FROM accounts WHERE balance > ? ORDER BY id", {std::int64_t{-10}});
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows.at(0).string("owner"), "张三");
    EXPECT_EQ(rows.at(0).int64("balance"), 100050);
    EXPECT_EQ(rows.at(1).string(1), "O'Brien ?");
    EXPECT_EQ(rows.at(1).int64(2), -5);
  });
}

TEST_P(StorageTest, AThrowingTransactionChangesNothing) {
  create_table(*db_);
  EXPECT_THROW(db_->write_blocking([](Tx& tx) {
    tx.exec("INSERT INTO accounts (id, owner, balance) VALUES (1, 'a', 1)");
    throw std::runtime_error("business rule refused");
  }),
               std::runtime_error);
  db_->read_blocking([](Tx& tx) { EXPECT_EQ(tx.query("SELECT count(*) FROM accounts").at(0).int64(0), 0); });
}

TEST_P(StorageTest, AReadRefusesToWriteAndStaysUsableAfterAFailure) {
  create_table(*db_);
  db_->write_blocking([](Tx& tx) { tx.exec("INSERT INTO accounts (id, owner, balance) VALUES (1, 'a', 1)"); });
  // Four reads held open at once (the pool's four reader connections): each refuses a write,
  // however it is spelled, and stays fit for the next read after a failing statement.
  std::latch all_open(4);
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r)
    readers.emplace_back([&] {
      db_->read_blocking([&](Tx& tx) {
        all_open.arrive_and_wait();
        EXPECT_THROW(tx.exec("UPDATE accounts SET balance = balance + 1 WHERE id = 1"), StorageError);
      });
      EXPECT_THROW(db_->read_blocking([](Tx& tx) {
        tx.query("INSERT INTO accounts (id, owner, balance) VALUES (9, 'x', 1) RETURNING id");
      }),
                   StorageError);
      EXPECT_THROW(db_->read_blocking([](Tx& tx) { tx.query("SELECT no_such_column FROM accounts"); }), StorageError);
    });
  for (auto& t : readers) t.join();
  db_->read_blocking([](Tx& tx) {
    auto rows = tx.query("SELECT count(*), sum(balance) FROM accounts");
    EXPECT_EQ(rows.at(0).int64(0), 1);
    EXPECT_EQ(rows.at(0).int64(1), 1);
  });
  // A read sees what a write committed a moment before.
  for (int i = 2; i < 8; ++i) {
    db_->write_blocking([i](Tx& tx) {
      tx.exec("INSERT INTO accounts (id, owner, balance) VALUES (?, ?, 1)", {std::int64_t{i}, "o" + std::to_string(i)});
    });
    db_->read_blocking([i](Tx& tx) { EXPECT_EQ(tx.query("SELECT count(*) FROM accounts").at(0).int64(0), i); });
  }
}

TEST_P(StorageTest, ARepairableWriteIsAsAtomicAndVisibleAsAnyWrite) {
  create_table(*db_);
  db_->repairable_write_blocking([&](Tx& tx) {
    tx.exec("INSERT INTO accounts (id, owner, balance) VALUES (1, 'a', 5)");
    if (GetParam() == Backend::kSqlite) EXPECT_EQ(tx.query("PRAGMA synchronous").at(0).int64(0), 1) << "NORMAL";
    else EXPECT_EQ(tx.query("SHOW synchronous_commit").at(0).string(0), "off");
  });
  EXPECT_THROW(db_->repairable_write_blocking([](Tx& tx) {
    tx.exec("UPDATE accounts SET balance = 6 WHERE id = 1");
    throw std::runtime_error("refused");
  }),
               std::runtime_error);
  db_->read_blocking([](Tx& tx) { EXPECT_EQ(tx.query("SELECT balance FROM accounts WHERE id = 1").at(0).int64(0), 5); });
  // Ordinary writes after it are flushed as before (SQLite: the connection is back at FULL).
  db_->write_blocking([](Tx& tx) { tx.exec("UPDATE accounts SET balance = balance + 1 WHERE id = 1"); });
  if (GetParam() == Backend::kSqlite)
    db_->write_blocking([](Tx& tx) { EXPECT_EQ(tx.query("PRAGMA synchronous").at(0).int64(0), 2) << "FULL"; });
  else
    db_->write_blocking([](Tx& tx) { EXPECT_EQ(tx.query("SHOW synchronous_commit").at(0).string(0), "on"); });
  db_->read_blocking([](Tx& tx) { EXPECT_EQ(tx.query("SELECT balance FROM accounts WHERE id = 1").at(0).int64(0), 6); });
}

TEST_P(StorageTest, DeferredWritesCommitWithTheTransactionAndAreSeenByItsNextStatement) {
  create_table(*db_);
  db_->write_blocking([](Tx& tx) {
    tx.defer("INSERT INTO accounts (id, owner, balance) VALUES (?, ?, ?)", {std::int64_t{1}, std::string("a"), std::int64_t{10}});
    tx.defer("UPDATE accounts SET balance = balance + ? WHERE id = ?", {std::int64_t{5}, std::int64_t{1}});
    // The next statement goes after them, in the same transaction.
    EXPECT_EQ(tx.query("SELECT balance FROM accounts WHERE id = 1").at(0).int64(0), 15);
    tx.defer("INSERT INTO accounts (id, owner, balance) VALUES (2, 'b', 1)");  // only the COMMIT follows
  });
  db_->read_blocking([](Tx& tx) {
    auto rows = tx.query("SELECT id, balance FROM accounts ORDER BY id");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows.at(0).int64(1), 15);
    EXPECT_EQ(rows.at(1).int64(1), 1);
  });
  // A transaction that ran nothing, and a repairable one that only deferred, commit as well.
  db_->write_blocking([](Tx&) {});
  db_->repairable_write_blocking([](Tx& tx) { tx.defer("UPDATE accounts SET balance = 0 WHERE id = 2"); });
  db_->read_blocking([](Tx& tx) { EXPECT_EQ(tx.query("SELECT balance FROM accounts WHERE id = 2").at(0).int64(0), 0); });
}

TEST_P(StorageTest, AFailingDeferredWriteFailsTheWholeTransactionAndTheConnectionServesTheNext) {
  create_table(*db_);
  db_->write_blocking([](Tx& tx) { tx.exec("INSERT INTO accounts (id, owner, balance) VALUES (1, 'a', 1)"); });
  for (bool then_read : {false, true})
    EXPECT_TRUE(fails_with(StorageError::Kind::kUniqueViolation, [&](Tx& tx) {
      tx.exec("UPDATE accounts SET balance = 100 WHERE id = 1");
      tx.defer("INSERT INTO accounts (id, owner, balance) VALUES (2, 'a', 1)");  // the owner is taken
      tx.defer("UPDATE accounts SET balance = 200 WHERE id = 1");
      if (then_read) tx.query("SELECT 1");
    })) << (then_read ? "met by a read" : "met by the COMMIT");
  // Nothing of either attempt stayed; every pooled connection writes and reads again.
  defer_accounts(10, 6);
  db_->read_blocking([](Tx& tx) {
    EXPECT_EQ(tx.query("SELECT balance FROM accounts WHERE id = 1").at(0).int64(0), 1);
    EXPECT_EQ(tx.query("SELECT count(*) FROM accounts").at(0).int64(0), 7);
  });
  // A write deferred in a read is refused like any write there.
  EXPECT_THROW(db_->read_blocking([](Tx& tx) { tx.defer("UPDATE accounts SET balance = 9 WHERE id = 1"); }), StorageError);
  db_->read_blocking([](Tx& tx) { EXPECT_EQ(tx.query("SELECT balance FROM accounts WHERE id = 1").at(0).int64(0), 1); });
}

TEST_P(StorageTest, StatementsSentTogetherAnswerInOrderAndTheFirstErrorStopsThem) {
  create_table(*db_);
  db_->write_blocking([](Tx& tx) {
    tx.exec("INSERT INTO accounts (id, owner, balance) VALUES (1, 'a', 7), (2, 'b', 8)");
    // New statements (prepared on the way), the same one twice, a write returning rows.
    auto rows = tx.query_all({{"SELECT balance FROM accounts WHERE id = ?", {std::int64_t{2}}},
                              {"SELECT balance FROM accounts WHERE id = ?", {std::int64_t{1}}},
                              {"SELECT owner FROM accounts WHERE balance > ? ORDER BY id", {std::int64_t{100}}},
                              {"UPDATE accounts SET balance = balance + 1 WHERE id = ? RETURNING balance", {std::int64_t{1}}}});
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[0].at(0).int64(0), 8);
    EXPECT_EQ(rows[1].at(0).int64(0), 7);
    EXPECT_TRUE(rows[2].empty());
    EXPECT_EQ(rows[3].at(0).int64(0), 8);
  });
  db_->read_blocking([](Tx& tx) {
    auto rows = tx.query_all({{"SELECT count(*) FROM accounts", {}}, {"SELECT balance FROM accounts WHERE id = ?", {std::int64_t{1}}}});
    EXPECT_EQ(rows[0].at(0).int64(0), 2);
    EXPECT_EQ(rows[1].at(0).int64(0), 8);
  });
  EXPECT_THROW(db_->write_blocking([](Tx& tx) {
    tx.query_all({{"UPDATE accounts SET balance = 0 WHERE id = 1 RETURNING id", {}},
                  {"SELECT no_such_column FROM accounts", {}},
                  {"UPDATE accounts SET balance = 0 WHERE id = 2 RETURNING id", {}}});
  }),
               StorageError);
  db_->read_blocking([](Tx& tx) {
    auto rows = tx.query("SELECT sum(balance) FROM accounts");
    EXPECT_EQ(rows.at(0).int64(0), 16) << "nothing of the failed batch stayed";
  });
  // The writer that failed serves the next transaction, the statements the error cut off too
  // (never prepared: their names are free).
  db_->write_blocking([](Tx& tx) {
    auto rows = tx.query_all({{"UPDATE accounts SET balance = 0 WHERE id = 2 RETURNING id", {}},
                              {"SELECT balance FROM accounts WHERE id = ?", {std::int64_t{1}}}});
    EXPECT_EQ(rows[0].at(0).int64(0), 2);
    EXPECT_EQ(rows[1].at(0).int64(0), 8);
  });
  db_->read_blocking([](Tx& tx) { EXPECT_EQ(tx.query("SELECT sum(balance) FROM accounts").at(0).int64(0), 8); });
}

TEST_P(StorageTest, ATransactionWhoseStatementFailedIsNeverReportedAsCommitted) {
  if (GetParam() == Backend::kSqlite) GTEST_SKIP() << "SQLite undoes the failed statement only; PostgreSQL the whole transaction";
  create_table(*db_);
  // The error caught inside the transaction, which goes on and ends: PostgreSQL answers the
  // COMMIT with a ROLLBACK, and the write says so instead of returning as if committed.
  for (bool defer_after : {false, true}) {
    EXPECT_THROW(db_->write_blocking([&](Tx& tx) {
      tx.exec("INSERT INTO accounts (id, owner, balance) VALUES (1, 'a', 1)");
      try {
        tx.exec("INSERT INTO accounts (id, owner, balance) VALUES (2, 'a', 1)");
      } catch (const StorageError&) {
      }
      if (defer_after) tx.defer("INSERT INTO accounts (id, owner, balance) VALUES (3, 'c', 1)");
    }),
                 StorageError);
  }
  db_->read_blocking([](Tx& tx) { EXPECT_EQ(tx.query("SELECT count(*) FROM accounts").at(0).int64(0), 0); });
}

TEST_P(StorageTest, AConnectionLostInTheMiddleOfATransactionIsReportedAndReplaced) {
  if (GetParam() == Backend::kSqlite) GTEST_SKIP() << "no server connection to lose";
  create_table(*db_);
  EXPECT_TRUE(fails_with(StorageError::Kind::kUnavailable, [&](Tx& tx) {
      const auto pid = tx.query("SELECT pg_backend_pid()").at(0).int64(0);
      db_->read_blocking([&](Tx& other) {
        other.query("SELECT pg_terminate_backend(?)", {pid});
        // Gone for sure before this transaction sends anything more.
        for (int i = 0; i < 500 && other.query("SELECT count(*) FROM pg_stat_activity WHERE pid = ?", {pid}).at(0).int64(0) > 0; ++i)
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
      });
      tx.defer("INSERT INTO accounts (id, owner, balance) VALUES (1, 'a', 1)");
  })) << "the transaction's connection was terminated";
  // Nothing stayed; the next writes get a fresh connection.
  defer_accounts(10, 3);
  db_->read_blocking([](Tx& tx) { EXPECT_EQ(tx.query("SELECT count(*) FROM accounts").at(0).int64(0), 3); });
}

TEST_P(StorageTest, UniqueViolationIsReportedAsSuch) {
  create_table(*db_);
  db_->write_blocking([](Tx& tx) { tx.exec("INSERT INTO accounts (id, owner, balance) VALUES (1, 'a', 1)"); });
  EXPECT_TRUE(fails_with(StorageError::Kind::kUniqueViolation,
                         [](Tx& tx) { tx.exec("INSERT INTO accounts (id, owner, balance) VALUES (2, 'a', 1)"); }));
}

TEST_P(StorageTest, NullsAndMissingColumns) {
  db_->write_blocking([](Tx& tx) {
    tx.exec_script("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)");
    tx.exec("INSERT INTO notes (id, body) VALUES (?, ?)", {std::int64_t{1}, Null{}});
  });
  db_->read_blocking([](Tx& tx) {
    auto rows = tx.query("SELECT body FROM notes");
    EXPECT_TRUE(rows.at(0).is_null(0));
    EXPECT_THROW(rows.at(0).string(0), StorageError);
    EXPECT_THROW(rows.at(0).index("nosuch"), StorageError);
  });
}

TEST_P(StorageTest, ConcurrentWritersNeverLoseAnIncrement) {
  create_table(*db_);
  db_->write_blocking([](Tx& tx) { tx.exec("INSERT INTO accounts (id, owner, balance) VALUES (1, 'a', 0)"); });
  constexpr int kThreads = 4, kEach = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i)
        db_->write_blocking([](Tx& tx) { tx.exec("UPDATE accounts SET balance = balance + 1 WHERE id = 1"); });
    });
  for (auto& t : threads) t.join();
  db_->read_blocking([](Tx& tx) {
    EXPECT_EQ(tx.query("SELECT balance FROM accounts WHERE id = 1").at(0).int64(0), kThreads * kEach);
  });
}

// Transactions of coroutines on one io thread, as a service runs them. On PostgreSQL they run on
// fibers of that thread (database.hpp): one that waits for the server — for a row another holds,
// for pg_sleep — lets the thread run the others, and each goes on where it stopped. When no pooled
// connection is idle one goes to the blocking pool and waits there. SQLite runs them on the pool.
TEST_P(StorageTest, CoroutineTransactionsOnOneIoThreadWaitForTheServerWithoutBlockingIt) {
  namespace asio = boost::asio;
  const bool pg = GetParam() == Backend::kPostgres;
  struct Case {
    std::size_t pool;
    bool on_io_thread;  // storage.postgres_on_io_thread
  };
  for (const Case c : {Case{4, true}, Case{1, true}, Case{4, false}}) {
    const std::size_t pool = c.pool;
    SCOPED_TRACE("pool of " + std::to_string(pool) + (c.on_io_thread ? "" : ", fibers off"));
    Options o;
    o.postgres_on_io_thread = c.on_io_thread;
    const std::string name = next_name();
    if (pg) {
      o.driver = "postgres";
      o.postgres_dsn = postgres().dsn();
      o.schema = name;
    } else {
      o.driver = "sqlite";
      o.sqlite_path = dir_.path() + "/" + name + ".db";
    }
    o.pool_size = pool;
    auto db = Database::open(o);
    create_table(*db);
    db->write_blocking([](Tx& tx) { tx.exec("INSERT INTO accounts (id, owner, balance) VALUES (1, 'a', 0)"); });
    {
      // On PostgreSQL as many writers open as the pool allows (at most two), and a reader:
      // connections are opened on the blocking pool, so only open ones can serve on the io
      // thread. (SQLite has one writer.)
      const std::size_t writers = pg ? std::min<std::size_t>(pool, 2) : 1;
      std::latch all_in(static_cast<std::ptrdiff_t>(writers));
      std::vector<std::thread> openers;
      for (std::size_t i = 0; i < writers; ++i)
        openers.emplace_back([&] {
          db->write_blocking([&](Tx& tx) {
            tx.query("SELECT 1");
            all_in.arrive_and_wait();
          });
        });
      for (auto& t : openers) t.join();
      db->read_blocking([](Tx& tx) { tx.query("SELECT 1"); });
    }

    asio::io_context io;
    const auto io_thread = std::this_thread::get_id();
    std::vector<std::string> ended;
    std::mutex ran_on_mutex;
    std::map<std::string, std::thread::id> ran_on;
    auto note = [&](const std::string& who) {
      std::lock_guard lock(ran_on_mutex);
      ran_on[who] = std::this_thread::get_id();
    };
    std::int64_t seen_while_held = -1;
    std::vector<std::string> errors;
    auto spawn = [&](std::string who, std::function<asio::awaitable<void>()> fn) {
      asio::co_spawn(
          io,
          [&, who, fn]() -> asio::awaitable<void> {
            try {
              co_await fn();
              ended.push_back(who);
            } catch (const std::exception& e) {
              errors.push_back(who + ": " + e.what());
            }
          },
          asio::detached);
    };
    // The second wants the same row: it waits for the first to commit.
    auto waiter = [&]() -> asio::awaitable<void> {
      co_await db->write([&](Tx& tx) {
        note("waiter");
        tx.exec("UPDATE accounts SET balance = balance + 10 WHERE id = 1");
      });
    };
    // The third only reads: it ends while the first still holds the row, seeing it as it was.
    auto reader = [&]() -> asio::awaitable<void> {
      seen_while_held = co_await db->read([&](Tx& tx) {
        note("reader");
        return tx.query("SELECT balance FROM accounts WHERE id = 1").at(0).int64(0);
      });
    };
    // The first holds the row (and, with a pool of one, the only writer) for a while; the others
    // start once it has the row.
    spawn("holder", [&]() -> asio::awaitable<void> {
      co_await db->write([&](Tx& tx) {
        note("holder");
        tx.exec("UPDATE accounts SET balance = balance + 1 WHERE id = 1");
        asio::post(io, [&] {
          spawn("waiter", waiter);
          spawn("reader", reader);
        });
        if (pg) tx.query("SELECT pg_sleep(0.3)");
        else std::this_thread::sleep_for(std::chrono::milliseconds(300));  // on the pool, not the io thread
      });
    });
    io.run();
    EXPECT_TRUE(errors.empty()) << errors.front();
    ASSERT_EQ(ended.size(), 3u);
    EXPECT_EQ(ended.front(), "reader");
    EXPECT_EQ(seen_while_held, 0);
    db->read_blocking([](Tx& tx) { EXPECT_EQ(tx.query("SELECT balance FROM accounts WHERE id = 1").at(0).int64(0), 11); });
    ASSERT_EQ(ran_on.size(), 3u);
    if (pg && !c.on_io_thread) {
      for (const auto& [who, t] : ran_on) EXPECT_NE(t, io_thread) << who << ": fibers off, every one on the blocking pool";
    } else if (pg) {
      EXPECT_EQ(ran_on["holder"], io_thread) << "a write with an idle connection runs on the io thread";
      EXPECT_EQ(ran_on["reader"], io_thread) << "so does a read";
      if (pool == 1) EXPECT_NE(ran_on["waiter"], io_thread) << "no idle writer: the write waits on the blocking pool";
      else EXPECT_EQ(ran_on["waiter"], io_thread);
    } else {
      for (const auto& [who, t] : ran_on) EXPECT_NE(t, io_thread) << who << ": SQLite runs on the blocking pool";
    }
  }
}

struct Moved {
  std::int64_t balance = 0;
};
BOOST_DESCRIBE_STRUCT(Moved, (), (balance))
struct MoveIn {
  std::int64_t units = 0;
};
BOOST_DESCRIBE_STRUCT(MoveIn, (), (units))

TEST_P(StorageTest, ARequestIdMovesOnceWhateverRacesIt) {
  create_table(*db_);
  db_->write_blocking([](Tx& tx) {
    tx.exec("INSERT INTO accounts (id, owner, balance) VALUES (1, 'a', 0)");
    tx.exec_script("CREATE TABLE t_requests (request_id TEXT PRIMARY KEY, operation TEXT NOT NULL, fingerprint TEXT NOT NULL, "
                   "result TEXT NOT NULL, created_at_ms BIGINT NOT NULL)");
  });
  const RequestLog log{"t_requests", "T"};
  // Eight callers send the same request at once, each retrying as write_claiming does: one move,
  // one answer for all.
  std::atomic<int> retries{0};
  auto move = [&](const std::string& id, std::int64_t units) {
    for (int attempt = 1;; ++attempt) {
      if (attempt > 1) ++retries;
      try {
        std::variant<Moved, Refusal> out = Refusal{};
        db_->write_blocking([&](Tx& tx) {
          out = once<Moved>(tx, log, id, "move", MoveIn{units}, 1, [&]() -> std::variant<Moved, Refusal> {
            tx.exec("UPDATE accounts SET balance = balance + ? WHERE id = 1", {units});
            return Moved{tx.query("SELECT balance FROM accounts WHERE id = 1").at(0).int64(0)};
          });
        });
        return out;
      } catch (const StorageError& e) {
        if (e.kind() != StorageError::Kind::kUniqueViolation || attempt == 5) throw;
      }
    }
  };
  for (int round = 0; round < 5; ++round) {
    const std::string id = "req-" + std::to_string(round);
    std::vector<std::variant<Moved, Refusal>> answers(8);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) threads.emplace_back([&, t] { answers[t] = move(id, 100); });
    for (auto& t : threads) t.join();
    for (const auto& a : answers) {
      ASSERT_TRUE(std::holds_alternative<Moved>(a));
      EXPECT_EQ(std::get<Moved>(a).balance, 100 * (round + 1)) << "every caller gets the one answer";
    }
  }
  db_->read_blocking([](Tx& tx) { EXPECT_EQ(tx.query("SELECT balance FROM accounts WHERE id = 1").at(0).int64(0), 500); });
  // The claim waits for the call answering the same id and then reads its answer: no caller
  // fails on the key and starts again.
  EXPECT_EQ(retries.load(), 0);
  // A call that claimed the id and then failed leaves it free: the next caller (waiting on the
  // claim, or after it) moves, once.
  std::latch claimed(1);
  std::thread failing([&] {
    EXPECT_THROW(db_->write_blocking([&](Tx& tx) {
      once<Moved>(tx, log, "req-failed", "move", MoveIn{100}, 1, [&]() -> std::variant<Moved, Refusal> {
        tx.exec("UPDATE accounts SET balance = balance + 100 WHERE id = 1");
        claimed.count_down();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        throw std::runtime_error("the effect failed");
      });
    }),
                 std::runtime_error);
  });
  claimed.wait();
  auto after = move("req-failed", 100);
  failing.join();
  ASSERT_TRUE(std::holds_alternative<Moved>(after));
  EXPECT_EQ(std::get<Moved>(after).balance, 600);
  db_->read_blocking([](Tx& tx) { EXPECT_EQ(tx.query("SELECT balance FROM accounts WHERE id = 1").at(0).int64(0), 600); });
  // The same id with other parameters is refused, and moves nothing.
  auto reused = move("req-0", 200);
  ASSERT_TRUE(std::holds_alternative<Refusal>(reused));
  EXPECT_EQ(std::get<Refusal>(reused).code, "T_REQUEST_REUSED");
  db_->read_blocking([](Tx& tx) { EXPECT_EQ(tx.query("SELECT balance FROM accounts WHERE id = 1").at(0).int64(0), 600); });
}

const EmbeddedFile kGood[] = {
    {"0001_create.sql", "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"},
    {"0002_seed.sql", "INSERT INTO items (id, name) VALUES (1, 'first'); INSERT INTO items (id, name) VALUES (2, 'second');"},
};

TEST_P(StorageTest, MigrationsApplyOnceInOrder) {
  auto r1 = migrate(*db_, kGood);
  EXPECT_EQ(r1.applied, (std::vector<std::string>{"0001_create.sql", "0002_seed.sql"}));
  auto r2 = migrate(*db_, kGood);
  EXPECT_TRUE(r2.applied.empty());
  EXPECT_EQ(r2.already, 2u);
  db_->read_blocking([](Tx& tx) { EXPECT_EQ(tx.query("SELECT count(*) FROM items").at(0).int64(0), 2); });
}

TEST_P(StorageTest, AFailingMigrationChangesNothingAndNamesTheFile) {
  migrate(*db_, std::span(kGood, 1));
  const EmbeddedFile bad[] = {kGood[0],
                              {"0002_broken.sql", "INSERT INTO items (id, name) VALUES (10, 'x'); INSERT INTO nosuch VALUES (1);"}};
  try {
    migrate(*db_, bad);
    FAIL() << "expected the migration to fail";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("0002_broken.sql"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("nosuch"), std::string::npos) << e.what();
  }
  db_->read_blocking([](Tx& tx) {
    EXPECT_EQ(tx.query("SELECT count(*) FROM items").at(0).int64(0), 0) << "the first statement was rolled back";
    EXPECT_EQ(tx.query("SELECT count(*) FROM schema_migrations").at(0).int64(0), 1);
  });
}

TEST_P(StorageTest, AChangedAppliedMigrationIsRefused) {
  migrate(*db_, std::span(kGood, 1));
  const EmbeddedFile changed[] = {{"0001_create.sql", "CREATE TABLE items (id INTEGER PRIMARY KEY);"}};
  EXPECT_THROW(migrate(*db_, changed), StorageError);
}

TEST_P(StorageTest, BadMigrationNamesAreRefused) {
  const EmbeddedFile badname[] = {{"create.sql", "SELECT 1;"}};
  EXPECT_THROW(migrate(*db_, badname), StorageError);
  const EmbeddedFile dup[] = {{"0001_a.sql", "SELECT 1;"}, {"0001_b.sql", "SELECT 1;"}};
  EXPECT_THROW(migrate(*db_, dup), StorageError);
}

TEST_P(StorageTest, ADialectPairRunsTheFileOfThisDatabaseOnly) {
  const EmbeddedFile files[] = {
      {"0001_create.sql", "CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT NOT NULL);"},
      {"0002_ids.sqlite.sql", "CREATE TABLE which (dialect TEXT); INSERT INTO which VALUES ('sqlite');"},
      {"0002_ids.postgres.sql",
       "ALTER TABLE items ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY; "
       "CREATE TABLE which (dialect TEXT); INSERT INTO which VALUES ('postgres');"},
  };
  auto r = migrate(*db_, files);
  const std::string mine = GetParam() == Backend::kSqlite ? "sqlite" : "postgres";
  EXPECT_EQ(r.applied, (std::vector<std::string>{"0001_create.sql", "0002_ids." + mine + ".sql"}));
  db_->read_blocking([&](Tx& tx) { EXPECT_EQ(tx.query("SELECT dialect FROM which").at(0).string(0), mine); });
  EXPECT_EQ(migrate(*db_, files).already, 2u);
  const EmbeddedFile lonely[] = {files[0], files[1]};
  EXPECT_THROW(migrate(*db_, lonely), StorageError) << "a dialect file needs its pair";
  const EmbeddedFile clash[] = {files[0], {"0001_other.sqlite.sql", "SELECT 1;"}, {"0001_other.postgres.sql", "SELECT 1;"}};
  EXPECT_THROW(migrate(*db_, clash), StorageError);
}

TEST_P(StorageTest, ParameterCountMismatchIsAnErrorNotACrash) {
  create_table(*db_);
  EXPECT_THROW(db_->read_blocking([](Tx& tx) { tx.query("SELECT * FROM accounts WHERE id = ?"); }), StorageError);
}

INSTANTIATE_TEST_SUITE_P(Backends, StorageTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& info) { return info.param == Backend::kSqlite ? "Sqlite" : "Postgres"; });

TEST(Placeholders, RewrittenOutsideQuotesOnly) {
  EXPECT_EQ(to_postgres_placeholders("SELECT ? , '?', \"a?\" , ?"), "SELECT $1 , '?', \"a?\" , $2");
}

}  // namespace
}  // namespace zt::core::storage
