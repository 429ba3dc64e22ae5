#include "services/mall/app/orders.hpp"

#include <fmt/format.h>

#include <map>

#include "core/finance/calendar.hpp"
#include "core/finance/live_calendar.hpp"
#include "core/http/context.hpp"
#include "core/http/error.hpp"
#include "core/http/refusal.hpp"
#include "core/json/json.hpp"
#include "core/net/eager.hpp"
#include "core/observe/log.hpp"
#include "core/observe/trace.hpp"
#include "core/util/digest.hpp"
#include "core/util/time.hpp"

namespace zt::services::mall {

namespace counter = platform::counter;
namespace suitability = platform::suitability;
using core::http::ApiError;
using core::http::RequestContext;
using core::http::value_or_throw;

namespace {
suitability::ProductTerms terms_for_matching(const ProductTerms& t) { return {t.code, t.name, t.risk, t.audience}; }
// The mall's code for the counter's refusal of an order.
std::string failure_code(const std::string& counter_code) {
  if (counter_code == "COUNTER_INSUFFICIENT_CASH") return "MALL_INSUFFICIENT_CASH";
  if (counter_code == "COUNTER_INSUFFICIENT_SHARES") return "MALL_INSUFFICIENT_SHARES";
  return "MALL_COUNTER_REFUSED";
}
}  // namespace

std::string unanswered(const counter::Unknown& u) { return fmt::format("{} {}", u.status, u.code.empty() ? "无应答" : u.code); }

bool Orders::too_late(const OrderRecord& o, const core::finance::BusinessTime& now) const {
  const auto today = core::finance::format_date(now.date);
  return today > o.trade_date || (today == o.trade_date && now.seconds_of_day >= cutoff_);
}

bool Orders::cancellable(const std::string& state, const std::string& trade_date,
                         const core::finance::BusinessTime& now) const {
  if (state != "pending") return false;
  const auto today = core::finance::format_date(now.date);
  return today < trade_date || (today == trade_date && now.seconds_of_day < cutoff_);
}

OrderView Orders::view(const OrderRecord& o) const {
  return store_.view(o, cancellable(o.state, o.trade_date, core::finance::business_now()), false);
}

// ---------------------------------------------------------------- dependencies

boost::asio::awaitable<std::string> Orders::fund_account(const std::string& customer, const RequestContext& ctx) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = accounts_.find(customer); it != accounts_.end()) co_return it->second;
  }
  auto read = co_await clients_.auth.fund_account(customer, &ctx);
  auto* bound = std::get_if<auth::FundAccount>(&read);
  if (!bound) throw ApiError::upstream(503, "MALL_DEPENDENCY_UNAVAILABLE", "暂时无法查询资金账户，请稍后重试");
  if (!bound->fund_account) throw ApiError(409, "MALL_NO_FUND_ACCOUNT", "您尚未开立资金账户，请先开户");
  const std::string fa = *bound->fund_account;
  std::lock_guard lock(mutex_);
  accounts_[customer] = fa;
  co_return fa;
}

boost::asio::awaitable<suitability::MatchOut> Orders::match(const std::string& customer, const ProductTerms& t,
                                                           const std::optional<std::string>& warning,
                                                           const RequestContext& ctx) {
  auto terms = terms_for_matching(t);
  auto out = co_await ask_match(customer, std::move(terms), warning, &ctx);
  co_return out;
}

boost::asio::awaitable<suitability::MatchOut> Orders::ask_match(std::string customer, suitability::ProductTerms terms,
                                                               std::optional<std::string> warning,
                                                               const RequestContext* ctx) {
  const suitability::MatchIn in{std::move(customer), std::move(terms), std::move(warning)};
  auto matched = co_await clients_.suitability.match(in, ctx);
  auto* out = std::get_if<suitability::MatchOut>(&matched);
  if (!out) throw ApiError::upstream(503, "MALL_DEPENDENCY_UNAVAILABLE", "暂时无法进行适当性匹配，请稍后重试");
  co_return std::move(*out);
}

