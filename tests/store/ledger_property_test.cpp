// The sandbox counter's ledger under random operation sequences (issue 8 acceptance): deposits,
// withdrawals, fund subscriptions and redemptions, cancellations, T+1 confirmations, stock buys
// and sells, price moves, end-of-day runs, exact retries and conflicting reuses of request ids —
// 100,000 on SQLite, 3,000 on PostgreSQL. An independent model (integer arithmetic, no shared
// code) predicts every answer. After each operation the touched account's balances, holdings
// and the journal's growth must match it; every 2,000 operations and at the end, every invariant
// over the whole ledger: per asset all balances sum to zero, the kept balances equal the journal
// replayed, no customer account is negative, frozen cash and shares equal the pending orders,
// lots cover the holdings, and end-of-day totals equal the model's.
//
// ZT_LEDGER_SEED=<n> replays one sequence; ZT_LEDGER_OPS=<n> changes the SQLite count.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <atomic>
#include <latch>
#include <map>
#include <mutex>
#include <thread>
#include <random>
#include <set>

#include "core/crypto/seal.hpp"
#include "core/finance/calendar.hpp"
#include "core/finance/identity.hpp"
#include "core/json/json.hpp"
#include "core/storage/database.hpp"
#include "harness/process.hpp"
#include "harness/servers.hpp"
#include "platform/counter/domain/sandbox_counter.hpp"

std::span<const zt::core::EmbeddedFile> zt_counter_migrations();

namespace zt::platform::counter {
namespace {

using Units = std::int64_t;
constexpr std::int64_t kNow = 1'796'000'000'000;  // 2026-11

// ---- the model: what the ledger must hold, computed without the code under test
struct ModelOrder {
  std::string fa, product, side, trade_date;
  Units amount = 0, shares = 0;
};
struct ModelLot {
  std::string date;
  Units remaining = 0;
};
struct Model {
  std::map<std::string, Units> cash, frozen;
  std::map<std::pair<std::string, std::string>, Units> pos, posfrozen;  // (fa, code)
  std::map<std::pair<std::string, std::string>, std::vector<ModelLot>> lots;
  std::map<std::string, ModelOrder> pending;
  std::set<std::string> finished;                                        // cancelled or confirmed orders
  std::map<std::pair<std::string, std::string>, Units> navs;             // (product, date) -> nav (1e-4)
  std::map<std::string, Units> stock_price;                               // cents
  std::map<std::string, Units> fund_nav;                                  // latest nav
};

Units half_up_div(Units num, Units den) { return (2 * num + den) / (2 * den); }
// net cents / nav (1e-4) -> shares (0.01)
Units shares_for(Units net, Units nav, bool truncate) { return truncate ? net * 10000 / nav : half_up_div(net * 10000, nav); }
// shares (0.01) × nav (1e-4) -> cents
Units value_fund(Units shares, Units nav) { return half_up_div(shares * nav, 10000); }
// quantity (0.01 share) × price (cents) -> cents
Units value_stock(Units quantity, Units price) { return half_up_div(quantity * price, 100); }

std::string date_of(int day) {
  // Business dates from 2026-03-02 on, one per 40 operations (not all trading days: the counter
  // takes the dates its callers worked out).
  static const auto base = std::chrono::sys_days(std::chrono::year{2026} / 3 / 2);
  return core::finance::format_date(std::chrono::year_month_day(base + std::chrono::days(day)));
}

class LedgerProperty : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    core::storage::Options o;
    o.driver = GetParam();
    if (o.driver == "sqlite") {
      o.sqlite_path = dir_.path() + "/counter.db";
      o.sqlite_synchronous_full = false;  // durability is not what this test is about
    } else {
      o.postgres_dsn = test::shared_postgres().dsn();
      o.schema = "counterprop" + std::to_string(::getpid());
    }
    db_ = core::storage::Database::open(o);
    core::storage::migrate(*db_, zt_counter_migrations());
    if (const char* s = std::getenv("ZT_LEDGER_SEED")) seed_ = std::strtoull(s, nullptr, 10);
    rng_.seed(seed_);
  }

