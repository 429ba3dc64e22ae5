#include "services/mall/store/mall_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include "core/finance/risk.hpp"
#include "core/json/json.hpp"
#include "core/observe/trace.hpp"
#include "core/util/time.hpp"

namespace zt::services::mall {

namespace {

using core::storage::Null;
using core::storage::Param;
using core::storage::Row;
using core::storage::Tx;

Param opt(const std::optional<std::string>& v) { return v ? Param{*v} : Param{Null{}}; }
Param opt(const std::optional<int>& v) { return v ? Param{std::int64_t{*v}} : Param{Null{}}; }
std::optional<std::int64_t> opt_int(const Row& r, std::size_t i) {
  return r.is_null(i) ? std::nullopt : std::optional<std::int64_t>(r.int64(i));
}

FeeSchedule schedule_of(const FeesJson& j) {
  FeeSchedule s;
  for (const auto& t : j.subscription) s.subscription.push_back({t.from, t.rate, t.fixed_fee});
  for (const auto& t : j.redemption) s.redemption.push_back({t.min_days, t.rate});
  if (j.discount) s.discount = *j.discount;
  s.truncate_shares = j.truncate_shares.value_or(false);
  if (j.short_holding_days) s.short_holding_days = *j.short_holding_days;
  if (j.short_holding_min_rate) s.short_holding_min_rate = *j.short_holding_min_rate;
  return s;
}

constexpr const char* kProductColumns =
    "p.code, p.name, p.category, p.risk, p.issuer, p.status, p.sale_start, p.sale_end, p.min_first_units, p.min_additional_units, "
    "p.increment_units, p.audience, p.holder_cap, p.holder_count, p.principal, p.redeemable, p.description, p.fee_schedule, p.confirm_days";

ProductRow product_of(const Row& r) {
  ProductRow p;
  auto& t = p.terms;
  t.code = r.string(0);
  t.name = r.string(1);
  t.category = r.string(2);
  t.risk = static_cast<int>(r.int64(3));
  t.issuer = r.string(4);
  p.status = r.string(5);
  t.sale_start = r.string(6);
  t.sale_end = r.text(7);
  t.min_first = Money::from_units(r.int64(8));
  t.min_additional = Money::from_units(r.int64(9));
  t.increment = Money::from_units(r.int64(10));
  t.audience = r.string(11);
  if (!r.is_null(12)) t.holder_cap = static_cast<int>(r.int64(12));
  p.holder_count = static_cast<int>(r.int64(13));
  t.principal = r.text(14);
  t.redeemable = r.int64(15) != 0;
  p.description = r.string(16);
  t.fees = schedule_of(core::json::parse<FeesJson>(r.string(17)));
  t.confirm_days = static_cast<int>(r.int64(18));
  return p;
}

constexpr const char* kOrderColumns =
    "o.order_id, o.customer_id, o.fund_account, o.product_code, p.name, o.side, o.amount_units, o.shares_units, "
    "o.state, o.trade_date, "
    "o.confirm_date, o.placed_at_ms, o.idempotency_key, o.fingerprint, o.warning_id, o.suitability_rule, "
    "o.counter_order_id, o.nav_units, "
    "o.fee_units, o.confirmed_amount_units, o.confirmed_shares_units, o.confirmed_date, o.failure_code, "
    "o.failure_message, o.trace_id, o.fee_schedule, o.confirm_request, o.confirm_attempt, o.confirm_error";
constexpr const char* kOrderFrom = " FROM mall_orders o JOIN mall_products p ON p.code = o.product_code";

OrderRecord order_of(const Row& r) {
  OrderRecord o;
  o.order_id = r.string(0);
  o.customer_id = r.string(1);
  o.fund_account = r.string(2);
  o.product = r.string(3);
  o.product_name = r.string(4);
  o.side = r.string(5);
  o.amount_units = r.int64(6);
  o.shares_units = r.int64(7);
  o.state = r.string(8);
  o.trade_date = r.string(9);
  o.confirm_date = r.string(10);
  o.placed_at_ms = r.int64(11);
  o.idempotency_key = r.string(12);
  o.fingerprint = r.string(13);
  o.warning_id = r.text(14);
  o.suitability_rule = r.string(15);
  o.counter_order_id = r.text(16);
  o.nav_units = opt_int(r, 17);
  o.fee_units = opt_int(r, 18);
  o.confirmed_amount_units = opt_int(r, 19);
  o.confirmed_shares_units = opt_int(r, 20);
  o.confirmed_date = r.text(21);
  o.failure_code = r.text(22);
  o.failure_message = r.text(23);
  o.trace_id = r.string(24);
  if (!r.is_null(25)) o.fees = schedule_of(core::json::parse<FeesJson>(r.string(25)));
  o.confirm_request = r.text(26);
  o.confirm_attempt = static_cast<int>(r.int64(27));
  o.confirm_error = r.text(28);
  return o;
}

const char* state_title(const std::string& s) {
  if (s == "placing") return "处理中";
  if (s == "pending") return "待确认";
  if (s == "cancelled") return "已撤单";
  if (s == "confirmed") return "已确认";
  // Sent to the counter and refused there (its reason kept): 委托未受理, nothing frozen.
  if (s == "failed") return "未受理";
  if (s == "expired") return "已失效";
  return "未知";
}

Result<std::pair<std::int64_t, std::string>> parse_cursor(const std::string& cursor, const char* prefix) {
  if (cursor.empty()) return std::pair<std::int64_t, std::string>{-1, ""};
  const auto sep = cursor.find('_');
  try {
    if (sep == std::string::npos) throw std::invalid_argument("cursor");
    return std::pair<std::int64_t, std::string>{std::stoll(cursor.substr(0, sep)), cursor.substr(sep + 1)};
  } catch (const std::exception&) {
    return Refusal{400, std::string(prefix) + "_BAD_PARAM", "cursor 无效"};
  }
}

}  // namespace

ProductTerms terms_of(const ProductIn& in) {
  ProductTerms t;
  t.code = in.code;
  t.name = in.name;
  t.category = in.category;
  t.risk = in.risk;
  t.issuer = in.issuer;
  t.sale_start = in.sale_start;
  t.sale_end = in.sale_end;
  t.min_first = in.min_first;
  t.min_additional = in.min_additional;
  t.increment = in.increment;
  t.audience = in.audience;
  t.holder_cap = in.holder_cap;
  t.principal = in.principal;
  t.redeemable = in.redeemable.value_or(in.category != "income_certificate");
  t.fees = schedule_of(in.fees);
  t.confirm_days = in.confirm_days.value_or(1);
  return t;
}

FeesJson fees_json(const FeeSchedule& s) {
  FeesJson j;
  for (const auto& t : s.subscription) j.subscription.push_back({t.from, t.rate, t.fixed_fee});
  for (const auto& t : s.redemption) j.redemption.push_back({t.min_days, t.rate});
  j.discount = s.discount;
  j.truncate_shares = s.truncate_shares;
  j.short_holding_days = s.short_holding_days;
  j.short_holding_min_rate = s.short_holding_min_rate;
  return j;
}

void MallStore::audit(Tx& tx, const Actor& who, const std::string& action, const std::string& subject,
                      const std::string& detail, std::int64_t now_ms, const std::string& customer) const {
  trail_.record(tx, {"", now_ms, who.id, customer, action, subject, detail, who.ip, who.trace_id});
}

Result<AuditPage> MallStore::audit_page(Tx& tx, const AuditQuery& query) const { return trail_.page(tx, query, "MALL"); }

std::optional<ProductRow> MallStore::product(Tx& tx, const std::string& code) const {
  auto rows = tx.query(std::string("SELECT ") + kProductColumns + " FROM mall_products p WHERE p.code = ?", {code});
  if (rows.empty()) return std::nullopt;
  return product_of(rows.at(0));
}

ProductView MallStore::view(Tx& tx, const ProductRow& row) const {
  return view_of(row, latest_nav(tx, row.terms.code));
}

ProductView MallStore::view_of(const ProductRow& row, const std::optional<NavPoint>& nav) const {
  const auto& t = row.terms;
  ProductView v;
  v.code = t.code;
  v.name = t.name;
  v.category = t.category;
  v.category_title = category_title(t.category);
  v.risk = core::finance::risk_name(t.risk);
  v.risk_title = core::finance::risk_title(t.risk);
  v.risk_level = t.risk;
  v.issuer = t.issuer;
  v.status = row.status;
  v.sale_start = t.sale_start;
  v.sale_end = t.sale_end;
  v.min_first = t.min_first;
  v.min_additional = t.min_additional;
  v.increment = t.increment;
  v.audience = t.audience;
  v.holder_cap = t.holder_cap;
  v.holders = row.holder_count;
  if (t.holder_cap) v.places_left = std::max(0, *t.holder_cap - row.holder_count);
  v.principal = t.principal;
  v.redeemable = t.redeemable;
  v.description = row.description;
  v.fees = fees_json(t.fees);
  v.confirm_days = t.confirm_days;
  if (nav) {
    v.nav = nav->nav.to_string();
    v.nav_date = nav->date;
  }
  return v;
}

Result<ProductView> MallStore::create_product(Tx& tx, const ProductIn& in, const Actor& who,
                                              std::int64_t now_ms) const {
  const auto t = terms_of(in);
  if (auto bad = check_product(t, rules_)) return *bad;
  if (product(tx, t.code)) return Refusal{409, "MALL_PRODUCT_EXISTS", fmt::format("产品代码 {} 已存在", t.code)};
  tx.exec(
      "INSERT INTO mall_products (code, name, category, risk, issuer, status, sale_start, sale_end, min_first_units, "
      "min_additional_units, "
      "increment_units, audience, holder_cap, holder_count, principal, redeemable, description, fee_schedule, "
      "confirm_days, created_at_ms, updated_at_ms, "
      "updated_by) VALUES (?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)",
      {t.code, t.name, t.category, std::int64_t{t.risk}, t.issuer, t.sale_start, opt(t.sale_end), t.min_first.units(),
       t.min_additional.units(), t.increment.units(), t.audience, opt(t.holder_cap), opt(t.principal),
       std::int64_t{t.redeemable ? 1 : 0}, in.description.value_or(""), core::json::serialize(fees_json(t.fees)),
       std::int64_t{t.confirm_days}, now_ms, now_ms, who.id});
  audit(tx, who, "product.created", t.code, core::json::serialize(in), now_ms);
  return view(tx, *product(tx, t.code));
}

Result<ProductView> MallStore::update_product(Tx& tx, const std::string& code, const ProductIn& in, const Actor& who,
                                              std::int64_t now_ms) const {
  auto current = product(tx, code);
  if (!current) return Refusal{404, "MALL_PRODUCT_NOT_FOUND", fmt::format("产品 {} 不存在", code)};
  if (in.code != code) return Refusal{400, "MALL_BAD_PARAM", "请求体中的产品代码与路径不一致"};
  auto t = terms_of(in);
  // Terms an edit leaves out stay as they were (a form that does not show them must not reset them).
  if (!in.confirm_days) t.confirm_days = current->terms.confirm_days;
  if (!in.fees.short_holding_days) t.fees.short_holding_days = current->terms.fees.short_holding_days;
  if (!in.fees.short_holding_min_rate) t.fees.short_holding_min_rate = current->terms.fees.short_holding_min_rate;
  if (auto bad = check_product(t, rules_)) return *bad;
  if (t.category != current->terms.category)
    return Refusal{409, "MALL_PRODUCT_CATEGORY_FIXED", "产品类别创建后不能修改"};
  if (t.holder_cap && *t.holder_cap < current->holder_count)
    return Refusal{409, "MALL_HOLDER_CAP_BELOW_HOLDERS",
                   fmt::format("持有人数上限不能低于现有持有人数{}人", current->holder_count)};
  const auto before = core::json::serialize(view(tx, *current));
  tx.exec(
      "UPDATE mall_products SET name = ?, risk = ?, issuer = ?, sale_start = ?, sale_end = ?, min_first_units = ?, "
      "min_additional_units = ?, "
      "increment_units = ?, audience = ?, holder_cap = ?, principal = ?, redeemable = ?, description = ?, fee_schedule "
      "= ?, confirm_days = ?, updated_at_ms = ?, "
      "updated_by = ? WHERE code = ?",
      {t.name, std::int64_t{t.risk}, t.issuer, t.sale_start, opt(t.sale_end), t.min_first.units(),
       t.min_additional.units(), t.increment.units(), t.audience, opt(t.holder_cap), opt(t.principal),
       std::int64_t{t.redeemable ? 1 : 0}, in.description.value_or(""), core::json::serialize(fees_json(t.fees)),
       std::int64_t{t.confirm_days}, now_ms, who.id, code});
  auto after = view(tx, *product(tx, code));
  audit(tx, who, "product.updated", code, fmt::format("修改前：{}；修改后：{}", before, core::json::serialize(after)),
        now_ms);
  return after;
}

Result<ProductView> MallStore::set_status(Tx& tx, const std::string& code, const std::string& status,
                                          const std::string& comment, const Actor& who, std::int64_t now_ms) const {
  auto current = product(tx, code);
  if (!current) return Refusal{404, "MALL_PRODUCT_NOT_FOUND", fmt::format("产品 {} 不存在", code)};
  if (status != "published" && status != "halted")
    return Refusal{400, "MALL_BAD_PARAM", "状态应为 published（上架）或 halted（暂停）"};
  if (status == "halted" && current->status != "published")
    return Refusal{409, "MALL_STATUS_INVALID", "只有已上架的产品可以暂停"};
  if (status == "published" && current->status == "published") return view(tx, *current);
  if (status == "published" && !latest_nav(tx, code)) return Refusal{409, "MALL_NAV_MISSING", "请先录入产品净值再上架"};
  tx.exec("UPDATE mall_products SET status = ?, updated_at_ms = ?, updated_by = ? WHERE code = ?",
          {status, now_ms, who.id, code});
  audit(tx, who, status == "published" ? "product.published" : "product.halted", code,
        fmt::format("{} -> {}{}", current->status, status, comment.empty() ? "" : "; " + comment), now_ms);
  return view(tx, *product(tx, code));
}

Result<ProductPage> MallStore::products(Tx& tx, const std::string& category, bool staff, const std::string& cursor,
                                        std::int64_t limit) const {
  if (!category.empty() && !category_title(category)) return Refusal{400, "MALL_BAD_PARAM", "产品类别无效"};
  // The latest NAV of each in the same query (one round trip, on the (code, nav_date) key).
  std::string sql =
      std::string("SELECT ") + kProductColumns +
      ", n.nav_date, n.nav_units FROM mall_products p LEFT JOIN mall_navs n ON n.code = p.code AND n.nav_date = "
      "(SELECT max(m.nav_date) FROM mall_navs m WHERE m.code = p.code) WHERE p.code > ?";
  core::storage::Params params{cursor};
  if (!staff) sql += " AND p.status IN ('published', 'halted')";
  if (!category.empty()) {
    sql += " AND p.category = ?";
    params.emplace_back(category);
  }
  sql += " ORDER BY p.code LIMIT ?";
  params.emplace_back(limit + 1);
  auto rows = tx.query(sql, params);
  ProductPage page;
  for (std::size_t i = 0; i < rows.size() && static_cast<std::int64_t>(i) < limit; ++i) {
    const auto& r = rows.at(i);
    std::optional<NavPoint> nav;
    if (!r.is_null(19)) nav = NavPoint{r.string(19), Nav::from_units(r.int64(20))};
    page.items.push_back(view_of(product_of(r), nav));
  }
  if (static_cast<std::int64_t>(rows.size()) > limit) page.next_cursor = page.items.back().code;
  return page;
}

Result<NavPoint> MallStore::put_nav(Tx& tx, const std::string& code, const std::string& date, Nav nav, const Actor& who,
                                    std::int64_t now_ms, bool* unchanged) const {
  if (!product(tx, code)) return Refusal{404, "MALL_PRODUCT_NOT_FOUND", fmt::format("产品 {} 不存在", code)};
  try {
    core::finance::parse_date(date);
  } catch (const core::finance::CalendarError&) {
    return Refusal{400, "MALL_BAD_DATE", "净值日期应为有效日期（YYYY-MM-DD）"};
  }
  if (nav.units() <= 0) return Refusal{400, "MALL_NAV_INVALID", "净值应大于0"};
  if (auto existing = nav_on(tx, code, date)) {
    if (*existing == nav) {
      if (unchanged) *unchanged = true;
      return NavPoint{date, nav};
    }
    return Refusal{
        409, "MALL_NAV_EXISTS",
        fmt::format("{} 在 {} 已录入净值 {}，如需改为 {} 请使用净值更正", code, date, existing->to_string(), nav.to_string())};
  }
  tx.exec("INSERT INTO mall_navs (code, nav_date, nav_units, entered_by, entered_at_ms) VALUES (?, ?, ?, ?, ?)",
          {code, date, nav.units(), who.id, now_ms});
  audit(tx, who, "nav.entered", code, fmt::format("{} {}", date, nav.to_string()), now_ms);
  if (unchanged) *unchanged = false;
  return NavPoint{date, nav};
}

bool MallStore::has_position(Tx& tx, const std::string& customer, const std::string& code) const {
  if (!tx.query("SELECT 1 FROM mall_holdings WHERE customer_id = ? AND product_code = ?", {customer, code}).empty())
    return true;
  // A subscription open (it passed the suitability match); a redemption alone proves nothing.
  return !tx.query(
                "SELECT 1 FROM mall_orders WHERE customer_id = ? AND product_code = ? AND side = 'subscribe' AND state IN "
                "('placing', 'pending')",
                {customer, code})
              .empty();
}

std::optional<std::string> MallStore::demo_state(Tx& tx, const std::string& code) const {
  auto rows = tx.query("SELECT state FROM mall_demo WHERE code = ?", {code});
  if (rows.empty()) return std::nullopt;
  return rows.at(0).string(0);
}

void MallStore::set_demo_state(Tx& tx, const std::string& code, const std::string& state, std::int64_t now_ms) const {
  tx.exec(
      "INSERT INTO mall_demo (code, state, at_ms) VALUES (?, ?, ?) ON CONFLICT (code) DO UPDATE SET state = "
      "excluded.state, at_ms = excluded.at_ms",
      {code, state, now_ms});
}

Result<NavList> MallStore::navs(Tx& tx, const std::string& code, const std::string& from, const std::string& to) const {
  if (!product(tx, code)) return Refusal{404, "MALL_PRODUCT_NOT_FOUND", fmt::format("产品 {} 不存在", code)};
  NavList out{code, {}};
  for (const auto& r : tx.query("SELECT nav_date, nav_units FROM mall_navs WHERE code = ? AND nav_date >= ? AND "
                                "nav_date <= ? ORDER BY nav_date "
                                "LIMIT 800",
                                {code, from, to}))
    out.items.push_back({r.string(0), Nav::from_units(r.int64(1))});
  return out;
}

std::optional<Nav> MallStore::nav_on(Tx& tx, const std::string& code, const std::string& date) const {
  auto rows = tx.query("SELECT nav_units FROM mall_navs WHERE code = ? AND nav_date = ?", {code, date});
  if (rows.empty()) return std::nullopt;
  return Nav::from_units(rows.at(0).int64(0));
}

std::optional<NavPoint> MallStore::latest_nav(Tx& tx, const std::string& code) const {
  auto rows =
      tx.query("SELECT nav_date, nav_units FROM mall_navs WHERE code = ? ORDER BY nav_date DESC LIMIT 1", {code});
  if (rows.empty()) return std::nullopt;
  return NavPoint{rows.at(0).string(0), Nav::from_units(rows.at(0).int64(1))};
}

std::optional<OrderRecord> MallStore::order_by_key(Tx& tx, const std::string& customer, const std::string& key) const {
  auto rows = tx.query(
      std::string("SELECT ") + kOrderColumns + kOrderFrom + " WHERE o.customer_id = ? AND o.idempotency_key = ?",
      {customer, key});
  if (rows.empty()) return std::nullopt;
  return order_of(rows.at(0));
}

std::optional<OrderRecord> MallStore::order(Tx& tx, const std::string& order_id) const {
  auto rows = tx.query(std::string("SELECT ") + kOrderColumns + kOrderFrom + " WHERE o.order_id = ?", {order_id});
  if (rows.empty()) return std::nullopt;
  return order_of(rows.at(0));
}

Result<OrderRecord> MallStore::begin_order(Tx& tx, const OrderRecord& o, std::int64_t now_ms, const Actor& who) const {
  // Every refusal before the first write: a refused order leaves nothing behind. What they need
  // is asked in one exchange (with the BEGIN).
  std::vector<core::storage::Statement> ask{{"SELECT name, holder_cap FROM mall_products WHERE code = ?", {o.product}}};
  if (o.warning_id) ask.push_back({"SELECT order_id FROM mall_warning_uses WHERE warning_id = ?", {*o.warning_id}});
  const auto known = tx.query_all(ask);
  if (known[0].empty()) return Refusal{404, "MALL_PRODUCT_NOT_FOUND", fmt::format("产品 {} 不存在", o.product)};
  if (o.warning_id && !known[1].empty()) return warning_used(known[1].at(0).string(0));
  const std::string name = known[0].at(0).string(0);
  if (o.side == "subscribe" && !known[0].at(0).is_null(1) && !lock_holder(tx, o.product, o.customer_id)) {
    // Already a holder? Asked by locking the holder's row (not by reading it), so a cancellation
    // giving the place back at the same moment either sees this order or has already gone.
    // The place is taken by a conditional increment: atomic under concurrent buyers in both
    // SQLite and PostgreSQL, so the cap is never passed.
    if (tx.exec("UPDATE mall_products SET holder_count = holder_count + 1 WHERE code = ? AND holder_count < holder_cap",
                {o.product}) == 0)
      return Refusal{409, "MALL_HOLDERS_FULL",
                     fmt::format("{}的持有人数已达上限{}人，暂不能购买", name, known[0].at(0).int64(1))};
    // The same customer's other first purchase at the same moment took the place already: one
    // place each, so this increment is given back.
    if (tx.exec("INSERT INTO mall_holders (product_code, customer_id, since_ms) VALUES (?, ?, ?) ON CONFLICT "
                "(product_code, customer_id) DO NOTHING",
                {o.product, o.customer_id, now_ms}) == 0)
      tx.exec("UPDATE mall_products SET holder_count = holder_count - 1 WHERE code = ?", {o.product});
  }
  // Both go with the COMMIT: a key or a warning taken meanwhile fails the transaction there, as
  // a unique violation the caller answers.
  if (o.warning_id)
    tx.defer("INSERT INTO mall_warning_uses (warning_id, order_id, customer_id, used_at_ms) VALUES (?, ?, ?, ?)",
             {*o.warning_id, o.order_id, o.customer_id, now_ms});
  tx.defer(
      "INSERT INTO mall_orders (order_id, customer_id, fund_account, product_code, side, amount_units, shares_units, "
      "state, trade_date, "
      "confirm_date, placed_at_ms, idempotency_key, fingerprint, warning_id, suitability_rule, updated_at_ms, "
      "trace_id, fee_schedule) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, 'placing', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {o.order_id, o.customer_id, o.fund_account, o.product, o.side, o.amount_units, o.shares_units, o.trade_date,
       o.confirm_date, now_ms, o.idempotency_key, o.fingerprint, opt(o.warning_id), o.suitability_rule, now_ms,
       o.trace_id, o.fees ? Param{core::json::serialize(fees_json(*o.fees))} : Param{Null{}}});
  audit(tx, who, "order.placed", o.order_id,
        o.side == "subscribe"
            ? fmt::format("申购 {}（{}）{} 元", name, o.product, Money::from_units(o.amount_units).to_string())
            : fmt::format("赎回 {}（{}）{} 份", name, o.product, Shares::from_units(o.shares_units).to_string()),
        now_ms, o.customer_id);
  OrderRecord placing = o;  // as the row reads back: placing, nothing settled
  placing.product_name = name;
  placing.state = "placing";
  placing.placed_at_ms = now_ms;
  placing.counter_order_id.reset();
  placing.nav_units.reset();
  placing.fee_units.reset();
  placing.confirmed_amount_units.reset();
  placing.confirmed_shares_units.reset();
  placing.confirmed_date.reset();
  placing.failure_code.reset();
  placing.failure_message.reset();
  placing.confirm_request.reset();
  placing.confirm_attempt = 0;
  placing.confirm_error.reset();
  return placing;
}

