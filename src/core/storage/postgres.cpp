// PostgreSQL backend: pools of libpq connections, each with the service's schema on its
// search_path and a cache of prepared statements. Parameters travel as text.
//
// Writes run in BEGIN … COMMIT. Reads run on connections whose sessions are read-only
// (`default_transaction_read_only`) without BEGIN and COMMIT: at READ COMMITTED every statement
// takes its own snapshot inside a transaction too, so wrapping a read in one bought nothing but
// two round trips, and a write slipped into a read is still refused by the server.
//
// Round trips (database.hpp): the BEGIN, deferred writes and statements sent together travel in
// one libpq pipeline — all sent, one Sync, the answers read in order. A connection that is not
// back to idle after its transaction (a pipeline cut short, a transaction left open) is closed
// rather than pooled.
//
// Where the coroutine API runs a transaction on a fiber of the io thread (core/net/fiber.hpp),
// the connection is in libpq's non-blocking mode and every wait — for the server to take what
// is sent, for its answer — is a fiber_wait on the connection's socket; elsewhere libpq blocks
// as usual. An encrypted connection (TLS, GSS) never runs on a fiber: its library may hold
// decrypted bytes the socket no longer signals.
#include <fmt/format.h>
#include <libpq-fe.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>

#include "core/net/fiber.hpp"
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
  // Waits on a fiber can see everything the server sent in the socket itself.
  bool fiber_capable() const { return healthy() && !PQsslInUse(conn_) && !PQgssEncInUse(conn_); }
  // Non-blocking on a fiber (sends leave what the socket does not take for await_answer to
  // flush), blocking elsewhere; set at the start of each transaction.
  void wait_on_fiber(bool on) {
    if (!conn_ || nonblocking_ == on) return;
    if (PQsetnonblocking(conn_, on ? 1 : 0) == 0) nonblocking_ = on;
  }
  // Fit for the next borrower: connected, out of any transaction and pipeline, nothing waiting.
  bool reusable() const {
    return healthy() && PQtransactionStatus(conn_) == PQTRANS_IDLE && PQpipelineStatus(conn_) == PQ_PIPELINE_OFF &&
           queued_.empty();
  }
  Dialect dialect() const override { return Dialect::kPostgres; }

  Rows query(std::string_view sql, const Params& params) override { return rows_of(run(sql, params)); }

  std::int64_t exec(std::string_view sql, const Params& params) override { return changed_by(run(sql, params)); }

  void defer(std::string_view sql, const Params& params) override {
    queued_.push_back(Command{std::string(sql), params, false});
  }

  std::vector<Rows> query_all(const std::vector<Statement>& statements) override {
    std::vector<Command> commands;
    commands.reserve(statements.size());
    for (const auto& st : statements) commands.push_back(Command{st.sql, st.params, false});
    std::vector<Rows> out;
    for (PGresult* r : send(std::move(commands))) out.push_back(rows_of(r));
    return out;
  }

  void exec_script(std::string_view sql) override {
    if (!queued_.empty()) send({});
    std::string s(sql);
    PGresult* r = exec_plain(s.c_str());
    check(r, sql);
    PQclear(r);
  }

  // A statement without parameters that waits for the next one (BEGIN): no round trip of its own.
  void queue(std::string sql) { queued_.push_back(Command{std::move(sql), {}, true}); }
  // Ends the transaction: what waits goes with the COMMIT, or, when nothing but the BEGIN waits
  // (a transaction that ran no statement), nothing is sent at all.
  void commit() {
    // Only BEGIN waits and nothing was sent: any statement sent took the BEGIN along.
    const bool nothing_sent =
        !queued_.empty() && std::all_of(queued_.begin(), queued_.end(), [](const Command& c) { return c.plain; });
    if (nothing_sent) {
      queued_.clear();
      return;
    }
    // A statement failed and the transaction went on (its error caught inside it): PostgreSQL
    // would answer the COMMIT with a ROLLBACK and no error. Never reported as committed.
    if (queued_.empty() && PQtransactionStatus(conn_) == PQTRANS_INERROR)
      throw StorageError(StorageError::Kind::kOther, "the transaction was rolled back: one of its statements had failed");
    PGresult* r = run("COMMIT", {}, true);
    const std::string tag = PQcmdStatus(r);
    PQclear(r);
    if (tag != "COMMIT")
      throw StorageError(StorageError::Kind::kOther, "the transaction was rolled back at COMMIT (" + tag + ")");
  }
  // Sends what waits now (a write deferred where nothing follows it, as in a read).
  void flush() {
    if (!queued_.empty()) send({});
  }
  void rollback() {
    queued_.clear();
    if (!healthy()) return;
    if (PQtransactionStatus(conn_) == PQTRANS_IDLE) return;
    PGresult* r = exec_plain("ROLLBACK");
    PQclear(r);
  }

 private:
  struct Command {
    std::string sql;
    Params params;
    bool plain = false;  // no parameters and not prepared (BEGIN, SET LOCAL, COMMIT)
  };

  static Rows rows_of(PGresult* r) {
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

  static std::int64_t changed_by(PGresult* r) {
    const char* n = PQcmdTuples(r);
    std::int64_t changed = (n && *n) ? std::stoll(n) : 0;
    PQclear(r);
    return changed;
  }

  // libpq's messages end in a newline.
  static void trim_end(std::string& msg) {
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  }

  [[noreturn]] void fail(PGresult* r, std::string_view sql) {
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    std::string code = state ? state : "";
    std::string msg = r ? PQresultErrorMessage(r) : PQerrorMessage(conn_);
    if (msg.empty()) msg = PQerrorMessage(conn_);
    trim_end(msg);
    auto kind = code == "23505" ? StorageError::Kind::kUniqueViolation
                : (code.rfind("08", 0) == 0 || !healthy() || !r) ? StorageError::Kind::kUnavailable
                                                                  : StorageError::Kind::kOther;
    if (r) PQclear(r);
    throw StorageError(kind, fmt::format("{} (in: {})", msg, sql.substr(0, 200)));
  }

  static bool ok(PGresult* r) {
    if (!r) return false;
    auto st = PQresultStatus(r);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY;
  }

  void check(PGresult* r, std::string_view sql) {
    if (!ok(r)) fail(r, sql);
  }

  // One statement (after what waits); `plain`: no parameters, not prepared (COMMIT).
  PGresult* run(std::string_view sql, const Params& params, bool plain = false) {
    std::vector<Command> one;
    one.push_back(Command{std::string(sql), params, plain});
    return send(std::move(one)).at(0);
  }

  // Sends what waits, then `commands`, and answers the results of `commands` (the caller clears
  // them). Alone, a statement is one exchange as before; with company, one pipeline (libpq's
  // pipeline mode): all sent, one Sync, the answers read in order. The first error aborts the
  // rest (the server skips them to the Sync) and is thrown once everything is read.
  std::vector<PGresult*> send(std::vector<Command> commands) {
    if (queued_.empty() && commands.size() == 1) return {single(commands.front())};
    std::vector<Command> all = std::move(queued_);
    queued_.clear();
    const std::size_t first_own = all.size();
    for (auto& c : commands) all.push_back(std::move(c));
    if (all.empty()) return {};
    return pipeline(all, first_own);
  }

  PGresult* single(const Command& c) {
    if (c.plain) {
      PGresult* r = exec_plain(c.sql.c_str());
      check(r, c.sql);
      return r;
    }
    const std::string& name = prepared(c.sql);
    Values v(c.params);
    PGresult* r = PQsendQueryPrepared(conn_, name.c_str(), v.size(), v.values.data(), nullptr, nullptr, 0) == 1
                      ? collect()
                      : nullptr;
    check(r, c.sql);
    return r;
  }

  // The name of a statement prepared on this connection, preparing it first when new.
  const std::string& prepared(const std::string& sql) {
    auto it = prepared_.find(sql);
    if (it != prepared_.end()) return it->second;
    std::string name = fmt::format("zt{}", prepared_.size() + 1);
    PGresult* r =
        PQsendPrepare(conn_, name.c_str(), to_postgres_placeholders(sql).c_str(), 0, nullptr) == 1 ? collect() : nullptr;
    check(r, sql);
    PQclear(r);
    return prepared_.emplace(sql, std::move(name)).first->second;
  }

  // Until the server's answer can be read without blocking. On a fiber the io thread serves
  // others meanwhile; off one libpq waits by itself. A fiber torn down while it waits (its io
  // thread stops) closes the connection: what follows finds it lost.
  void await_answer() {
    if (!core::on_fiber()) return;
    while (conn_ && PQflush(conn_) == 1)  // what the socket did not take yet goes first
      if (!wait_socket(true)) return;
    while (conn_ && PQisBusy(conn_)) {
      if (!wait_socket(false)) return;
      if (PQconsumeInput(conn_) == 0) return;  // broken: PQgetResult says so
    }
  }
  // One wait on the fiber for the socket; false when there is no socket (broken: PQgetResult
  // says so) or the fiber is torn down (the connection is closed).
  bool wait_socket(bool writable) {
    const int fd = PQsocket(conn_);
    if (fd < 0) return false;
    if (core::fiber_wait(fd, writable)) return true;
    PQfinish(conn_);
    conn_ = nullptr;
    return false;
  }
  PGresult* next_result() {
    await_answer();
    return PQgetResult(conn_);
  }
  // PQexec's answer without blocking a fiber: the last result of what was sent, or its first error.
  PGresult* collect() {
    PGresult* last = nullptr;
    while (PGresult* r = next_result()) {
      if (last && !ok(last)) {
        PQclear(r);
        continue;
      }
      PQclear(last);
      last = r;
    }
    return last;
  }
  PGresult* exec_plain(const char* sql) { return PQsendQuery(conn_, sql) == 1 ? collect() : nullptr; }

  struct Values {
    explicit Values(const Params& params) : texts(params.size()), values(params.size()) {
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
    }
    int size() const { return static_cast<int>(values.size()); }
    std::vector<std::string> texts;
    std::vector<const char*> values;
  };

  std::vector<PGresult*> pipeline(const std::vector<Command>& all, std::size_t first_own) {
    if (PQenterPipelineMode(conn_) != 1) drop(all.front().sql);
    try {
      return pipelined(all, first_own);
    } catch (const StorageError&) {
      throw;  // thrown with the pipeline ended (or the connection closed)
    } catch (...) {
      // Cut short in the middle (no memory): the connection's state is unknown; it is closed.
      PQfinish(conn_);
      conn_ = nullptr;
      throw;
    }
  }

  // Closes a connection that cannot be trusted any more (dropped from its pool when released).
  [[noreturn]] void drop(const std::string& sql) {
    std::string msg = conn_ ? PQerrorMessage(conn_) : "";
    trim_end(msg);
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    throw StorageError(StorageError::Kind::kUnavailable,
                       fmt::format("PostgreSQL pipeline interrupted: {} (in: {})", msg, sql.substr(0, 200)));
  }

  std::vector<PGresult*> pipelined(const std::vector<Command>& all, std::size_t first_own) {
    // What each answer belongs to: a command, or the preparation of a new statement.
    struct Expect {
      std::size_t command;
      std::optional<std::string> prepares;  // the name, while not yet known to succeed
    };
    std::vector<Expect> expected;
    std::vector<Values> values;
    values.reserve(all.size());
    std::map<std::string, std::string, std::less<>> preparing;
    bool sent = true;
    for (std::size_t i = 0; i < all.size() && sent; ++i) {
      const Command& c = all[i];
      values.emplace_back(c.params);
      if (c.plain) {
        sent = PQsendQueryParams(conn_, c.sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) == 1;
        expected.push_back({i, std::nullopt});
        continue;
      }
      std::string name;
      if (auto it = prepared_.find(c.sql); it != prepared_.end()) {
        name = it->second;
      } else if (auto p = preparing.find(c.sql); p != preparing.end()) {
        name = p->second;
      } else {
        name = fmt::format("zt{}", prepared_.size() + preparing.size() + 1);
        sent = PQsendPrepare(conn_, name.c_str(), to_postgres_placeholders(c.sql).c_str(), 0, nullptr) == 1;
        preparing.emplace(c.sql, name);
        expected.push_back({i, name});
      }
      sent = sent && PQsendQueryPrepared(conn_, name.c_str(), values.back().size(), values.back().values.data(), nullptr,
                                         nullptr, 0) == 1;
      expected.push_back({i, std::nullopt});
    }
    sent = sent && PQpipelineSync(conn_) == 1;
    std::vector<PGresult*> results(all.size(), nullptr);
    PGresult* error = nullptr;
    std::size_t error_at = 0;
    auto keep_error = [&](PGresult* r, std::size_t at) {
      if (!error && r && PQresultStatus(r) != PGRES_PIPELINE_ABORTED) {
        error = r;
        error_at = at;
      } else if (r) {
        PQclear(r);
      }
    };
    bool lost = !sent;
    for (const auto& e : expected) {
      if (lost) break;
      PGresult* r = next_result();
      if (!r) {
        lost = true;
        break;
      }
      for (PGresult* extra = next_result(); extra; extra = next_result()) PQclear(extra);  // to the command's end
      if (!ok(r)) {
        keep_error(r, e.command);
        continue;
      }
      if (e.prepares) {
        prepared_.emplace(all[e.command].sql, *e.prepares);
        PQclear(r);
      } else {
        results[e.command] = r;
      }
    }
    if (!lost) {
      // The Sync's answer ends the pipeline.
      for (int guard = 0; guard < 4; ++guard) {
        PGresult* r = next_result();
        if (!r) continue;
        const bool sync = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
        PQclear(r);
        if (sync) break;
      }
    }
    if (lost || PQexitPipelineMode(conn_) != 1) {
      for (PGresult* r : results) PQclear(r);
      if (error) PQclear(error);
      drop(all.front().sql);  // in no state to be used again
    }
    if (error) {
      for (PGresult* r : results) PQclear(r);
      fail(error, all[error_at].sql);
    }
    for (std::size_t i = 0; i < first_own; ++i) PQclear(results[i]);  // what waited answers nothing to anyone
    return {results.begin() + static_cast<std::ptrdiff_t>(first_own), results.end()};
  }

  PGconn* conn_ = nullptr;
  bool nonblocking_ = false;
  std::map<std::string, std::string, std::less<>> prepared_;
  std::vector<Command> queued_;  // sent with the next statement or the COMMIT
};