boost::asio::awaitable<SuitabilityCheck> Orders::suitability(const std::string& customer, const std::string& code,
                                                             const RequestContext& ctx) {
  auto p = co_await db_.read([&](core::storage::Tx& tx) { return catalogue_.on_sale(tx, code); });
  if (p.terms.audience != "public") co_await catalogue_.require_shown(code, ctx);  // names nothing otherwise
  const std::optional<std::string> no_warning;
  auto m = co_await match(customer, p.terms, no_warning, ctx);
  co_return SuitabilityCheck{m.outcome, m.rule, m.reason, m.customer_level, m.product_risk, m.warning_id};
}

boost::asio::awaitable<suitability::Warning> Orders::risk_warning(const std::string& customer, const std::string& code,
                                                                 const RequestContext& ctx) {
  auto p = co_await db_.read([&](core::storage::Tx& tx) { return catalogue_.on_sale(tx, code); });
  if (p.terms.audience != "public") co_await catalogue_.require_shown(code, ctx);
  const suitability::WarningIn in{customer, terms_for_matching(p.terms)};
  auto issued = co_await clients_.suitability.issue_warning(in, &ctx);
  if (auto* w = std::get_if<suitability::Warning>(&issued)) co_return std::move(*w);
  if (auto* r = std::get_if<core::Refusal>(&issued)) throw ApiError(r->status, r->code, r->message);
  throw ApiError::upstream(503, "MALL_DEPENDENCY_UNAVAILABLE", "暂时无法生成风险警示书，请稍后重试");
}

// ---------------------------------------------------------------- placing

