// The holder cap of an income certificate (收益凭证 ≤ 200 holders) when a holder cancels one
// purchase while placing another at the same moment, on PostgreSQL (READ COMMITTED, several
// connections: SQLite serialises writers and cannot show the race). The cancellation must not give
// the place back while the holder's other purchase is being recorded: it waits on the holder's
// row, then sees that purchase and keeps the place (issue 18, F6). And two confirmations of one
// holding at once (two confirmation runs overlapping) must not lose either (F10).
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <latch>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/storage/database.hpp"
#include "harness/servers.hpp"
#include "services/mall/store/mall_store.hpp"

std::span<const zt::core::EmbeddedFile> zt_mall_migrations();

namespace zt::services::mall {
namespace {

constexpr std::int64_t kNow = 1'796'000'000'000;

ProductIn certificate() {
  ProductIn in;
  in.code = "SC0001";
  in.name = "收益凭证一期";
  in.category = "income_certificate";
  in.risk = 2;
  in.issuer = "沙箱证券股份有限公司";
  in.sale_start = "2026-01-05";
  in.min_first = Money::parse("50000.00");
  in.min_additional = Money::parse("1000.00");
  in.increment = Money::parse("0.01");
  in.audience = "public";
  in.holder_cap = 2;
  in.principal = "protected_fixed";
  in.fees.subscription = {{Money::parse("0"), Rate::parse("0"), std::nullopt}};
  in.fees.redemption = {{0, Rate::parse("0")}};
  return in;
}

OrderRecord purchase(const std::string& id, const std::string& customer) {
  OrderRecord o;
  o.order_id = id;
  o.customer_id = customer;
  o.fund_account = "F-" + customer;
  o.product = "SC0001";
  o.side = "subscribe";
  o.amount_units = 5'000'000;
  o.trade_date = "2026-03-02";
  o.confirm_date = "2026-03-03";
  o.idempotency_key = "key-" + id;
  o.fingerprint = "fp-" + id;
  o.suitability_rule = "SUIT_MATCH";
  o.trace_id = "trace-" + id;
  return o;
}

class HolderCapRace : public ::testing::Test {
 protected:
  void SetUp() override {
    core::storage::Options o;
    o.driver = "postgres";
    o.postgres_dsn = test::shared_postgres().dsn();
    static std::atomic<int> n{0};  // a schema per test: each starts from an empty mall
    o.schema = "mallrace" + std::to_string(::getpid()) + "_" + std::to_string(n++);
    db_ = core::storage::Database::open(o);
    core::storage::migrate(*db_, zt_mall_migrations());
    const auto in = certificate();
    db_->write_blocking([&](core::storage::Tx& tx) {
      auto made = store_.create_product(tx, in, Actor{"pm", "trace"}, kNow);
      ASSERT_TRUE(std::holds_alternative<ProductView>(made)) << std::get<Refusal>(made).message;
    });
  }
  Result<OrderRecord> begin(const OrderRecord& o) {
    std::optional<Result<OrderRecord>> out;
    db_->write_blocking([&](core::storage::Tx& tx) { out.emplace(store_.begin_order(tx, o, kNow, Actor{"C1", "trace", "10.0.0.1"})); });
    return std::move(*out);
  }
  std::int64_t holder_count() {
    std::int64_t n = -1;
    db_->read_blocking([&](core::storage::Tx& tx) { n = store_.product(tx, "SC0001")->holder_count; });
    return n;
  }

