#include "services/mall/app/catalogue.hpp"

#include <fmt/format.h>

#include <map>

#include "core/finance/calendar.hpp"
#include "core/finance/live_calendar.hpp"
#include "core/http/context.hpp"
#include "core/http/error.hpp"
#include "core/http/refusal.hpp"
#include "core/observe/log.hpp"
#include "core/util/time.hpp"

namespace zt::services::mall {

namespace counter = platform::counter;
namespace suitability = platform::suitability;
using core::http::ApiError;
using core::http::RequestContext;
using core::http::value_or_throw;

ProductRow Catalogue::on_sale(core::storage::Tx& tx, const std::string& code) const {
  auto p = store_.product(tx, code);
  if (!p || p->status == "draft") throw ApiError(404, "MALL_PRODUCT_NOT_FOUND", fmt::format("产品 {} 不存在", code));
  return *p;
}

boost::asio::awaitable<std::shared_ptr<const std::string>> Catalogue::list(const std::string& category,
                                                                           const std::string& cursor,
                                                                           std::int64_t limit,
                                                                           const RequestContext& ctx) {
  const std::string key = "list|" + category + "|" + cursor + "|" + std::to_string(limit);
  auto read = [&]() -> boost::asio::awaitable<ProductPage> {
    co_return value_or_throw(
        co_await db_.read([&](core::storage::Tx& tx) { return store_.products(tx, category, false, cursor, limit); }));
  };
  co_return co_await browse(key, read, false, ctx);
}

boost::asio::awaitable<std::shared_ptr<const std::string>> Catalogue::detail(const std::string& code,
                                                                             const RequestContext& ctx) {
  const std::string key = "detail|" + code;
  auto read = [&]() -> boost::asio::awaitable<ProductPage> {
    auto found = co_await db_.read([&](core::storage::Tx& tx) { return store_.view(tx, on_sale(tx, code)); });
    ProductPage one;
    one.items.push_back(std::move(found));
    co_return one;
  };
  co_return co_await browse(key, read, true, ctx);
}

boost::asio::awaitable<NavList> Catalogue::navs(const std::string& code, const std::string& from, const std::string& to,
                                                const RequestContext& ctx) {
  co_await require_shown(code, ctx);
  co_return value_or_throw(co_await db_.read([&](core::storage::Tx& tx) {
    on_sale(tx, code);
    return store_.navs(tx, code, from, to);
  }));
}

boost::asio::awaitable<SubscriptionEstimate> Catalogue::estimate(const std::string& code, const std::string& amount,
                                                                 const RequestContext& ctx) {
  co_await require_shown(code, ctx);
  const auto parsed = core::finance::Decimal::try_parse(amount, Money::kScale);
  if (!parsed) throw ApiError(400, "MALL_AMOUNT_INVALID", "购买金额应为数字，最多两位小数");  // ≤ 0: the quote says
  const Money money(*parsed);
  auto priced = co_await db_.read([&](core::storage::Tx& tx) {
    const ProductRow p = on_sale(tx, code);
    auto nav = store_.latest_nav(tx, code);
    if (!nav) throw ApiError(409, "MALL_NAV_MISSING", "该产品暂无净值，暂不能估算");
    return std::make_pair(p, *nav);
  });
  const auto quote = value_or_throw(quote_subscription(priced.first.terms.fees, money, priced.second.nav));
  co_return SubscriptionEstimate{code,
                                 quote.amount,
                                 quote.rate,
                                 quote.fixed_fee,
                                 quote.fee,
                                 quote.net,
                                 priced.second.nav.to_string(),
                                 priced.second.date,
                                 quote.shares};
}

boost::asio::awaitable<NavList> Catalogue::navs_any(const std::string& code, const std::string& from,
                                                    const std::string& to) {
  co_return value_or_throw(co_await db_.read([&](core::storage::Tx& tx) { return store_.navs(tx, code, from, to); }));
}

boost::asio::awaitable<ProductPage> Catalogue::list_all(const std::string& category, const std::string& cursor,
                                                        std::int64_t limit) {
  co_return value_or_throw(
      co_await db_.read([&](core::storage::Tx& tx) { return store_.products(tx, category, true, cursor, limit); }));
}

boost::asio::awaitable<ProductView> Catalogue::create(const ProductIn& in, const Actor& who) {
  forget();
  const auto now = core::unix_millis();
  auto out = value_or_throw(
      co_await db_.write([&](core::storage::Tx& tx) { return store_.create_product(tx, in, who, now); }));
  core::log::info("mall: product {} created by {}", out.code, who.id);
  co_return out;
}

boost::asio::awaitable<ProductView> Catalogue::update(const std::string& code, const ProductIn& in, const Actor& who,
                                                      const RequestContext& ctx) {
  forget();
  const auto now = core::unix_millis();
  auto out = value_or_throw(
      co_await db_.write([&](core::storage::Tx& tx) { return store_.update_product(tx, code, in, who, now); }));
  if (out.status != "draft" && out.nav)
    co_await register_at_counter(out.code, out.name, *out.nav, *out.nav_date, &ctx, false);
  co_return out;
}

boost::asio::awaitable<ProductView> Catalogue::set_status(const std::string& code, const StatusIn& in, const Actor& who,
                                                          const RequestContext* ctx) {
  forget();
  if (in.status == "published") {
    // The counter must know the product before anyone can order it.
    auto current = co_await db_.read([&](core::storage::Tx& tx) {
      auto p = store_.product(tx, code);
      if (!p) throw ApiError(404, "MALL_PRODUCT_NOT_FOUND", fmt::format("产品 {} 不存在", code));
      auto nav = store_.latest_nav(tx, code);
      if (!nav) throw ApiError(409, "MALL_NAV_MISSING", "请先录入产品净值再上架");
      return std::make_pair(*p, *nav);
    });
    const std::string nav = current.second.nav.to_string();
    co_await register_at_counter(code, current.first.terms.name, nav, current.second.date, ctx, true);
  }
  const auto now = core::unix_millis();
  auto out = value_or_throw(co_await db_.write(
      [&](core::storage::Tx& tx) { return store_.set_status(tx, code, in.status, in.comment, who, now); }));
  core::log::info("mall: product {} {} by {}", code, out.status, who.id);
  co_return out;
}

boost::asio::awaitable<NavPoint> Catalogue::enter_nav(const std::string& code, const std::string& date, Nav nav,
                                                      const Actor& who, const RequestContext* ctx) {
  forget();
  const auto now = core::unix_millis();
  // Checked and kept in the mall first only when the counter agrees: a published product's NAV
  // goes to the counter before it is written here (re-entering the same value is harmless).
  auto p = co_await db_.read([&](core::storage::Tx& tx) { return store_.product(tx, code); });
  if (!p) throw ApiError(404, "MALL_PRODUCT_NOT_FOUND", fmt::format("产品 {} 不存在", code));
  if (auto bad = check_nav_date(*core::finance::trading_calendar(), date))
    throw ApiError(bad->status, bad->code, bad->message);
  if (p->status != "draft" && nav.units() > 0) {
    auto existing = co_await db_.read([&](core::storage::Tx& tx) { return store_.nav_on(tx, code, date); });
    const std::string text = nav.to_string();
    if (!existing) co_await register_at_counter(code, p->terms.name, text, date, ctx, false);
  }
  co_return value_or_throw(
      co_await db_.write([&](core::storage::Tx& tx) { return store_.put_nav(tx, code, date, nav, who, now); }));
}

boost::asio::awaitable<NavImported> Catalogue::import_navs(const std::string& csv, const Actor& who,
                                                           const RequestContext& ctx) {
  forget();
  struct Line {
    std::string code, date;
    Nav nav;
  };
  std::vector<Line> lines;
  const auto calendar = core::finance::trading_calendar();
  std::size_t start = 0;
  for (int number = 1; start <= csv.size(); ++number) {
    auto end = csv.find('\n', start);
    std::string line = csv.substr(start, end == std::string::npos ? std::string::npos : end - start);
    start = end == std::string::npos ? csv.size() + 1 : end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (number == 1 && line.rfind("code", 0) == 0) continue;
    std::vector<std::string> cells;
    std::size_t s = 0;
    while (true) {
      auto c = line.find(',', s);
      cells.push_back(line.substr(s, c == std::string::npos ? std::string::npos : c - s));
      if (c == std::string::npos) break;
      s = c + 1;
    }
    if (cells.size() != 3)
      throw ApiError(400, "MALL_NAV_IMPORT_INVALID", fmt::format("第{}行应为“产品代码,日期,净值”三列", number));
    try {
      core::finance::parse_date(cells[1]);
    } catch (const core::finance::CalendarError&) {
      throw ApiError(400, "MALL_NAV_IMPORT_INVALID", fmt::format("第{}行的日期无效：{}", number, cells[1]));
    }
    if (auto bad = check_nav_date(*calendar, cells[1]))
      throw ApiError(bad->status, bad->code, fmt::format("第{}行：{}", number, bad->message));
    auto nav = core::finance::Decimal::try_parse(cells[2], Nav::kScale);
    if (!nav || nav->units() <= 0)
      throw ApiError(400, "MALL_NAV_IMPORT_INVALID",
                     fmt::format("第{}行的净值无效：{}（最多4位小数，大于0）", number, cells[2]));
    lines.push_back({cells[0], cells[1], Nav(*nav)});
    if (lines.size() > 5000) throw ApiError(400, "MALL_NAV_IMPORT_INVALID", "一次最多导入5000行");
  }
  if (lines.empty()) throw ApiError(400, "MALL_NAV_IMPORT_INVALID", "没有可导入的净值");
  const auto now = core::unix_millis();
  // All lines in one transaction (a refusal rolls every one back), then published products'
  // NAVs go to the counter.
  auto result = co_await db_.write([&](core::storage::Tx& tx) -> Result<NavImported> {
    NavImported out;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      bool unchanged = false;
      auto r = store_.put_nav(tx, lines[i].code, lines[i].date, lines[i].nav, who, now, &unchanged);
      if (auto* refusal = std::get_if<Refusal>(&r))
        throw ApiError(refusal->status, refusal->code, fmt::format("第{}条：{}", i + 1, refusal->message));
      (unchanged ? out.unchanged : out.imported) += 1;
    }
    return out;
  });
  auto out = value_or_throw(std::move(result));
  std::map<std::string, std::pair<std::string, Nav>> newest;
  for (const auto& l : lines)
    if (!newest.contains(l.code) || newest[l.code].first < l.date) newest[l.code] = {l.date, l.nav};
  for (const auto& [code, point] : newest) {
    auto p = co_await db_.read([&](core::storage::Tx& tx) { return store_.product(tx, code); });
    const std::string nav = point.second.to_string();
    if (p && p->status != "draft") co_await register_at_counter(code, p->terms.name, nav, point.first, &ctx, false);
  }
  core::log::info("mall: {} imported {} NAVs ({} unchanged)", who.id, out.imported, out.unchanged);
  co_return out;
}

