#pragma once
// One small storage interface over SQLite (embedded default) and PostgreSQL (scaled mode).
// SQL uses '?' placeholders and portable types; dialect differences live here only (DESIGN §4).
//
//   auto n = co_await db.write([&](storage::Tx& tx) {
//     tx.exec("UPDATE t SET v = ? WHERE id = ?", {v, id});
//     return tx.query("SELECT count(*) FROM t").at(0).int64(0);
//   });
//
// write() runs a read-write transaction: it commits when the function returns and rolls back
// when it throws. read() runs statements that can only read (a write among them is refused by
// the database): on SQLite in one snapshot, on PostgreSQL each statement in its own, as READ
// COMMITTED gives inside any transaction too (write() included) — figures that must agree as of
// one moment come from one statement. On SQLite they run on the blocking pool; on PostgreSQL on a
// fiber of the calling io thread while a pooled connection is free (non-blocking libpq: the
// thread serves others while the server works, core/net/fiber.hpp), else on the blocking pool.
// Code inside a transaction never holds a lock across a statement.
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/net/blocking.hpp"
#include "core/util/embedded.hpp"

namespace zt::core::storage {

enum class Dialect { kSqlite, kPostgres };

struct Null {};
using Param = std::variant<Null, std::int64_t, double, std::string, bool>;
using Params = std::vector<Param>;

class StorageError : public std::runtime_error {
 public:
  enum class Kind { kOther, kUniqueViolation, kUnavailable };
  StorageError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

// How a transaction's span reads (issue 19): `failed` (the status message) when the database
// failed, or the body threw something other than a refusal; a refusal (ApiError) thrown by the
// body, or a unique violation (most often a request id seen before, which the caller awaits), only
// rolled it back; `not_run` when it never ran (the blocking pool full: this process's load, not
// the database's failure).
struct SpanVerdict {
  std::string failed;
  bool rolled_back = false;
  bool unique_violation = false;
  bool not_run = false;
};
SpanVerdict judge_transaction(const std::exception_ptr& error, bool body_threw);

class Row {
 public:
  Row(const std::vector<std::string>* columns, std::vector<std::optional<std::string>> cells)
      : columns_(columns), cells_(std::move(cells)) {}
  std::size_t size() const { return cells_.size(); }
  bool is_null(std::size_t i) const { return !cells_.at(i).has_value(); }
  std::optional<std::string> text(std::size_t i) const { return cells_.at(i); }
  std::string string(std::size_t i) const;  // throws on NULL
  std::int64_t int64(std::size_t i) const;  // throws on NULL or non-integer
  double real(std::size_t i) const;
  bool boolean(std::size_t i) const;  // 1/0, t/f, true/false
  std::size_t index(std::string_view column) const;  // throws when absent
  std::string string(std::string_view column) const { return string(index(column)); }
  std::int64_t int64(std::string_view column) const { return int64(index(column)); }

 private:
  const std::vector<std::string>* columns_;
  std::vector<std::optional<std::string>> cells_;
};

class Rows {
 public:
  Rows() = default;
  explicit Rows(std::vector<std::string> columns) : columns_(std::make_unique<std::vector<std::string>>(std::move(columns))) {}
  void add(std::vector<std::optional<std::string>> cells) { rows_.emplace_back(columns_.get(), std::move(cells)); }
  const std::vector<std::string>& columns() const { return *columns_; }
  std::size_t size() const { return rows_.size(); }
  bool empty() const { return rows_.empty(); }
  const Row& at(std::size_t i) const { return rows_.at(i); }
  auto begin() const { return rows_.begin(); }
  auto end() const { return rows_.end(); }

