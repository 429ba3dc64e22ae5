#include "services/mall/app/reconciliation.hpp"

#include <fmt/format.h>

#include <map>
#include <set>
#include <tuple>

#include "core/finance/business_clock.hpp"
#include "core/finance/calendar.hpp"
#include "core/http/context.hpp"
#include "core/util/time.hpp"

namespace zt::services::mall {

namespace counter = platform::counter;

namespace {

constexpr std::int64_t kMostOrders = 20000;

const char* title_of(const std::string& kind) {
  if (kind == "order_outcome_unknown") return "委托结果未知";
  if (kind == "order_state") return "委托状态不一致";
  if (kind == "order_missing_at_counter") return "柜台无此委托";
  if (kind == "order_amount") return "委托金额或份额不一致";
  if (kind == "counter_order_without_mall_order") return "柜台委托无对应商城订单";
  if (kind == "frozen_cash") return "冻结资金不一致";
  if (kind == "frozen_shares") return "冻结份额不一致";
  if (kind == "shares") return "持有份额不一致";
  if (kind == "counter_unreachable") return "柜台数据无法读取";
  if (kind == "confirmation_refused") return "柜台拒绝确认";
  return "其他";
}

Difference difference(std::string kind, std::string customer, std::string fund_account, std::string product,
                      std::string mall, std::string counter, std::string note) {
  Difference d;
  d.title = title_of(kind);
  d.kind = std::move(kind);
  d.customer_id = std::move(customer);
  d.fund_account = std::move(fund_account);
  d.product = std::move(product);
  d.mall = std::move(mall);
  d.counter = std::move(counter);
  d.note = std::move(note);
  return d;
}

const char* counter_state_title(const std::string& s) {
  if (s == "pending") return "待确认";
  if (s == "confirmed") return "已确认";
  if (s == "cancelled") return "已撤销";
  return "未知";
}

std::string what_is_frozen(const OrderRecord& o) {
  return o.side == "subscribe" ? fmt::format("申购 {} 元", Money::from_units(o.amount_units).to_string())
                               : fmt::format("赎回 {} 份", Shares::from_units(o.shares_units).to_string());
}

}  // namespace

boost::asio::awaitable<ReconciliationReport> Reconciliation::report(const core::http::RequestContext& ctx) const {
  ReconciliationReport out;
  out.business_date = core::finance::format_date(core::finance::business_now().date);
  out.generated_at = core::utc_timestamp(std::chrono::system_clock::now());

  struct Mine {
    std::vector<OrderRecord> live;
    std::vector<std::pair<std::string, std::string>> accounts;
    std::vector<HeldShares> held;
    std::vector<std::string> products;
  };
  auto mine = co_await db_.read([&](core::storage::Tx& tx) {
    return Mine{store_.live_orders(tx, kMostOrders), store_.accounts(tx), store_.holdings(tx), store_.product_codes(tx)};
  });
  const std::set<std::string> products(mine.products.begin(), mine.products.end());
  std::map<std::string, std::string> customer_of_account;
  for (const auto& [customer, fa] : mine.accounts) customer_of_account[fa] = customer;
  out.orders_checked = static_cast<int>(mine.live.size());
  if (static_cast<std::int64_t>(mine.live.size()) >= kMostOrders) {
    out.complete = false;
    out.differences.push_back(difference("counter_unreachable", "", "", "", fmt::format("超过{}笔有效订单", kMostOrders), "",
                                         "有效订单过多，本次只核对了最早的部分，请先处理积压订单"));
  }
  out.accounts_checked = static_cast<int>(customer_of_account.size());
  auto unreachable = [&](const std::string& what, const std::string& customer, const std::string& fa) {
    out.complete = false;
    out.differences.push_back(difference("counter_unreachable", customer, fa, "", "", "",
                                         fmt::format("暂时无法从柜台读取{}，本次对账不完整，请稍后重试", what)));
  };

  // ---- orders: every live mall order against the counter's pending ones
  auto pending_read = co_await counter_.pending_orders(&ctx);
  auto* pending = std::get_if<std::vector<counter::Order>>(&pending_read);
  std::map<std::string, counter::Order> at_counter;
  if (pending) {
    for (const auto& o : *pending) at_counter[o.order_id] = o;
  } else {
    unreachable("委托", "", "");
  }
  std::set<std::string> matched;
  // Orders the mall is still placing, by what they would be at the counter.
  std::set<std::tuple<std::string, std::string, std::string>> placing;
  for (const auto& o : mine.live)
    if (o.state == "placing") placing.emplace(o.fund_account, o.product, o.side);
  // Expected frozen cash per account and frozen shares per (account, product), from the mall.
  std::map<std::string, std::int64_t> frozen_cash;
  std::map<std::pair<std::string, std::string>, std::int64_t> frozen_shares;
  for (const auto& o : mine.live) {
    if (o.state == "placing") {
      auto d = difference("order_outcome_unknown", o.customer_id, o.fund_account, o.product, what_is_frozen(o) + "，处理中",
                          "未知", "柜台尚未应答该委托；确认任务会以同一请求号重发，柜台只受理一次");
      d.order_id = o.order_id;
      out.differences.push_back(std::move(d));
      continue;
    }
    if (o.side == "subscribe")
      frozen_cash[o.fund_account] += o.amount_units;
    else
      frozen_shares[{o.fund_account, o.product}] += o.shares_units;
    if (!pending || !o.counter_order_id) continue;
    matched.insert(*o.counter_order_id);
    auto it = at_counter.find(*o.counter_order_id);
    if (it == at_counter.end()) {
      // Not pending there: what is it?
      auto read = co_await counter_.order(*o.counter_order_id, &ctx);
      Difference d;
      const auto* refusal = std::get_if<core::Refusal>(&read);
      if (auto* there = std::get_if<counter::Order>(&read)) {
        if (there->state == "pending") continue;  // became pending there after the list was read
        d = difference("order_state", o.customer_id, o.fund_account, o.product, "待确认",
                       counter_state_title(there->state),
                       "柜台已办结而商城仍待确认：下一次确认任务会按柜台结果更新商城订单");
      } else if (refusal && refusal->code == "COUNTER_ORDER_NOT_FOUND") {
        d = difference("order_missing_at_counter", o.customer_id, o.fund_account, o.product, "待确认", "无此委托",
                       "商城记录的柜台委托在柜台不存在，需人工核查");
      } else {
        unreachable("委托 " + *o.counter_order_id, o.customer_id, o.fund_account);
        continue;
      }
      d.order_id = o.order_id;
      d.counter_order_id = o.counter_order_id;
      out.differences.push_back(std::move(d));
      continue;
    }
    const auto& there = it->second;
    const bool same = there.fund_account == o.fund_account && there.product == o.product && there.side == o.side &&
                      (o.side == "subscribe" ? there.amount.units() == o.amount_units
                                             : there.shares.units() == o.shares_units);
    if (!same) {
      auto d = difference("order_amount", o.customer_id, o.fund_account, o.product, what_is_frozen(o),
                          there.side == "subscribe" ? fmt::format("申购 {} 元", there.amount.to_string())
                                                    : fmt::format("赎回 {} 份", there.shares.to_string()),
                          "同一委托在两边的账户、产品或金额不一致，需人工核查");
      d.order_id = o.order_id;
      d.counter_order_id = o.counter_order_id;
      out.differences.push_back(std::move(d));
    }
  }
  // Pending at the counter for the mall's customers and products, with no live mall order.
  if (pending) {
    for (const auto& [id, o] : at_counter) {
      if (matched.contains(id) || !products.contains(o.product)) continue;
      auto who = customer_of_account.find(o.fund_account);
      if (who == customer_of_account.end()) continue;
      // An order the mall is still placing may be this one (its answer not back yet): listed above.
      const bool maybe_placing = placing.contains({o.fund_account, o.product, o.side});
      auto d = difference("counter_order_without_mall_order", who->second, o.fund_account, o.product,
                          maybe_placing ? "处理中（结果未知）" : "无有效订单",
                          o.side == "subscribe" ? fmt::format("申购 {} 元待确认", o.amount.to_string())
                                                : fmt::format("赎回 {} 份待确认", o.shares.to_string()),
                          maybe_placing ? "可能是商城处理中的订单，待确认任务重发后即对上"
                                  : "柜台冻结了资金或份额而商城没有对应的有效订单，需人工核查");
      d.counter_order_id = id;
      out.differences.push_back(std::move(d));
    }
  }

  // Confirmations the counter refused (the orders pending on both sides): stuck until staff act.
  auto refused = co_await db_.read([&](core::storage::Tx& tx) { return store_.refused_confirmations(tx); });
  for (const auto& o : refused) {
    auto d = difference("confirmation_refused", o.customer_id, o.fund_account, o.product, "待确认",
                        o.confirm_error.value_or(""),
                        fmt::format("柜台拒绝了该订单的确认（已尝试{}次），需人工核查净值与费率", o.confirm_attempt + 1));
    d.order_id = o.order_id;
    d.counter_order_id = o.counter_order_id;
    out.differences.push_back(std::move(d));
  }

  // ---- accounts: frozen cash, frozen shares and holdings
  std::map<std::pair<std::string, std::string>, std::int64_t> held;
  for (const auto& h : mine.held) held[{h.customer_id, h.product}] = h.shares_units;
  for (const auto& [fa, customer] : customer_of_account) {
    auto balance_read = co_await counter_.balance(fa, &ctx);
    if (auto* b = std::get_if<counter::Balance>(&balance_read)) {
      const auto expected = frozen_cash[fa];
      if (b->frozen.units() != expected)
        out.differences.push_back(difference("frozen_cash", customer, fa, "",
                                             Money::from_units(expected).to_string() + " 元",
                                             b->frozen.to_string() + " 元",
                                             "柜台冻结资金与商城待确认申购合计不一致"));
    } else {
      unreachable("资金", customer, fa);
    }
    auto positions_read = co_await counter_.positions(fa, &ctx);
    auto* positions = std::get_if<std::vector<counter::Position>>(&positions_read);
    if (!positions) {
      unreachable("持仓", customer, fa);
      continue;
    }
    std::set<std::string> seen;
    for (const auto& p : *positions) {
      if (!products.contains(p.code)) continue;  // held at the counter, not sold here
      seen.insert(p.code);
      const auto mall_shares = held.contains({customer, p.code}) ? held[{customer, p.code}] : 0;
      if (p.quantity.units() != mall_shares)
        out.differences.push_back(difference("shares", customer, fa, p.code,
                                             Shares::from_units(mall_shares).to_string() + " 份",
                                             p.quantity.to_string() + " 份", "持有份额不一致"));
      const auto expected_frozen = frozen_shares[{fa, p.code}];
      if (p.frozen.units() != expected_frozen)
        out.differences.push_back(difference("frozen_shares", customer, fa, p.code,
                                             Shares::from_units(expected_frozen).to_string() + " 份",
                                             p.frozen.to_string() + " 份", "柜台冻结份额与商城待确认赎回合计不一致"));
    }
    for (const auto& [key, units] : held) {
      if (key.first != customer || seen.contains(key.second)) continue;
      out.differences.push_back(difference("shares", customer, fa, key.second, Shares::from_units(units).to_string() + " 份",
                                           "0.00 份", "商城记有持仓而柜台没有"));
    }
  }
  co_return out;
}

}  // namespace zt::services::mall