boost::asio::awaitable<Placed> Orders::place(const std::string& customer, const std::string& idem, const OrderIn& in,
                                             const RequestContext& ctx) {
  const std::string fingerprint = core::sha256_hex(core::json::serialize(in));
  // A subscription's suitability match needs the product's terms; with the terms this instance
  // last read for it, suitability is asked while the first read runs (both in flight), and the
  // answer is used only if the terms read now are the same (else asked again with them).
  std::optional<suitability::ProductTerms> early_terms;
  std::optional<core::net::Eager<suitability::MatchOut>> early;
  if (in.side == "subscribe") {
    {
      std::lock_guard lock(mutex_);
      if (auto it = match_terms_.find(in.product); it != match_terms_.end()) early_terms = it->second;
    }
    if (early_terms) {
      const auto executor = co_await boost::asio::this_coro::executor;
      auto asked = ask_match(customer, *early_terms, in.warning_id, &ctx);
      early.emplace(core::net::Eager<suitability::MatchOut>::start(executor, std::move(asked)));
    }
  }
  // One read for what the order needs to know: a first order under this key, the product, and
  // whether this is the customer's first purchase of it.
  std::optional<MallStore::BeforeOrder> read;
  std::exception_ptr read_failed;
  try {
    read = co_await db_.read([&](core::storage::Tx& tx) { return store_.before_order(tx, customer, idem, in.product); });
  } catch (...) {
    read_failed = std::current_exception();
  }
  // The early match ends here whatever happens next (it refers to this request).
  std::optional<suitability::MatchOut> early_match;
  if (early) {
    try {
      early_match = co_await early->get();
    } catch (...) {
      // Asked again below, in turn, if the order gets that far.
    }
  }
  if (read_failed) std::rethrow_exception(read_failed);
  auto& known = *read;
  if (known.seen) co_return co_await replay(*known.seen, fingerprint, ctx);
  if (!known.product || known.product->status == "draft")
    throw ApiError(404, "MALL_PRODUCT_NOT_FOUND", fmt::format("产品 {} 不存在", in.product));
  const ProductRow& p = *known.product;
  // A product for qualified or professional investors only: nothing about it (its name, window,
  // minimums) is told to anyone it is not shown to (public products: no extra step on this path).
  if (p.terms.audience != "public") co_await catalogue_.require_shown(in.product, ctx);
  const auto terms_now = terms_for_matching(p.terms);
  {
    std::lock_guard lock(mutex_);
    match_terms_[in.product] = terms_now;
  }
  if (early_match && *early_terms != terms_now) early_match.reset();  // asked on terms that changed since
  const auto now = core::finance::business_now();
  OrderRecord o;
  o.customer_id = customer;
  o.product = in.product;
  o.side = in.side;
  o.idempotency_key = idem;
  o.fingerprint = fingerprint;
  o.trace_id = ctx.trace_id;
  o.fees = p.terms.fees;  // it settles on the terms shown now, whatever changes before T+n
  // T, the NAV date: the sale window is about the day the order trades, not the day it is placed.
  try {
    const auto cal = core::finance::trading_calendar();
    const auto t = nav_date(*cal, now.date, now.seconds_of_day, cutoff_);
    o.trade_date = core::finance::format_date(t);
    o.confirm_date = core::finance::format_date(confirmation_date(*cal, t, p.terms.confirm_days));
  } catch (const core::finance::CalendarError& e) {
    throw ApiError(422, "MALL_NO_CALENDAR", fmt::format("交易日历未覆盖该期间：{}", e.what()));
  }
  if (in.side == "subscribe") {
    if (!in.amount || in.shares) throw ApiError(400, "MALL_AMOUNT_INVALID", "申购应填写金额，不填份额");
    if (p.status != "published") throw ApiError(409, "MALL_PRODUCT_HALTED", fmt::format("{}暂停申购", p.terms.name));
    if (auto bad = check_sale_window(p.terms, o.trade_date)) throw ApiError(bad->status, bad->code, bad->message);
    const bool first = known.first;
    if (auto bad = check_subscription_amount(p.terms, *in.amount, first))
      throw ApiError(bad->status, bad->code, bad->message);
    suitability::MatchOut check;
    if (early_match) check = std::move(*early_match);
    else check = co_await match(customer, p.terms, in.warning_id, ctx);
    if (check.outcome == "warn") throw ApiError(409, "MALL_RISK_MISMATCH", check.reason);
    if (check.outcome != "allow") throw ApiError(403, check.rule, check.reason);
    o.suitability_rule = check.rule;
    o.warning_id = check.warning_id;
    o.amount_units = in.amount->units();
  } else if (in.side == "redeem") {
    if (!in.shares || in.amount || in.shares->units() <= 0)
      throw ApiError(400, "MALL_SHARES_INVALID", "赎回应填写大于0的份额，不填金额");
    if (!p.terms.redeemable) throw ApiError(409, "MALL_NOT_REDEEMABLE", fmt::format("{}到期前不可赎回", p.terms.name));
    o.suitability_rule = "SUIT_NOT_REQUIRED";
    o.shares_units = in.shares->units();
  } else {
    throw ApiError(400, "MALL_SIDE_INVALID", "交易方向应为 subscribe（申购）或 redeem（赎回）");
  }
  o.fund_account = co_await fund_account(customer, ctx);
  o.order_id = fmt::format("MO{}{}", core::finance::format_date(now.date).substr(0, 4), core::observe::random_hex_id(6));
  const auto now_ms = core::unix_millis();
  const Actor who{customer, ctx.trace_id, ctx.remote_address};
  Result<OrderRecord> begun = Refusal{};
  bool raced = false;
  try {
    begun = co_await db_.write([&](core::storage::Tx& tx) { return store_.begin_order(tx, o, now_ms, who); });
  } catch (const core::storage::StorageError& e) {
    if (e.kind() != core::storage::StorageError::Kind::kUniqueViolation) throw;
    raced = true;
  }
  if (raced) {
    // The same key raced in (answer the order that won), or the same signed warning went with
    // another order at the same moment.
    auto won = co_await db_.read([&](core::storage::Tx& tx) {
      std::pair<std::optional<OrderRecord>, std::optional<std::string>> seen{store_.order_by_key(tx, customer, idem),
                                                                            std::nullopt};
      if (!seen.first && o.warning_id) seen.second = store_.warning_used_by(tx, *o.warning_id);
      return seen;
    });
    if (!won.first && won.second) {
      const Refusal used = warning_used(*won.second);
      throw ApiError(used.status, used.code, used.message);
    }
    if (!won.first) throw ApiError(409, "MALL_ORDER_IN_PROGRESS", "同一笔订单正在提交，请稍后查询");
    co_return co_await replay(*won.first, fingerprint, ctx);
  }
  auto order = value_or_throw(std::move(begun));
  if (p.terms.holder_cap) catalogue_.forget();  // places left may have changed (only capped products count holders)
  co_return co_await drive(order, &ctx);
}

