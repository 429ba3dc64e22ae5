#pragma once
// One instance at a time runs a job (a confirmation run, a scheduler tick, a sweep), across every
// instance of a service: a lease per job in the service's table
//
//   CREATE TABLE <service>_leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until_ms BIGINT NOT NULL);
//
//   core::workflow::Leases leases{"mall_leases"};
//   db.write([&](Tx& tx) { return leases.take(tx, "confirmation", holder, now_ms, 60'000); });
//
// Taking is one insert or one conditional update (never read-then-write): the holder's own lease
// is renewed, a lapsed one is taken over, a live one of another holder is refused. Renew it well
// before it lapses (a third of the ttl); an instance killed while holding it holds the others back
// until it lapses, so keep the ttl short. A job holds its lease through a JobLease (below).
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <string>

#include "core/storage/database.hpp"

namespace zt::core::workflow {

class Leases {
 public:
  // table: the service's leases table (letters, digits and '_' only).
  explicit Leases(std::string table);

  // True when `holder` has the lease `name` until now_ms + ttl_ms (taken, renewed or taken over).
  bool take(storage::Tx& tx, const std::string& name, const std::string& holder, std::int64_t now_ms,
            std::int64_t ttl_ms) const;
  // Gives the lease back at once (the next taker need not wait for it to lapse); nothing when
  // another holder has it meanwhile.
  void give_back(storage::Tx& tx, const std::string& name, const std::string& holder) const;

 private:
  std::string insert_, update_, release_;
};

// One job's lease as this instance holds it, for a run at a time across instances:
//
//   JobLease lease_{db, leases, "confirmation", instance, 60s, "mall: confirmation"};
//   if (!co_await lease_.take()) co_return;            // another run holds it
//   for (…) { if (!co_await lease_.keep()) break; … }  // before each step: renewed every ttl/3
//   co_await lease_.give_back();                       // whatever happened (never throws)
//
// take() is false also while this instance runs one (the job and a staff trigger in one process).
class JobLease {
 public:
  // holder: this instance's name (unique among the instances); what: the job's name in the logs.
  JobLease(storage::Database& db, const Leases& leases, std::string name, std::string holder,
           std::chrono::milliseconds ttl, std::string what);

  boost::asio::awaitable<bool> take();
  // Renews the lease when a third of the ttl has passed since it was last taken or renewed; false
  // when another instance holds it now (the run stops: logged).
  boost::asio::awaitable<bool> keep();
  boost::asio::awaitable<void> give_back();
  bool running() const { return running_.load(); }

 private:
  boost::asio::awaitable<bool> renew();

  storage::Database& db_;
  const Leases& leases_;
  std::string name_, holder_, what_;
  std::chrono::milliseconds ttl_;
  std::atomic<bool> running_{false};
  std::chrono::steady_clock::time_point renewed_{};
};

}  // namespace zt::core::workflow