void Catalogue::forget() {
  std::lock_guard lock(mutex_);
  pages_.clear();
  ++generation_;
}

std::string Catalogue::Viewer::key() const {
  return fmt::format("{}{}{}{}", valid ? 'v' : '-', level, qualified ? 'q' : '-', professional ? 'p' : '-');
}

template <class Read>
boost::asio::awaitable<std::shared_ptr<const std::string>> Catalogue::browse(const std::string& key, Read read,
                                                                             bool one, const RequestContext& ctx) {
  const std::optional<Viewer> who = co_await viewer(ctx);
  const std::string as = who ? who->key() : "anyone";
  std::shared_ptr<const ProductPage> page;
  std::shared_ptr<const std::string> kept;
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mutex_);
    generation = generation_;
    auto it = pages_.find(key);
    if (read_cache_.count() > 0 && it != pages_.end() && it->second.until > std::chrono::steady_clock::now()) {
      if (auto body = it->second.bodies.find(as); body != it->second.bodies.end()) kept = body->second;
      page = it->second.page;
    }
  }
  if (kept) co_return kept;
  const bool read_here = !page;
  if (read_here) {
    auto fresh = co_await read();
    page = std::make_shared<const ProductPage>(std::move(fresh));
  }
  ProductPage shown = *page;
  // One product not for this viewer: shown only to a customer who owns it (whatever their
  // classification now), refused to anyone else. A list leaves such products out.
  bool owner = false;
  if (one && !shown.items.empty() && !shown_to(shown.items.front().audience, who)) {
    const ProductView& p = shown.items.front();
    if (ctx.caller.kind == core::http::CallerKind::kCustomer) {
      const std::string customer = ctx.caller.subject, code = p.code;
      owner = co_await db_.read([&](core::storage::Tx& tx) { return store_.has_position(tx, customer, code); });
    }
    if (!owner) {
      const bool professional = p.audience == "professional";
      throw ApiError(403, professional ? "MALL_PROFESSIONAL_ONLY" : "MALL_QUALIFIED_ONLY",
                     professional ? "该产品仅向专业投资者展示，请登录并在“我的 - 投资者类型”中申请专业投资者认定"
                                  : "该产品仅向合格投资者展示，请登录并在“我的 - 投资者类型”中申请合格投资者认定");
    }
  }
  if (!one) std::erase_if(shown.items, [&](const ProductView& v) { return !shown_to(v.audience, who); });
  for (auto& v : shown.items)
    if (who) v.promoted = who->valid && v.risk_level <= who->level && shown_to(v.audience, who);
  auto body = std::make_shared<const std::string>(one ? core::json::serialize(shown.items.front())
                                                      : core::json::serialize(shown));
  // Shown because this customer owns it: not kept for the others who share their kind of viewer.
  if (owner) co_return body;
  if (read_cache_.count() > 0) {
    std::lock_guard lock(mutex_);
    // Kept only when nothing was forgotten meanwhile (a write during the read may not be in it).
    if (generation == generation_) {
      auto it = pages_.find(key);
      if (it != pages_.end() && it->second.page == page) {
        it->second.bodies[as] = body;
      } else if (read_here) {
        // Only a page read now starts an entry: one served from the cache is never put back
        // with a new expiry.
        if (pages_.size() > 10000) {
          pages_.clear();
          ++generation_;
        }
        pages_[key] = CachedPage{std::chrono::steady_clock::now() + read_cache_, page, {{as, body}}};
      }
    }
  }
  co_return body;
}