boost::asio::awaitable<Placed> Orders::replay(const OrderRecord& o, const std::string& fingerprint,
                                              const RequestContext& ctx) {
  if (o.fingerprint != fingerprint)
    throw ApiError(422, "MALL_IDEMPOTENCY_KEY_REUSED", "该 Idempotency-Key 已用于另一笔不同的订单");
  if (o.state == "placing") {
    if (!too_late(o, core::finance::business_now())) co_return co_await drive(o, &ctx);
    // Past its cut-off: settled by asking the counter, never sent again.
    const bool settled = co_await settle_late(o, &ctx);
    auto now = co_await db_.read([&](core::storage::Tx& tx) { return store_.order(tx, o.order_id); });
    if (!settled || !now || now->state == "placing") co_return Placed{store_.view(o, false, false), false};
    if (now->state == "failed")
      throw ApiError(409, now->failure_code.value_or("MALL_ORDER_FAILED"), now->failure_message.value_or("订单失败"));
    co_return Placed{view(*now), true};
  }
  if (o.state == "failed")
    throw ApiError(409, o.failure_code.value_or("MALL_ORDER_FAILED"), o.failure_message.value_or("订单失败"));
  co_return Placed{view(o), true};
}

boost::asio::awaitable<Placed> Orders::drive(const OrderRecord& o, const RequestContext* ctx) {
  counter::PlaceOrder request{"mall-" + o.order_id, o.fund_account, o.product, o.side,
                              std::nullopt,         std::nullopt,   o.trade_date};
  if (o.side == "subscribe")
    request.amount = Money::from_units(o.amount_units);
  else
    request.shares = Shares::from_units(o.shares_units);
  auto placed = co_await clients_.counter.place_order(request, ctx);
  const auto now_ms = core::unix_millis();
  if (auto* there = std::get_if<counter::Order>(&placed)) {
    const std::string counter_id = there->order_id;
    // Repairable: were it lost with the database host, the order is placing again and the
    // re-drive marks it pending from the counter's kept answer to the same request id.
    auto pending = co_await db_.write_repairable([&](core::storage::Tx& tx) -> std::optional<OrderRecord> {
      if (!store_.mark_pending(tx, o.order_id, counter_id, now_ms)) return store_.order(tx, o.order_id);
      OrderRecord now = o;  // it was placing, and only this moved it on
      now.state = "pending";
      now.counter_order_id = counter_id;
      return now;
    });
    if (ctx) ctx->log().info("mall: order {} placed ({} {})", o.order_id, o.side, o.product);
    co_return Placed{view(*pending), true};
  }
  if (auto* r = std::get_if<core::Refusal>(&placed)) {
    const std::string code = failure_code(r->code);
    const std::string message = r->message;
    co_await db_.write([&](core::storage::Tx& tx) { store_.mark_failed(tx, o, code, message, now_ms); });
    catalogue_.forget();
    if (ctx) ctx->log().info("mall: order {} refused by the counter: {} ({})", o.order_id, code, r->code);
    throw ApiError(409, code, message);
  }
  // Unknown outcome: kept as placing, behind the others for the next re-drive; the same request
  // id settles it later, never twice.
  const auto& unknown = std::get<counter::Unknown>(placed);
  if (unknown.code == "COUNTER_REQUEST_REUSED") {
    // The counter holds this request id otherwise: voided (by staff, or past the cut-off) while
    // this copy was on its way, the mall's record of it lost. What it did, its fate says.
    const std::pair<std::string, std::string> voided{
        "MALL_ORDER_VOIDED",
        fmt::format("该委托未送达柜台，已作废，{}未冻结，可重新下单", o.side == "subscribe" ? "资金" : "份额")};
    const std::string actor = "mall";
    const bool settled = co_await settle(o, actor, voided, ctx);
    auto now = co_await db_.read([&](core::storage::Tx& tx) { return store_.order(tx, o.order_id); });
    if (settled && now && now->state == "failed")
      throw ApiError(409, now->failure_code.value_or("MALL_ORDER_FAILED"), now->failure_message.value_or("订单失败"));
    if (settled && now && now->state != "placing") co_return Placed{view(*now), true};
    co_return Placed{store_.view(now.value_or(o), false, false), false};
  }
  core::log::warn("mall: order {} not answered by the counter ({} {}); it will be sent again", o.order_id,
                  unknown.status, unknown.code);
  const std::string why = unanswered(unknown);
  auto kept = co_await db_.write([&](core::storage::Tx& tx) {
    store_.tried(tx, o.order_id, "unanswered", why, now_ms);
    return store_.order(tx, o.order_id);
  });
  co_return Placed{store_.view(*kept, false, false), false};
}

