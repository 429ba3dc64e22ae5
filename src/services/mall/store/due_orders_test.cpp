// Which pending orders a confirmation run takes (issue 18, F5): only those whose NAV for T is in,
// so any number of orders waiting for a late NAV never hold the others back; and the least
// recently tried first, so orders the counter keeps refusing take their turn behind the rest.
// SQLite is enough here (no concurrency); the order of the rows is the query's.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>

#include "core/storage/database.hpp"
#include "services/mall/store/mall_store.hpp"

std::span<const zt::core::EmbeddedFile> zt_mall_migrations();

namespace zt::services::mall {
namespace {

constexpr std::int64_t kNow = 1'796'000'000'000;

ProductIn fund(const std::string& code) {
  ProductIn in;
  in.code = code;
  in.name = "测试基金" + code;
  in.category = "public_fund";
  in.risk = 3;
  in.issuer = "沙箱基金管理有限公司";
  in.sale_start = "2026-01-05";
  in.min_first = Money::parse("1000.00");
  in.min_additional = Money::parse("100.00");
  in.increment = Money::parse("0.01");
  in.audience = "public";
  in.fees.subscription = {{Money::parse("0"), Rate::parse("0.015"), std::nullopt}};
  in.fees.redemption = {{0, Rate::parse("0.005")}};
  return in;
}

class DueOrders : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/zt-due-orders-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    core::storage::Options o;
    o.sqlite_path = dir_ + "/mall.db";
    o.sqlite_synchronous_full = false;
    db_ = core::storage::Database::open(o);
    core::storage::migrate(*db_, zt_mall_migrations());
    db_->write_blocking([&](core::storage::Tx& tx) {
      for (const char* code : {"F00001", "F00002"}) {
        auto made = store_.create_product(tx, fund(code), Actor{"pm", "trace"}, kNow);
        ASSERT_TRUE(std::holds_alternative<ProductView>(made)) << std::get<Refusal>(made).message;
      }
      // F00002's NAV for 2026-03-02 is in; F00001's is late.
      auto nav = store_.put_nav(tx, "F00002", "2026-03-02", Nav::parse("1.0000"), Actor{"pm", "trace"}, kNow);
      ASSERT_TRUE(std::holds_alternative<NavPoint>(nav));
    });
  }
  void TearDown() override {
    db_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  // `n` pending purchases of `product` on 2026-03-02 (due on 03-03), each last touched at `at_ms`.
  std::vector<std::string> place(const std::string& product, int n, std::int64_t at_ms) {
    std::vector<std::string> ids;
    db_->write_blocking([&](core::storage::Tx& tx) {
      for (int i = 0; i < n; ++i) {
        OrderRecord o;
        char n4[16];
        std::snprintf(n4, sizeof n4, "%04d", i);
        o.order_id = product + "-" + std::to_string(at_ms) + "-" + n4;
        o.customer_id = "C" + std::to_string(i % 7);
        o.fund_account = "F-" + o.customer_id;
        o.product = product;
        o.side = "subscribe";
        o.amount_units = 100'000;
        o.trade_date = "2026-03-02";
        o.confirm_date = "2026-03-03";
        o.idempotency_key = "key-" + o.order_id;
        o.fingerprint = "fp-" + o.order_id;
        o.suitability_rule = "SUIT_MATCH";
        o.trace_id = "trace";
        auto begun = store_.begin_order(tx, o, at_ms);
        ASSERT_TRUE(std::holds_alternative<OrderRecord>(begun)) << std::get<Refusal>(begun).message;
        store_.mark_pending(tx, o.order_id, "FO-" + o.order_id, at_ms);
        ids.push_back(o.order_id);
      }
    });
    return ids;
  }
  std::vector<OrderRecord> due() {
    std::vector<OrderRecord> out;
    db_->read_blocking([&](core::storage::Tx& tx) { out = store_.due(tx, "2026-03-03"); });
    return out;
  }

  std::string dir_;
  std::unique_ptr<core::storage::Database> db_;
  MallStore store_{CategoryRules{}};
};

TEST_F(DueOrders, FiveHundredOrdersWaitingForALateNavDoNotHoldBackOneWhoseNavIsIn) {
  place("F00001", 501, kNow);                       // older, waiting for their NAV
  const auto ready = place("F00002", 1, kNow + 1000);  // newer, its NAV in
  const auto taken = due();
  ASSERT_EQ(taken.size(), 1u) << "only the order whose NAV is in";
  EXPECT_EQ(taken[0].order_id, ready[0]);
  std::int64_t waiting = 0;
  db_->read_blocking([&](core::storage::Tx& tx) { waiting = store_.waiting_for_nav(tx, "2026-03-03"); });
  EXPECT_EQ(waiting, 501);
}

TEST_F(DueOrders, TheLeastRecentlyTriedGoFirstSoRefusedOnesDoNotStarveTheRest) {
  const auto first = place("F00002", 500, kNow);
  const auto later = place("F00002", 100, kNow + 1000);
  auto taken = due();
  ASSERT_EQ(taken.size(), 500u) << "a run takes 500 at most";
  EXPECT_EQ(taken.front().order_id, first.front());
  // The first 500 were tried (the counter did not settle them): the next run starts with the rest.
  db_->write_blocking([&](core::storage::Tx& tx) {
    for (const auto& id : first) store_.tried(tx, id, kNow + 5000);
  });
  taken = due();
  ASSERT_EQ(taken.size(), 500u);
  for (std::size_t i = 0; i < later.size(); ++i) EXPECT_EQ(taken[i].order_id, later[i]) << i;
  EXPECT_EQ(taken[100].order_id, first.front()) << "then the tried ones, oldest try first";
}

}  // namespace
}  // namespace zt::services::mall