bool MallStore::mark_pending(Tx& tx, const std::string& order_id, const std::string& counter_order_id,
                             std::int64_t now_ms) const {
  return tx.exec(
      "UPDATE mall_orders SET state = 'pending', counter_order_id = ?, updated_at_ms = ? WHERE order_id = ? AND state "
      "= 'placing'",
      {counter_order_id, now_ms, order_id}) > 0;
}

void MallStore::release_place(Tx& tx, const OrderRecord& o) const {
  if (o.side != "subscribe") return;
  release_holder(tx, o.customer_id, o.product, o.order_id);
}

bool MallStore::lock_holder(Tx& tx, const std::string& product, const std::string& customer) const {
  return tx.exec("UPDATE mall_holders SET since_ms = since_ms WHERE product_code = ? AND customer_id = ?",
                 {product, customer}) > 0;
}

void MallStore::release_holder(Tx& tx, const std::string& customer, const std::string& product,
                               const std::string& except_order) const {
  // Still a holder while another purchase of theirs is open, or while they hold shares (a
  // confirmed purchase fully redeemed holds none: the place goes back). The holder's row is locked
  // before the orders are counted: a purchase placed at the same moment (which locks it too) is
  // either counted or finds the place gone and takes one anew (PostgreSQL, READ COMMITTED).
  if (!lock_holder(tx, product, customer)) return;
  auto open = tx.query(
      "SELECT count(*) FROM mall_orders WHERE customer_id = ? AND product_code = ? AND side = 'subscribe' AND order_id "
      "<> ? AND state IN ('placing', 'pending')",
      {customer, product, except_order});
  auto held = tx.query("SELECT shares_units FROM mall_holdings WHERE customer_id = ? AND product_code = ?",
                       {customer, product});
  if (open.at(0).int64(0) > 0 || (!held.empty() && held.at(0).int64(0) > 0)) return;
  if (tx.exec("DELETE FROM mall_holders WHERE product_code = ? AND customer_id = ?", {product, customer}) > 0)
    tx.exec("UPDATE mall_products SET holder_count = holder_count - 1 WHERE code = ? AND holder_count > 0", {product});
}

