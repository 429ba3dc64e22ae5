// PostgreSQL backend: pools of libpq connections, each with the service's schema on its
// search_path and a cache of prepared statements. Parameters travel as text.
//
// Writes run in BEGIN … COMMIT. Reads run on connections whose sessions are read-only
// (`default_transaction_read_only`), one statement at a time without BEGIN and COMMIT: at READ
// COMMITTED every statement takes its own snapshot inside a transaction too, so wrapping a read
// in one bought nothing but two round trips, and a write slipped into a read is still refused
// by the server.
#include <fmt/format.h>
#include <libpq-fe.h>

#include <condition_variable>
#include <map>
#include <mutex>

#include "core/storage/backends.hpp"

namespace zt::core::storage {

namespace {

std::string quote_ident(std::string_view id) {
  std::string out = "\"";
  for (char c : id) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

class PgConnection final : public Tx {
 public:
  PgConnection(const Options& o, bool read_only) {
    conn_ = PQconnectdb(o.postgres_dsn.c_str());
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string msg = PQerrorMessage(conn_);
      PQfinish(conn_);
      conn_ = nullptr;
      throw StorageError(StorageError::Kind::kUnavailable, fmt::format("cannot connect to PostgreSQL: {}", msg));
    }
    if (!o.schema.empty()) {
      exec_script(fmt::format("SET client_min_messages TO warning; CREATE SCHEMA IF NOT EXISTS {0}; SET search_path TO {0}",
                              quote_ident(o.schema)));
    }
    if (read_only) exec_script("SET default_transaction_read_only = on");
  }
  ~PgConnection() override {
    if (conn_) PQfinish(conn_);
  }

  bool healthy() const { return conn_ && PQstatus(conn_) == CONNECTION_OK; }
  Dialect dialect() const override { return Dialect::kPostgres; }

  Rows query(std::string_view sql, const Params& params) override {
    PGresult* r = run(sql, params);
    Rows rows = [&] {
      std::vector<std::string> cols;
      for (int i = 0; i < PQnfields(r); ++i) cols.emplace_back(PQfname(r, i));
      return Rows(std::move(cols));
    }();
    for (int row = 0; row < PQntuples(r); ++row) {
      std::vector<std::optional<std::string>> cells;
      for (int c = 0; c < PQnfields(r); ++c) {
        if (PQgetisnull(r, row, c)) cells.emplace_back(std::nullopt);
        else cells.emplace_back(std::string(PQgetvalue(r, row, c), static_cast<std::size_t>(PQgetlength(r, row, c))));
      }
      rows.add(std::move(cells));
    }
    PQclear(r);
    return rows;
  }

  std::int64_t exec(std::string_view sql, const Params& params) override {
    PGresult* r = run(sql, params);
    const char* n = PQcmdTuples(r);
    std::int64_t changed = (n && *n) ? std::stoll(n) : 0;
    PQclear(r);
    return changed;
  }

  void exec_script(std::string_view sql) override {
    std::string s(sql);
    PGresult* r = PQexec(conn_, s.c_str());
    check(r, sql);
    PQclear(r);
  }

 private:
  void check(PGresult* r, std::string_view sql) {
    auto st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) return;
    const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    std::string code = state ? state : "";
    std::string msg = r ? PQresultErrorMessage(r) : PQerrorMessage(conn_);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    PQclear(r);
    auto kind = code == "23505" ? StorageError::Kind::kUniqueViolation
                : (code.rfind("08", 0) == 0 || !healthy()) ? StorageError::Kind::kUnavailable
                                                            : StorageError::Kind::kOther;
    throw StorageError(kind, fmt::format("{} (in: {})", msg, sql.substr(0, 200)));
  }