  template <class F>
  auto tx(F f) {
    using R = std::invoke_result_t<F&, core::storage::Tx&>;
    std::optional<R> out;
    db_->write_blocking([&](core::storage::Tx& t) { out.emplace(f(t)); });
    return std::move(*out);
  }
  Units journal_size() {
    return tx([](core::storage::Tx& t) { return t.query("SELECT COUNT(*) FROM counter_journal").at(0).int64(0); });
  }
  Units pick(Units lo, Units hi) { return std::uniform_int_distribution<Units>(lo, hi)(rng_); }
  template <class C>
  const auto& any(const C& c) {
    auto it = c.begin();
    std::advance(it, pick(0, static_cast<Units>(c.size()) - 1));
    return *it;
  }

  void seed_world(Model& m) {
    for (int i = 0; i < 6; ++i) {
      // Valid GB 11643 numbers: region 110105, birth 1980-01-0i, sequence 00i, check computed.
      std::string first17 = fmt::format("1101051980010{}00{}", i + 1, i + 1);
      const std::string id = first17 + core::finance::resident_id_check_char(first17);
      auto c = tx([&](core::storage::Tx& t) {
        return counter_.open_customer(t, OpenCustomer{"cust-" + std::to_string(i), "客户" + std::to_string(i), id, "1380013800" + std::to_string(i), "北京营业部"}, kNow);
      });
      ASSERT_TRUE(std::holds_alternative<Customer>(c)) << std::get<Refusal>(c).message;
      const auto fa = std::get<Customer>(c).fund_account;
      accounts_.push_back(fa);
      auto b = tx([&](core::storage::Tx& t) { return counter_.bind_bank(t, BindBank{"bind-" + std::to_string(i), fa, "ICBC", "6222020200001234567"}, kNow); });
      ASSERT_TRUE(std::holds_alternative<BankBinding>(b));
      m.cash[fa] = 0;
      m.frozen[fa] = 0;
    }
    for (const char* code : {"000001", "110011", "519001"}) {
      Instrument f{code, std::string("基金") + code, "fund", "OF", "1.0000", date_of(0)};
      ASSERT_TRUE(std::holds_alternative<Instrument>(tx([&](core::storage::Tx& t) { return counter_.put_instrument(t, f); })));
      funds_.push_back(code);
      m.fund_nav[code] = 10000;
      m.navs[{code, date_of(0)}] = 10000;
    }
    for (auto [code, market] : std::vector<std::pair<const char*, const char*>>{{"600519", "SH"}, {"000858", "SZ"}, {"830799", "BJ"}}) {
      Instrument s{code, std::string("股票") + code, "stock", market, "10.00", date_of(0)};
      ASSERT_TRUE(std::holds_alternative<Instrument>(tx([&](core::storage::Tx& t) { return counter_.put_instrument(t, s); })));
      stocks_.push_back(code);
      m.stock_price[code] = 1000;
    }
  }

  // The touched account agrees with the model: cash, frozen, every holding.
  void expect_account(const Model& m, const std::string& fa, std::size_t op) {
    auto [b, pos] = tx([&](core::storage::Tx& t) { return std::make_pair(*counter_.balance(t, fa), counter_.positions(t, fa)); });
    ASSERT_EQ(b.cash.units(), m.cash.at(fa)) << "op " << op << " cash of " << fa << " (seed " << seed_ << ")";
    ASSERT_EQ(b.frozen.units(), m.frozen.at(fa)) << "op " << op << " frozen cash of " << fa << " (seed " << seed_ << ")";
    std::map<std::string, std::pair<Units, Units>> held;
    for (const auto& p : pos) held[p.code] = {p.quantity.units(), p.frozen.units()};
    for (const auto& [key, units] : m.pos)
      if (key.first == fa) {
        ASSERT_EQ(held[key.second].first - held[key.second].second, units) << "op " << op << " " << key.second;
      }
    for (const auto& [key, units] : m.posfrozen)
      if (key.first == fa) {
        ASSERT_EQ(held[key.second].second, units) << "op " << op << " frozen " << key.second;
      }
  }