boost::asio::awaitable<bool> Orders::settle_late(const OrderRecord& o, const RequestContext* ctx) {
  const std::pair<std::string, std::string> voided{
      "MALL_ORDER_LATE", fmt::format("委托未能在{}的{:02d}:{:02d}前送达柜台，订单未成交，{}未冻结", o.trade_date, cutoff_ / 3600,
                                     cutoff_ % 3600 / 60, o.side == "subscribe" ? "资金" : "份额")};
  const std::string actor = "mall";  // bound: a temporary in a co_await's arguments dies early (g++ 12)
  co_return co_await settle(o, actor, voided, ctx);
}

boost::asio::awaitable<bool> Orders::void_placing(const OrderRecord& o, const std::string& staff,
                                                  const RequestContext* ctx) {
  const std::pair<std::string, std::string> voided{
      "MALL_ORDER_VOIDED", fmt::format("该委托未送达柜台，经人工核实已作废，{}未冻结，可重新下单",
                                       o.side == "subscribe" ? "资金" : "份额")};
  co_return co_await settle(o, staff, voided, ctx);
}

boost::asio::awaitable<bool> Orders::settle(const OrderRecord& o, const std::string& actor,
                                            const std::pair<std::string, std::string>& voided,
                                            const RequestContext* ctx) {
  const std::string request_id = "mall-" + o.order_id;
  auto asked = co_await clients_.counter.void_request(request_id, ctx);
  const auto now_ms = core::unix_millis();
  auto* fate = std::get_if<counter::RequestFate>(&asked);
  if (!fate) {
    const auto* unknown = std::get_if<counter::Unknown>(&asked);
    const auto* refusal = std::get_if<core::Refusal>(&asked);
    const std::string event = unknown ? "void_unanswered" : "void_refused";
    const std::string why = unknown ? unanswered(*unknown) : refusal->code + " " + refusal->message;
    co_await db_.write([&](core::storage::Tx& tx) { store_.tried(tx, o.order_id, event, why, now_ms); });
    co_return false;
  }
  if (fate->outcome != "done" && fate->outcome != "refused" && fate->outcome != "void") {
    // A fate this mall does not know: nothing is concluded from it (asked again on the next run).
    const std::string why = "柜台返回了无法识别的处理结果：" + fate->outcome;
    co_await db_.write([&](core::storage::Tx& tx) { store_.tried(tx, o.order_id, "void_unanswered", why, now_ms); });
    co_return false;
  }
  if (fate->outcome == "done") {
    if (!fate->answer) {  // done without its answer: not concluded either
      const std::string why = "柜台确认已受理但未返回委托";
      co_await db_.write([&](core::storage::Tx& tx) { store_.tried(tx, o.order_id, "void_unanswered", why, now_ms); });
      co_return false;
    }
    const auto there = core::json::parse<counter::Order>(*fate->answer);
    const std::string counter_id = there.order_id;
    co_await db_.write([&](core::storage::Tx& tx) { store_.mark_pending(tx, o.order_id, counter_id, now_ms); });
    core::log::info("mall: order {} was placed at the counter as {} (its answer never came back)", o.order_id, counter_id);
    co_return true;
  }
  std::string code, message;
  if (fate->outcome == "refused") {
    code = failure_code(fate->code.value_or(""));
    message = fate->message.value_or("柜台拒绝了该委托");
  } else {
    code = voided.first;
    message = voided.second;
  }
  co_await db_.write([&](core::storage::Tx& tx) {
    // Noted only when this settled it (another attempt may have recorded another outcome first).
    if (store_.mark_failed(tx, o, code, message, now_ms) && fate->outcome == "void")
      store_.events().note(tx, o.order_id, "voided", message, actor, now_ms);
  });
  catalogue_.forget();
  core::log::warn("mall: order {} settled by voiding its request: {} ({})", o.order_id, code, fate->outcome);
  co_return true;
}

