#include "core/workflow/lease.hpp"

#include <exception>

#include "core/observe/log.hpp"
#include "core/util/time.hpp"
#include "core/workflow/names.hpp"

namespace zt::core::workflow {

Leases::Leases(std::string table) {
  const std::string& t = sql_name(table);
  // The first taker creates it (two at once: one inserts, the other does nothing); then one
  // conditional update: this holder's, or a lapsed one.
  insert_ = "INSERT INTO " + t + " (name, holder, until_ms) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING";
  update_ = "UPDATE " + t + " SET holder = ?, until_ms = ? WHERE name = ? AND (holder = ? OR until_ms < ?)";
  release_ = "UPDATE " + t + " SET until_ms = 0 WHERE name = ? AND holder = ?";
}

bool Leases::take(storage::Tx& tx, const std::string& name, const std::string& holder, std::int64_t now_ms,
                  std::int64_t ttl_ms) const {
  if (tx.exec(insert_, {name, holder, now_ms + ttl_ms}) > 0) return true;
  return tx.exec(update_, {holder, now_ms + ttl_ms, name, holder, now_ms}) > 0;
}

void Leases::give_back(storage::Tx& tx, const std::string& name, const std::string& holder) const {
  tx.exec(release_, {name, holder});
}

JobLease::JobLease(storage::Database& db, const Leases& leases, std::string name, std::string holder,
                   std::chrono::milliseconds ttl, std::string what)
    : db_(db), leases_(leases), name_(std::move(name)), holder_(std::move(holder)), what_(std::move(what)), ttl_(ttl) {}

boost::asio::awaitable<bool> JobLease::renew() {
  const auto now = unix_millis();
  const bool mine =
      co_await db_.write([&](storage::Tx& tx) { return leases_.take(tx, name_, holder_, now, ttl_.count()); });
  renewed_ = std::chrono::steady_clock::now();
  co_return mine;
}

boost::asio::awaitable<bool> JobLease::take() {
  if (running_.exchange(true)) co_return false;  // this instance is running one
  bool mine = false;
  std::exception_ptr failed;
  try {
    mine = co_await renew();
  } catch (...) {
    failed = std::current_exception();
  }
  if (failed || !mine) running_ = false;
  if (failed) std::rethrow_exception(failed);
  co_return mine;
}

boost::asio::awaitable<bool> JobLease::keep() {
  if (std::chrono::steady_clock::now() - renewed_ < ttl_ / 3) co_return true;
  const bool mine = co_await renew();
  if (!mine) log::warn("{}: the lease went to another instance; this run stops", what_);
  co_return mine;
}

boost::asio::awaitable<void> JobLease::give_back() {
  std::string failure;
  try {
    co_await db_.write([&](storage::Tx& tx) { leases_.give_back(tx, name_, holder_); });
  } catch (const std::exception& e) {
    failure = e.what();
  }
  // Not given back: it lapses by itself after the ttl.
  if (!failure.empty()) log::warn("{}: could not give back the lease: {}", what_, failure);
  running_ = false;
}

}  // namespace zt::core::workflow