bool MallStore::mark_failed(Tx& tx, const OrderRecord& o, const std::string& code, const std::string& message,
                            std::int64_t now_ms) const {
  if (tx.exec("UPDATE mall_orders SET state = 'failed', failure_code = ?, failure_message = ?, updated_at_ms = ? WHERE "
              "order_id = ? AND "
              "state = 'placing'",
              {code, message, now_ms, o.order_id}) > 0) {
    release_place(tx, o);
    tx.exec("DELETE FROM mall_warning_uses WHERE order_id = ?", {o.order_id});  // not used: it may sign another
    audit(tx, Actor{"mall", o.trace_id, ""}, "order.failed", o.order_id, fmt::format("{}：{}", code, message), now_ms,
          o.customer_id);
    return true;
  }
  return false;
}

std::optional<std::string> MallStore::warning_used_by(Tx& tx, const std::string& warning_id) const {
  auto rows = tx.query("SELECT order_id FROM mall_warning_uses WHERE warning_id = ?", {warning_id});
  if (rows.empty()) return std::nullopt;
  return rows.at(0).string(0);
}

Refusal warning_used(const std::string& order_id) {
  return Refusal{409, "MALL_WARNING_USED",
                 fmt::format("该特别风险警示书已随订单{}签署，每笔订单需单独阅读并签署", order_id)};
}

