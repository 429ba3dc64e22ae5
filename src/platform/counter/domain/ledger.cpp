#include "platform/counter/domain/ledger.hpp"

#include <fmt/format.h>

#include "core/storage/idempotency.hpp"

namespace zt::platform::counter {

namespace {
const std::string kSequences = "counter_sequences";
}  // namespace

bool Ledger::guarded(std::string_view account) {
  for (std::string_view prefix : {"cash:", "frozen:", "pos:", "posfrozen:"})
    if (account.substr(0, prefix.size()) == prefix) return true;
  return false;
}

std::int64_t Ledger::next(core::storage::Tx& tx, std::string_view name) {
  return core::storage::next_in_sequence(tx, kSequences, std::string(name));
}

namespace {

// Adds `units` (negative: takes them) to a balance, opening it when new: one statement whose
// answer nobody waits for (it travels with the next statement or the COMMIT).
void add(core::storage::Tx& tx, const std::string& account, const std::string& asset, std::int64_t units) {
  tx.defer(
      "INSERT INTO counter_balances (account, asset, units) VALUES (?, ?, ?) ON CONFLICT (account, asset) DO UPDATE SET units = "
      "counter_balances.units + excluded.units",
      {account, asset, units});
}

}  // namespace

std::int64_t Ledger::post(core::storage::Tx& tx, const Entry& e, std::int64_t now_ms) const {
  if (e.postings.empty()) throw std::invalid_argument("a journal entry needs postings");
  for (std::size_t i = 0; i < e.postings.size(); ++i) {
    const auto& p = e.postings[i];
    if (p.units <= 0 || p.debit == p.credit || p.asset.empty())
      throw std::invalid_argument(fmt::format("bad posting {} {} -> {} {}", p.asset, p.debit, p.credit, p.units));
    // Guarded debits go first (below): one may not count on a credit earlier in the same entry.
    for (std::size_t j = 0; j < i && guarded(p.debit); ++j)
      if (e.postings[j].credit == p.debit && e.postings[j].asset == p.asset)
        throw std::invalid_argument(fmt::format("{} {} is credited and then debited in one entry: post them apart", p.debit, p.asset));
  }
  // One exchange takes the journal number and makes every guarded debit: each checks and moves in
  // one statement (no other writer slips between the check and the move), and answers whether it
  // could. The rest — the journal lines, the other balances — follow with the next statement.
  std::vector<core::storage::Statement> first{core::storage::take_from_sequence(kSequences, "journal")};
  for (const auto& p : e.postings)
    if (guarded(p.debit))
      first.push_back({"UPDATE counter_balances SET units = units - ? WHERE account = ? AND asset = ? AND units >= ? RETURNING 1",
                       {p.units, p.debit, p.asset, p.units}});
  const auto answers = tx.query_all(first);
  std::size_t at = 1;
  for (const auto& p : e.postings)
    if (guarded(p.debit) && answers.at(at++).empty())
      throw LedgerConflict(fmt::format("{} {} would go below zero by {}", p.debit, p.asset, p.units));
  const std::int64_t seq = core::storage::taken_from_sequence(tx, answers.at(0), kSequences, "journal");
  tx.defer("INSERT INTO counter_journal (seq, request_id, kind, fund_account, memo, business_date, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
           {seq, e.request_id, e.kind, e.fund_account, e.memo, e.business_date, now_ms});
  std::int64_t line = 0;
  for (const auto& p : e.postings) {
    tx.defer("INSERT INTO counter_postings (seq, line, asset, debit, credit, units) VALUES (?, ?, ?, ?, ?, ?)",
             {seq, ++line, p.asset, p.debit, p.credit, p.units});
    if (!guarded(p.debit)) add(tx, p.debit, p.asset, -p.units);
    add(tx, p.credit, p.asset, p.units);
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
