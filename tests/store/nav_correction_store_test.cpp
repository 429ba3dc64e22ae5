// NAV corrections as the mall keeps them (services/mall/store/nav_correction_store.hpp), on both
// SQL backends: a correction names the value it replaces and holds the NAV's row while it is on its
// way to the counter; it ends once, applied or refused; and of corrections racing for one NAV on
// PostgreSQL (READ COMMITTED, several connections) exactly one goes through — the others are told
// the NAV is being corrected or has changed, and nothing of theirs is written.
#include "services/mall/store/nav_correction_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <latch>
#include <thread>

#include "core/storage/database.hpp"
#include "harness/process.hpp"
#include "harness/servers.hpp"

std::span<const zt::core::EmbeddedFile> zt_mall_migrations();

namespace zt::services::mall {
namespace {

constexpr std::int64_t kNow = 1'796'000'000'000;
const Actor kStaff{"pm", "trace", "10.0.0.9"};

ProductIn fund() {
  ProductIn in;
  in.code = "F00001";
  in.name = "更正测试基金";
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

class NavCorrectionStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    static std::atomic<int> n{0};
    core::storage::Options o;
    o.driver = GetParam();
    const std::string name = "navfix" + std::to_string(::getpid()) + "_" + std::to_string(n++);
    if (o.driver == "sqlite") {
      o.sqlite_path = dir_.path() + "/" + name + ".db";
      o.sqlite_synchronous_full = false;
    } else {
      o.postgres_dsn = test::shared_postgres().dsn();
      o.schema = name;
    }
    db_ = core::storage::Database::open(o);
    core::storage::migrate(*db_, zt_mall_migrations());
    db_->write_blocking([&](core::storage::Tx& tx) {
      auto made = mall_.create_product(tx, fund(), kStaff, kNow);
      ASSERT_TRUE(std::holds_alternative<ProductView>(made)) << std::get<Refusal>(made).message;
      ASSERT_TRUE(std::holds_alternative<NavPoint>(
          mall_.put_nav(tx, "F00001", "2026-03-02", Nav::parse("1.1000"), kStaff, kNow)));
    });
  }
  // A correction of 2026-03-02's NAV from `from` to `to`; `sent`: on its way to the counter.
  Result<NavCorrectionRecord> begin(const std::string& from, const std::string& to, bool sent = true,
                                    const std::string& date = "2026-03-02") {
    NavCorrectionRecord c;
    c.code = "F00001";
    c.date = date;
    c.from = Nav::parse(from);
    c.to = Nav::parse(to);
    c.reason = "录入错误";
    if (sent) c.request = R"({"code":"F00001"})";
    std::optional<Result<NavCorrectionRecord>> out;
    db_->write_blocking([&](core::storage::Tx& tx) { out.emplace(corrections_.begin(tx, c, kStaff, kNow)); });
    return std::move(*out);
  }
  std::string nav() {
    std::string out;
    db_->read_blocking([&](core::storage::Tx& tx) { out = mall_.nav_on(tx, "F00001", "2026-03-02")->to_string(); });
    return out;
  }
  std::size_t held() {
    std::size_t n = 0;
    db_->read_blocking([&](core::storage::Tx& tx) { n = corrections_.held(tx).size(); });
    return n;
  }
  std::string state(const std::string& id) {
    std::string out;
    db_->read_blocking([&](core::storage::Tx& tx) { out = corrections_.get(tx, id)->state; });
    return out;
  }