bool MallStore::mark_cancelled(Tx& tx, const OrderRecord& o, std::int64_t now_ms, const Actor& who) const {
  if (tx.exec("UPDATE mall_orders SET state = 'cancelled', updated_at_ms = ? WHERE order_id = ? AND state = 'pending'",
              {now_ms, o.order_id}) == 0)
    return false;
  release_place(tx, o);
  audit(tx, who, "order.cancelled", o.order_id,
        who.id == o.customer_id ? "客户撤单，冻结资金已解冻" : "柜台已撤单，商城随之撤销", now_ms, o.customer_id);
  return true;
}

bool MallStore::mark_confirmed(Tx& tx, const OrderRecord& o, Nav nav, Money fee, std::int64_t amount_units,
                               std::int64_t shares_units, const std::string& confirmed_date,
                               std::int64_t now_ms) const {
  if (tx.exec("UPDATE mall_orders SET state = 'confirmed', nav_units = ?, fee_units = ?, confirmed_amount_units = ?, "
              "confirmed_shares_units = ?, "
              "confirmed_date = ?, updated_at_ms = ? WHERE order_id = ? AND state = 'pending'",
              {nav.units(), fee.units(), amount_units, shares_units, confirmed_date, now_ms, o.order_id}) == 0)
    return false;
  audit(tx, Actor{"mall", o.trace_id, ""}, "order.confirmed", o.order_id,
        fmt::format("{} 确认：净值 {}，{} 份，金额 {} 元，费用 {} 元", confirmed_date, nav.to_string(),
                    Shares::from_units(shares_units).to_string(), Money::from_units(amount_units).to_string(), fee.to_string()),
        now_ms, o.customer_id);
  if (o.side == "subscribe") {
    // An increment in SQL: two confirmations of one customer's orders never lose one another.
    tx.exec(
        "INSERT INTO mall_holdings (customer_id, product_code, shares_units, cost_units, updated_at_ms) VALUES (?, ?, ?, "
        "?, ?) ON CONFLICT (customer_id, product_code) DO UPDATE SET shares_units = mall_holdings.shares_units + "
        "excluded.shares_units, cost_units = mall_holdings.cost_units + excluded.cost_units, updated_at_ms = "
        "excluded.updated_at_ms",
        {o.customer_id, o.product, shares_units, o.amount_units, now_ms});  // cost: what was paid, fee included
    return true;
  }
  // A redemption takes its share of the average cost, which needs the holding as it is: the row is
  // locked first (PostgreSQL, READ COMMITTED: the read that follows sees whatever confirmation
  // committed before it), then read and written.
  tx.exec(
      "INSERT INTO mall_holdings (customer_id, product_code, shares_units, cost_units, updated_at_ms) VALUES (?, ?, 0, 0, "
      "?) ON CONFLICT (customer_id, product_code) DO UPDATE SET updated_at_ms = excluded.updated_at_ms",
      {o.customer_id, o.product, now_ms});
  auto held = tx.query("SELECT shares_units, cost_units FROM mall_holdings WHERE customer_id = ? AND product_code = ?",
                       {o.customer_id, o.product});
  std::int64_t shares = held.at(0).int64(0), cost = held.at(0).int64(1);
  // Average cost: the redeemed shares take their share of the cost, half-up to the cent.
  const auto taken = shares <= 0 ? cost
                                 : core::finance::Decimal::from_units(cost, 2)
                                       .multiply(core::finance::Decimal::from_units(shares_units, 2), 4,
                                                 core::finance::RoundingMode::kHalfUp)
                                       .divide(core::finance::Decimal::from_units(shares, 2), 2,
                                               core::finance::RoundingMode::kHalfUp)
                                       .units();
  shares = std::max<std::int64_t>(0, shares - shares_units);
  cost = shares == 0 ? 0 : std::max<std::int64_t>(0, cost - taken);
  tx.exec(
      "UPDATE mall_holdings SET shares_units = ?, cost_units = ?, updated_at_ms = ? WHERE customer_id = ? AND "
      "product_code = ?",
      {shares, cost, now_ms, o.customer_id, o.product});
  // Sold out: no longer a holder of a capped product, unless another purchase is still open.
  if (shares == 0) release_holder(tx, o.customer_id, o.product, o.order_id);
  return true;
}

