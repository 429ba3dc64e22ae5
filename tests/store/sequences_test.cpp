// The numbering sequences of the platform's ledgers (the counter's journal, orders, customers …,
// the bank's transfer serials, 中登's account numbers per market), on a brand-new database: the
// first numbers, taken at once by several writers, are all given, once each, from 1. Each
// service creates its sequences in a migration, not by their first use — which made two first
// uses insert the same row and one of them fail on the key (PostgreSQL; SQLite serialises its
// writers).
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "core/storage/database.hpp"
#include "core/storage/idempotency.hpp"
#include "harness/process.hpp"
#include "harness/servers.hpp"

std::span<const zt::core::EmbeddedFile> zt_counter_migrations();
std::span<const zt::core::EmbeddedFile> zt_bank_migrations();
std::span<const zt::core::EmbeddedFile> zt_csdc_migrations();

namespace zt {
namespace {

struct Ledger {
  std::string service;
  std::span<const core::EmbeddedFile> (*migrations)();
  std::string table;
  std::vector<std::string> names;  // every sequence the service numbers from
};

const std::vector<Ledger>& ledgers() {
  static const std::vector<Ledger> all{
      {"counter", &zt_counter_migrations, "counter_sequences",
       {"journal", "order", "customer", "fund_account", "stock_account", "lot", "trade"}},
      {"bank", &zt_bank_migrations, "bank_sequences", {"serial"}},
      {"csdc", &zt_csdc_migrations, "csdc_sequences", {"SH", "SZ"}},
  };
  return all;
}

class Sequences : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<core::storage::Database> fresh(const std::string& service) {
    static std::atomic<int> n{0};
    core::storage::Options o;
    o.driver = GetParam();
    if (o.driver == "sqlite") {
      o.sqlite_path = dir_.path() + "/" + service + std::to_string(n++) + ".db";
    } else {
      o.postgres_dsn = test::shared_postgres().dsn();
      o.schema = service + "seq" + std::to_string(::getpid()) + "_" + std::to_string(n++);
    }
    o.pool_size = 8;
    return core::storage::Database::open(o);
  }
  test::TempDir dir_{"zt-sequences"};
};

TEST_P(Sequences, TheFirstNumbersOfABrandNewDatabaseRacingEachOtherAreAllGivenOnce) {
  constexpr int kWriters = 8;
  std::multiset<std::int64_t> one_to_n;
  for (int i = 1; i <= kWriters; ++i) one_to_n.insert(i);
  for (const auto& ledger : ledgers()) {
    SCOPED_TRACE(ledger.service);
    auto db = fresh(ledger.service);
    core::storage::migrate(*db, ledger.migrations());
    std::latch start(kWriters), in_transaction(kWriters);
    std::mutex mutex;
    std::map<std::string, std::multiset<std::int64_t>> taken;
    std::atomic<int> failed{0};
    std::vector<std::thread> writers;
    for (int i = 0; i < kWriters; ++i)
      writers.emplace_back([&] {
        start.arrive_and_wait();
        for (;;) {
          try {
            std::map<std::string, std::int64_t> mine;
            db->write_blocking([&](core::storage::Tx& t) {
              // PostgreSQL: every writer inside its own transaction before any takes a number, so
              // the first numbers really are taken at once (SQLite lets one writer in at a time).
              if (GetParam() == "postgres") {
                t.query("SELECT 1");
                in_transaction.arrive_and_wait();
              }
              for (const auto& name : ledger.names) mine[name] = core::storage::next_in_sequence(t, ledger.table, name);
            });
            std::lock_guard lock(mutex);
            for (const auto& [name, number] : mine) taken[name].insert(number);
            return;
          } catch (const core::storage::StorageError& e) {
            if (GetParam() == "sqlite" && e.kind() != core::storage::StorageError::Kind::kUniqueViolation) continue;  // busy
            ++failed;
            return;
          }
        }
      });
    for (auto& t : writers) t.join();
    EXPECT_EQ(failed.load(), 0);
    for (const auto& name : ledger.names) EXPECT_EQ(taken[name], one_to_n) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Sql, Sequences, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace zt