  test::TempDir dir_{"zt-navfix"};
  std::unique_ptr<core::storage::Database> db_;
  MallStore mall_{CategoryRules{}};
  NavCorrectionStore corrections_{mall_};
};

std::string code_of(const Result<NavCorrectionRecord>& r) {
  return std::holds_alternative<Refusal>(r) ? std::get<Refusal>(r).code : "";
}

TEST_P(NavCorrectionStoreTest, OneCorrectionAtATimeEndingOnceAppliedOrRefused) {
  EXPECT_EQ(code_of(begin("1.2000", "1.0100")), "MALL_NAV_CHANGED") << "not the value in force";
  EXPECT_EQ(code_of(begin("1.1000", "1.0100", true, "2026-03-03")), "MALL_NAV_NOT_FOUND");

  // On its way: the NAV stays, its date is held, a second correction is refused.
  auto first = begin("1.1000", "1.0100");
  ASSERT_TRUE(std::holds_alternative<NavCorrectionRecord>(first)) << code_of(first);
  const auto id = std::get<NavCorrectionRecord>(first).id;
  EXPECT_EQ(state(id), "sending");
  EXPECT_EQ(nav(), "1.1000");
  EXPECT_EQ(held(), 1u);
  EXPECT_EQ(code_of(begin("1.1000", "1.0200")), "MALL_NAV_CORRECTING");

  // Refused by the counter: nothing changed, the NAV free again; it ends once.
  db_->write_blocking([&](core::storage::Tx& tx) {
    EXPECT_TRUE(corrections_.refuse(tx, id, "柜台净值不符", kNow + 1));
    EXPECT_FALSE(corrections_.refuse(tx, id, "again", kNow + 2));
    EXPECT_FALSE(corrections_.apply(tx, id, kNow + 2)) << "a refused correction is never applied";
  });
  EXPECT_EQ(state(id), "refused");
  EXPECT_EQ(nav(), "1.1000");
  EXPECT_EQ(held(), 0u);

  // Applied: the NAV is the corrected one; both values kept.
  auto second = begin("1.1000", "1.0100");
  ASSERT_TRUE(std::holds_alternative<NavCorrectionRecord>(second)) << code_of(second);
  const auto id2 = std::get<NavCorrectionRecord>(second).id;
  db_->write_blocking([&](core::storage::Tx& tx) {
    EXPECT_TRUE(corrections_.apply(tx, id2, kNow + 3));
    EXPECT_FALSE(corrections_.apply(tx, id2, kNow + 4));
  });
  EXPECT_EQ(nav(), "1.0100");
  EXPECT_EQ(held(), 0u);
  db_->read_blocking([&](core::storage::Tx& tx) {
    auto list = corrections_.list(tx, "F00001", 10);
    ASSERT_EQ(list.size(), 2u);
    const auto& newest = list.at(0).id == id2 ? list.at(0) : list.at(1);
    EXPECT_EQ(newest.from.to_string(), "1.1000");
    EXPECT_EQ(newest.to.to_string(), "1.0100");
    EXPECT_EQ(newest.corrected_by, "pm");
    EXPECT_EQ(newest.ip, "10.0.0.9");
    EXPECT_TRUE(corrections_.sending(tx).empty());
  });

  // Nothing to send (a draft's): applied at once.
  auto draft = begin("1.0100", "1.0000", false);
  ASSERT_TRUE(std::holds_alternative<NavCorrectionRecord>(draft)) << code_of(draft);
  EXPECT_EQ(std::get<NavCorrectionRecord>(draft).state, "applied");
  EXPECT_EQ(nav(), "1.0000");
}

// Eight staff correcting one NAV at the same moment: one correction, the others refused whole.
TEST_P(NavCorrectionStoreTest, OfCorrectionsRacingForOneNavExactlyOneGoesThrough) {
  for (const bool sent : {true, false}) {
    SCOPED_TRACE(sent ? "on its way to the counter" : "applied at once");
    const std::string from = nav();
    constexpr int kRacers = 8;
    std::latch start(kRacers);
    std::atomic<int> won{0}, correcting{0}, changed{0};
    std::vector<std::thread> racers;
    for (int i = 0; i < kRacers; ++i)
      racers.emplace_back([&, i] {
        start.arrive_and_wait();
        auto r = begin(from, (sent ? "2.00" : "3.00") + std::to_string(10 + i), sent);
        const auto code = code_of(r);
        if (code.empty())
          ++won;
        else if (code == "MALL_NAV_CORRECTING")
          ++correcting;
        else if (code == "MALL_NAV_CHANGED")
          ++changed;
        else
          ADD_FAILURE() << code;
      });
    for (auto& t : racers) t.join();
    EXPECT_EQ(won.load(), 1);
    EXPECT_EQ(won + correcting + changed, kRacers);
    db_->write_blocking([&](core::storage::Tx& tx) {
      auto open = corrections_.sending(tx);
      EXPECT_EQ(open.size(), sent ? 1u : 0u);
      for (const auto& c : open) EXPECT_TRUE(corrections_.apply(tx, c.id, kNow + 10));
    });
    EXPECT_NE(nav(), from) << "the one correction is in";
  }
  db_->read_blocking([&](core::storage::Tx& tx) {
    EXPECT_EQ(corrections_.list(tx, "F00001", 100).size(), 2u) << "nothing written for the refused ones";
  });
}

// A date whose NAV a correction holds waits — out of the due list, so however many of its orders
// there are they never hold back another product's — and no confirmation request is kept for it.
TEST_P(NavCorrectionStoreTest, AHeldNavKeepsItsOrdersOutOfTheDueListAndWithoutARequest) {
  auto other = fund();
  other.code = "F00002";
  const auto pending = [&](const std::string& id, const std::string& product) {
    OrderRecord o;
    o.order_id = id;
    o.customer_id = "C1";
    o.fund_account = "F-C1";
    o.product = product;
    o.side = "subscribe";
    o.amount_units = 100'000;
    o.trade_date = "2026-03-02";
    o.confirm_date = "2026-03-03";
    o.idempotency_key = "key-" + id;
    o.fingerprint = "fp-" + id;
    o.suitability_rule = "SUIT_MATCH";
    o.trace_id = "trace";
    return o;
  };
  db_->write_blocking([&](core::storage::Tx& tx) {
    ASSERT_TRUE(std::holds_alternative<ProductView>(mall_.create_product(tx, other, kStaff, kNow)));
    ASSERT_TRUE(std::holds_alternative<NavPoint>(
        mall_.put_nav(tx, "F00002", "2026-03-02", Nav::parse("1.0000"), kStaff, kNow)));
    for (const auto& [id, product] : {std::pair{"HELD-1", "F00001"}, std::pair{"FREE-1", "F00002"}}) {
      ASSERT_TRUE(std::holds_alternative<OrderRecord>(mall_.begin_order(tx, pending(id, product), kNow, kStaff)));
      mall_.mark_pending(tx, id, std::string("FO-") + id, kNow);
    }
  });
  const auto due = [&] {
    std::vector<std::string> ids;
    db_->read_blocking([&](core::storage::Tx& tx) {
      for (const auto& o : mall_.due(tx, "2026-03-03")) ids.push_back(o.order_id);
    });
    return ids;
  };
  EXPECT_EQ(due(), (std::vector<std::string>{"FREE-1", "HELD-1"}));
  auto held = begin("1.1000", "1.0100");
  ASSERT_TRUE(std::holds_alternative<NavCorrectionRecord>(held)) << code_of(held);
  EXPECT_EQ(due(), std::vector<std::string>{"FREE-1"});
  db_->write_blocking([&](core::storage::Tx& tx) {
    EXPECT_FALSE(mall_.record_confirm_request(tx, *mall_.order(tx, "HELD-1"), "{}", Nav::parse("1.1000"), kNow + 1))
        << "held: nothing kept";
    EXPECT_TRUE(mall_.record_confirm_request(tx, *mall_.order(tx, "FREE-1"), "{}", Nav::parse("1.0000"), kNow + 1));
    EXPECT_TRUE(corrections_.apply(tx, std::get<NavCorrectionRecord>(held).id, kNow + 2));
    EXPECT_FALSE(mall_.record_confirm_request(tx, *mall_.order(tx, "HELD-1"), "{}", Nav::parse("1.1000"), kNow + 3))
        << "worked out at the NAV it replaced: nothing kept";
    EXPECT_TRUE(mall_.record_confirm_request(tx, *mall_.order(tx, "HELD-1"), "{}", Nav::parse("1.0100"), kNow + 3))
        << "at the corrected NAV";
  });
}

INSTANTIATE_TEST_SUITE_P(Sql, NavCorrectionStoreTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace zt::services::mall
