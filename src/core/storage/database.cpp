// Database's default way of running a transaction for a coroutine (on the blocking pool), and
// the span each transaction of a request makes.
#include "core/storage/database.hpp"

#include <exception>

#include "core/net/work_executor.hpp"
#include "core/observe/tracer.hpp"

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
  const std::uint64_t start = observe::unix_nanos();
  std::exception_ptr error;
  try {
    co_await transact(mode, fn);
  } catch (...) {
    error = std::current_exception();
  }
  const std::uint64_t end = observe::unix_nanos();
  // A refusal thrown inside the transaction (it rolled back) is the request's answer, not the
  // database failing; a storage error is. Its text stays out of the span (it may quote a row).
  bool failed = false, rolled_back = false;
  std::string why;
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const StorageError& e) {
      failed = true;
      why = e.kind() == StorageError::Kind::kUnavailable       ? "database unavailable"
            : e.kind() == StorageError::Kind::kUniqueViolation ? "unique violation"
                                                               : "storage error";
    } catch (...) {
      rolled_back = true;
    }
  }
  const std::string system = dialect() == Dialect::kPostgres ? "postgresql" : "sqlite";
  const std::string operation = mode == Mode::kRead ? "read" : "write";
  std::vector<observe::Attribute> attributes{{"db.system", system}, {"zt.db.transaction", operation}};
  if (rolled_back) attributes.push_back({"zt.db.rolled_back", true});
  observe::record_dependency_span(*parent, system + " " + operation, "db:" + system, std::move(attributes), start, end,
                                  failed, why);
  if (error) std::rethrow_exception(error);
}

}  // namespace zt::core::storage