  std::unique_ptr<core::storage::Database> db_;
  MallStore store_{CategoryRules{}};
};

TEST_F(HolderCapRace, AHolderCancellingOnePurchaseWhilePlacingAnotherKeepsThePlaceAndTheCap) {
  auto a1 = begin(purchase("A1", "alice"));
  ASSERT_TRUE(std::holds_alternative<OrderRecord>(a1));
  db_->write_blocking([&](core::storage::Tx& tx) { store_.mark_pending(tx, "A1", "FO000000000001", kNow); });
  ASSERT_TRUE(std::holds_alternative<OrderRecord>(begin(purchase("B1", "bob"))));
  ASSERT_EQ(holder_count(), 2) << "full";

  // alice's second purchase is being recorded (its transaction open, her holder row locked) when
  // her first is cancelled in another transaction.
  std::latch recorded(1);
  std::atomic<bool> cancelled{false};
  std::thread placing([&] {
    db_->write_blocking([&](core::storage::Tx& tx) {
      auto r = store_.begin_order(tx, purchase("A2", "alice"), kNow, Actor{"C1", "trace", "10.0.0.1"});
      EXPECT_TRUE(std::holds_alternative<OrderRecord>(r)) << std::get<Refusal>(r).message;
      recorded.count_down();
      // Commits once the cancellation is done, or after 2 s when it waits on the holder's row (as
      // it must): either way the cancellation runs while this purchase is uncommitted.
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      while (!cancelled.load() && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    });
  });
  recorded.wait();
  auto pending = std::get<OrderRecord>(a1);
  std::thread cancelling([&] {
    db_->write_blocking([&](core::storage::Tx& tx) { EXPECT_TRUE(store_.mark_cancelled(tx, pending, kNow, Actor{"mall", "trace", ""})); });
    cancelled = true;
  });
  placing.join();
  cancelling.join();

  // alice still has a purchase open: still a holder, and the cap of 2 still holds.
  EXPECT_EQ(holder_count(), 2);
  db_->read_blocking([&](core::storage::Tx& tx) {
    EXPECT_EQ(tx.query("SELECT customer_id FROM mall_holders WHERE product_code = 'SC0001' ORDER BY customer_id").size(),
              2u);
    EXPECT_EQ(tx.query("SELECT 1 FROM mall_holders WHERE product_code = 'SC0001' AND customer_id = 'alice'").size(), 1u)
        << "the place went back while alice's second purchase was open";
  });
  auto carol = begin(purchase("C1", "carol"));
  ASSERT_TRUE(std::holds_alternative<Refusal>(carol)) << "a third holder got in";
  EXPECT_EQ(std::get<Refusal>(carol).code, "MALL_HOLDERS_FULL");
}

// Two requests with one customer's Idempotency-Key (a double tap), each past its first read before
// the other recorded anything, record their intents at once: one order is recorded and the other
// fails on the key as a unique violation (what the mall answers by replaying the winner) — never
// two orders, never another kind of error; the loser's holder place goes back with it. The same
// with one signed risk warning on two orders: one takes it, the other is refused or fails on it.
TEST_F(HolderCapRace, OneIdempotencyKeyOrOneWarningRacingRecordsOneOrder) {
  std::vector<std::string> codes;  // of the refusals
  const auto race = [&](const OrderRecord& a, const OrderRecord& b) {
    std::latch start(2);
    std::atomic<int> recorded{0}, refused{0}, on_key{0}, other{0};
    std::mutex mutex;
    std::vector<std::thread> racers;
    for (const OrderRecord* o : {&a, &b})
      racers.emplace_back([&, o] {
        start.arrive_and_wait();
        try {
          auto r = begin(*o);
          if (std::holds_alternative<OrderRecord>(r)) {
            ++recorded;
          } else {
            ++refused;
            std::lock_guard lock(mutex);
            codes.push_back(std::get<Refusal>(r).code);
          }
        } catch (const core::storage::StorageError& e) {
          if (e.kind() == core::storage::StorageError::Kind::kUniqueViolation) ++on_key;
          else ++other;
        }
      });
    for (auto& t : racers) t.join();
    return std::array<int, 4>{recorded.load(), refused.load(), on_key.load(), other.load()};
  };
  auto k1 = purchase("K1", "alice"), k2 = purchase("K2", "alice");
  k2.idempotency_key = k1.idempotency_key;
  const auto keyed = race(k1, k2);
  EXPECT_EQ(keyed[0], 1) << "one order recorded";
  EXPECT_EQ(keyed[1], 0);
  EXPECT_EQ(keyed[2], 1) << "the other fails on the key";
  EXPECT_EQ(keyed[3], 0);
  EXPECT_EQ(holder_count(), 1) << "the loser's place went back with it";
  db_->read_blocking([&](core::storage::Tx& tx) {
    EXPECT_EQ(tx.query("SELECT order_id FROM mall_orders WHERE idempotency_key = ?", {k1.idempotency_key}).size(), 1u);
  });

  // alice holds a place now, so her purchases take none (the cap plays no part in this race).
  auto w1 = purchase("W1", "alice"), w2 = purchase("W2", "alice");
  w1.warning_id = w2.warning_id = "W-signed-1";
  const auto warned = race(w1, w2);
  EXPECT_EQ(warned[0], 1) << "one order takes the warning";
  EXPECT_EQ(warned[1] + warned[2], 1) << "the other is refused (MALL_WARNING_USED) or fails on it";
  EXPECT_EQ(warned[3], 0);
  for (const auto& code : codes) EXPECT_EQ(code, "MALL_WARNING_USED");
  EXPECT_EQ(holder_count(), 1) << "still alice alone";
  db_->read_blocking([&](core::storage::Tx& tx) {
    EXPECT_EQ(tx.query("SELECT order_id FROM mall_warning_uses WHERE warning_id = 'W-signed-1'").size(), 1u);
    EXPECT_EQ(tx.query("SELECT order_id FROM mall_orders WHERE warning_id = 'W-signed-1'").size(), 1u);
  });
}

// Two confirmation runs overlapping (the job on one instance, a staff trigger on another, before
// the lease): each confirms one of alice's purchases of the same product in its own transaction.
// Read-then-write of the holding would keep only one of them; an increment in SQL keeps both.
class HoldingRace : public HolderCapRace {
 protected:
  void confirm(const std::string& id) {
    db_->write_blocking([&](core::storage::Tx& tx) {
      auto o = store_.order(tx, id);
      ASSERT_TRUE(o.has_value()) << id;
      EXPECT_TRUE(store_.mark_confirmed(tx, *o, Nav::parse("1.0000"), Money::parse("0"), o->amount_units,
                                        o->amount_units, "2026-03-03", kNow));
    });
  }
  std::pair<std::int64_t, std::int64_t> holding() {
    std::pair<std::int64_t, std::int64_t> out{-1, -1};
    db_->read_blocking([&](core::storage::Tx& tx) {
      auto rows = tx.query("SELECT shares_units, cost_units FROM mall_holdings WHERE customer_id = 'alice' AND "
                           "product_code = 'SC0001'");
      if (!rows.empty()) out = {rows.at(0).int64(0), rows.at(0).int64(1)};
    });
    return out;
  }
};

TEST_F(HoldingRace, TwoConfirmationsOfOneHoldingAtOnceLoseNeither) {
  for (const char* id : {"A1", "A2", "A3"}) {
    ASSERT_TRUE(std::holds_alternative<OrderRecord>(begin(purchase(id, "alice")))) << id;
    db_->write_blocking([&](core::storage::Tx& tx) { store_.mark_pending(tx, id, std::string("FO-") + id, kNow); });
  }
  confirm("A1");
  ASSERT_EQ(holding(), std::make_pair(std::int64_t{5'000'000}, std::int64_t{5'000'000}));

  // A2's confirmation is written (its transaction open, the holding's row locked) when A3's starts.
  std::latch written(1);
  std::atomic<bool> second_done{false};
  std::thread first([&] {
    db_->write_blocking([&](core::storage::Tx& tx) {
      auto o = store_.order(tx, "A2");
      EXPECT_TRUE(store_.mark_confirmed(tx, *o, Nav::parse("1.0000"), Money::parse("0"), o->amount_units,
                                        o->amount_units, "2026-03-03", kNow));
      written.count_down();
      // Commits once the other is done, or after 2 s when it waits on the holding's row (as it
      // must): either way the other runs while this one is uncommitted.
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      while (!second_done.load() && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    });
  });
  written.wait();
  std::thread second([&] {
    confirm("A3");
    second_done = true;
  });
  first.join();
  second.join();

  EXPECT_EQ(holding(), std::make_pair(std::int64_t{15'000'000}, std::int64_t{15'000'000}))
      << "all three purchases: 150,000.00 shares at a cost of 150,000.00";
}

}  // namespace
}  // namespace zt::services::mall