MallStore::BeforeOrder MallStore::before_order(Tx& tx, const std::string& customer, const std::string& key,
                                               const std::string& code) const {
  // A first purchase (its higher minimum, BUSINESS §5) whenever the customer neither holds the
  // product nor has a purchase of it open: after redeeming everything, buying again is a first.
  const auto found = tx.query_all(
      {{std::string("SELECT ") + kOrderColumns + kOrderFrom + " WHERE o.customer_id = ? AND o.idempotency_key = ?",
        {customer, key}},
       {std::string("SELECT ") + kProductColumns +
            ", CASE WHEN EXISTS (SELECT 1 FROM mall_orders o WHERE o.customer_id = ? AND o.product_code = "
            "p.code AND o.side = 'subscribe' AND o.state IN ('placing', 'pending')) THEN 1 ELSE 0 END, "
            "COALESCE((SELECT h.shares_units FROM mall_holdings h WHERE h.customer_id = ? AND "
            "h.product_code = p.code), 0) FROM mall_products p WHERE p.code = ?",
        {customer, customer, code}}});
  BeforeOrder out;
  if (!found[0].empty()) out.seen = order_of(found[0].at(0));
  if (!found[1].empty()) {
    const auto& r = found[1].at(0);
    out.product = product_of(r);
    out.first = r.int64(19) == 0 && r.int64(20) <= 0;
  }
  return out;
}