boost::asio::awaitable<bool> Orders::adopt(const OrderRecord& o, const counter::Order& there) {
  const auto now_ms = core::unix_millis();
  if (there.state == "confirmed" && there.nav && there.fee && there.settled_amount && there.settled_shares) {
    const Nav nav = Nav::parse(*there.nav);
    const Money fee = *there.fee;
    const auto amount = there.settled_amount->units(), shares = there.settled_shares->units();
    const std::string date = there.confirmed_date.value_or(o.confirm_date);
    co_return co_await db_.write(
        [&](core::storage::Tx& tx) { return store_.mark_confirmed(tx, o, nav, fee, amount, shares, date, now_ms); });
  }
  if (there.state == "cancelled") {
    const Actor mall{"mall", o.trace_id, ""};  // following the counter
    const bool changed = co_await db_.write([&](core::storage::Tx& tx) { return store_.mark_cancelled(tx, o, now_ms, mall); });
    if (changed) catalogue_.forget();  // a place may have been given back
    co_return changed;
  }
  co_return false;
}

boost::asio::awaitable<bool> Orders::reconcile(const OrderRecord& o, const RequestContext* ctx) {
  if (!o.counter_order_id) co_return false;
  auto found = co_await clients_.counter.order(*o.counter_order_id, ctx);
  auto* there = std::get_if<counter::Order>(&found);
  if (!there) co_return false;
  const bool changed = co_await adopt(o, *there);
  if (changed) core::log::info("mall: order {} follows the counter: {}", o.order_id, there->state);
  co_return changed;
}

boost::asio::awaitable<bool> Orders::expire(const OrderRecord& o, const std::string& message, const std::string& actor,
                                            const RequestContext* ctx) {
  if (!o.counter_order_id) co_return false;
  const counter::CancelOrder request{"mall-expire-" + o.order_id, *o.counter_order_id};
  auto done = co_await clients_.counter.cancel_order(request, ctx);
  if (auto* r = std::get_if<core::Refusal>(&done)) {
    if (r->code == "COUNTER_ORDER_NOT_PENDING") {
      const bool followed = co_await reconcile(o, ctx);
      if (!followed) {  // settled there, not yet here: behind the others until it is
        const auto now_ms = core::unix_millis();
        const std::string why = "柜台订单已办结，商城暂未同步";
        co_await db_.write([&](core::storage::Tx& tx) { store_.tried(tx, o.order_id, "release_unfollowed", why, now_ms); });
      }
    } else {
      // The counter's words may name an account: the code in the log, the words in the order's history.
      core::log::warn("mall: the counter refused to release expired order {}: {}", o.order_id, r->code);
      const auto now_ms = core::unix_millis();
      const std::string why = r->code + " " + r->message;
      co_await db_.write([&](core::storage::Tx& tx) { store_.tried(tx, o.order_id, "release_refused", why, now_ms); });
    }
    co_return false;
  }
  if (auto* unknown = std::get_if<counter::Unknown>(&done)) {
    const auto now_ms = core::unix_millis();
    const std::string why = unanswered(*unknown);
    co_await db_.write([&](core::storage::Tx& tx) { store_.tried(tx, o.order_id, "release_unanswered", why, now_ms); });
    co_return false;
  }
  const auto now_ms = core::unix_millis();
  const Actor who{actor, ctx ? ctx->trace_id : o.trace_id, ctx && actor != "mall" ? ctx->remote_address : ""};
  const bool expired = co_await db_.write([&](core::storage::Tx& tx) {
    if (!store_.mark_expired(tx, o, message, now_ms, who)) return false;
    store_.events().note(tx, o.order_id, "expired", message, actor, now_ms);
    return true;
  });
  if (expired) {
    catalogue_.forget();  // a holder place may have been given back
    core::log::warn("mall: order {} expired ({}): {}", o.order_id, actor, message);
  }
  co_return expired;
}

