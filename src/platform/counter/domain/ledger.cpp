#include "platform/counter/domain/ledger.hpp"

#include <fmt/format.h>

#include "core/storage/idempotency.hpp"

namespace zt::platform::counter {

bool Ledger::guarded(std::string_view account) {
  for (std::string_view prefix : {"cash:", "frozen:", "pos:", "posfrozen:"})
    if (account.substr(0, prefix.size()) == prefix) return true;
  return false;
}

std::int64_t Ledger::next(core::storage::Tx& tx, std::string_view name) {
  return core::storage::next_in_sequence(tx, "counter_sequences", std::string(name));
}

namespace {

void credit(core::storage::Tx& tx, const std::string& account, const std::string& asset, std::int64_t units) {
  if (tx.exec("UPDATE counter_balances SET units = units + ? WHERE account = ? AND asset = ?", {units, account, asset}) == 0)
    tx.exec("INSERT INTO counter_balances (account, asset, units) VALUES (?, ?, ?)", {account, asset, units});
}

void debit(core::storage::Tx& tx, const std::string& account, const std::string& asset, std::int64_t units) {
  if (Ledger::guarded(account)) {
    // One statement checks and moves: no other writer can slip between the check and the move.
    if (tx.exec("UPDATE counter_balances SET units = units - ? WHERE account = ? AND asset = ? AND units >= ?",
                {units, account, asset, units}) == 0)
      throw LedgerConflict(fmt::format("{} {} would go below zero by {}", account, asset, units));
    return;
  }
  if (tx.exec("UPDATE counter_balances SET units = units - ? WHERE account = ? AND asset = ?", {units, account, asset}) == 0)
    tx.exec("INSERT INTO counter_balances (account, asset, units) VALUES (?, ?, ?)", {account, asset, -units});
}

}  // namespace

std::int64_t Ledger::post(core::storage::Tx& tx, const Entry& e, std::int64_t now_ms) const {
  if (e.postings.empty()) throw std::invalid_argument("a journal entry needs postings");
  for (const auto& p : e.postings)
    if (p.units <= 0 || p.debit == p.credit || p.asset.empty())
      throw std::invalid_argument(fmt::format("bad posting {} {} -> {} {}", p.asset, p.debit, p.credit, p.units));
  const std::int64_t seq = next(tx, "journal");
  tx.exec("INSERT INTO counter_journal (seq, request_id, kind, fund_account, memo, business_date, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
          {seq, e.request_id, e.kind, e.fund_account, e.memo, e.business_date, now_ms});
  std::int64_t line = 0;
  for (const auto& p : e.postings) {
    tx.exec("INSERT INTO counter_postings (seq, line, asset, debit, credit, units) VALUES (?, ?, ?, ?, ?, ?)",
            {seq, ++line, p.asset, p.debit, p.credit, p.units});
    debit(tx, p.debit, p.asset, p.units);
    credit(tx, p.credit, p.asset, p.units);
  }
  return seq;
}

std::int64_t Ledger::balance(core::storage::Tx& tx, std::string_view account, std::string_view asset) const {
  auto rows = tx.query("SELECT units FROM counter_balances WHERE account = ? AND asset = ?", {std::string(account), std::string(asset)});
  return rows.empty() ? 0 : rows.at(0).int64(0);
}

std::vector<std::int64_t> Ledger::balances_of(core::storage::Tx& tx, const std::vector<std::string>& accounts,
                                              std::string_view asset) const {
  std::vector<std::int64_t> out(accounts.size(), 0);
  if (accounts.empty()) return out;
  std::string marks = "?";
  core::storage::Params params{std::string(asset), accounts.front()};
  for (std::size_t i = 1; i < accounts.size(); ++i) {
    marks += ", ?";
    params.emplace_back(accounts[i]);
  }
  for (const auto& r : tx.query("SELECT account, units FROM counter_balances WHERE asset = ? AND account IN (" + marks + ")", params))
    for (std::size_t i = 0; i < accounts.size(); ++i)
      if (accounts[i] == r.string(0)) out[i] = r.int64(1);
  return out;
}

std::map<BalanceKey, std::int64_t> Ledger::balances(core::storage::Tx& tx) const {
  std::map<BalanceKey, std::int64_t> out;
  for (const auto& r : tx.query("SELECT account, asset, units FROM counter_balances"))
    if (r.int64(2) != 0) out[{r.string(0), r.string(1)}] = r.int64(2);
  return out;
}

std::map<BalanceKey, std::int64_t> Ledger::replay(core::storage::Tx& tx) const {
  std::map<BalanceKey, std::int64_t> out;
  for (const auto& r : tx.query("SELECT asset, debit, credit, units FROM counter_postings ORDER BY seq, line")) {
    out[{r.string(1), r.string(0)}] -= r.int64(3);
    out[{r.string(2), r.string(0)}] += r.int64(3);
  }
  std::erase_if(out, [](const auto& kv) { return kv.second == 0; });
  return out;
}

}  // namespace zt::platform::counter
