#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <map>
#include <regex>

#include "core/storage/backends.hpp"
#include "core/util/digest.hpp"
#include "core/util/time.hpp"

namespace zt::core::storage {

namespace {

}  // namespace

std::unique_ptr<Database> Database::open(const Options& options) {
  if (options.driver == "sqlite") return open_sqlite(options);
  if (options.driver == "postgres") return open_postgres(options);
  throw StorageError(StorageError::Kind::kOther, fmt::format("unknown storage driver '{}'", options.driver));
}

MigrationReport migrate(Database& db, std::span<const EmbeddedFile> files) {
  static const std::regex kName(R"(^(\d{4})_[a-z0-9_]+\.sql$)");
  std::map<int, const EmbeddedFile*> ordered;
  for (const auto& f : files) {
    std::cmatch m;
    std::string name(f.name);
    if (!std::regex_match(name.c_str(), m, kName))
      throw StorageError(StorageError::Kind::kOther,
                         fmt::format("migration file '{}' must be named NNNN_description.sql", f.name));
    int version = std::stoi(m[1].str());
    if (!ordered.emplace(version, &f).second)
      throw StorageError(StorageError::Kind::kOther, fmt::format("two migrations share number {:04}", version));
  }

  db.write_blocking([](Tx& tx) {
    tx.exec_script(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "checksum TEXT NOT NULL, applied_at TEXT NOT NULL)");
  });

  MigrationReport report;
  for (const auto& [version, file] : ordered) {
    const std::string checksum = core::sha256_hex(file->content);
    bool applied_now = false;
    db.write_blocking([&](Tx& tx) {
      // Serialise concurrent migrators (several replicas starting at once) on PostgreSQL; SQLite's
      // BEGIN IMMEDIATE already does.
      if (tx.dialect() == Dialect::kPostgres) tx.query("SELECT pg_advisory_xact_lock(7478223)");
      Rows existing = tx.query("SELECT name, checksum FROM schema_migrations WHERE version = ?", {std::int64_t{version}});
      if (!existing.empty()) {
        if (existing.at(0).string(1) != checksum)
          throw StorageError(StorageError::Kind::kOther,
                             fmt::format("migration {} was changed after it was applied (recorded as {})", file->name,
                                         existing.at(0).string(0)));
        return;
      }
      try {
        tx.exec_script(file->content);
      } catch (const StorageError& e) {
        throw StorageError(e.kind(), fmt::format("migration {} failed: {}", file->name, e.what()));
      }
      tx.exec("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
              {std::int64_t{version}, std::string(file->name), checksum, core::utc_timestamp()});
      applied_now = true;
    });
    if (applied_now) report.applied.emplace_back(file->name);
    else ++report.already;
  }
  return report;
}

}  // namespace zt::core::storage