Result<OrderPage> MallStore::orders(Tx& tx, const OrderFilter& f, bool staff) const {
  auto cursor = parse_cursor(f.cursor, "MALL");
  if (auto* r = std::get_if<Refusal>(&cursor)) return *r;
  const auto [after_ms, after_id] = std::get<std::pair<std::int64_t, std::string>>(cursor);
  std::string sql = std::string("SELECT ") + kOrderColumns + kOrderFrom + " WHERE 1 = 1";
  core::storage::Params params;
  if (!f.customer.empty()) {
    sql += " AND o.customer_id = ?";
    params.emplace_back(f.customer);
  }
  if (!f.product.empty()) {
    sql += " AND o.product_code = ?";
    params.emplace_back(f.product);
  }
  if (!f.state.empty()) {
    sql += " AND o.state = ?";
    params.emplace_back(f.state);
  }
  if (after_ms >= 0) {
    sql += " AND (o.placed_at_ms < ? OR (o.placed_at_ms = ? AND o.order_id < ?))";
    params.emplace_back(after_ms);
    params.emplace_back(after_ms);
    params.emplace_back(after_id);
  }
  sql += " ORDER BY o.placed_at_ms DESC, o.order_id DESC LIMIT ?";
  params.emplace_back(f.limit + 1);
  auto rows = tx.query(sql, params);
  OrderPage page;
  for (std::size_t i = 0; i < rows.size() && static_cast<std::int64_t>(i) < f.limit; ++i)
    page.items.push_back(view(order_of(rows.at(i)), false, staff));
  if (static_cast<std::int64_t>(rows.size()) > f.limit) {
    const auto last = order_of(rows.at(static_cast<std::size_t>(f.limit - 1)));
    page.next_cursor = fmt::format("{}_{}", last.placed_at_ms, last.order_id);
  }
  return page;
}

