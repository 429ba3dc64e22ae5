// The sandbox counter's refusals, one by one: each bad request is answered with its status, its
// stable code and a Chinese message, and leaves the ledger as it was (no journal entry, no
// balance moved). The ledger's arithmetic is ledger_property_test.cpp's business.
#include <gtest/gtest.h>

#include <functional>

#include "core/crypto/seal.hpp"
#include "core/finance/identity.hpp"
#include "core/storage/database.hpp"
#include "harness/process.hpp"
#include "platform/counter/domain/sandbox_counter.hpp"

std::span<const zt::core::EmbeddedFile> zt_counter_migrations();

namespace zt::platform::counter {
namespace {

constexpr std::int64_t kNow = 1'796'000'000'000;
const std::string kDate = "2026-03-02";

class SandboxCounterRefusals : public ::testing::Test {
 protected:
  template <class F>
  auto tx(F f) {
    using R = std::invoke_result_t<F&, core::storage::Tx&>;
    std::optional<R> out;
    db_->write_blocking([&](core::storage::Tx& t) { out.emplace(f(t)); });
    return std::move(*out);
  }
  std::int64_t journal_size() {
    return tx([](core::storage::Tx& t) { return t.query("SELECT COUNT(*) FROM counter_journal").at(0).int64(0); });
  }
  void SetUp() override {
    core::storage::Options o;
    o.driver = "sqlite";
    o.sqlite_path = dir_.path() + "/counter.db";
    o.sqlite_synchronous_full = false;
    db_ = core::storage::Database::open(o);
    core::storage::migrate(*db_, zt_counter_migrations());
    std::string first17 = "11010519800101001";
    id_ = first17 + core::finance::resident_id_check_char(first17);
    auto c = tx([&](core::storage::Tx& t) { return counter_.open_customer(t, OpenCustomer{"c-1", "张三", id_, "13800138000", "北京营业部"}, kNow); });
    ASSERT_TRUE(std::holds_alternative<Customer>(c)) << std::get<Refusal>(c).message;
    customer_no_ = std::get<Customer>(c).customer_no;
    fa_ = std::get<Customer>(c).fund_account;
    ASSERT_TRUE(std::holds_alternative<BankBinding>(
        tx([&](core::storage::Tx& t) { return counter_.bind_bank(t, BindBank{"b-1", fa_, "ICBC", "6222020200001234567"}, kNow); })));
    ASSERT_TRUE(std::holds_alternative<Movement>(tx([&](core::storage::Tx& t) {
      return counter_.transfer(t, Transfer{"t-1", fa_, "in", Money::parse("1000.00"), kDate}, kNow);
    })));
    ASSERT_TRUE(std::holds_alternative<Instrument>(tx([&](core::storage::Tx& t) {
      return counter_.put_instrument(t, Instrument{"519001", "沙箱基金", "fund", "OF", "1.0000", kDate});
    })));
    ASSERT_TRUE(std::holds_alternative<Instrument>(tx([&](core::storage::Tx& t) {
      return counter_.put_instrument(t, Instrument{"600519", "沙箱股票", "stock", "SH", "10.00", kDate});
    })));
    auto placed = tx([&](core::storage::Tx& t) {
      return counter_.place_order(t, PlaceOrder{"o-1", fa_, "519001", "subscribe", Money::parse("100.00"), std::nullopt, kDate}, kNow);
    });
    ASSERT_TRUE(std::holds_alternative<Order>(placed));
    order_id_ = std::get<Order>(placed).order_id;
  }

  // Runs a call that must be refused; returns "<status> <code>" and checks the message is there
  // and nothing was posted.
  template <class F>
  std::string refusal(F call) {
    const auto before = journal_size();
    auto r = tx(call);
    EXPECT_EQ(journal_size(), before) << "a refusal posts nothing";
    if (r.index() == 0) return "accepted";
    const auto& refused = std::get<Refusal>(r);
    EXPECT_FALSE(refused.message.empty()) << refused.code;
    return std::to_string(refused.status) + " " + refused.code;
  }