// ---------------------------------------------------------------- reading and cancelling

boost::asio::awaitable<OrderPage> Orders::mine(const std::string& customer, const std::string& cursor,
                                               std::int64_t limit) {
  OrderFilter f;
  f.customer = customer;
  f.cursor = cursor;
  f.limit = limit;
  auto page = value_or_throw(co_await db_.read([&](core::storage::Tx& tx) { return store_.orders(tx, f, false); }));
  const auto now = core::finance::business_now();
  for (auto& o : page.items) o.cancellable = cancellable(o.state, o.trade_date, now);
  co_return page;
}

boost::asio::awaitable<OrderView> Orders::one(const std::string& customer, const std::string& id) {
  auto o = co_await db_.read([&](core::storage::Tx& tx) { return store_.order(tx, id); });
  // Another customer's order is answered as one that does not exist.
  if (!o || o->customer_id != customer) throw ApiError(404, "MALL_ORDER_NOT_FOUND", "订单不存在");
  co_return view(*o);
}

boost::asio::awaitable<OrderPage> Orders::search(const OrderFilter& filter, const Actor& who) {
  if (filter.customer.empty() || !filter.cursor.empty())
    co_return value_or_throw(co_await db_.read([&](core::storage::Tx& tx) { return store_.orders(tx, filter, true); }));
  const auto now = core::unix_millis();
  co_return value_or_throw(co_await db_.write([&](core::storage::Tx& tx) {
    auto page = store_.orders(tx, filter, true);
    if (std::holds_alternative<OrderPage>(page))
      store_.audit(tx, who, "orders.viewed", filter.customer, "查看客户订单", now, filter.customer);
    return page;
  }));
}

boost::asio::awaitable<OrderView> Orders::cancel(const std::string& customer, const std::string& id,
                                                 const RequestContext& ctx) {
  auto o = co_await db_.read([&](core::storage::Tx& tx) { return store_.order(tx, id); });
  if (!o || o->customer_id != customer) throw ApiError(404, "MALL_ORDER_NOT_FOUND", "订单不存在");
  if (o->state == "cancelled") co_return store_.view(*o, false, false);
  if (o->state != "pending")
    throw ApiError(409, "MALL_ORDER_NOT_CANCELLABLE",
                   fmt::format("订单状态为{}，不能撤单", store_.view(*o, false, false).state_title));
  if (!cancellable(o->state, o->trade_date, core::finance::business_now()))
    throw ApiError(409, "MALL_CANCEL_TOO_LATE", fmt::format("已过{}的撤单截止时间（15:00），不能撤单", o->trade_date));
  const counter::CancelOrder request{"mall-cancel-" + o->order_id, *o->counter_order_id};
  auto done = co_await clients_.counter.cancel_order(request, &ctx);
  if (std::holds_alternative<counter::Unknown>(done))
    throw ApiError::upstream(503, "MALL_DEPENDENCY_UNAVAILABLE", "暂时无法撤单，请稍后重试");
  if (auto* r = std::get_if<core::Refusal>(&done)) {
    // Cancelled at the counter already (by a request whose answer never came back): the mall
    // follows and the customer sees the cancel done; confirmed there: not cancellable. The log
    // keeps the counter's code, not its words (they may name an account).
    ctx.log().info("mall: the counter refused to cancel {}: {}", id, r->code);
    const std::string message = r->code == "COUNTER_ORDER_NOT_PENDING" ? "订单已在柜台办结，不能撤单" : "柜台暂不能撤销该订单，请稍后查询";
    if (r->code == "COUNTER_ORDER_NOT_PENDING") {
      const bool followed = co_await reconcile(*o, &ctx);
      auto now = co_await db_.read([&](core::storage::Tx& tx) { return store_.order(tx, id); });
      if (followed && now && now->state == "cancelled") {
        ctx.log().info("mall: order {} was cancelled at the counter already", id);
        co_return store_.view(*now, false, false);
      }
    }
    throw ApiError(409, "MALL_ORDER_NOT_CANCELLABLE", message);
  }
  const auto now_ms = core::unix_millis();
  const Actor who{customer, ctx.trace_id, ctx.remote_address};
  co_await db_.write([&](core::storage::Tx& tx) { store_.mark_cancelled(tx, *o, now_ms, who); });
  catalogue_.forget();
  auto cancelled = co_await db_.read([&](core::storage::Tx& tx) { return store_.order(tx, id); });
  ctx.log().info("mall: order {} cancelled", id);
  co_return store_.view(*cancelled, false, false);
}

