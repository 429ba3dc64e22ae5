// SQLite backend: WAL, one writer connection behind a mutex (writes are serialised in-process, so
// callers never see SQLITE_BUSY from us), reader connections for read-only transactions, a busy
// handler for other processes (zhongtai migrate), and a statement cache per connection.
#include <fmt/format.h>
#include <sqlite3.h>

#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "core/observe/log.hpp"
#include "core/storage/backends.hpp"

namespace zt::core::storage {

namespace {

class SqliteConnection final : public Tx {
 public:
  SqliteConnection(const Options& o, bool read_only) {
    int flags = SQLITE_OPEN_NOMUTEX | (read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
    if (sqlite3_open_v2(o.sqlite_path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      db_ = nullptr;
      throw StorageError(StorageError::Kind::kUnavailable, fmt::format("cannot open {}: {}", o.sqlite_path, msg));
    }
    sqlite3_busy_timeout(db_, static_cast<int>(o.busy_timeout.count()));
    sqlite3_extended_result_codes(db_, 1);
    if (!read_only) {
      exec_script("PRAGMA journal_mode=WAL");
      exec_script(o.sqlite_synchronous_full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    }
    exec_script("PRAGMA foreign_keys=ON");
  }
  ~SqliteConnection() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }

  Dialect dialect() const override { return Dialect::kSqlite; }

  Rows query(std::string_view sql, const Params& params) override {
    sqlite3_stmt* stmt = prepare(sql, params);
    Rows rows = [&] {
      std::vector<std::string> cols;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) cols.emplace_back(sqlite3_column_name(stmt, i));
      return Rows(std::move(cols));
    }();
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) fail(rc, sql, stmt);
      std::vector<std::optional<std::string>> cells;
      int n = sqlite3_column_count(stmt);
      cells.reserve(static_cast<std::size_t>(n));
      for (int i = 0; i < n; ++i) {
        if (sqlite3_column_type(stmt, i) == SQLITE_NULL) {
          cells.emplace_back(std::nullopt);
        } else {
          auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
          cells.emplace_back(std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt, i))));
        }
      }
      rows.add(std::move(cells));
    }
    sqlite3_reset(stmt);
    return rows;
  }

  std::int64_t exec(std::string_view sql, const Params& params) override {
    sqlite3_stmt* stmt = prepare(sql, params);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) fail(rc, sql, stmt);
    sqlite3_reset(stmt);
    return sqlite3_changes64(db_);
  }

  void exec_script(std::string_view sql) override {
    char* err = nullptr;
    std::string s(sql);
    int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      throw StorageError(kind_of(rc), msg);
    }
  }

 private:
  static StorageError::Kind kind_of(int rc) {
    if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) return StorageError::Kind::kUniqueViolation;
    if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) return StorageError::Kind::kUnavailable;
    return StorageError::Kind::kOther;
  }

  [[noreturn]] void fail(int rc, std::string_view sql, sqlite3_stmt* stmt) {
    std::string msg = sqlite3_errmsg(db_);
    sqlite3_reset(stmt);
    throw StorageError(kind_of(rc), fmt::format("{} (in: {})", msg, sql.substr(0, 200)));
  }

  sqlite3_stmt* prepare(std::string_view sql, const Params& params) {
    auto it = cache_.find(sql);
    sqlite3_stmt* stmt;
    if (it != cache_.end()) {
      stmt = it->second;
    } else {
      int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
      if (rc != SQLITE_OK)
        throw StorageError(kind_of(rc), fmt::format("{} (in: {})", sqlite3_errmsg(db_), sql.substr(0, 200)));
      cache_.emplace(std::string(sql), stmt);
    }
    sqlite3_clear_bindings(stmt);
    if (static_cast<int>(params.size()) != sqlite3_bind_parameter_count(stmt))
      throw StorageError(StorageError::Kind::kOther, fmt::format("statement takes {} parameters, {} given (in: {})",
                                                                 sqlite3_bind_parameter_count(stmt), params.size(),
                                                                 sql.substr(0, 200)));
    for (std::size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i) + 1;
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, Null>) sqlite3_bind_null(stmt, idx);
            else if constexpr (std::is_same_v<T, std::int64_t>) sqlite3_bind_int64(stmt, idx, v);
            else if constexpr (std::is_same_v<T, double>) sqlite3_bind_double(stmt, idx, v);
            else if constexpr (std::is_same_v<T, bool>) sqlite3_bind_int(stmt, idx, v ? 1 : 0);
            else sqlite3_bind_text(stmt, idx, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
          },
          params[i]);
    }
    return stmt;
  }

  sqlite3* db_ = nullptr;
  std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
};

