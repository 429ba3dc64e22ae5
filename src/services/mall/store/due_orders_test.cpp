// Which pending orders a confirmation run takes (issue 18, F5): only those whose NAV for T is in,
// so any number of orders waiting for a late NAV never hold the others back; and the least
// recently tried first, so orders the counter keeps refusing take their turn behind the rest.
// SQLite is enough here (no concurrency); the order of the rows is the query's.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <map>

#include "core/json/json.hpp"
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
        auto begun = store_.begin_order(tx, o, at_ms, Actor{"C1", "trace", "10.0.0.1"});
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

// The intent is written without reading it back (its insert goes with the COMMIT): what
// begin_order answers is the row as it then reads; a product gone meanwhile is refused, nothing written.
TEST_F(DueOrders, AnIntentAnswersItsRowAsItReadsBackAndAVanishedProductLeavesNothing) {
  const auto id = place("F00002", 1, kNow).at(0);
  db_->write_blocking([&](core::storage::Tx& tx) {
    OrderRecord o = *store_.order(tx, id);
    o.order_id = "MO-again";
    o.idempotency_key = "key-again";
    o.fees = FeeSchedule{};
    o.fees->subscription = {{Money::parse("0"), Rate::parse("0.01"), std::nullopt}};
    auto begun = store_.begin_order(tx, o, kNow + 5, Actor{"C1", "trace", "10.0.0.1"});
    ASSERT_TRUE(std::holds_alternative<OrderRecord>(begun)) << std::get<Refusal>(begun).message;
    const auto answered = core::json::serialize(store_.view(std::get<OrderRecord>(begun), true, true));
    const auto row = store_.order(tx, "MO-again");
    ASSERT_TRUE(row.has_value());
    EXPECT_EQ(answered, core::json::serialize(store_.view(*row, true, true)));
    EXPECT_EQ(std::get<OrderRecord>(begun).state, "placing");
    EXPECT_EQ(std::get<OrderRecord>(begun).product_name, row->product_name);
    EXPECT_EQ(std::get<OrderRecord>(begun).placed_at_ms, row->placed_at_ms);
    EXPECT_EQ(core::json::serialize(fees_json(*std::get<OrderRecord>(begun).fees)), core::json::serialize(fees_json(*row->fees)));

    o.order_id = "MO-nowhere";
    o.idempotency_key = "key-nowhere";
    o.product = "F09999";
    auto refused = store_.begin_order(tx, o, kNow + 6, Actor{"C1", "trace", "10.0.0.1"});
    ASSERT_TRUE(std::holds_alternative<Refusal>(refused));
    EXPECT_EQ(std::get<Refusal>(refused).status, 404);
    EXPECT_EQ(std::get<Refusal>(refused).code, "MALL_PRODUCT_NOT_FOUND");
    EXPECT_FALSE(store_.order(tx, "MO-nowhere").has_value());
  });
}

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
    for (const auto& id : first) store_.tried(tx, id, "confirm_unanswered", "504 GATEWAY_TIMEOUT", kNow + 5000);
  });
  taken = due();
  ASSERT_EQ(taken.size(), 500u);
  for (std::size_t i = 0; i < later.size(); ++i) EXPECT_EQ(taken[i].order_id, later[i]) << i;
  EXPECT_EQ(taken[100].order_id, first.front()) << "then the tried ones, oldest try first";
}

