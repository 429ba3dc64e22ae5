#include "services/mall/app/stuck_desk.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "core/finance/business_clock.hpp"
#include "core/finance/calendar.hpp"
#include "core/http/error.hpp"
#include "core/http/refusal.hpp"
#include "core/json/json.hpp"
#include "core/observe/log.hpp"
#include "core/util/time.hpp"

namespace zt::services::mall {

using core::http::ApiError;
using core::http::RequestContext;

namespace {

constexpr std::int64_t kListed = 200;      // stuck orders in one list at most
constexpr std::size_t kHistoryLines = 20;  // of each one's history

std::string at(std::int64_t ms) {
  return core::utc_timestamp(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

std::string kind_title(const std::string& kind) {
  if (kind == "placing") return "柜台结果未知";
  if (kind == "waiting_for_nav") return "净值迟迟未到";
  return "柜台拒绝确认";
}

std::vector<std::string> actions_for(const std::string& kind) {
  if (kind == "placing") return {"retry", "void"};
  if (kind == "waiting_for_nav") return {"expire"};
  return {"retry", "expire"};
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
    out.push_back({e.event, event_title(e.event), e.detail, e.actor, at(e.first_at_ms), at(e.last_at_ms), e.times});
  return out;
}

// Why the order is stuck now, by the rules the list and the metrics use; "" when it is not.
std::string kind_of(const MallStore& store, core::storage::Tx& tx, const OrderRecord& o, std::int64_t placing_before_ms,
                    const std::string& today) {
  if (o.state == "placing") return o.placed_at_ms < placing_before_ms ? "placing" : "";
  if (o.state != "pending") return "";
  if (o.confirm_error) return "confirmation_refused";
  if (o.confirm_date < today && !store.nav_on(tx, o.product, o.trade_date)) return "waiting_for_nav";
  return "";
}

}  // namespace

boost::asio::awaitable<StuckList> StuckDesk::list() const {
  const auto now_ms = core::unix_millis();
  StuckList out;
  out.business_date = core::finance::format_date(core::finance::business_now().date);
  out.generated_at = at(now_ms);
  const std::int64_t before = now_ms - stuck_after_.count();
  const std::string today = out.business_date;
  auto found = co_await db_.read([&](core::storage::Tx& tx) {
    auto stuck = store_.stuck_orders(tx, before, today, kListed + 1);
    std::vector<std::string> ids;
    for (const auto& s : stuck) ids.push_back(s.order.order_id);
    return std::make_pair(std::move(stuck), store_.histories(tx, ids, kHistoryLines));
  });
  auto& [stuck, histories] = found;
  out.truncated = static_cast<std::int64_t>(stuck.size()) > kListed;
  if (out.truncated) stuck.resize(static_cast<std::size_t>(kListed));
  for (const auto& s : stuck) {
    StuckItem item;
    item.order = store_.view(s.order, false, true);
    item.kind = s.kind;
    item.kind_title = kind_title(s.kind);
    item.age_seconds = std::max<std::int64_t>(0, (now_ms - s.order.placed_at_ms) / 1000);
    item.last_error = s.order.confirm_error;
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
    if (o) lines = store_.history(tx, order_id);
    return std::make_pair(std::move(o), std::move(lines));
  });
  if (!found.first) throw ApiError(404, "MALL_ORDER_NOT_FOUND", "订单不存在");
  co_return OrderDetail{store_.view(*found.first, false, true), views(found.second)};
}

boost::asio::awaitable<AuditPage> StuckDesk::audit(const std::string& cursor, std::int64_t limit) const {
  auto page = core::http::value_or_throw(
      co_await db_.read([&](core::storage::Tx& tx) { return store_.audit_page(tx, cursor, limit); }));
  AuditPage out;
  for (const auto& r : page.first)
    out.items.push_back({r.id, at(r.at_ms), r.actor, r.action, r.subject, r.detail, r.trace_id});
  out.next_cursor = page.second;
  co_return out;
}

boost::asio::awaitable<Resolution> StuckDesk::resolve(const std::string& order_id, const ResolveIn& in,
                                                      const Actor& who, const RequestContext& ctx) {
  if (in.action != "retry" && in.action != "void" && in.action != "expire")
    throw ApiError(400, "MALL_ACTION_INVALID", "处理方式应为 retry（重试）、void（作废）或 expire（失效并解冻）");
  std::string reason = in.reason;
  reason.erase(0, reason.find_first_not_of(" \t\r\n"));
  reason.erase(reason.find_last_not_of(" \t\r\n") + 1);
  if (reason.empty()) throw ApiError(400, "MALL_REASON_REQUIRED", "请填写处理原因（将记入审计）");

  const auto now_ms = core::unix_millis();
  const std::string today = core::finance::format_date(core::finance::business_now().date);
  const std::int64_t before = now_ms - stuck_after_.count();
  // Read, judged and audited in one transaction: the intent and its reason are kept before the
  // counter is asked anything.
  struct Judged {
    std::optional<OrderRecord> order;
    std::string kind;
  };
  const std::string detail = core::json::serialize(in);
  auto judged = co_await db_.write([&](core::storage::Tx& tx) {
    Judged j;
    j.order = store_.order(tx, order_id);
    if (!j.order) return j;
    j.kind = kind_of(store_, tx, *j.order, before, today);
    if (j.kind.empty()) return j;
    const auto allowed = actions_for(j.kind);
    if (std::find(allowed.begin(), allowed.end(), in.action) == allowed.end()) return j;
    store_.audit(tx, who, "order." + in.action, order_id, fmt::format("{} ({})", detail, j.kind), now_ms);
    store_.note(tx, order_id, "resolved", fmt::format("{}：{}", action_title(in.action), reason), who.id, now_ms);
    return j;
  });
  if (!judged.order) throw ApiError(404, "MALL_ORDER_NOT_FOUND", "订单不存在");
  const OrderRecord& o = *judged.order;
  if (judged.kind.empty())
    throw ApiError(409, "MALL_ORDER_NOT_STUCK",
                   fmt::format("订单状态为{}，不在异常订单中，无需人工处理", store_.view(o, false, false).state_title));
  const auto allowed = actions_for(judged.kind);
  if (std::find(allowed.begin(), allowed.end(), in.action) == allowed.end()) {
    std::string choices;
    for (const auto& a : allowed) choices += (choices.empty() ? "" : "、") + a + "（" + action_title(a) + "）";
    throw ApiError(409, "MALL_ACTION_NOT_ALLOWED",
                   fmt::format("{}的订单可选的处理方式：{}", kind_title(judged.kind), choices));
  }

  const std::string funds = o.side == "subscribe" ? "申购资金" : "赎回份额";
  bool scheduled = false;
  if (judged.kind == "placing" && in.action == "retry") {
    if (orders_.too_late(o, core::finance::business_now())) {
      co_await orders_.settle_late(o, &ctx);
    } else {
      try {
        co_await orders_.drive(o, &ctx);
      } catch (const ApiError&) {
        // Refused by the counter for good: the order failed with that refusal (read back below).
      }
    }
  } else if (judged.kind == "placing") {
    co_await orders_.void_placing(o, who.id, &ctx);
  } else if (in.action == "expire") {
    const std::string message =
        judged.kind == "waiting_for_nav"
            ? fmt::format("{}的净值迟迟未公布，经人工处理订单已失效，{}已解冻", o.trade_date, funds)
            : fmt::format("该订单未能在柜台完成确认，经人工处理已失效，{}已解冻", funds);
    co_await orders_.expire(o, message, who.id, &ctx);
  } else {
    scheduled =
        co_await db_.write([&](core::storage::Tx& tx) { return store_.retry_confirmation(tx, order_id, now_ms); });
  }

  auto after = co_await db_.read(
      [&](core::storage::Tx& tx) { return std::make_pair(store_.order(tx, order_id), store_.history(tx, order_id)); });
  Resolution out;
  out.order = store_.view(after.first.value_or(o), false, true);
  out.history = views(after.second);
  const std::string state = after.first ? after.first->state : o.state;
  if (scheduled) {
    out.outcome = "scheduled";
    out.message = "已安排重新确认：下次确认任务将按新的请求号重新计算并发送";
  } else if (state != o.state) {
    out.outcome = "resolved";
    out.message = fmt::format("订单已处理，当前状态：{}", out.order.state_title);
    if (out.order.failure_message) out.message += "（" + *out.order.failure_message + "）";
  } else {
    out.outcome = "unchanged";
    out.message = "柜台暂未给出结果，订单保持原状态，请稍后再试（过程已记入订单记录）";
  }
  ctx.log().info("mall: {} resolved stuck order {} ({}) by {}: {}", who.id, order_id, judged.kind, in.action,
                 out.outcome);
  co_return out;
}

}  // namespace zt::services::mall