 private:
  std::unique_ptr<std::vector<std::string>> columns_ = std::make_unique<std::vector<std::string>>();
  std::vector<Row> rows_;
};

// One statement of several sent together (Tx::query_all).
struct Statement {
  std::string sql;
  Params params;
};

// A connection inside a transaction.
//
// Round trips: on PostgreSQL every statement is a round trip to the server, and on a loaded host
// each one is a wait for two processes to be scheduled. So a write transaction's BEGIN travels
// with its first statement, a write whose answer nobody reads (defer) travels with the next
// statement or the COMMIT, and reads that do not depend on each other go together (query_all).
// SQLite, in process, runs each at once.
class Tx {
 public:
  virtual ~Tx() = default;
  virtual Rows query(std::string_view sql, const Params& params = {}) = 0;
  // Returns the number of rows changed.
  virtual std::int64_t exec(std::string_view sql, const Params& params = {}) = 0;
  // A write whose answer the caller does not need (an insert, an increment, an upsert). It is
  // sent with the next statement or with the COMMIT; should it fail, the transaction fails, at
  // the latest at its end, and changes nothing. Never for a statement whose failure the caller
  // handles by itself (a unique key it catches), nor for a write that may change no row.
  virtual void defer(std::string_view sql, const Params& params = {}) { exec(sql, params); }
  // Statements that do not depend on each other's answers, sent together; each answers as
  // query() would, in order. Any pending deferred writes go first.
  virtual std::vector<Rows> query_all(const std::vector<Statement>& statements) {
    std::vector<Rows> out;
    out.reserve(statements.size());
    for (const auto& s : statements) out.push_back(query(s.sql, s.params));
    return out;
  }
  // Runs several statements without parameters (migrations).
  virtual void exec_script(std::string_view sql) = 0;
  virtual Dialect dialect() const = 0;
};

struct Options {
  std::string driver = "sqlite";  // sqlite | postgres
  std::string sqlite_path;        // the service's database file
  bool sqlite_synchronous_full = true;
  std::string postgres_dsn;       // libpq connection string
  std::string schema;             // postgres schema of the service
  std::size_t pool_size = 8;
  // PostgreSQL transactions of coroutines on fibers of the io thread (no blocking-pool hop).
  bool postgres_on_io_thread = true;
  std::chrono::milliseconds busy_timeout{30000};
};

class Database {
 public:
  static std::unique_ptr<Database> open(const Options& options);
  virtual ~Database() = default;
  virtual Dialect dialect() const = 0;

  // Blocking forms: for the blocking pool, tools and tests.
  virtual void write_blocking(const std::function<void(Tx&)>& fn) = 0;
  virtual void read_blocking(const std::function<void(Tx&)>& fn) = 0;
  // A write the caller repairs by itself should the database host crash right after it: state
  // derived again from a durable record (a mall order marked pending is marked again by the
  // re-drive, from the counter's kept answer to the same request id). As atomic and as visible
  // as any write, but committed without waiting for the disk. Never for money, a quota or an
  // intent recorded before a send.
  virtual void repairable_write_blocking(const std::function<void(Tx&)>& fn) { write_blocking(fn); }

  template <class F>
  auto write(F fn) -> boost::asio::awaitable<std::invoke_result_t<F&, Tx&>> {
    co_return co_await execute(Mode::kWrite, fn);
  }
  template <class F>
  auto write_repairable(F fn) -> boost::asio::awaitable<std::invoke_result_t<F&, Tx&>> {
    co_return co_await execute(Mode::kRepairable, fn);
  }
  template <class F>
  auto read(F fn) -> boost::asio::awaitable<std::invoke_result_t<F&, Tx&>> {
    co_return co_await execute(Mode::kRead, fn);
  }

 protected:
  enum class Mode { kRead, kWrite, kRepairable };
  // Runs one transaction for a coroutine. By default on the blocking pool; a backend that can
  // wait without blocking the thread does better.
  virtual boost::asio::awaitable<void> transact(Mode mode, const std::function<void(Tx&)>& fn);
  void dispatch(Mode mode, const std::function<void(Tx&)>& fn) {
    if (mode == Mode::kRead) read_blocking(fn);
    else if (mode == Mode::kWrite) write_blocking(fn);
    else repairable_write_blocking(fn);
  }

 private:
  // transact(), as a client span of the request the calling coroutine serves (when it serves one:
  // core/net/work_executor.hpp) — the edge to "db:sqlite" or "db:postgresql".
  boost::asio::awaitable<void> run(Mode mode, const std::function<void(Tx&)>& fn);
  template <class F>
  auto execute(Mode mode, F& fn) -> boost::asio::awaitable<std::invoke_result_t<F&, Tx&>> {
    using R = std::invoke_result_t<F&, Tx&>;
    if constexpr (std::is_void_v<R>) {
      const std::function<void(Tx&)> body = [&fn](Tx& tx) { fn(tx); };
      co_await run(mode, body);
    } else {
      std::optional<R> out;
      const std::function<void(Tx&)> body = [&fn, &out](Tx& tx) { out.emplace(fn(tx)); };
      co_await run(mode, body);
      co_return std::move(*out);
    }
  }
};

struct MigrationReport {
  std::vector<std::string> applied;  // file names applied now
  std::size_t already = 0;           // applied before
};

// Applies numbered migrations ("0001_create_orders.sql") not yet recorded in schema_migrations,
// each in its own transaction. A failing migration changes nothing and throws StorageError naming
// the file and the database's error; an applied migration whose text changed is also an error.
MigrationReport migrate(Database& db, std::span<const EmbeddedFile> files);

// Rewrites '?' placeholders to $1..$n outside quotes (PostgreSQL).
std::string to_postgres_placeholders(std::string_view sql);

}  // namespace zt::core::storage