  // Every invariant over the whole ledger.
  void expect_invariants(const Model& m, std::size_t op) {
    db_->read_blocking([&](core::storage::Tx& t) {
      const auto kept = counter_.ledger().balances(t);
      const auto replayed = counter_.ledger().replay(t);
      ASSERT_EQ(kept, replayed) << "op " << op << ": kept balances differ from the journal replayed (seed " << seed_ << ")";
      std::map<std::string, Units> per_asset;
      for (const auto& [key, units] : kept) {
        per_asset[key.second] += units;
        if (Ledger::guarded(key.first)) {
          ASSERT_GE(units, 0) << "op " << op << " " << key.first << " " << key.second;
        }
      }
      for (const auto& [asset, sum] : per_asset) ASSERT_EQ(sum, 0) << "op " << op << ": " << asset << " does not balance";
      // Each entry's postings are positive and move between two different accounts.
      ASSERT_EQ(t.query("SELECT COUNT(*) FROM counter_postings WHERE units <= 0 OR debit = credit").at(0).int64(0), 0);
      ASSERT_EQ(t.query("SELECT COUNT(*) FROM counter_journal j WHERE NOT EXISTS (SELECT 1 FROM counter_postings p WHERE p.seq = j.seq)").at(0).int64(0), 0);
      // Frozen cash and shares are exactly what pending orders hold.
      std::map<std::string, Units> frozen_cash;
      std::map<std::pair<std::string, std::string>, Units> frozen_shares;
      for (const auto& o : counter_.pending_orders(t, "9999-12-31")) {
        if (o.side == "subscribe") frozen_cash[o.fund_account] += o.amount.units();
        else frozen_shares[{o.fund_account, o.product}] += o.shares.units();
      }
      ASSERT_EQ(counter_.pending_orders(t, "9999-12-31").size(), m.pending.size()) << "op " << op;
      for (const auto& fa : accounts_) {
        ASSERT_EQ(counter_.ledger().balance(t, Ledger::frozen(fa), kCny), frozen_cash[fa]) << "op " << op;
        ASSERT_EQ(counter_.ledger().balance(t, Ledger::cash(fa), kCny), m.cash.at(fa)) << "op " << op;
        // Several balances read at once agree with each read alone (an account with no row is 0).
        const auto both = counter_.ledger().balances_of(t, {Ledger::frozen(fa), Ledger::cash(fa), "cash:nobody"}, kCny);
        ASSERT_EQ(both, (std::vector<Units>{frozen_cash[fa], m.cash.at(fa), 0})) << "op " << op;
        for (const auto& f : funds_) {
          const auto held = counter_.ledger().balance(t, Ledger::position(fa), f);
          const auto held_frozen = counter_.ledger().balance(t, Ledger::position_frozen(fa), f);
          ASSERT_EQ(held_frozen, (frozen_shares[{fa, f}])) << "op " << op;
          Units in_lots = 0;
          for (const auto& l : counter_.lots(t, fa, f)) in_lots += l.remaining.units();
          ASSERT_EQ(in_lots, held + held_frozen) << "op " << op << ": lots of " << fa << " " << f;
        }
      }
    });
  }

  test::TempDir dir_{"zt-ledger"};
  std::unique_ptr<core::storage::Database> db_;
  core::crypto::KeyRing keys_ = core::crypto::KeyRing::parse(core::crypto::KeyRing::generate_text("k1"));
  SandboxCounter counter_{keys_};
  std::uint64_t seed_ = 20261201;
  std::mt19937_64 rng_;
  std::vector<std::string> accounts_, funds_, stocks_;
};

// A request that was answered, kept to be sent again.
struct Sent {
  std::string kind;
  std::string id;
  std::string json;    // the request
  std::string answer;  // what came back the first time
};

