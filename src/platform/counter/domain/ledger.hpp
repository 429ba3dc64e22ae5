#pragma once
// The counter's double-entry ledger (framework-free; every call runs inside the caller's
// transaction). A journal entry holds postings; a posting moves `units` (> 0) of one asset —
// CNY in cents, or an instrument in 0.01 units — from a debit account to a credit account, so
// every entry balances by construction and, per asset, all balances sum to zero.
//
// Accounts are names: a customer's are "cash:<fund account>", "frozen:<fund account>" (CNY),
// "pos:<fund account>" and "posfrozen:<fund account>" (instruments) and never go below zero;
// the others stand for counterparties — "bank:<bank>", "ta:<product>" (the fund's transfer
// agent), "fee:<product>", "issuer:<product>", "exchange:<market>" — and carry the other side.
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/storage/database.hpp"

namespace zt::platform::counter {

inline constexpr std::string_view kCny = "CNY";

struct Posting {
  std::string asset;
  std::string debit;   // the units leave this account
  std::string credit;  // and arrive here
  std::int64_t units = 0;
};

struct Entry {
  std::string request_id;
  std::string kind;          // deposit, withdrawal, subscribe, redeem, cancel, confirm, trade, ...
  std::string fund_account;  // whose movement it is
  std::string memo;          // Chinese, for the statement
  std::string business_date;
  std::vector<Posting> postings;
};

// A guarded account would go below zero. The operations check first and refuse in Chinese; this
// means another transaction moved the balance in between, and the caller's transaction must roll
// back and run again.
class LedgerConflict : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using BalanceKey = std::pair<std::string, std::string>;  // (account, asset)

class Ledger {
 public:
  // Customer accounts (cash, frozen, pos, posfrozen) never go below zero.
  static bool guarded(std::string_view account);
  static std::string cash(std::string_view fund_account) { return "cash:" + std::string(fund_account); }
  static std::string frozen(std::string_view fund_account) { return "frozen:" + std::string(fund_account); }
  static std::string position(std::string_view fund_account) { return "pos:" + std::string(fund_account); }
  static std::string position_frozen(std::string_view fund_account) { return "posfrozen:" + std::string(fund_account); }

  // Appends the entry and moves the balances; returns its journal sequence number. Throws
  // std::invalid_argument for an empty entry, a posting of zero or negative units, or an entry
  // that debits a guarded account it credited earlier in itself (the guarded debits go first, in
  // one exchange with the journal number: post such movements as two entries), and
  // LedgerConflict when a guarded account would go negative.
  std::int64_t post(core::storage::Tx& tx, const Entry& entry, std::int64_t now_ms) const;

  std::int64_t balance(core::storage::Tx& tx, std::string_view account, std::string_view asset) const;
  // The balances of several accounts in one asset, in the order given, read by one statement (on
  // PostgreSQL, separate reads each take their own snapshot and could straddle a posting).
  std::vector<std::int64_t> balances_of(core::storage::Tx& tx, const std::vector<std::string>& accounts,
                                        std::string_view asset) const;
  // Every balance kept (account, asset) -> units, and the same computed from the journal alone.
  std::map<BalanceKey, std::int64_t> balances(core::storage::Tx& tx) const;
  std::map<BalanceKey, std::int64_t> replay(core::storage::Tx& tx) const;

  // The next value of a named gapless sequence (journal numbers, account numbers, order ids).
  static std::int64_t next(core::storage::Tx& tx, std::string_view name);
};

}  // namespace zt::platform::counter