std::vector<OrderRecord> MallStore::due(Tx& tx, const std::string& today) const {
  // Only orders whose NAV for T is in and not being corrected: those waiting for a late NAV, or for
  // a correction the counter has not answered, never hold back the others. The least recently
  // tried first, so orders the counter keeps refusing take their turn behind.
  std::vector<OrderRecord> out;
  for (const auto& r :
       tx.query(std::string("SELECT ") + kOrderColumns + kOrderFrom +
                    " WHERE o.state = 'pending' AND o.confirm_date <= ? AND EXISTS (SELECT 1 FROM mall_navs n WHERE "
                    "n.code = o.product_code AND n.nav_date = o.trade_date AND n.correcting IS NULL) ORDER BY "
                    "o.updated_at_ms, o.order_id LIMIT 500",
                {today}))
    out.push_back(order_of(r));
  return out;
}
std::vector<OrderRecord> MallStore::waiting(Tx& tx, const std::string& today) const {
  std::vector<OrderRecord> out;
  for (const auto& r :
       tx.query(std::string("SELECT ") + kOrderColumns + kOrderFrom +
                    " WHERE o.state = 'pending' AND o.confirm_date <= ? AND NOT EXISTS (SELECT 1 FROM mall_navs n WHERE "
                    "n.code = o.product_code AND n.nav_date = o.trade_date) ORDER BY o.updated_at_ms, o.order_id LIMIT 500",
                {today}))
    out.push_back(order_of(r));
  return out;
}
bool MallStore::mark_expired(Tx& tx, const OrderRecord& o, const std::string& message, std::int64_t now_ms,
                             const Actor& who) const {
  if (tx.exec("UPDATE mall_orders SET state = 'expired', failure_code = 'MALL_ORDER_EXPIRED', failure_message = ?, "
              "updated_at_ms = ? WHERE order_id = ? AND state = 'pending'",
              {message, now_ms, o.order_id}) == 0)
    return false;
  release_place(tx, o);
  audit(tx, who, "order.expired", o.order_id, message, now_ms, o.customer_id);
  return true;
}
std::int64_t MallStore::waiting_for_nav(Tx& tx, const std::string& today) const {
  return tx
      .query(
          "SELECT count(*) FROM mall_orders o WHERE o.state = 'pending' AND o.confirm_date <= ? AND NOT EXISTS (SELECT 1 "
          "FROM mall_navs n WHERE n.code = o.product_code AND n.nav_date = o.trade_date)",
          {today})
      .at(0)
      .int64(0);
}
std::vector<OrderRecord> MallStore::stuck_placing(Tx& tx, std::int64_t older_than_ms) const {
  std::vector<OrderRecord> out;
  for (const auto& r :
       tx.query(std::string("SELECT ") + kOrderColumns + kOrderFrom +
                    " WHERE o.state = 'placing' AND o.updated_at_ms < ? ORDER BY o.updated_at_ms, o.order_id LIMIT 500",
                {older_than_ms}))
    out.push_back(order_of(r));
  return out;
}
bool MallStore::record_confirm_request(Tx& tx, const OrderRecord& o, const std::string& request, Nav nav,
                                       std::int64_t now_ms) const {
  // The NAV's row first, touched: a correction of it begun meanwhile holds it (the request would be
  // at the old NAV) — then nothing is recorded and the order waits; one begun after this commits
  // finds the request recorded, and the counter, which holds its NAV row the same way, says which
  // came first.
  if (tx.exec("UPDATE mall_navs SET correcting = correcting WHERE code = ? AND nav_date = ? AND nav_units = ? AND "
              "correcting IS NULL",
              {o.product, o.trade_date, nav.units()}) == 0)
    return false;
  const std::string& order_id = o.order_id;
  return tx.exec(
             "UPDATE mall_orders SET confirm_request = ?, confirm_error = NULL, updated_at_ms = ? WHERE order_id = ? AND "
             "state = 'pending' AND confirm_request IS NULL",
             {request, now_ms, order_id}) > 0;
}
bool MallStore::confirmation_refused(Tx& tx, const std::string& order_id, const std::string& request,
                                     const std::string& error, int max_attempts, std::int64_t now_ms) const {
  if (tx.exec("UPDATE mall_orders SET confirm_request = NULL, confirm_attempt = confirm_attempt + 1, confirm_error = ?, "
              "updated_at_ms = ? WHERE order_id = ? AND state = 'pending' AND confirm_request = ? AND confirm_attempt < ?",
              {error, now_ms, order_id, request, std::int64_t{max_attempts}}) > 0)
    return true;
  // Out of attempts: the kept request stays, the refusal is kept for staff — unless staff dropped
  // that request meanwhile (a retry they asked for: the next run works out a new one).
  tx.exec("UPDATE mall_orders SET confirm_error = ?, updated_at_ms = ? WHERE order_id = ? AND state = 'pending' AND "
          "confirm_request = ?",
          {error, now_ms, order_id, request});
  return false;
}
bool MallStore::earlier_redemption_open(Tx& tx, const OrderRecord& o) const {
  return !tx.query("SELECT 1 FROM mall_orders WHERE fund_account = ? AND product_code = ? AND side = 'redeem' AND state "
                   "IN ('placing', 'pending') AND (placed_at_ms < ? OR (placed_at_ms = ? AND order_id < ?)) LIMIT 1",
                   {o.fund_account, o.product, o.placed_at_ms, o.placed_at_ms, o.order_id})
              .empty();
}
std::vector<OrderRecord> MallStore::refused_confirmations(Tx& tx) const {
  std::vector<OrderRecord> out;
  for (const auto& r : tx.query(std::string("SELECT ") + kOrderColumns + kOrderFrom +
                                " WHERE o.state = 'pending' AND o.confirm_error IS NOT NULL ORDER BY o.placed_at_ms LIMIT 1000"))
    out.push_back(order_of(r));
  return out;
}
void MallStore::tried(Tx& tx, const std::string& order_id, const std::string& event, const std::string& detail,
                      std::int64_t now_ms) const {
  if (tx.exec("UPDATE mall_orders SET updated_at_ms = ? WHERE order_id = ? AND state IN ('placing', 'pending')",
              {now_ms, order_id}) > 0)
    events_.note(tx, order_id, event, detail, "mall", now_ms);
}

namespace {
// The kinds of stuck order, each a condition on mall_orders o: what the list, one order's kind and
// the metrics all read, so they cannot disagree.
struct StuckRule {
  const char* kind;
  std::string where;
  core::storage::Params args;
};
std::vector<StuckRule> stuck_rules(const StuckBounds& b) {
  const std::string nav_in =
      "EXISTS (SELECT 1 FROM mall_navs n WHERE n.code = o.product_code AND n.nav_date = o.trade_date)";
  // The kept request refused (recording a request clears the last one's refusal), and no attempt
  // left: the job re-sends that request, never works out another.
  const std::string out_of_attempts =
      "o.confirm_error IS NOT NULL AND o.confirm_request IS NOT NULL AND o.confirm_attempt >= ?";
  return {
      {"placing", "o.state = 'placing' AND o.placed_at_ms < ?", {b.placing_before_ms}},
      {"waiting_for_nav", "o.state = 'pending' AND o.confirm_date < ? AND NOT " + nav_in, {b.today}},
      {"confirmation_refused", "o.state = 'pending' AND " + out_of_attempts, {std::int64_t{b.confirm_attempts}}},
      {"confirmation_overdue", "o.state = 'pending' AND o.confirm_date < ? AND " + nav_in + " AND NOT (" + out_of_attempts + ")",
       {b.today, std::int64_t{b.confirm_attempts}}},
  };
}
}  // namespace

std::vector<StuckRecord> MallStore::stuck_orders(Tx& tx, const StuckBounds& bounds, std::int64_t limit) const {
  // No order is of two kinds (the conditions exclude one another).
  std::vector<StuckRecord> out;
  for (const auto& rule : stuck_rules(bounds)) {
    core::storage::Params p = rule.args;
    p.emplace_back(limit);
    for (const auto& r : tx.query(std::string("SELECT ") + kOrderColumns + kOrderFrom + " WHERE " + rule.where +
                                      " ORDER BY o.placed_at_ms, o.order_id LIMIT ?",
                                  p))
      out.push_back({order_of(r), rule.kind});
  }
  std::stable_sort(out.begin(), out.end(), [](const StuckRecord& a, const StuckRecord& b) {
    return std::tie(a.order.placed_at_ms, a.order.order_id) < std::tie(b.order.placed_at_ms, b.order.order_id);
  });
  if (static_cast<std::int64_t>(out.size()) > limit) out.resize(static_cast<std::size_t>(limit));
  return out;
}