TEST_P(LedgerProperty, RandomOperationsKeepEveryInvariant) {
  const bool big = GetParam() == "sqlite";
  std::size_t ops = big ? 100000 : 3000;
  if (const char* n = std::getenv("ZT_LEDGER_OPS"); n && big) ops = std::strtoull(n, nullptr, 10);
  Model m;
  seed_world(m);
  if (HasFatalFailure()) return;
  std::vector<Sent> sent;
  std::size_t next_id = 0, refusals = 0, replays = 0, confirmations = 0;
  auto answer_of = [](const auto& result) {
    return std::visit(
        [](const auto& v) -> std::string {
          if constexpr (std::is_same_v<std::decay_t<decltype(v)>, Refusal>) return "refused:" + v.code + ":" + v.message;
          else return core::json::serialize(v);
        },
        result);
  };
  for (std::size_t op = 0; op < ops; ++op) {
    const std::string today = date_of(static_cast<int>(op / 40));
    const std::string fa = any(accounts_);
    std::string touched = fa;  // the account this operation moves
    const Units journal_before = journal_size();
    Units journal_expected = 0;  // entries this operation must add
    const std::string id = "r" + std::to_string(next_id++);
    const auto dice = pick(0, 99);
    if (dice < 14) {  // deposit
      Transfer t{id, fa, "in", Money::from_units(pick(1, 5'000'000)), today};
      auto r = tx([&](core::storage::Tx& x) { return counter_.transfer(x, t, kNow); });
      ASSERT_TRUE(std::holds_alternative<Movement>(r)) << std::get<Refusal>(r).message;
      m.cash[fa] += t.amount.units();
      journal_expected = 1;
      sent.push_back({"transfer", id, core::json::serialize(t), answer_of(r)});
    } else if (dice < 24) {  // withdrawal, sometimes more than there is
      Transfer t{id, fa, "out", Money::from_units(pick(1, m.cash[fa] + m.cash[fa] / 5 + 100)), today};
      auto r = tx([&](core::storage::Tx& x) { return counter_.transfer(x, t, kNow); });
      if (t.amount.units() > m.cash[fa]) {
        ASSERT_EQ(std::get<Refusal>(r).code, "COUNTER_INSUFFICIENT_CASH") << "op " << op;
        ++refusals;
      } else {
        ASSERT_TRUE(std::holds_alternative<Movement>(r)) << std::get<Refusal>(r).message;
        m.cash[fa] -= t.amount.units();
        journal_expected = 1;
      }
      sent.push_back({"transfer", id, core::json::serialize(t), answer_of(r)});
    } else if (dice < 40) {  // subscription
      PlaceOrder p{id, fa, any(funds_), "subscribe", Money::from_units(pick(1, m.cash[fa] + m.cash[fa] / 5 + 100)), std::nullopt, today};
      auto r = tx([&](core::storage::Tx& x) { return counter_.place_order(x, p, kNow); });
      if (p.amount->units() > m.cash[fa]) {
        ASSERT_EQ(std::get<Refusal>(r).code, "COUNTER_INSUFFICIENT_CASH") << "op " << op;
        ++refusals;
      } else {
        ASSERT_TRUE(std::holds_alternative<Order>(r)) << std::get<Refusal>(r).message;
        const auto& o = std::get<Order>(r);
        ASSERT_EQ(o.state, "pending");
        m.cash[fa] -= p.amount->units();
        m.frozen[fa] += p.amount->units();
        m.pending[o.order_id] = {fa, p.product, "subscribe", today, p.amount->units(), 0};
        journal_expected = 1;
      }
      sent.push_back({"place", id, core::json::serialize(p), answer_of(r)});
    } else if (dice < 50) {  // redemption of some of what is held, sometimes more
      const std::string product = any(funds_);
      const Units held = m.pos[{fa, product}];
      PlaceOrder p{id, fa, product, "redeem", std::nullopt, Shares::from_units(pick(1, held + held / 5 + 100)), today};
      auto r = tx([&](core::storage::Tx& x) { return counter_.place_order(x, p, kNow); });
      if (p.shares->units() > held) {
        ASSERT_EQ(std::get<Refusal>(r).code, "COUNTER_INSUFFICIENT_SHARES") << "op " << op;
        ++refusals;
      } else {
        ASSERT_TRUE(std::holds_alternative<Order>(r)) << std::get<Refusal>(r).message;
        m.pos[{fa, product}] -= p.shares->units();
        m.posfrozen[{fa, product}] += p.shares->units();
        m.pending[std::get<Order>(r).order_id] = {fa, product, "redeem", today, 0, p.shares->units()};
        journal_expected = 1;
      }
      sent.push_back({"place", id, core::json::serialize(p), answer_of(r)});
    } else if (dice < 56) {  // cancellation: a pending order, or one already finished (refused)
      const bool pending = !m.pending.empty() && (m.finished.empty() || pick(0, 3) > 0);
      if (!pending && m.finished.empty()) continue;
      const std::string order_id = pending ? any(m.pending).first : any(m.finished);
      CancelOrder c{id, order_id};
      if (pending) touched = m.pending.at(order_id).fa;
      auto r = tx([&](core::storage::Tx& x) { return counter_.cancel_order(x, c, kNow); });
      if (!pending) {
        ASSERT_EQ(std::get<Refusal>(r).code, "COUNTER_ORDER_NOT_PENDING") << "op " << op;
        ++refusals;
      } else {
        ASSERT_TRUE(std::holds_alternative<Order>(r)) << std::get<Refusal>(r).message;
        const auto o = m.pending.at(order_id);
        if (o.side == "subscribe") {
          m.frozen[o.fa] -= o.amount;
          m.cash[o.fa] += o.amount;
        } else {
          m.posfrozen[{o.fa, o.product}] -= o.shares;
          m.pos[{o.fa, o.product}] += o.shares;
        }
        m.pending.erase(order_id);
        m.finished.insert(order_id);
        journal_expected = 1;
      }
      sent.push_back({"cancel", id, core::json::serialize(c), answer_of(r)});
    } else if (dice < 72) {  // T+1 confirmation at the day's NAV with a fee up to 1.5 %
      if (m.pending.empty()) continue;
      const auto [order_id, o] = any(m.pending);
      touched = o.fa;
      const std::pair key{o.product, o.trade_date};
      if (!m.navs.contains(key)) m.navs[key] = pick(5000, 30000);
      const Units nav = m.navs[key];
      const bool truncate = pick(0, 4) == 0;
      Units fee = 0, amount = 0, shares = 0;
      if (o.side == "subscribe") {
        fee = pick(0, o.amount * 15 / 1000);
        if (fee >= o.amount) fee = 0;
        amount = o.amount - fee;
        shares = shares_for(amount, nav, truncate);
      } else {
        const Units gross = value_fund(o.shares, nav);
        fee = pick(0, gross * 15 / 1000);
        amount = gross - fee;
        shares = o.shares;
      }
      ConfirmOrder c{id, order_id, Nav::from_units(nav), Money::from_units(fee), o.trade_date, truncate};
      auto r = tx([&](core::storage::Tx& x) { return counter_.confirm_order(x, c, kNow); });
      if (o.side == "subscribe" && shares == 0) {
        ASSERT_EQ(std::get<Refusal>(r).code, "COUNTER_SHARES_INVALID") << "op " << op;
        ++refusals;
      } else {
        ASSERT_TRUE(std::holds_alternative<Order>(r)) << "op " << op << ": " << std::get<Refusal>(r).message;
        const auto& done = std::get<Order>(r);
        ASSERT_EQ(done.state, "confirmed");
        ASSERT_EQ(done.settled_amount->units(), amount) << "op " << op;
        ASSERT_EQ(done.settled_shares->units(), shares) << "op " << op;
        if (o.side == "subscribe") {
          m.frozen[o.fa] -= o.amount;
          m.pos[{o.fa, o.product}] += shares;
          m.lots[{o.fa, o.product}].push_back({o.trade_date, shares});
        } else {
          m.posfrozen[{o.fa, o.product}] -= o.shares;
          m.cash[o.fa] += amount;
          Units left = o.shares;
          for (auto& lot : m.lots[{o.fa, o.product}]) {
            const Units take = std::min(left, lot.remaining);
            lot.remaining -= take;
            left -= take;
          }
          ASSERT_EQ(left, 0);
        }
        m.pending.erase(order_id);
        m.finished.insert(order_id);
        journal_expected = 1;
        ++confirmations;
      }
      sent.push_back({"confirm", id, core::json::serialize(c), answer_of(r)});
    } else if (dice < 80) {  // a stock trade
      const std::string code = any(stocks_);
      const bool buy = pick(0, 1) == 0;
      const Units held = m.pos[{fa, code}];
      const Units lots100 = buy ? pick(1, 50) : pick(1, held / 10000 + 2);  // lots of 100 shares
      SimulateTrade s{id, fa, code, buy ? "buy" : "sell", Shares::from_units(lots100 * 100 * 100), std::nullopt, today};
      const Units amount = value_stock(s.quantity.units(), m.stock_price[code]);
      auto r = tx([&](core::storage::Tx& x) { return counter_.simulate_trade(x, s, kNow); });
      if (buy ? amount > m.cash[fa] : s.quantity.units() > held) {
        ASSERT_EQ(std::get<Refusal>(r).code, buy ? "COUNTER_INSUFFICIENT_CASH" : "COUNTER_INSUFFICIENT_SHARES") << "op " << op;
        ++refusals;
      } else {
        ASSERT_TRUE(std::holds_alternative<Trade>(r)) << "op " << op << ": " << std::get<Refusal>(r).message;
        ASSERT_EQ(std::get<Trade>(r).amount.units(), amount);
        m.cash[fa] += buy ? -amount : amount;
        m.pos[{fa, code}] += buy ? s.quantity.units() : -s.quantity.units();
        journal_expected = 1;
      }
      sent.push_back({"trade", id, core::json::serialize(s), answer_of(r)});
    } else if (dice < 84) {  // the market moves
      const std::string code = any(stocks_);
      m.stock_price[code] = pick(100, 50000);
      Instrument i{code, "股票" + code, "stock", code[0] == '6' ? "SH" : code[0] == '0' ? "SZ" : "BJ", Money::from_units(m.stock_price[code]).to_string(), today};
      ASSERT_TRUE(std::holds_alternative<Instrument>(tx([&](core::storage::Tx& x) { return counter_.put_instrument(x, i); })));
    } else if (dice < 85) {  // end of day: every account's snapshot equals the model's total
      ASSERT_TRUE(std::holds_alternative<Units>(tx([&](core::storage::Tx& x) { return counter_.end_of_day(x, today); })));
      for (const auto& a : accounts_) {
        Units expected = m.cash[a] + m.frozen[a];
        for (const auto& [key, units] : m.pos)
          if (key.first == a) {
            const bool fund = std::find(funds_.begin(), funds_.end(), key.second) != funds_.end();
            const Units total = units + m.posfrozen[key];
            expected += fund ? value_fund(total, m.fund_nav[key.second]) : value_stock(total, m.stock_price[key.second]);
          }
        auto snap = tx([&](core::storage::Tx& x) { return counter_.snapshots(x, a, {today}); });
        ASSERT_EQ(snap.size(), 1u);
        ASSERT_EQ(snap[0].total.units(), expected) << "op " << op << " end of day of " << a;
      }
    } else if (dice < 96) {  // a retry of an earlier request: the same answer, nothing moves
      if (sent.empty()) continue;
      const Sent& s = any(sent);
      std::string again;
      if (s.kind == "transfer") again = answer_of(tx([&](core::storage::Tx& x) { return counter_.transfer(x, core::json::parse<Transfer>(s.json), kNow); }));
      if (s.kind == "place") again = answer_of(tx([&](core::storage::Tx& x) { return counter_.place_order(x, core::json::parse<PlaceOrder>(s.json), kNow); }));
      if (s.kind == "cancel") again = answer_of(tx([&](core::storage::Tx& x) { return counter_.cancel_order(x, core::json::parse<CancelOrder>(s.json), kNow); }));
      if (s.kind == "confirm") again = answer_of(tx([&](core::storage::Tx& x) { return counter_.confirm_order(x, core::json::parse<ConfirmOrder>(s.json), kNow); }));
      if (s.kind == "trade") again = answer_of(tx([&](core::storage::Tx& x) { return counter_.simulate_trade(x, core::json::parse<SimulateTrade>(s.json), kNow); }));
      ASSERT_EQ(again, s.answer) << "op " << op << ": a retry of " << s.id << " answered differently";
      ++replays;
    } else {  // an earlier id with other parameters: refused, nothing moves
      if (sent.empty()) continue;
      const Sent& s = any(sent);
      Transfer t{s.id, fa, "in", Money::from_units(pick(1, 100)), today};
      auto r = tx([&](core::storage::Tx& x) { return counter_.transfer(x, t, kNow); });
      if (s.kind == "transfer" && s.json == core::json::serialize(t)) continue;  // the same request after all
      ASSERT_EQ(std::get<Refusal>(r).code, "COUNTER_REQUEST_REUSED") << "op " << op;
    }
    ASSERT_EQ(journal_size() - journal_before, journal_expected) << "op " << op << " (seed " << seed_ << ")";
    expect_account(m, touched, op);
    if (HasFatalFailure()) return;
    if (op % 2000 == 1999) {
      expect_invariants(m, op);
      if (HasFatalFailure()) return;
    }
  }
  expect_invariants(m, ops);
  // The sequence exercised what it is about.
  EXPECT_GT(refusals, ops / 50);
  EXPECT_GT(replays, ops / 20);
  EXPECT_GT(confirmations, ops / 20);
}