  test::TempDir dir_{"zt-counter-refusals"};
  std::unique_ptr<core::storage::Database> db_;
  core::crypto::KeyRing keys_ = core::crypto::KeyRing::parse(core::crypto::KeyRing::generate_text("k1"));
  SandboxCounter counter_{keys_};
  std::string id_, customer_no_, fa_, order_id_;
};

using core::storage::Tx;

TEST_F(SandboxCounterRefusals, CustomersAndAccounts) {
  std::string first17 = "11010519800101002";
  const std::string other = first17 + core::finance::resident_id_check_char(first17);
  EXPECT_EQ(refusal([&](Tx& t) { return counter_.open_customer(t, OpenCustomer{"c-2", "", other, "13800138001", "北京营业部"}, kNow); }),
            "400 COUNTER_NAME_INVALID");
  EXPECT_EQ(refusal([&](Tx& t) { return counter_.open_customer(t, OpenCustomer{"c-3", "李四", other, "1380013", "北京营业部"}, kNow); }),
            "400 COUNTER_MOBILE_INVALID");
  EXPECT_EQ(refusal([&](Tx& t) { return counter_.open_customer(t, OpenCustomer{"c-4", "李四", other, "13800138001", ""}, kNow); }),
            "400 COUNTER_BRANCH_INVALID");
  EXPECT_EQ(refusal([&](Tx& t) { return counter_.open_customer(t, OpenCustomer{"c-5", "李四", id_, "13800138001", "北京营业部"}, kNow); }),
            "409 COUNTER_CUSTOMER_EXISTS");
  EXPECT_EQ(refusal([&](Tx& t) { return counter_.open_stock_account(t, OpenStockAccount{"s-1", customer_no_, "HK", std::nullopt, kDate}, kNow); }),
            "400 COUNTER_MARKET_INVALID");
  EXPECT_EQ(refusal([&](Tx& t) { return counter_.open_stock_account(t, OpenStockAccount{"s-2", "999999", "SH", std::nullopt, kDate}, kNow); }),
            "404 COUNTER_CUSTOMER_NOT_FOUND");
  EXPECT_EQ(refusal([&](Tx& t) { return counter_.open_stock_account(t, OpenStockAccount{"s-3", customer_no_, "SH", "12345", kDate}, kNow); }),
            "400 COUNTER_STOCK_ACCOUNT_INVALID");
  EXPECT_EQ(refusal([&](Tx& t) { return counter_.set_first_trade_date(t, "999999", kDate); }), "404 COUNTER_CUSTOMER_NOT_FOUND");
  EXPECT_EQ(refusal([&](Tx& t) { return counter_.set_first_trade_date(t, customer_no_, "2026-02-30"); }), "400 COUNTER_BAD_DATE");
}

TEST_F(SandboxCounterRefusals, BanksAndTransfers) {
  EXPECT_EQ(refusal([&](Tx& t) { return counter_.bind_bank(t, BindBank{"b-2", "000000000000", "ICBC", "6222020200001234567"}, kNow); }),
            "404 COUNTER_ACCOUNT_NOT_FOUND");
  EXPECT_EQ(refusal([&](Tx& t) { return counter_.bind_bank(t, BindBank{"b-3", fa_, "icbc", "6222020200001234567"}, kNow); }),
            "400 COUNTER_BANK_INVALID");
  EXPECT_EQ(refusal([&](Tx& t) { return counter_.bind_bank(t, BindBank{"b-4", fa_, "ICBC", "6222"}, kNow); }), "400 COUNTER_CARD_INVALID");
  EXPECT_EQ(refusal([&](Tx& t) { return counter_.bind_bank(t, BindBank{"b-5", fa_, "CCB", "6217000000001234567"}, kNow); }),
            "409 COUNTER_BANK_BOUND");
  EXPECT_EQ(refusal([&](Tx& t) { return counter_.transfer(t, Transfer{"t-2", fa_, "sideways", Money::parse("1.00"), kDate}, kNow); }),
            "400 COUNTER_DIRECTION_INVALID");
  EXPECT_EQ(refusal([&](Tx& t) { return counter_.transfer(t, Transfer{"t-3", fa_, "in", Money::parse("0.00"), kDate}, kNow); }),
            "400 COUNTER_AMOUNT_INVALID");
  EXPECT_EQ(refusal([&](Tx& t) { return counter_.transfer(t, Transfer{"t-4", fa_, "in", Money::parse("1.00"), "2026-3-2"}, kNow); }),
            "400 COUNTER_BAD_DATE");
  EXPECT_EQ(refusal([&](Tx& t) { return counter_.transfer(t, Transfer{"t-5", fa_, "out", Money::parse("900.01"), kDate}, kNow); }),
            "409 COUNTER_INSUFFICIENT_CASH")
      << "100.00 of the 1,000.00 is frozen by the pending subscription";
}

TEST_F(SandboxCounterRefusals, FundOrders) {
  const auto place = [&](const std::string& id, const std::string& side, std::optional<Money> amount, std::optional<Shares> shares) {
    return refusal([&](Tx& t) { return counter_.place_order(t, PlaceOrder{id, fa_, "519001", side, amount, shares, kDate}, kNow); });
  };
  EXPECT_EQ(place("o-2", "buy", Money::parse("1.00"), std::nullopt), "400 COUNTER_SIDE_INVALID");
  EXPECT_EQ(place("o-3", "subscribe", std::nullopt, std::nullopt), "400 COUNTER_AMOUNT_INVALID");
  EXPECT_EQ(place("o-4", "subscribe", Money::parse("1.00"), Shares::parse("1.00")), "400 COUNTER_AMOUNT_INVALID") << "not both";
  EXPECT_EQ(place("o-5", "redeem", std::nullopt, std::nullopt), "400 COUNTER_SHARES_INVALID");
  EXPECT_EQ(place("o-6", "redeem", std::nullopt, Shares::parse("1.00")), "409 COUNTER_INSUFFICIENT_SHARES");
  EXPECT_EQ(refusal([&](Tx& t) { return counter_.cancel_order(t, CancelOrder{"x-1", "NOSUCHORDER"}, kNow); }), "404 COUNTER_ORDER_NOT_FOUND");
  const auto confirm = [&](const std::string& id, const std::string& nav, const std::string& fee, const std::string& date) {
    return refusal([&](Tx& t) {
      return counter_.confirm_order(t, ConfirmOrder{id, order_id_, Nav::parse(nav), Money::parse(fee), date, std::nullopt}, kNow);
    });
  };
  EXPECT_EQ(confirm("k-1", "0", "0", "2026-03-03"), "400 COUNTER_NAV_INVALID");
  EXPECT_EQ(confirm("k-2", "1.0000", "-1.00", "2026-03-03"), "400 COUNTER_FEE_INVALID");
  EXPECT_EQ(confirm("k-3", "1.0000", "100.00", "2026-03-03"), "400 COUNTER_FEE_INVALID") << "a fee is less than the amount";
  EXPECT_EQ(confirm("k-4", "1.0000", "1.00", "2026-03-01"), "400 COUNTER_BAD_DATE") << "confirmed before it was traded";
  EXPECT_EQ(confirm("k-5", "1.1000", "1.00", "2026-03-03"), "409 COUNTER_NAV_MISMATCH") << "the NAV of the trade date is known";
  EXPECT_EQ(refusal([&](Tx& t) {
              return counter_.confirm_order(t, ConfirmOrder{"k-6", "NOSUCHORDER", Nav::parse("1.0000"), Money::parse("0"), kDate, std::nullopt}, kNow);
            }),
            "404 COUNTER_ORDER_NOT_FOUND");
}

TEST_F(SandboxCounterRefusals, TradesAndInstruments) {
  const auto trade = [&](const std::string& id, const std::string& code, const std::string& side, const std::string& qty,
                         std::optional<Money> price) {
    return refusal([&](Tx& t) { return counter_.simulate_trade(t, SimulateTrade{id, fa_, code, side, Shares::parse(qty), price, kDate}, kNow); });
  };
  EXPECT_EQ(trade("d-1", "000001", "buy", "100", std::nullopt), "404 COUNTER_STOCK_NOT_FOUND");
  EXPECT_EQ(trade("d-2", "519001", "buy", "100", std::nullopt), "404 COUNTER_STOCK_NOT_FOUND") << "a fund is not a stock";
  EXPECT_EQ(trade("d-3", "600519", "hold", "100", std::nullopt), "400 COUNTER_SIDE_INVALID");
  EXPECT_EQ(trade("d-4", "600519", "buy", "1.5", std::nullopt), "400 COUNTER_QUANTITY_INVALID");
  EXPECT_EQ(trade("d-5", "600519", "buy", "100", Money::parse("0.00")), "400 COUNTER_PRICE_INVALID");
  EXPECT_EQ(trade("d-6", "600519", "buy", "1000", std::nullopt), "409 COUNTER_INSUFFICIENT_CASH");
  EXPECT_EQ(trade("d-7", "600519", "sell", "100", std::nullopt), "409 COUNTER_INSUFFICIENT_SHARES");

  const auto put = [&](Instrument i) { return refusal([&](Tx& t) { return counter_.put_instrument(t, i); }); };
  EXPECT_EQ(put({"x", "名称", "stock", "SH", "1.00", kDate}), "400 COUNTER_CODE_INVALID");
  EXPECT_EQ(put({"123456", "名称", "bond", "SH", "1.00", kDate}), "400 COUNTER_KIND_INVALID");
  EXPECT_EQ(put({"123456", "名称", "stock", "OF", "1.00", kDate}), "400 COUNTER_MARKET_INVALID");
  EXPECT_EQ(put({"123456", "名称", "fund", "SH", "1.0000", kDate}), "400 COUNTER_MARKET_INVALID");
  EXPECT_EQ(put({"123456", "", "stock", "SH", "1.00", kDate}), "400 COUNTER_NAME_INVALID");
  EXPECT_EQ(put({"123456", "名称", "stock", "SH", "1.001", kDate}), "400 COUNTER_PRICE_INVALID");
  EXPECT_EQ(put({"123456", "名称", "stock", "SH", "1.00", "2026-13-01"}), "400 COUNTER_BAD_DATE");
  EXPECT_EQ(put({"600519", "名称", "fund", "OF", "1.0000", kDate}), "409 COUNTER_KIND_CHANGED");
  EXPECT_EQ(put({"519001", "沙箱基金", "fund", "OF", "1.2000", kDate}), "409 COUNTER_NAV_MISMATCH") << "a published NAV stays";
  EXPECT_EQ(refusal([&](Tx& t) { return counter_.end_of_day(t, "yesterday"); }), "400 COUNTER_BAD_DATE");
}

// The ledger's own guards (Ledger::post): its guarded debits go first, in one exchange with the
// journal number, so an entry may not count on a credit earlier in itself; a guarded debit the
// balance cannot cover (another writer moved it since the operation's check) rolls back the whole.
TEST_F(SandboxCounterRefusals, TheLedgerRefusesAnEntryThatDebitsWhatItCreditedAndAnUncoveredDebit) {
  const Ledger ledger;
  const auto before = journal_size();
  const auto cash = [&] { return tx([&](Tx& t) { return ledger.balance(t, Ledger::cash(fa_), "CNY"); }); };
  const auto held = cash();
  EXPECT_THROW(db_->write_blocking([&](Tx& t) {
    ledger.post(t,
                Entry{"l-1", "deposit", fa_, "转入后转出", kDate,
                      {{"CNY", "bank:ICBC", Ledger::cash(fa_), held + 100}, {"CNY", Ledger::cash(fa_), "bank:ICBC", held + 100}}},
                kNow);
  }),
               std::invalid_argument);
  EXPECT_THROW(db_->write_blocking([&](Tx& t) {
    ledger.post(t, Entry{"l-2", "withdrawal", fa_, "超额转出", kDate, {{"CNY", Ledger::cash(fa_), "bank:ICBC", held + 1}}}, kNow);
  }),
               LedgerConflict);
  EXPECT_EQ(journal_size(), before);
  EXPECT_EQ(cash(), held);
  // Posted apart, the same movements go through.
  db_->write_blocking([&](Tx& t) {
    ledger.post(t, Entry{"l-3", "deposit", fa_, "转入", kDate, {{"CNY", "bank:ICBC", Ledger::cash(fa_), 100}}}, kNow);
    ledger.post(t, Entry{"l-4", "withdrawal", fa_, "转出", kDate, {{"CNY", Ledger::cash(fa_), "bank:ICBC", held + 100}}}, kNow);
  });
  EXPECT_EQ(journal_size(), before + 2);
  EXPECT_EQ(cash(), 0);
}

// Where a fund order's money goes, to the cent (issue 18, F9): a subscription's fee and a
// redemption's fee both reach the product's fee account; the TA keeps the net of what it issued
// and paid back.
TEST_F(SandboxCounterRefusals, BothFeesReachTheProductsFeeAccount) {
  const auto balance = [&](const std::string& account) {
    return tx([&](Tx& t) {
      auto rows = t.query("SELECT units FROM counter_balances WHERE account = ? AND asset = 'CNY'", {account});
      return rows.empty() ? std::int64_t{0} : rows.at(0).int64(0);
    });
  };
  // 100.00 subscribed at 1.0000 with a 1.00 fee: 99.00 shares.
  auto sub = tx([&](Tx& t) {
    return counter_.confirm_order(t, ConfirmOrder{"k-s", order_id_, Nav::parse("1.0000"), Money::parse("1.00"), "2026-03-03", std::nullopt},
                                  kNow);
  });
  ASSERT_TRUE(std::holds_alternative<Order>(sub)) << std::get<Refusal>(sub).message;
  EXPECT_EQ(balance("fee:519001"), 100);
  // All 99.00 redeemed at 1.0200 (gross 100.98) with a 0.50 fee: 100.48 paid out.
  auto red = tx([&](Tx& t) {
    return counter_.place_order(t, PlaceOrder{"o-r", fa_, "519001", "redeem", std::nullopt, Shares::parse("99.00"), "2026-03-03"}, kNow);
  });
  ASSERT_TRUE(std::holds_alternative<Order>(red)) << std::get<Refusal>(red).message;
  const auto cash_before = balance(Ledger::cash(fa_));
  auto done = tx([&](Tx& t) {
    return counter_.confirm_order(
        t, ConfirmOrder{"k-r", std::get<Order>(red).order_id, Nav::parse("1.0200"), Money::parse("0.50"), "2026-03-04", std::nullopt}, kNow);
  });
  ASSERT_TRUE(std::holds_alternative<Order>(done)) << std::get<Refusal>(done).message;
  EXPECT_EQ(std::get<Order>(done).settled_amount->to_string(), "100.48");
  EXPECT_EQ(balance(Ledger::cash(fa_)) - cash_before, 10048);
  EXPECT_EQ(balance("fee:519001"), 150) << "1.00 on the subscription and 0.50 on the redemption";
  EXPECT_EQ(balance("ta:519001"), 9900 - 10098) << "99.00 in, 100.98 out (fee included)";
}

// Asking what became of a request id (the caller never heard): the counter answers what it did, or
// voids an id it never saw so that the request, arriving late, is refused.
TEST_F(SandboxCounterRefusals, AVoidedRequestIdIsRefusedWhenTheRequestArrivesLate) {
  auto fate = [&](const std::string& id) {
    auto r = tx([&](Tx& t) { return counter_.void_request(t, id, kNow); });
    EXPECT_TRUE(std::holds_alternative<RequestFate>(r));
    return std::get<RequestFate>(r);
  };
  // Done: the answer it gave (o-1 placed the order in SetUp).
  auto done = fate("o-1");
  EXPECT_EQ(done.outcome, "done");
  EXPECT_EQ(done.operation, "place_order");
  ASSERT_TRUE(done.answer);
  EXPECT_NE(done.answer->find(order_id_), std::string::npos) << *done.answer;
  // Refused: the refusal it gave.
  const PlaceOrder too_much{"o-big", fa_, "519001", "subscribe", Money::parse("999999.00"), std::nullopt, kDate};
  ASSERT_TRUE(std::holds_alternative<Refusal>(tx([&](Tx& t) { return counter_.place_order(t, too_much, kNow); })));
  auto refused = fate("o-big");
  EXPECT_EQ(refused.outcome, "refused");
  EXPECT_EQ(refused.code, "COUNTER_INSUFFICIENT_CASH");
  EXPECT_EQ(refused.status, 409);
  // Never seen: voided, and the request arriving after is refused, nothing frozen.
  const auto before = journal_size();
  auto voided = fate("o-late");
  EXPECT_EQ(voided.outcome, "void");
  EXPECT_EQ(voided.operation, "void");
  const PlaceOrder late{"o-late", fa_, "519001", "subscribe", Money::parse("10.00"), std::nullopt, kDate};
  auto arrived = tx([&](Tx& t) { return counter_.place_order(t, late, kNow); });
  ASSERT_TRUE(std::holds_alternative<Refusal>(arrived));
  EXPECT_EQ(std::get<Refusal>(arrived).code, "COUNTER_REQUEST_REUSED");
  EXPECT_EQ(journal_size(), before) << "nothing moved";
  EXPECT_EQ(fate("o-late").outcome, "void") << "asked again: the same";
  auto bad = tx([&](Tx& t) { return counter_.void_request(t, "bad id!", kNow); });
  ASSERT_TRUE(std::holds_alternative<Refusal>(bad));
  EXPECT_EQ(std::get<Refusal>(bad).code, "COUNTER_REQUEST_ID_INVALID");
}

}  // namespace
}  // namespace zt::platform::counter