class PgDatabase final : public Database {
 public:
  explicit PgDatabase(Options o) : options_(std::move(o)), writers_(false), readers_(true) {
    release(writers_, std::make_unique<PgConnection>(options_, false));  // fail fast when the server is unreachable
  }
  Dialect dialect() const override { return Dialect::kPostgres; }

  void write_blocking(const std::function<void(Tx&)>& fn) override { write_on(acquire(writers_), false, fn); }
  // The commit returns once the WAL is written, not flushed (visible to every session at once);
  // the WAL writer flushes it within a few hundred milliseconds.
  void repairable_write_blocking(const std::function<void(Tx&)>& fn) override { write_on(acquire(writers_), true, fn); }
  void read_blocking(const std::function<void(Tx&)>& fn) override { read_on(acquire(readers_), fn); }

 protected:
  // On a fiber of the calling io thread when a pooled connection is idle; else (every connection
  // busy, or one to open: connecting blocks) on the blocking pool, which waits for one.
  boost::asio::awaitable<void> transact(Mode mode, const std::function<void(Tx&)>& fn) override {
    Pool& pool = mode == Mode::kRead ? readers_ : writers_;
    std::unique_ptr<PgConnection> conn = options_.postgres_on_io_thread ? take_idle(pool) : nullptr;
    if (!conn) {
      co_await Database::transact(mode, fn);
      co_return;
    }
    std::function<void()> job = [this, mode, &fn, &conn] {
      if (mode == Mode::kRead) read_on(std::move(conn), fn);
      else write_on(std::move(conn), mode == Mode::kRepairable, fn);
    };
    if (!conn->fiber_capable()) {
      co_await core::blocking(job);
      co_return;
    }
    try {
      co_await core::run_on_fiber(job);
    } catch (...) {
      // The fiber never took the connection (no stack for it): back to its pool, not lost.
      if (conn) release(pool, std::move(conn));
      throw;
    }
  }