boost::asio::awaitable<std::optional<Catalogue::Viewer>> Catalogue::viewer(const RequestContext& ctx) {
  if (ctx.caller.kind != core::http::CallerKind::kCustomer) co_return std::nullopt;
  const std::string customer = ctx.caller.subject;
  std::optional<Viewer> known;
  {
    std::lock_guard lock(mutex_);
    if (auto it = risks_.find(customer); it != risks_.end() && it->second.until > std::chrono::steady_clock::now())
      known = it->second.viewer;
  }
  if (known) co_return known;
  auto read = co_await suitability_.profile(customer, &ctx);
  auto* p = std::get_if<suitability::ProfileView>(&read);
  if (!p) co_return std::nullopt;  // nothing is promoted when the profile cannot be read
  Viewer v;
  v.valid = p->assessed && !p->expired;
  v.level = p->level_number;
  v.qualified = p->qualified;
  v.professional = p->investor_type == "professional";
  {
    std::lock_guard lock(mutex_);
    if (risks_.size() > 100000) risks_.clear();
    risks_[customer] = CachedRisk{std::chrono::steady_clock::now() + read_cache_, v};
  }
  co_return v;
}

bool Catalogue::shown_to(const std::string& audience, const std::optional<Viewer>& who) {
  if (audience == "public") return true;
  if (!who) return false;
  if (who->professional) return true;
  return audience == "qualified" && who->qualified;
}

boost::asio::awaitable<void> Catalogue::require_shown(const std::string& code, const RequestContext& ctx) {
  // Through the detail's own gate (and its cache): one rule for every way a product is seen.
  co_await detail(code, ctx);
}

boost::asio::awaitable<void> Catalogue::register_at_counter(const std::string& code, const std::string& name,
                                                            const std::string& nav, const std::string& date,
                                                            const RequestContext* ctx, bool required) {
  const counter::Instrument fund{code, name, "fund", "OF", nav, date};
  auto registered = co_await counter_.register_fund(fund, ctx);
  if (std::holds_alternative<counter::Instrument>(registered)) co_return;
  if (auto* r = std::get_if<core::Refusal>(&registered); r && r->code == "COUNTER_NAV_MISMATCH")
    throw ApiError(409, "MALL_NAV_CONFLICT", "柜台记录的净值与录入不一致：" + r->message);
  if (required) throw ApiError::upstream(503, "MALL_DEPENDENCY_UNAVAILABLE", "暂时无法在柜台登记产品，请稍后重试");
  core::log::warn("mall: could not register {} at the counter; it will be on the next NAV", code);
}

}  // namespace zt::services::mall
