// The registry's SQL store and the system events table on both SQL backends, PostgreSQL included:
// ids that the database assigns stay distinct under concurrent writers.
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "core/storage/database.hpp"
#include "harness/process.hpp"
#include "harness/servers.hpp"
#include "platform/registry/store/registry_store.hpp"

std::span<const zt::core::EmbeddedFile> zt_registry_migrations();
std::span<const zt::core::EmbeddedFile> zt_system_migrations();

namespace zt::platform::registry {
namespace {

class SqlBackends : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<core::storage::Database> open(const std::string& schema) {
    core::storage::Options o;
    o.driver = GetParam();
    if (o.driver == "sqlite") o.sqlite_path = dir_.path() + "/" + schema + ".db";
    else {
      o.postgres_dsn = test::shared_postgres().dsn();
      o.schema = schema + std::to_string(::getpid());
    }
    o.pool_size = 4;
    return core::storage::Database::open(o);
  }
  test::TempDir dir_{"zt-sqlstore"};
};

TEST_P(SqlBackends, ConcurrentChangesGetDistinctAuditIds) {
  auto db = open("registry");
  core::storage::migrate(*db, zt_registry_migrations());
  auto store = make_sql_store(*db);
  auto work = [&](int t) {
    for (int i = 0; i < 15; ++i) {
      core::discovery::ConfigItem d;
      d.namespace_id = "public";
      d.group = "g";
      d.data_id = "t" + std::to_string(t) + "-" + std::to_string(i);
      d.content = "a: 1";
      d.format = "yaml";
      d.md5 = "x";
      store->publish(d, std::nullopt, "publish", {0, {}, "ops", "config.publish", d.data_id, {}, {}});
    }
  };
  std::thread a(work, 1), b(work, 2), c(work, 3);
  a.join();
  b.join();
  c.join();
  auto entries = store->audit(std::numeric_limits<std::int64_t>::max(), 100);
  ASSERT_EQ(entries.size(), 45u);
  std::set<std::int64_t> ids;
  for (const auto& e : entries) ids.insert(e.id);
  EXPECT_EQ(ids.size(), 45u);
  EXPECT_GT(entries.front().id, entries.back().id) << "newest first";
  EXPECT_EQ(store->audit(entries[10].id, 5).front().id, entries[11].id) << "the cursor pages on";
}

TEST_P(SqlBackends, SystemEventsNumberThemselves) {
  auto db = open("system");
  core::storage::migrate(*db, zt_system_migrations());
  db->write_blocking([](core::storage::Tx& tx) {
    for (int i = 0; i < 3; ++i)
      tx.exec("INSERT INTO system_events (kind, node, version, targets, at) VALUES (?, ?, ?, ?, ?)",
              {std::string("start"), std::string("n"), std::string("v"), std::string("all"), std::string("t")});
  });
  db->read_blocking([](core::storage::Tx& tx) {
    EXPECT_EQ(tx.query("SELECT COUNT(DISTINCT id) FROM system_events").at(0).int64(0), 3);
  });
}

INSTANTIATE_TEST_SUITE_P(Backends, SqlBackends, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param == "sqlite" ? "Sqlite" : "Postgres"; });

}  // namespace
}  // namespace zt::platform::registry