 private:
  struct Pool;

  // BEGIN (and the repairable commit's setting) wait for the first statement and go with it.
  void write_on(std::unique_ptr<PgConnection> conn, bool repairable, const std::function<void(Tx&)>& fn) {
    guarded(writers_, std::move(conn), [&](PgConnection& c) {
      c.queue("BEGIN");
      if (repairable) c.queue("SET LOCAL synchronous_commit TO off");
      fn(c);
      c.commit();
    });
  }

  void read_on(std::unique_ptr<PgConnection> conn, const std::function<void(Tx&)>& fn) {
    guarded(readers_, std::move(conn), [&](PgConnection& c) {
      fn(c);
      c.flush();  // refused by the read-only session, as any write in a read
    });
  }

  // Runs body on the connection, waiting as the thread it runs on should (a fiber or not); rolls
  // back what it left open when it throws; the connection goes back to its pool either way (one
  // not fit for reuse is dropped there).
  template <class Body>
  void guarded(Pool& pool, std::unique_ptr<PgConnection> conn, Body&& body) {
    conn->wait_on_fiber(core::on_fiber());
    try {
      body(*conn);
    } catch (...) {
      try {
        conn->rollback();
      } catch (...) {
      }
      release(pool, std::move(conn));
      throw;
    }
    release(pool, std::move(conn));
  }

  struct Pool {
    explicit Pool(bool ro) : read_only(ro) {}
    const bool read_only;
    std::vector<std::unique_ptr<PgConnection>> idle;
    std::size_t open = 0;
  };

  // An idle connection at once, or none.
  std::unique_ptr<PgConnection> take_idle(Pool& pool) {
    std::lock_guard lock(mutex_);
    if (pool.idle.empty()) return nullptr;
    auto c = std::move(pool.idle.back());
    pool.idle.pop_back();
    return c;
  }

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
    if (c->reusable()) {
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
