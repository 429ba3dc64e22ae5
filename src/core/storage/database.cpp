// Database's default way of running a transaction for a coroutine (on the blocking pool), and
// the span each transaction of a request makes.
#include "core/storage/database.hpp"

#include <chrono>
#include <exception>
#include <optional>

#include "core/net/work_executor.hpp"
#include "core/observe/tracer.hpp"
#include "core/util/error.hpp"

namespace zt::core::storage {

boost::asio::awaitable<void> Database::transact(Mode mode, const std::function<void(Tx&)>& fn) {
  co_await core::blocking([this, mode, &fn] { dispatch(mode, fn); });
}

boost::asio::awaitable<void> Database::run(Mode mode, const std::function<void(Tx&)>& fn) {
  std::optional<observe::SpanOrigin> parent;
  if (observe::tracer().recording()) parent = co_await net::current_span_parent();
  if (!parent) {
    co_await transact(mode, fn);
    co_return;
  }
  // Whether the body threw (a refusal, or a statement failing), as against the transaction never
  // running (the blocking pool full) or its BEGIN or COMMIT failing.
  bool body_threw = false;
  const std::function<void(Tx&)> body = [&fn, &body_threw](Tx& tx) {
    try {
      fn(tx);
    } catch (...) {
      body_threw = true;
      throw;
    }
  };
  const std::uint64_t start = observe::unix_nanos();
  const auto began = std::chrono::steady_clock::now();
  std::exception_ptr error;
  try {
    co_await transact(mode, body);
  } catch (...) {
    error = std::current_exception();
  }
  const auto took = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - began);
  const SpanVerdict verdict = judge_transaction(error, body_threw);
  // Built only when the span is kept, and never thrown into the caller (the write may have
  // committed).
  if (observe::tracer().wanted(parent->trace.flags, !verdict.failed.empty(), took)) {
    try {
      const std::string system = dialect() == Dialect::kPostgres ? "postgresql" : "sqlite";
      const std::string operation = mode == Mode::kRead ? "read" : "write";
      std::vector<observe::Attribute> attributes{{"db.system", system}, {"zt.db.transaction", operation}};
      if (verdict.rolled_back) attributes.push_back({"zt.db.rolled_back", true});
      if (verdict.unique_violation) attributes.push_back({"zt.db.unique_violation", true});
      if (verdict.not_run) attributes.push_back({"zt.db.not_run", true});
      observe::record_dependency_span(*parent, system + " " + operation, "db:" + system, std::move(attributes), start,
                                      took, !verdict.failed.empty(), verdict.failed);
    } catch (...) {
      // The span lost; the transaction's outcome stands.
    }
  }
  if (error) std::rethrow_exception(error);
}

SpanVerdict judge_transaction(const std::exception_ptr& error, bool body_threw) {
  SpanVerdict v;
  if (!error) return v;
  try {
    std::rethrow_exception(error);
  } catch (const StorageError& e) {
    // A unique violation is most often the answer a caller awaits (a request id seen before): not
    // the database failing. The text stays out of the span (it may quote a row).
    if (e.kind() == StorageError::Kind::kUniqueViolation) {
      v.unique_violation = true;
      v.rolled_back = true;
    } else {
      v.failed = e.kind() == StorageError::Kind::kUnavailable ? "database unavailable" : "storage error";
    }
  } catch (const ApiError&) {
    // Thrown by the body: a refusal, the request's answer. Otherwise the transaction never ran
    // (the blocking pool full): this process's load, not the database's — the request's own span
    // says it failed, the edge to the database does not.
    if (body_threw)
      v.rolled_back = true;
    else
      v.not_run = true;
  } catch (...) {
    // Anything else the body threw (a row not there, a value that does not parse): a failure of
    // the transaction's code, rolled back.
    if (body_threw) {
      v.rolled_back = true;
      v.failed = "transaction failed";
    } else {
      v.not_run = true;
    }
  }
  return v;
}

}  // namespace zt::core::storage