// An order's history: a run of the platform's own event is one line with a count, its first and
// last time and its latest detail; each staff note is a line; a finished order is not "tried".
TEST_F(DueOrders, AnOrdersHistoryCountsARunOfThePlatformsOwnEventOnOneLine) {
  const auto id = place("F00002", 1, kNow).front();
  db_->write_blocking([&](core::storage::Tx& tx) {
    store_.tried(tx, id, "confirm_unanswered", "504 GATEWAY_TIMEOUT", kNow + 1000);
    store_.tried(tx, id, "confirm_unanswered", "504 GATEWAY_TIMEOUT", kNow + 2000);
    store_.tried(tx, id, "confirm_unanswered", "504 GATEWAY_TIMEOUT", kNow + 3000);
    store_.tried(tx, id, "confirm_unanswered", "0 无应答", kNow + 4000);
    store_.tried(tx, id, "not_quoted", "无法计算确认", kNow + 4500);
    store_.events().note(tx, id, "resolved", "重试：柜台已恢复", "S1", kNow + 5000);
    store_.events().note(tx, id, "resolved", "重试：柜台已恢复", "S1", kNow + 5500);
    store_.events().note(tx, id, "resolved", "重试：柜台已恢复", "S2", kNow + 6000);
  });
  std::vector<OrderEvent> lines;
  std::map<std::string, std::vector<OrderEvent>> several;
  db_->read_blocking([&](core::storage::Tx& tx) {
    lines = store_.events().of(tx, id);
    several = store_.events().of_each(tx, {id, "nobody"}, 2);
  });
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0].event, "confirm_unanswered");
  EXPECT_EQ(lines[0].detail, "0 无应答") << "the latest detail";
  EXPECT_EQ(lines[0].times, 4) << "a counter answering 504, then nothing, stays one line";
  EXPECT_EQ(lines[0].first_at_ms, kNow + 1000);
  EXPECT_EQ(lines[0].last_at_ms, kNow + 4000);
  EXPECT_EQ(lines[0].actor, "mall");
  EXPECT_EQ(lines[1].event, "not_quoted");
  EXPECT_EQ(lines[2].actor, "S1");
  EXPECT_EQ(lines[3].actor, "S1") << "what staff do is a line each, even when it says the same";
  EXPECT_EQ(lines[3].times, 1);
  EXPECT_EQ(lines[4].actor, "S2");
  ASSERT_EQ(several.size(), 1u) << "no line for an order without history";
  ASSERT_EQ(several[id].size(), 2u) << "the last two lines";
  EXPECT_EQ(several[id][0].actor, "S1");
  EXPECT_EQ(several[id][1].actor, "S2");

  // Tried after it was cancelled: not an attempt, nothing noted.
  db_->write_blocking([&](core::storage::Tx& tx) {
    OrderRecord o;
    o.order_id = id;
    o.product = "F00002";
    o.customer_id = "C0";
    ASSERT_TRUE(store_.mark_cancelled(tx, o, kNow + 7000, Actor{"mall", "trace", ""}));
    store_.tried(tx, id, "confirm_unanswered", "504 GATEWAY_TIMEOUT", kNow + 8000);
  });
  db_->read_blocking([&](core::storage::Tx& tx) { lines = store_.events().of(tx, id); });
  EXPECT_EQ(lines.size(), 5u);
}

