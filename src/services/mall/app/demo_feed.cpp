#include "services/mall/app/demo_feed.hpp"

#include <fmt/format.h>

#include "core/finance/live_calendar.hpp"
#include "core/observe/log.hpp"
#include "core/util/error.hpp"
#include "core/util/time.hpp"
#include "services/mall/domain/demo_nav.hpp"

namespace zt::services::mall {

namespace {

using core::finance::Date;
using core::finance::format_date;

constexpr int kSeedDays = 20;            // NAV history a demo product starts with
constexpr int kCatchUpDays = 250;        // at most this many days are caught up (a clock moved a year on)
constexpr int kPublishedAt = 20 * 3600;  // a trading day's NAV is out at 20:00 Asia/Shanghai
const char* const kDescription = "沙箱演示数据：净值由沙箱按固定规则每个交易日20:00生成，仅供体验，不构成投资建议。";

struct DemoProduct {
  ProductIn in;
  DemoNavRule nav;
};

SubscriptionTierJson rate_from(const char* from, const char* rate) {
  return {Money::parse(from), Rate::parse(rate), std::nullopt};
}

ProductIn product(const char* code, const char* name, const char* category, int risk, const char* issuer,
                  const char* min_first, const char* min_additional, const char* increment, const char* audience) {
  ProductIn p;
  p.code = code;
  p.name = name;
  p.category = category;
  p.risk = risk;
  p.issuer = issuer;
  p.sale_start = "2025-01-02";
  p.min_first = Money::parse(min_first);
  p.min_additional = Money::parse(min_additional);
  p.increment = Money::parse(increment);
  p.audience = audience;
  p.description = kDescription;
  p.confirm_days = 1;
  return p;
}

// One of each category, three public funds of rising risk (an R4 fund shows a C3 customer the
// special risk warning); each passes check_product with the default category rules.
const std::vector<DemoProduct>& demo_products() {
  static const std::vector<DemoProduct> all = [] {
    std::vector<DemoProduct> v;
    const char* fund_house = "沙箱演示基金管理有限公司";
    auto fund_fees = [](const char* rate) {
      FeesJson f;
      f.subscription = {rate_from("0", rate), rate_from("1000000.00", "0.006"),
                        SubscriptionTierJson{Money::parse("5000000.00"), std::nullopt, Money::parse("1000.00")}};
      f.redemption = {{0, Rate::parse("0.015")}, {7, Rate::parse("0.005")}, {365, Rate::parse("0")}};
      f.discount = Rate::parse("0.1");  // 一折, as fund malls sell
      return f;
    };
    auto flat_fees = [](const char* redemption) {
      FeesJson f;
      f.subscription = {rate_from("0", "0")};
      f.redemption = {{0, Rate::parse(redemption)}};
      f.short_holding_days = 0;  // the 7-day rule is the public funds'
      return f;
    };

    auto bond =
        product("DEMO01", "【演示】沙箱稳健债券A", "public_fund", 2, fund_house, "10.00", "10.00", "0.01", "public");
    bond.fees = fund_fees("0.008");
    v.push_back({bond, {core::finance::Nav::parse("1.0000"), 1, 4}});

    auto mixed =
        product("DEMO02", "【演示】沙箱均衡混合", "public_fund", 3, fund_house, "100.00", "10.00", "0.01", "public");
    mixed.fees = fund_fees("0.012");
    v.push_back({mixed, {core::finance::Nav::parse("1.2000"), 2, 80}});

    auto equity = product("DEMO03", "【演示】沙箱科技成长股票", "public_fund", 4, fund_house, "100.00", "10.00", "0.01",
                          "public");
    equity.fees = fund_fees("0.015");
    v.push_back({equity, {core::finance::Nav::parse("0.9500"), 3, 150}});

    auto wm = product("DEMO04", "【演示】沙箱银行理财稳享30天", "bank_wm", 2, "沙箱演示银行理财有限责任公司", "1000.00",
                      "1000.00", "1.00", "public");
    wm.fees = flat_fees("0");
    wm.confirm_days = 2;  // bank products often confirm T+2
    v.push_back({wm, {core::finance::Nav::parse("1.0000"), 1, 1}});

    auto certificate = product("DEMO05", "【演示】沙箱收益凭证1期", "income_certificate", 2, "沙箱演示证券股份有限公司",
                               "50000.00", "1000.00", "1000.00", "public");
    certificate.holder_cap = 200;
    certificate.principal = "protected_fixed";
    certificate.redeemable = false;
    certificate.fees = flat_fees("0");
    v.push_back({certificate, {core::finance::Nav::parse("1.0000"), 0, 0}});

    auto am = product("DEMO06", "【演示】沙箱资管集合1号", "broker_am", 3, "沙箱演示证券资产管理有限公司", "1000.00",
                      "100.00", "0.01", "public");
    am.fees = flat_fees("0.005");
    v.push_back({am, {core::finance::Nav::parse("1.0500"), 2, 40}});

    auto trust = product("DEMO07", "【演示】沙箱信托稳健1号", "trust", 3, "沙箱演示信托有限责任公司", "1000000.00",
                         "100000.00", "10000.00", "qualified");
    trust.fees = flat_fees("0");
    v.push_back({trust, {core::finance::Nav::parse("1.0000"), 2, 5}});

    auto pf = product("DEMO08", "【演示】沙箱私募量化1号", "private_fund", 5, "沙箱演示私募基金管理有限公司",
                      "1000000.00", "100000.00", "10000.00", "qualified");
    pf.fees = flat_fees("0.01");
    v.push_back({pf, {core::finance::Nav::parse("1.0000"), 4, 200}});
    return v;
  }();
  return all;
}

const Actor kSandbox{"sandbox", ""};

const DemoProduct& demo_product(const std::string& code) {
  for (const auto& d : demo_products())
    if (d.in.code == code) return d;
  throw std::invalid_argument("not a demo product: " + code);
}

}  // namespace

void DemoFeed::start(core::net::IoRuntime& runtime, std::chrono::milliseconds every) {
  job_.trace_as("mall", "demo products");
  job_.start(runtime, every, core::net::Periodic::First::kNow, [this]() -> boost::asio::awaitable<void> {
    const auto now = core::finance::business_now();
    co_await round(now);
  });
}

void DemoFeed::stop() { job_.stop(); }

std::optional<Date> DemoFeed::latest_published(const core::finance::BusinessTime& now) {
  const auto calendar = core::finance::trading_calendar();
  try {
    if (calendar->is_trading_day(now.date) && now.seconds_of_day >= kPublishedAt) return now.date;
    return calendar->previous_trading_day(now.date);
  } catch (const core::finance::CalendarError& e) {
    // Once a day at most (the feed looks every minute): the calendar needs the year.
    const auto day = static_cast<std::int64_t>(std::chrono::sys_days(now.date).time_since_epoch().count());
    if (warned_day_.exchange(day) != day)
      core::log::warn("mall: demo products get no NAV for {}: {}", format_date(now.date), e.what());
    return std::nullopt;
  }
}

Date DemoFeed::days_before(Date last, int n) {
  const auto calendar = core::finance::trading_calendar();
  try {
    return calendar->previous_trading_day(last, n);
  } catch (const core::finance::CalendarError&) {
    // Not that far back: from the first trading day the calendar covers.
    const auto years = calendar->years();
    if (years.empty()) throw;
    const int year = *years.begin();
    return calendar->this_or_next_trading_day(Date{std::chrono::year{year}, std::chrono::January, std::chrono::day{1}});
  }
}

boost::asio::awaitable<int> DemoFeed::round(core::finance::BusinessTime now) {
  const auto last = latest_published(now);
  if (!last) co_return 0;
  const bool mine = co_await lease_.take();
  if (!mine) co_return 0;  // another instance's turn
  int published = 0;
  lost_ = false;
  for (const auto& d : demo_products()) {
    // One product's trouble (a counter that holds another NAV for a day, a refusal) is logged and
    // leaves the others alone; the next round tries it again.
    try {
      published += co_await tend(d.in.code, *last);
    } catch (const std::exception& e) {
      core::log::warn("mall: demo product {}: {}", d.in.code, e.what());
    }
    if (lost_) break;  // the lease went to another instance (logged)
  }
  co_await lease_.give_back();
  if (published > 0)
    core::log::info("mall: demo products: {} NAVs published through {}", published, format_date(*last));
  co_return published;
}

boost::asio::awaitable<int> DemoFeed::tend(const std::string& code, Date last) {
  const auto& d = demo_product(code);
  auto state = co_await db_.read([&](core::storage::Tx& tx) { return store_.demo_state(tx, code); });
  if (!state) {
    // Taken up once. A product of this code that is there already is somebody else's: never
    // touched. Otherwise the intent is recorded before the product is made, so a crash between
    // the two leaves it ours.
    const auto at = core::unix_millis();
    state = co_await db_.write([&](core::storage::Tx& tx) -> std::string {
      const std::string s = store_.product(tx, code) ? "foreign" : "creating";
      store_.set_demo_state(tx, code, s, at);
      return s;
    });
  }
  if (*state == "foreign") co_return 0;
  int published = 0;
  if (*state == "creating") {
    const bool exists = co_await db_.read([&](core::storage::Tx& tx) { return store_.product(tx, code).has_value(); });
    if (!exists) co_await catalogue_.create(d.in, kSandbox);
    published += co_await publish_navs(code, last);
    if (lost_) co_return published;  // the next holder of the lease finishes it
    // Put on sale from draft only, once: the counter registers it first (a failure throws, and the
    // next round tries again); a product staff halted meanwhile stays halted.
    const auto status = co_await db_.read([&](core::storage::Tx& tx) { return store_.product(tx, code)->status; });
    if (status == "draft") {
      const StatusIn on_sale{"published", "沙箱演示产品首次启动时上架"};
      co_await catalogue_.set_status(code, on_sale, kSandbox, nullptr);
    }
    const auto at = core::unix_millis();
    co_await db_.write([&](core::storage::Tx& tx) { store_.set_demo_state(tx, code, "on_sale", at); });
    core::log::info("mall: demo product {} on sale (sandbox)", code);
    co_return published;
  }
  published += co_await publish_navs(code, last);
  co_return published;
}

boost::asio::awaitable<int> DemoFeed::publish_navs(const std::string& code, Date last) {
  const auto& demo = demo_product(code);
  auto latest = co_await db_.read([&](core::storage::Tx& tx) { return store_.latest_nav(tx, code); });
  const auto calendar = core::finance::trading_calendar();
  Date day{};
  core::finance::Nav nav = demo.nav.start;
  if (latest) {
    const Date after = core::finance::parse_date(latest->date);
    if (!(after < last)) co_return 0;
    nav = latest->nav;
    day = calendar->next_trading_day(after);
    // Far behind (a clock moved a year on): the walk resumes from its latest NAV at most
    // kCatchUpDays before `last`; orders dated in the gap wait for staff (the stuck-orders desk).
    const Date earliest = days_before(last, kCatchUpDays - 1);
    if (day < earliest) day = earliest;
  } else {
    day = days_before(last, kSeedDays - 1);
  }
  int published = 0;
  while (true) {
    const bool still_mine = co_await lease_.keep();
    if (!still_mine) {
      lost_ = true;
      break;
    }
    const std::string date = format_date(day);
    nav = demo_nav_after(demo.nav, code, nav, date);
    co_await catalogue_.enter_nav(code, date, nav, kSandbox, nullptr);
    ++published;
    if (!(day < last)) break;
    day = calendar->next_trading_day(day);
  }
  co_return published;
}

}  // namespace zt::services::mall
