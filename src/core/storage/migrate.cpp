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
  // NNNN_description.sql runs on every database; NNNN_description.sqlite.sql and
  // NNNN_description.postgres.sql are one step written for each dialect (both must exist).
  static const std::regex kName(R"(^(\d{4})_[a-z0-9_]+(\.(sqlite|postgres))?\.sql$)");
  Dialect dialect = Dialect::kSqlite;
  db.read_blocking([&](Tx& tx) { dialect = tx.dialect(); });
  const std::string mine = dialect == Dialect::kPostgres ? "postgres" : "sqlite";
  std::map<int, const EmbeddedFile*> ordered;
  std::map<int, std::pair<int, int>> kinds;  // version -> (generic files, dialect files)
  for (const auto& f : files) {
    std::cmatch m;
    std::string name(f.name);
    if (!std::regex_match(name.c_str(), m, kName))
      throw StorageError(StorageError::Kind::kOther,
                         fmt::format("migration file '{}' must be named NNNN_description[.sqlite|.postgres].sql", f.name));
    int version = std::stoi(m[1].str());
    auto& [generic, per_dialect] = kinds[version];
    if (m[3].matched) ++per_dialect;
    else ++generic;
    if (generic > 1 || (generic == 1 && per_dialect > 0) || per_dialect > 2)
      throw StorageError(StorageError::Kind::kOther, fmt::format("two migrations share number {:04}", version));
    if (!m[3].matched || m[3].str() == mine) ordered[version] = &f;
  }
  for (const auto& [version, k] : kinds)
    if (k.second == 1)
      throw StorageError(StorageError::Kind::kOther,
                         fmt::format("migration {:04} has a file for one dialect only: add the other", version));

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
