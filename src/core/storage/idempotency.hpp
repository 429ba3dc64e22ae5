#pragma once
// Idempotency of a service's mutations by request id (the counter, the sandbox vendors): one
// effect per id. The first answer — success or refusal — is kept with a fingerprint of the
// parameters in the service's requests table
//   CREATE TABLE <service>_requests (request_id TEXT PRIMARY KEY, operation TEXT NOT NULL,
//     fingerprint TEXT NOT NULL, result TEXT NOT NULL, created_at_ms BIGINT NOT NULL);
// a replay returns it unchanged, and the same id with other parameters is refused. Runs inside
// the caller's transaction, so the record and the effect commit together.
#include <cctype>
#include <cstdint>
#include <string>
#include <variant>

#include "core/json/json.hpp"
#include "core/storage/database.hpp"
#include "core/util/digest.hpp"
#include "core/util/refusal.hpp"

namespace zt::core::storage {

using core::Refusal;

inline Refusal bad_request_id(const std::string& prefix) {
  return Refusal{400, prefix + "_REQUEST_ID_INVALID", "请求编号应为1至64位字母、数字或 - _ . :"};
}

inline bool valid_request_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (unsigned char c : id)
    if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':')) return false;
  return true;
}

// The table and error-code prefix of one service's requests: {"counter_requests", "COUNTER"}.
struct RequestLog {
  std::string table;
  std::string prefix;
};

// The request (as JSON) is fingerprinted; `op` performs it and answers T or a refusal. `reads`,
// statements the operation needs answered (an account, a balance), go to the database with the
// claim, in one exchange; `op` receives their answers, in order (nothing when the id was taken).
template <class T, class Request, class Op>
std::variant<T, Refusal> once(Tx& tx, const RequestLog& log, const std::string& request_id, const std::string& operation,
                              const Request& request, std::int64_t now_ms, std::vector<Statement> reads, Op&& op) {
  if (!valid_request_id(request_id)) return bad_request_id(log.prefix);
  const std::string fingerprint = core::sha256_hex(operation + "\n" + core::json::serialize(request));
  // Claimed first, in one statement: a concurrent writer with the same id waits here until this
  // transaction ends, then finds this answer (PostgreSQL) — or, where it ran the same claim
  // before the row committed, fails on the key and runs again (write_claiming).
  reads.insert(reads.begin(), Statement{"INSERT INTO " + log.table +
                                            " (request_id, operation, fingerprint, result, created_at_ms) VALUES (?, ?, ?, '', ?) "
                                            "ON CONFLICT (request_id) DO NOTHING RETURNING request_id",
                                        {request_id, operation, fingerprint, now_ms}});
  auto answers = tx.query_all(reads);
  if (answers.front().empty()) {
    auto seen = tx.query("SELECT operation, fingerprint, result FROM " + log.table + " WHERE request_id = ?", {request_id});
    if (seen.empty() || seen.at(0).string(2).empty())
      throw StorageError(StorageError::Kind::kUniqueViolation, "request " + request_id + " is being answered by another call");
    if (seen.at(0).string(0) != operation || seen.at(0).string(1) != fingerprint)
      return Refusal{422, log.prefix + "_REQUEST_REUSED", "请求编号已用于另一笔不同的业务，请使用新的请求编号"};
    auto kept = boost::json::parse(seen.at(0).string(2)).as_object();
    if (kept.contains("ok")) return core::json::parse<T>(boost::json::serialize(kept.at("ok")));
    return Refusal{static_cast<int>(kept.at("status").as_int64()), std::string(kept.at("code").as_string()),
                   std::string(kept.at("message").as_string())};
  }
  answers.erase(answers.begin());
  std::variant<T, Refusal> out = op(std::move(answers));
  boost::json::object kept;
  if (auto* ok = std::get_if<T>(&out)) {
    kept["ok"] = boost::json::parse(core::json::serialize(*ok));
  } else {
    const auto& r = std::get<Refusal>(out);
    kept["status"] = r.status;
    kept["code"] = r.code;
    kept["message"] = r.message;
  }
  // Sent with the COMMIT (or the next statement): the row is this transaction's own claim.
  tx.defer("UPDATE " + log.table + " SET result = ? WHERE request_id = ?", {boost::json::serialize(kept), request_id});
  return out;
}

template <class T, class Request, class Op>
std::variant<T, Refusal> once(Tx& tx, const RequestLog& log, const std::string& request_id, const std::string& operation,
                              const Request& request, std::int64_t now_ms, Op&& op) {
  return once<T>(tx, log, request_id, operation, request, now_ms, {}, [&](std::vector<Rows>&&) { return op(); });
}

// The next value of a named gapless sequence kept in `table` (name TEXT PRIMARY KEY, next_value
// BIGINT): 1, 2, 3, … per name. Inside the caller's transaction, so a rolled-back write leaves
// no gap.
// One statement takes the value (the row stays locked to the end of the transaction).
// The statement that takes it (to send with others: Tx::query_all) and what to make of its answer.
inline Statement take_from_sequence(const std::string& table, const std::string& name) {
  return {"UPDATE " + table + " SET next_value = next_value + 1 WHERE name = ? RETURNING next_value - 1", {name}};
}
inline std::int64_t taken_from_sequence(Tx& tx, const Rows& taken, const std::string& table, const std::string& name) {
  if (!taken.empty()) return taken.at(0).int64(0);
  tx.exec("INSERT INTO " + table + " (name, next_value) VALUES (?, 2)", {name});  // the first of its name
  return 1;
}
inline std::int64_t next_in_sequence(Tx& tx, const std::string& table, const std::string& name) {
  const auto step = take_from_sequence(table, name);
  return taken_from_sequence(tx, tx.query(step.sql, step.params), table, name);
}

// Runs a write that claims a request id (once() inside it). When a concurrent call claimed the
// same id first, this one fails on the key; run again, it finds that call's answer.
template <class F>
auto write_claiming(Database& db, F fn) -> boost::asio::awaitable<std::invoke_result_t<F&, Tx&>> {
  for (int attempt = 1;; ++attempt) {
    try {
      co_return co_await db.write(fn);
    } catch (const StorageError& e) {
      if (e.kind() != StorageError::Kind::kUniqueViolation || attempt == 3) throw;
    }
  }
}

}  // namespace zt::core::storage