boost::asio::awaitable<Holdings> Orders::holdings(const std::string& customer, const RequestContext& ctx) {
  const auto fa = co_await fund_account(customer, ctx);
  // The cash is asked while the positions are read (both in flight), and always awaited before
  // leaving: it refers to `fa` and the request.
  const auto executor = co_await boost::asio::this_coro::executor;
  auto asked = core::net::Eager<core::discovery::Outcome<counter::Balance>>::start(executor,
                                                                                  clients_.counter.balance(fa, &ctx));
  std::optional<core::discovery::Outcome<std::vector<counter::Position>>> held;
  std::exception_ptr failed;
  try {
    held = co_await clients_.counter.positions(fa, &ctx);
  } catch (...) {
    failed = std::current_exception();
  }
  const auto cash = co_await asked.get();
  if (failed) std::rethrow_exception(failed);
  auto* positions = std::get_if<std::vector<counter::Position>>(&*held);
  if (!positions) throw ApiError::upstream(503, "MALL_DEPENDENCY_UNAVAILABLE", "暂时无法查询持仓，请稍后重试");
  auto* balance = std::get_if<counter::Balance>(&cash);
  if (!balance) throw ApiError::upstream(503, "MALL_DEPENDENCY_UNAVAILABLE", "暂时无法查询持仓，请稍后重试");
  Holdings out;
  out.fund_account = fa;
  out.cash = balance->cash;
  out.frozen_cash = balance->frozen;
  std::vector<std::string> codes;
  for (const auto& item : *positions)
    if (item.quantity.units() != 0) codes.push_back(item.code);
  const auto facts =
      co_await db_.read([&](core::storage::Tx& tx) { return store_.holding_facts(tx, customer, codes); });
  for (const auto& item : *positions) {
    auto found = facts.products.find(item.code);
    if (found == facts.products.end()) continue;  // held at the counter, not sold here
    const auto& p = found->second.product;
    Holding h;
    h.product = item.code;
    h.product_name = p.terms.name;
    h.category_title = category_title(p.terms.category);
    h.risk = fmt::format("R{}", p.terms.risk);
    h.shares = item.quantity;
    h.frozen = item.frozen;
    if (h.shares.units() == 0) continue;
    const auto& nav = found->second.nav;
    h.nav = nav ? nav->nav.to_string() : "";
    h.nav_date = nav ? nav->date : "";
    h.market_value = nav ? Money::rounded(h.shares.decimal().multiply(nav->nav.decimal(), 2,
                                                                      core::finance::RoundingMode::kHalfUp),
                                          core::finance::RoundingMode::kUnnecessary)
                         : Money{};
    const auto cost = facts.cost.find(item.code);
    h.cost = Money::from_units(cost == facts.cost.end() ? 0 : cost->second);
    h.profit = h.market_value - h.cost;
    out.market_value += h.market_value;
    out.cost += h.cost;
    out.items.push_back(std::move(h));
  }
  out.profit = out.market_value - out.cost;
  co_return out;
}

}  // namespace zt::services::mall