std::string MallStore::stuck_kind(Tx& tx, const std::string& order_id, const StuckBounds& bounds) const {
  for (const auto& rule : stuck_rules(bounds)) {
    core::storage::Params p = rule.args;
    p.emplace_back(order_id);
    if (!tx.query("SELECT 1 FROM mall_orders o WHERE " + rule.where + " AND o.order_id = ?", p).empty()) return rule.kind;
  }
  return "";
}

bool MallStore::retry_confirmation(Tx& tx, const std::string& order_id, const std::string& refused_request,
                                   int confirm_attempts, std::int64_t now_ms) const {
  return tx.exec("UPDATE mall_orders SET confirm_request = NULL, confirm_attempt = confirm_attempt + 1, confirm_error = "
                 "NULL, updated_at_ms = ? WHERE order_id = ? AND state = 'pending' AND confirm_error IS NOT NULL AND "
                 "confirm_attempt >= ? AND confirm_request = ?",
                 {now_ms, order_id, std::int64_t{confirm_attempts}, refused_request}) > 0;
}

core::workflow::StuckFigures MallStore::stuck(Tx& tx, const StuckBounds& bounds) const {
  const auto rules = stuck_rules(bounds);
  std::vector<core::storage::Statement> counts;
  for (const auto& rule : rules)
    counts.push_back({"SELECT count(*), COALESCE(min(o.placed_at_ms), 0) FROM mall_orders o WHERE " + rule.where,
                      rule.args});
  const auto answers = tx.query_all(counts);
  core::workflow::StuckFigures out;
  for (std::size_t i = 0; i < rules.size(); ++i)
    out[rules[i].kind] = {answers[i].at(0).int64(0), answers[i].at(0).int64(1)};
  return out;
}

std::vector<OrderRecord> MallStore::live_orders(Tx& tx, std::int64_t limit) const {
  std::vector<OrderRecord> out;
  for (const auto& r : tx.query(std::string("SELECT ") + kOrderColumns + kOrderFrom +
                                    " WHERE o.state IN ('placing', 'pending') ORDER BY o.placed_at_ms, o.order_id LIMIT ?",
                                {limit}))
    out.push_back(order_of(r));
  return out;
}
std::vector<std::pair<std::string, std::string>> MallStore::accounts(Tx& tx) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r :
       tx.query("SELECT DISTINCT customer_id, fund_account FROM mall_orders ORDER BY customer_id, fund_account"))
    out.emplace_back(r.string(0), r.string(1));
  return out;
}
std::vector<HeldShares> MallStore::holdings(Tx& tx) const {
  std::vector<HeldShares> out;
  for (const auto& r : tx.query("SELECT customer_id, product_code, shares_units FROM mall_holdings WHERE shares_units <> 0 "
                                "ORDER BY customer_id, product_code"))
    out.push_back({r.string(0), r.string(1), r.int64(2)});
  return out;
}
std::vector<std::string> MallStore::product_codes(Tx& tx) const {
  std::vector<std::string> out;
  for (const auto& r : tx.query("SELECT code FROM mall_products ORDER BY code")) out.push_back(r.string(0));
  return out;
}

MallStore::HoldingFacts MallStore::holding_facts(Tx& tx, const std::string& customer,
                                                 const std::vector<std::string>& codes) const {
  std::vector<core::storage::Statement> ask{
      {"SELECT product_code, cost_units FROM mall_holdings WHERE customer_id = ?", {customer}}};
  if (!codes.empty()) {
    std::string marks;
    core::storage::Params params;
    for (const auto& c : codes) {
      marks += marks.empty() ? "?" : ", ?";
      params.emplace_back(c);
    }
    ask.push_back({std::string("SELECT ") + kProductColumns + " FROM mall_products p WHERE p.code IN (" + marks + ")", params});
    for (const auto& c : codes)
      ask.push_back({"SELECT nav_date, nav_units FROM mall_navs WHERE code = ? ORDER BY nav_date DESC LIMIT 1", {c}});
  }
  const auto found = tx.query_all(ask);
  HoldingFacts out;
  for (const auto& r : found[0]) out.cost[r.string(0)] = r.int64(1);
  if (codes.empty()) return out;
  for (const auto& r : found[1]) {
    auto row = product_of(r);
    out.products[row.terms.code].product = std::move(row);
  }
  for (std::size_t i = 0; i < codes.size(); ++i) {
    auto it = out.products.find(codes[i]);
    if (it == out.products.end() || found[2 + i].empty()) continue;
    it->second.nav = NavPoint{found[2 + i].at(0).string(0), Nav::from_units(found[2 + i].at(0).int64(1))};
  }
  return out;
}

std::vector<OrderRecord> MallStore::orders_on(Tx& tx, const std::string& code, const std::string& trade_date) const {
  std::vector<OrderRecord> out;
  for (const auto& r : tx.query(std::string("SELECT ") + kOrderColumns + kOrderFrom +
                                    " WHERE o.product_code = ? AND o.trade_date = ? ORDER BY o.placed_at_ms, o.order_id LIMIT 5000",
                                {code, trade_date}))
    out.push_back(order_of(r));
  return out;
}

OrderView MallStore::view(const OrderRecord& o, bool cancellable, bool staff) const {
  OrderView v;
  v.order_id = o.order_id;
  v.product = o.product;
  v.product_name = o.product_name;
  v.side = o.side;
  v.amount = Money::from_units(o.amount_units);
  v.shares = Shares::from_units(o.shares_units);
  v.state = o.state;
  v.state_title = state_title(o.state);
  v.trade_date = o.trade_date;
  v.confirm_date = o.confirm_date;
  v.placed_at = core::utc_timestamp_ms(o.placed_at_ms);
  v.cancellable = cancellable;
  v.warning_id = o.warning_id;
  v.suitability_rule = o.suitability_rule;
  if (o.nav_units) v.nav = Nav::from_units(*o.nav_units).to_string();
  if (o.fee_units) v.fee = Money::from_units(*o.fee_units);
  if (o.confirmed_amount_units) v.confirmed_amount = Money::from_units(*o.confirmed_amount_units);
  if (o.confirmed_shares_units) v.confirmed_shares = Shares::from_units(*o.confirmed_shares_units);
  v.confirmed_date = o.confirmed_date;
  v.failure_code = o.failure_code;
  v.failure_message = o.failure_message;
  if (staff) v.customer_id = o.customer_id;
  return v;
}

}  // namespace zt::services::mall
