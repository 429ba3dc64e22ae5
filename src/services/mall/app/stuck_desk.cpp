#include "services/mall/app/stuck_desk.hpp"

#include <tuple>

#include "services/mall/store/nav_correction_store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>

#include "core/finance/business_clock.hpp"
#include "core/finance/calendar.hpp"
#include "core/finance/live_calendar.hpp"
#include "core/http/error.hpp"
#include "core/http/refusal.hpp"
#include "core/json/json.hpp"
#include "core/observe/log.hpp"
#include "core/util/digest.hpp"
#include "core/util/time.hpp"

namespace zt::services::mall {

using core::http::ApiError;
using core::http::RequestContext;

namespace {

constexpr std::int64_t kListed = 200;      // stuck orders in one list at most
constexpr std::size_t kHistoryLines = 20;  // of each one's history

std::string kind_title(const std::string& kind) {
  if (kind == "placing") return "柜台结果未知";
  if (kind == "waiting_for_nav") return "净值迟迟未到";
  if (kind == "confirmation_refused") return "柜台拒绝确认";
  return "确认逾期";
}

std::vector<std::string> actions_for(const std::string& kind) {
  if (kind == "placing") return {"retry", "void"};
  if (kind == "confirmation_refused") return {"retry", "expire"};
  return {"expire"};
}

std::string action_title(const std::string& action) {
  if (action == "retry") return "重试";
  if (action == "void") return "作废";
  return "失效并解冻";
}

std::string event_title(const std::string& event) {
  static const std::map<std::string, std::string> titles = {{"unanswered", "下单未获柜台应答"},
                                                            {"void_unanswered", "作废查询未获柜台应答"},
                                                            {"confirm_unanswered", "确认未获柜台应答"},
                                                            {"confirm_refused", "柜台拒绝确认"},
                                                            {"not_quoted", "暂无法计算确认"},
                                                            {"release_unanswered", "解冻未获柜台应答"},
                                                            {"release_refused", "柜台拒绝解冻"},
                                                            {"expired", "订单失效"},
                                                            {"voided", "委托作废"},
                                                            {"resolved", "人工处理"}};
  const auto it = titles.find(event);
  return it == titles.end() ? event : it->second;
}

std::vector<OrderEventView> views(const std::vector<OrderEvent>& lines) {
  std::vector<OrderEventView> out;
  for (const auto& e : lines)
    out.push_back({e.event, event_title(e.event), e.detail, e.actor, core::utc_timestamp_ms(e.first_at_ms),
                   core::utc_timestamp_ms(e.last_at_ms), e.times});
  return out;
}

}  // namespace

StuckBounds StuckDesk::bounds(std::int64_t now_ms) const {
  return StuckBounds{now_ms - settings_.stuck_after.count(),
                     core::finance::format_date(core::finance::business_now().date), settings_.confirm_attempts};
}

const core::workflow::StuckGauges::Names& StuckDesk::gauges() {
  static const core::workflow::StuckGauges::Names names{
      "zt_mall_stuck_orders",
      "Orders stuck between mall and counter, by kind",
      "zt_mall_stuck_oldest_age_seconds",
      "Seconds since the oldest stuck order was placed, by kind",
      "zt_mall_stuck_counted",
      "1 while the last count of stuck orders succeeded",
      {"placing", "waiting_for_nav", "confirmation_refused", "confirmation_overdue"},
      "mall: stuck orders not counted"};
  return names;
}

boost::asio::awaitable<core::workflow::StuckFigures> StuckDesk::count() const {
  const StuckBounds b = bounds(core::unix_millis());
  co_return co_await db_.read([&](core::storage::Tx& tx) { return store_.stuck(tx, b); });
}

boost::asio::awaitable<StuckList> StuckDesk::list() const {
  const auto now_ms = core::unix_millis();
  const StuckBounds b = bounds(now_ms);
  StuckList out;
  out.business_date = b.today;
  out.generated_at = core::utc_timestamp_ms(now_ms);
  auto found = co_await db_.read([&](core::storage::Tx& tx) {
    auto stuck = store_.stuck_orders(tx, b, kListed + 1);
    std::vector<std::string> ids;
    for (const auto& s : stuck) ids.push_back(s.order.order_id);
    return std::make_tuple(std::move(stuck), store_.events().of_each(tx, ids, kHistoryLines),
                           NavCorrectionStore(store_).held(tx));
  });
  auto& [stuck, histories, held] = found;
  out.truncated = static_cast<std::int64_t>(stuck.size()) > kListed;
  if (out.truncated) stuck.resize(static_cast<std::size_t>(kListed));
  std::shared_ptr<const core::finance::TradingCalendar> cal;
  try {
    cal = core::finance::trading_calendar();
  } catch (const core::finance::CalendarError&) {
  }
  for (const auto& s : stuck) {
    StuckItem item;
    item.order = store_.view(s.order, false, true);
    item.kind = s.kind;
    item.kind_title = kind_title(s.kind);
    item.age_seconds = std::max<std::int64_t>(0, (now_ms - s.order.placed_at_ms) / 1000);
    item.last_error = s.order.confirm_error;
    if (s.kind == "placing") {
      item.hint = "系统会按原请求定期重发；过截止时间后向柜台查询结果并作废未受理的委托";
    } else if (s.kind == "waiting_for_nav") {
      try {
        if (cal)
          item.expires_on = core::finance::format_date(
              cal->next_trading_day(core::finance::parse_date(s.order.confirm_date), settings_.expire_after_days));
      } catch (const core::finance::CalendarError&) {
      }
      item.hint = item.expires_on ? fmt::format("净值到达后自动确认；{}仍未到达则系统自动失效并解冻", *item.expires_on)
                                  : "净值到达后自动确认；长期未到达时系统自动失效并解冻";
    } else if (s.kind == "confirmation_refused") {
      item.hint =
          fmt::format("柜台已拒绝全部 {} 次自动确认，系统不再自动重算，需人工处理", s.order.confirm_attempt + 1);
    } else if (held.contains({s.order.product, s.order.trade_date})) {
      item.hint = "该日净值正在更正，柜台确认更正后自动确认（见商城产品的净值更正记录）";
    } else {
      item.hint = "净值已到但未完成确认，系统每次确认任务都会自动重试";
    }
    item.actions = actions_for(s.kind);
    if (auto it = histories.find(s.order.order_id); it != histories.end()) item.history = views(it->second);
    out.items.push_back(std::move(item));
  }
  co_return out;
}

boost::asio::awaitable<OrderDetail> StuckDesk::detail(const std::string& order_id) const {
  auto found = co_await db_.read([&](core::storage::Tx& tx) {
    auto o = store_.order(tx, order_id);
    std::vector<OrderEvent> lines;
    if (o) lines = store_.events().of(tx, order_id);
    return std::make_pair(std::move(o), std::move(lines));
  });
  if (!found.first) throw ApiError(404, "MALL_ORDER_NOT_FOUND", "订单不存在");
  co_return OrderDetail{store_.view(*found.first, false, true), views(found.second)};
}

boost::asio::awaitable<AuditPage> StuckDesk::audit(const AuditQuery& query) const {
  co_return core::http::value_or_throw(co_await db_.read([&](core::storage::Tx& tx) { return store_.audit_page(tx, query); }));
}

boost::asio::awaitable<Resolution> StuckDesk::resolve(const std::string& order_id, const ResolveIn& in,
                                                      const Actor& who, const std::string& idempotency_key,
                                                      const RequestContext& ctx) {
  if (in.action != "retry" && in.action != "void" && in.action != "expire")
    throw ApiError(400, "MALL_ACTION_INVALID", "处理方式应为 retry（重试）、void（作废）或 expire（失效并解冻）");
  std::string reason = in.reason;
  reason.erase(0, reason.find_first_not_of(" \t\r\n"));
  reason.erase(reason.find_last_not_of(" \t\r\n") + 1);
  if (reason.empty()) throw ApiError(400, "MALL_REASON_REQUIRED", "请填写处理原因（将记入审计）");

  const auto now_ms = core::unix_millis();
  const StuckBounds b = bounds(now_ms);
  const std::string detail = core::json::serialize(in);
  // The protocol — claimed, judged and audited in one transaction before the counter is asked
  // anything; a refusal keeps nothing; a repeat answers the first — is core's
  // (core/workflow/resolutions.hpp). Here: what is judged, audited and done.
  std::optional<OrderRecord> order;
  std::string kind;
  Resolution out;
  bool acted = false;
  core::workflow::Resolutions::Resolve r;
  r.key = idempotency_key;
  r.staff = who.id;
  r.subject = order_id;
  r.fingerprint = core::sha256_hex(order_id + "\n" + in.action + "\n" + reason);
  r.judge = [&](core::storage::Tx& tx) {
    order = store_.order(tx, order_id);
    if (!order) throw ApiError(404, "MALL_ORDER_NOT_FOUND", "订单不存在");
    kind = store_.stuck_kind(tx, order_id, b);
    if (kind.empty())
      throw ApiError(409, "MALL_ORDER_NOT_STUCK",
                     fmt::format("订单状态为{}，不在异常订单中，无需人工处理", store_.view(*order, false, false).state_title));
    const auto allowed = actions_for(kind);
    if (std::find(allowed.begin(), allowed.end(), in.action) == allowed.end()) {
      std::string choices;
      for (const auto& a : allowed) choices += (choices.empty() ? "" : "、") + a + "（" + action_title(a) + "）";
      throw ApiError(409, "MALL_ACTION_NOT_ALLOWED", fmt::format("{}的订单可选的处理方式：{}", kind_title(kind), choices));
    }
  };
  r.begin = [&](core::storage::Tx& tx) {
    store_.audit(tx, who, "order." + in.action, order_id, fmt::format("{} ({})", detail, kind), now_ms, order ? order->customer_id : "");
    store_.events().note(tx, order_id, "resolved", fmt::format("{}：{}", action_title(in.action), reason), who.id, now_ms);
  };
  r.act = [&]() -> boost::asio::awaitable<void> {
    out = co_await act(*order, kind, in, who, ctx);
    acted = true;
  };
  r.finish = [&](core::storage::Tx& tx) {
    const auto done_ms = core::unix_millis();
    store_.audit(tx, who, "order." + in.action + ".result", order_id,
                 fmt::format(R"({{"outcome":"{}","state":"{}"}} {})", out.outcome, out.order.state, out.message), done_ms,
                 order ? order->customer_id : "");
    store_.events().note(tx, order_id, "resolution", out.message, who.id, done_ms);
    out.history = views(store_.events().of(tx, order_id));
    return core::json::serialize(out);  // a repeat answers this, history and all
  };
  r.abandoned = [&](core::storage::Tx& tx, const std::string& error) {
    store_.audit(tx, who, "order." + in.action + ".result", order_id, fmt::format(R"({{"outcome":"error"}} {})", error),
                 core::unix_millis(), order ? order->customer_id : "");
  };
  const std::string kept = co_await resolutions_.run(db_, r, now_ms);
  if (acted)
    ctx.log().info("mall: {} resolved stuck order {} ({}) by {}: {}", who.id, order_id, kind, in.action, out.outcome);
  co_return core::json::parse<Resolution>(kept);
}

boost::asio::awaitable<Resolution> StuckDesk::act(const OrderRecord& o, const std::string& kind, const ResolveIn& in,
                                                  const Actor& who, const RequestContext& ctx) {
  const std::string funds = o.side == "subscribe" ? "申购资金" : "赎回份额";
  bool scheduled = false;
  if (kind == "placing" && in.action == "retry") {
    if (orders_.too_late(o, core::finance::business_now())) {
      co_await orders_.settle_late(o, &ctx);
    } else {
      try {
        co_await orders_.drive(o, &ctx);
      } catch (const ApiError&) {
        // Refused by the counter for good: the order failed with that refusal (read back below).
      }
    }
  } else if (kind == "placing") {
    co_await orders_.void_placing(o, who.id, &ctx);
  } else if (in.action == "expire") {
    const std::string message =
        kind == "waiting_for_nav"
            ? fmt::format("{}的净值迟迟未公布，经人工处理订单已失效，{}已解冻", o.trade_date, funds)
            : fmt::format("该订单未能在柜台完成确认，经人工处理已失效，{}已解冻", funds);
    co_await orders_.expire(o, message, who.id, &ctx);
  } else {
    const auto now_ms = core::unix_millis();
    const std::string refused = o.confirm_request.value_or("");
    const int attempts = settings_.confirm_attempts;
    scheduled = co_await db_.write(
        [&](core::storage::Tx& tx) { return store_.retry_confirmation(tx, o.order_id, refused, attempts, now_ms); });
  }

  auto after = co_await db_.read([&](core::storage::Tx& tx) {
    return std::make_pair(store_.order(tx, o.order_id), store_.events().of(tx, o.order_id, 1));  // what this attempt noted
  });
  Resolution out;
  out.order = store_.view(after.first.value_or(o), false, true);
  const std::string state = after.first ? after.first->state : o.state;
  if (scheduled) {
    out.outcome = "scheduled";
    out.message = "已安排重新确认：下次确认任务将按新的请求号重新计算并发送";
  } else if (state != o.state) {
    out.outcome = "resolved";
    if (in.action == "void" && state == "pending")
      out.message =
          fmt::format("柜台已受理该委托，未作废：订单转为待确认，{}已冻结", o.side == "subscribe" ? "资金" : "份额");
    else if (in.action == "expire" && state != "expired")
      out.message = fmt::format("柜台订单已办结，商城随之更新，当前状态：{}", out.order.state_title);
    else
      out.message = fmt::format("订单已处理，当前状态：{}", out.order.state_title);
    if (out.order.failure_message && state != "pending") out.message += "（" + *out.order.failure_message + "）";
  } else {
    out.outcome = "unchanged";
    // What the counter said, from the line this attempt added to the order's history.
    const OrderEvent* last = after.second.empty() ? nullptr : &after.second.back();
    if (last && last->event.ends_with("_refused"))
      out.message = fmt::format("柜台拒绝了该操作（{}），订单保持原状态；请核实后选择其他处理方式", last->detail);
    else if (last && last->event == "release_unfollowed")
      out.message = "柜台订单已办结，商城将在下次确认任务中同步，订单暂保持原状态";
    else
      out.message = "柜台暂未给出结果，订单保持原状态，请稍后再试（过程已记入订单记录）";
  }
  co_return out;
}

}  // namespace zt::services::mall