// The guarded debit as the ledger makes it — in one exchange with the journal number — on both
// databases: two withdrawals racing for one balance that covers only one of them. Whichever runs
// second finds the balance moved under it (READ COMMITTED: it re-reads the row once the first
// commits) and rolls back whole; the balance never goes below zero. Runs after the random test,
// on accounts of its own.
TEST_P(LedgerProperty, TwoDebitsRacingForOneBalanceNeverTakeItBelowZero) {
  const Ledger ledger;
  const std::string fa = "RACE" + std::to_string(::getpid());
  tx([&](core::storage::Tx& t) {
    return ledger.post(t, Entry{"race-in", "deposit", fa, "转入", "2026-03-02", {{"CNY", "bank:RACE", Ledger::cash(fa), 100}}}, kNow);
  });
  std::atomic<int> done{0}, conflicts{0};
  std::latch start(2);
  std::vector<std::thread> racers;
  for (int i = 0; i < 2; ++i)
    racers.emplace_back([&, i] {
      start.arrive_and_wait();
      try {
        db_->write_blocking([&](core::storage::Tx& t) {
          ledger.post(t, Entry{"race-" + std::to_string(i), "withdrawal", fa, "转出", "2026-03-02", {{"CNY", Ledger::cash(fa), "bank:RACE", 60}}},
                      kNow);
          std::this_thread::sleep_for(std::chrono::milliseconds(100));  // holds the row: the other waits on it
        });
        ++done;
      } catch (const LedgerConflict&) {
        ++conflicts;
      }
    });
  for (auto& t : racers) t.join();
  EXPECT_EQ(done.load(), 1);
  EXPECT_EQ(conflicts.load(), 1);
  tx([&](core::storage::Tx& t) {
    EXPECT_EQ(ledger.balance(t, Ledger::cash(fa), "CNY"), 40);
    EXPECT_EQ(t.query("SELECT count(*) FROM counter_journal WHERE fund_account = ?", {fa}).at(0).int64(0), 2);
    return 0;
  });
  // An entry that would debit what it credited earlier in itself is refused before it writes.
  EXPECT_THROW(tx([&](core::storage::Tx& t) {
    return ledger.post(t,
                       Entry{"race-both", "transfer", fa, "转入又转出", "2026-03-02",
                             {{"CNY", "bank:RACE", Ledger::cash(fa), 100}, {"CNY", Ledger::cash(fa), "bank:RACE", 140}}},
                       kNow);
  }),
               std::invalid_argument);
  tx([&](core::storage::Tx& t) {
    EXPECT_EQ(ledger.balance(t, Ledger::cash(fa), "CNY"), 40);
    return 0;
  });
}

INSTANTIATE_TEST_SUITE_P(Sql, LedgerProperty, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace zt::platform::counter