  PGresult* run(std::string_view sql, const Params& params) {
    auto it = prepared_.find(sql);
    if (it == prepared_.end()) {
      std::string name = fmt::format("zt{}", prepared_.size() + 1);
      std::string pg_sql = to_postgres_placeholders(sql);
      PGresult* r = PQprepare(conn_, name.c_str(), pg_sql.c_str(), 0, nullptr);
      check(r, sql);
      PQclear(r);
      it = prepared_.emplace(std::string(sql), std::move(name)).first;
    }
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, Null>) {
              values[i] = nullptr;
            } else {
              if constexpr (std::is_same_v<T, std::string>) texts[i] = v;
              else if constexpr (std::is_same_v<T, bool>) texts[i] = v ? "true" : "false";
              else if constexpr (std::is_same_v<T, double>) texts[i] = fmt::format("{}", v);
              else texts[i] = std::to_string(v);
              values[i] = texts[i].c_str();
            }
          },
          params[i]);
    }
    PGresult* r = PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(params.size()), values.data(), nullptr,
                                 nullptr, 0);
    check(r, sql);
    return r;
  }

  PGconn* conn_ = nullptr;
  std::map<std::string, std::string, std::less<>> prepared_;
};

class PgDatabase final : public Database {
 public:
  explicit PgDatabase(Options o) : options_(std::move(o)), writers_(false), readers_(true) {
    release(writers_, std::make_unique<PgConnection>(options_, false));  // fail fast when the server is unreachable
  }
  Dialect dialect() const override { return Dialect::kPostgres; }

  void write_blocking(const std::function<void(Tx&)>& fn) override { transact("BEGIN", fn); }
  // The commit returns once the WAL is written, not flushed (visible to every session at once);
  // the WAL writer flushes it within a few hundred milliseconds.
  void repairable_write_blocking(const std::function<void(Tx&)>& fn) override {
    transact("BEGIN; SET LOCAL synchronous_commit TO off", fn);
  }

  void read_blocking(const std::function<void(Tx&)>& fn) override {
    auto conn = acquire(readers_);
    try {
      fn(*conn);
    } catch (...) {
      release(readers_, std::move(conn));
      throw;
    }
    release(readers_, std::move(conn));
  }

 private:
  void transact(const char* begin, const std::function<void(Tx&)>& fn) {
    auto conn = acquire(writers_);
    try {
      conn->exec_script(begin);
      fn(*conn);
      conn->exec_script("COMMIT");
    } catch (...) {
      if (conn->healthy()) {
        try {
          conn->exec_script("ROLLBACK");
        } catch (...) {
        }
      }
      release(writers_, std::move(conn));
      throw;
    }
    release(writers_, std::move(conn));
  }

  struct Pool {
    explicit Pool(bool ro) : read_only(ro) {}
    const bool read_only;
    std::vector<std::unique_ptr<PgConnection>> idle;
    std::size_t open = 0;
  };

  std::unique_ptr<PgConnection> acquire(Pool& pool) {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return !pool.idle.empty() || pool.open < options_.pool_size; });
    if (!pool.idle.empty()) {
      auto c = std::move(pool.idle.back());
      pool.idle.pop_back();
      return c;
    }
    ++pool.open;
    lock.unlock();
    try {
      return std::make_unique<PgConnection>(options_, pool.read_only);
    } catch (...) {
      std::lock_guard relock(mutex_);
      --pool.open;
      cv_.notify_all();
      throw;
    }
  }

  void release(Pool& pool, std::unique_ptr<PgConnection> c) {
    std::lock_guard lock(mutex_);
    if (c->healthy()) {
      pool.idle.push_back(std::move(c));
      if (pool.open < pool.idle.size()) pool.open = pool.idle.size();
    } else {
      --pool.open;  // a broken connection is dropped; the next acquire opens a fresh one
    }
    cv_.notify_all();  // one condition for both pools: wake the waiter of either
  }

  Options options_;
  std::mutex mutex_;
  std::condition_variable cv_;
  Pool writers_, readers_;
};

}  // namespace

std::unique_ptr<Database> open_postgres(const Options& options) { return std::make_unique<PgDatabase>(options); }

}  // namespace zt::core::storage