// The stuck list, one order's kind and the metrics read the same rules: placing past the bound;
// pending past the confirmation date without its NAV (waiting_for_nav) or with it
// (confirmation_overdue); a confirmation refused on every automatic attempt
// (confirmation_refused — refused with attempts left is the job's, overdue once past its date).
// Staff's retry drops exactly the refused request they saw, once.
TEST_F(DueOrders, TheStuckListTheKindAndTheMetricsShareTheRulesAndARetryDropsTheRefusedRequest) {
  constexpr int kAttempts = 2;
  const auto waiting = place("F00001", 1, kNow).front();  // its NAV for 03-02 not in
  const auto refused = place("F00002", 1, kNow + 10).front();
  const auto overdue = place("F00002", 1, kNow + 11).front();
  const auto refused_once = place("F00002", 1, kNow + 12).front();
  const auto request = [](const std::string& id, int n) { return R"({"request_id":"mall-confirm-)" + id + "-" + std::to_string(n) + R"("})"; };
  db_->write_blocking([&](core::storage::Tx& tx) {
    OrderRecord o;
    o.order_id = "PLACING-1";
    o.customer_id = "C9";
    o.fund_account = "F-C9";
    o.product = "F00002";
    o.side = "subscribe";
    o.amount_units = 100'000;
    o.trade_date = "2026-03-02";
    o.confirm_date = "2026-03-03";
    o.idempotency_key = "key-placing";
    o.fingerprint = "fp";
    o.suitability_rule = "SUIT_MATCH";
    o.trace_id = "trace";
    ASSERT_TRUE(std::holds_alternative<OrderRecord>(store_.begin_order(tx, o, kNow + 20, Actor{"C1", "trace", "10.0.0.1"})));
    for (int n = 0; n <= kAttempts; ++n) {
      ASSERT_TRUE(store_.record_confirm_request(tx, *store_.order(tx, refused), request(refused, n), Nav::parse("1.0000"), kNow + 30 + n));
      EXPECT_EQ(store_.confirmation_refused(tx, refused, request(refused, n), "COUNTER_X 不行", kAttempts, kNow + 40 + n),
                n < kAttempts)
          << "attempt " << n << ": worked out again while attempts are left, then kept for staff";
    }
    ASSERT_TRUE(store_.record_confirm_request(tx, *store_.order(tx, refused_once), request(refused_once, 0), Nav::parse("1.0000"), kNow + 50));
    EXPECT_TRUE(store_.confirmation_refused(tx, refused_once, request(refused_once, 0), "COUNTER_X 不行", kAttempts, kNow + 51));
  });
  const StuckBounds on_0304{kNow + 21, "2026-03-04", kAttempts}, on_0303{kNow + 20, "2026-03-03", kAttempts};
  const auto kinds = [&](const StuckBounds& b) {
    std::string out;
    db_->read_blocking([&](core::storage::Tx& tx) {
      for (const auto& s : store_.stuck_orders(tx, b, 10)) out += (out.empty() ? "" : ",") + s.order.order_id + ":" + s.kind;
    });
    return out;
  };
  EXPECT_EQ(kinds(on_0304), waiting + ":waiting_for_nav," + refused + ":confirmation_refused," + overdue +
                                ":confirmation_overdue," + refused_once + ":confirmation_overdue,PLACING-1:placing")
      << "oldest placed first";
  EXPECT_EQ(kinds(on_0303), refused + ":confirmation_refused")
      << "placing not yet past the bound; on its confirmation date an order is not overdue";
  core::workflow::StuckFigures counted;
  std::string kind_of_refused, kind_of_overdue, kind_of_nothing;
  db_->read_blocking([&](core::storage::Tx& tx) {
    counted = store_.stuck(tx, on_0304);
    kind_of_refused = store_.stuck_kind(tx, refused, on_0304);
    kind_of_overdue = store_.stuck_kind(tx, refused_once, on_0304);
    kind_of_nothing = store_.stuck_kind(tx, refused_once, on_0303);
  });
  EXPECT_EQ(counted.size(), 4u) << "every kind, counted or not";
  EXPECT_EQ(counted["placing"].count, 1);
  EXPECT_EQ(counted["waiting_for_nav"].count, 1);
  EXPECT_EQ(counted["confirmation_refused"].count, 1);
  EXPECT_EQ(counted["confirmation_overdue"].count, 2);
  EXPECT_EQ(counted["confirmation_overdue"].oldest_ms, kNow + 11);
  EXPECT_EQ(kind_of_refused, "confirmation_refused");
  EXPECT_EQ(kind_of_overdue, "confirmation_overdue");
  EXPECT_EQ(kind_of_nothing, "") << "refused once with attempts left, on its date: the job's, not stuck";

  bool stale = true, again = false, twice = true, early = true;
  std::optional<OrderRecord> after;
  db_->write_blocking([&](core::storage::Tx& tx) {
    stale = store_.retry_confirmation(tx, refused, request(refused, 1), kAttempts, kNow + 60);
    again = store_.retry_confirmation(tx, refused, request(refused, kAttempts), kAttempts, kNow + 70);
    twice = store_.retry_confirmation(tx, refused, request(refused, kAttempts), kAttempts, kNow + 80);
    early = store_.retry_confirmation(tx, refused_once, "", kAttempts, kNow + 90);
    after = store_.order(tx, refused);
  });
  EXPECT_FALSE(stale) << "only the request staff saw refused";
  EXPECT_TRUE(again);
  EXPECT_FALSE(twice) << "no longer refused";
  EXPECT_FALSE(early) << "attempts left: the job's to retry";
  ASSERT_TRUE(after);
  EXPECT_FALSE(after->confirm_request) << "the next run works out a new one";
  EXPECT_FALSE(after->confirm_error);
  EXPECT_EQ(after->confirm_attempt, kAttempts + 1) << "under the next request id";
  // A refusal of the dropped request arriving late does not mark the order refused again.
  db_->write_blocking([&](core::storage::Tx& tx) {
    EXPECT_FALSE(store_.confirmation_refused(tx, refused, request(refused, kAttempts), "COUNTER_X 不行", kAttempts, kNow + 95));
    after = store_.order(tx, refused);
  });
  EXPECT_FALSE(after->confirm_error);
  EXPECT_EQ(kinds(on_0303), "") << "nothing stuck on 03-03 any more";
}

}  // namespace
}  // namespace zt::services::mall