class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(Options o) : options_(std::move(o)) {
    auto parent = std::filesystem::path(options_.sqlite_path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    writer_ = std::make_unique<SqliteConnection>(options_, false);
  }

  Dialect dialect() const override { return Dialect::kSqlite; }

  void write_blocking(const std::function<void(Tx&)>& fn) override {
    std::lock_guard lock(writer_mutex_);
    if (relaxed_) {
      // A repairable write could not put the connection back: no flushed write goes ahead at
      // NORMAL (this throws, and the write is refused, until FULL is in force again).
      writer_->exec_script("PRAGMA synchronous=FULL");
      relaxed_ = false;
    }
    write_transaction(fn);
  }

  // WAL at synchronous=NORMAL for this commit: appended to the WAL, not synced (the next FULL
  // commit syncs it with its own; a crash of the process loses nothing, one of the host may).
  void repairable_write_blocking(const std::function<void(Tx&)>& fn) override {
    std::lock_guard lock(writer_mutex_);
    if (!options_.sqlite_synchronous_full) return write_transaction(fn);
    relaxed_ = true;
    writer_->exec_script("PRAGMA synchronous=NORMAL");
    struct Restore {
      SqliteConnection& c;
      bool& relaxed;
      ~Restore() {
        try {
          c.exec_script("PRAGMA synchronous=FULL");
          relaxed = false;
        } catch (const std::exception& e) {
          core::log::error("storage: could not put SQLite back to synchronous=FULL ({}); the next write tries again", e.what());
        }
      }
    } restore{*writer_, relaxed_};
    write_transaction(fn);
  }

  void read_blocking(const std::function<void(Tx&)>& fn) override {
    std::unique_ptr<SqliteConnection> conn = acquire_reader();
    struct Return {
      SqliteDatabase& db;
      std::unique_ptr<SqliteConnection>& c;
      ~Return() { db.release_reader(std::move(c)); }
    } give_back{*this, conn};
    in_transaction(*conn, "BEGIN", fn);
  }

 private:
  // BEGIN IMMEDIATE takes the write lock up front; the busy handler waits out other processes.
  void write_transaction(const std::function<void(Tx&)>& fn) { in_transaction(*writer_, "BEGIN IMMEDIATE", fn); }

  static void in_transaction(SqliteConnection& c, const char* begin, const std::function<void(Tx&)>& fn) {
    c.exec_script(begin);
    try {
      fn(c);
      c.exec_script("COMMIT");
    } catch (...) {
      try {
        c.exec_script("ROLLBACK");
      } catch (...) {
      }
      throw;
    }
  }

  std::unique_ptr<SqliteConnection> acquire_reader() {
    std::unique_lock lock(readers_mutex_);
    readers_cv_.wait(lock, [&] { return !idle_readers_.empty() || open_readers_ < options_.pool_size; });
    if (!idle_readers_.empty()) {
      auto c = std::move(idle_readers_.back());
      idle_readers_.pop_back();
      return c;
    }
    ++open_readers_;
    lock.unlock();
    try {
      return std::make_unique<SqliteConnection>(options_, true);
    } catch (...) {
      std::lock_guard relock(readers_mutex_);
      --open_readers_;
      readers_cv_.notify_one();
      throw;
    }
  }

  void release_reader(std::unique_ptr<SqliteConnection> c) {
    std::lock_guard lock(readers_mutex_);
    idle_readers_.push_back(std::move(c));
    readers_cv_.notify_one();
  }

  Options options_;
  std::mutex writer_mutex_;
  std::unique_ptr<SqliteConnection> writer_;
  bool relaxed_ = false;  // the writer left at synchronous=NORMAL (under writer_mutex_)
  std::mutex readers_mutex_;
  std::condition_variable readers_cv_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_readers_;
  std::size_t open_readers_ = 0;
};

}  // namespace

std::unique_ptr<Database> open_sqlite(const Options& options) { return std::make_unique<SqliteDatabase>(options); }

}  // namespace zt::core::storage
