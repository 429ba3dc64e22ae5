#include "services/mall/app/confirmation.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>

#include <fmt/format.h>

#include "core/finance/business_clock.hpp"
#include "core/finance/calendar.hpp"
#include "core/finance/live_calendar.hpp"
#include "core/http/context.hpp"
#include "core/http/error.hpp"
#include "core/net/runtime.hpp"
#include "core/observe/log.hpp"
#include "core/util/time.hpp"

namespace zt::services::mall {

namespace counter = platform::counter;
using core::http::ApiError;
using core::http::RequestContext;

boost::asio::awaitable<std::optional<ConfirmationRun>> Confirmation::run_now(const RequestContext& ctx) {
  // Waits for a run in progress (the job's, or another instance's, or the lease of an instance
  // that died in one) while the caller's deadline leaves time to answer.
  auto executor = co_await boost::asio::this_coro::executor;
  const auto give_up = std::chrono::steady_clock::now() +
                       std::min<std::chrono::milliseconds>(std::chrono::seconds(10),
                                                           ctx.remaining() - std::chrono::milliseconds(500));
  for (;;) {
    const bool mine = co_await lease_.take();
    if (mine) {
      std::optional<ConfirmationRun> out;
      std::exception_ptr failed;
      try {
        out = co_await run(&ctx);
      } catch (...) {
        failed = std::current_exception();
      }
      co_await lease_.give_back();
      if (failed) std::rethrow_exception(failed);
      co_return out;
    }
    if (std::chrono::steady_clock::now() + std::chrono::milliseconds(200) >= give_up) co_return std::nullopt;
    boost::asio::steady_timer wait(executor, std::chrono::milliseconds(200));
    co_await wait.async_wait(boost::asio::use_awaitable);
  }
}

void Confirmation::start(core::net::IoRuntime& runtime) {
  job_.trace_as("mall", "confirmation");
  job_.start(runtime, settings_.interval, core::net::Periodic::First::kAfterPeriod,
             [this]() -> boost::asio::awaitable<void> { co_await scheduled_run(); });
}

void Confirmation::stop() { job_.stop(); }

boost::asio::awaitable<void> Confirmation::scheduled_run() {
  const bool mine = co_await lease_.take();
  if (!mine) co_return;  // another instance's turn
  ConfirmationRun r;
  std::exception_ptr failed;
  try {
    r = co_await run(nullptr);
  } catch (...) {
    failed = std::current_exception();
  }
  co_await lease_.give_back();
  if (failed) std::rethrow_exception(failed);  // logged by the job, which goes on
  if (r.confirmed + r.failed + r.redriven > 0)
    core::log::info("mall: confirmation run {}: {} confirmed, {} waiting for a NAV, {} failed, {} re-driven",
                    r.business_date, r.confirmed, r.waiting_for_nav, r.failed, r.redriven);
}

boost::asio::awaitable<ConfirmationRun> Confirmation::run(const RequestContext* ctx) {
  ConfirmationRun out;
  out.business_date = core::finance::format_date(core::finance::business_now().date);
  const auto older = core::unix_millis() - settings_.redrive_after.count();
  auto stuck = co_await db_.read([&](core::storage::Tx& tx) { return store_.stuck_placing(tx, older); });
  const auto now = core::finance::business_now();
  for (const auto& o : stuck) {
    const bool still_mine = co_await lease_.keep();
    if (!still_mine) co_return out;
    // Past its trade date's cut-off an order is not sent again (it would trade at a NAV already
    // known): the counter says what it did under its request id, or voids it.
    if (orders_.too_late(o, now)) {
      co_await orders_.settle_late(o, ctx);
      ++out.redriven;
      continue;
    }
    try {
      co_await orders_.drive(o, ctx);
    } catch (const ApiError&) {
    }
    ++out.redriven;
  }
  const std::string today = out.business_date;
  // NAV corrections on their way to the counter first (a date whose NAV one still holds waits: the
  // due list leaves its orders out).
  auto open = co_await corrections_.on_their_way();
  for (const auto& c : open) {
    const bool still_mine = co_await lease_.keep();
    if (!still_mine) co_return out;
    co_await corrections_.send(c, ctx);
  }
  auto due = co_await db_.read([&](core::storage::Tx& tx) { return store_.due(tx, today); });
  out.waiting_for_nav =
      static_cast<int>(co_await db_.read([&](core::storage::Tx& tx) { return store_.waiting_for_nav(tx, today); }));
  for (const auto& o : due) {
    if (!o.counter_order_id) continue;  // pending orders always have one
    const bool still_mine = co_await lease_.keep();
    if (!still_mine) break;
    if (o.side == "redeem") {
      // Lots go oldest first: an earlier redemption of the same shares is confirmed first, so the
      // fee recorded for this one is worked out on the lots it will really take.
      const bool behind = co_await db_.read([&](core::storage::Tx& tx) { return store_.earlier_redemption_open(tx, o); });
      if (behind) continue;
    }
    auto request = o.confirm_request;
    if (!request) {
      auto made = co_await confirmation_request(o, ctx);
      if (!made) {
        const std::string event = "not_quoted", why = "无法计算确认（产品、净值或柜台份额明细暂不可得）";
        co_await note_tried(o, event, why);
        ++out.failed;
        continue;
      }
      const std::string text = made->request;
      const Nav worked_at = made->nav;
      const auto now_ms = core::unix_millis();
      request = co_await db_.write([&](core::storage::Tx& tx) -> std::optional<std::string> {
        if (store_.record_confirm_request(tx, o, text, worked_at, now_ms)) return text;
        auto again = store_.order(tx, o.order_id);  // another run recorded one first: that one goes (none: a correction holds the NAV)
        return again && again->state == "pending" ? again->confirm_request : std::nullopt;
      });
      if (!request) continue;  // settled meanwhile
    }
    auto answer = co_await counter_.confirm_order(*o.counter_order_id, *request, ctx);
    if (auto* there = std::get_if<counter::Order>(&answer)) {
      const bool mine = co_await orders_.adopt(o, *there);
      if (mine) ++out.confirmed;
      continue;
    }
    if (auto* r = std::get_if<core::Refusal>(&answer)) {
      // Cancelled or confirmed at the counter by a request whose answer never came back? The
      // counter's order says; the mall follows.
      const bool followed = co_await orders_.reconcile(o, ctx);
      if (followed) {
        auto settled = co_await db_.read([&](core::storage::Tx& tx) { return store_.order(tx, o.order_id); });
        if (settled && settled->state == "confirmed") ++out.confirmed;
        continue;
      }
      // Still pending there, and this confirmation refused for good (a NAV the counter holds
      // otherwise, a fee it will not take): worked out again under a new request id, a few times.
      const std::string error = r->code + " " + r->message;
      co_await refused_for_good(o, *request, error);
      ++out.failed;
      continue;
    }
    const auto& unknown = std::get<counter::Unknown>(answer);
    if (unknown.code == "COUNTER_REQUEST_REUSED") {
      // Its request id went with another body (a confirmation worked out before its request was
      // kept): what that did, the counter's order says.
      const bool followed = co_await orders_.reconcile(o, ctx);
      if (followed) {
        auto settled = co_await db_.read([&](core::storage::Tx& tx) { return store_.order(tx, o.order_id); });
        if (settled && settled->state == "confirmed") ++out.confirmed;
        continue;
      }
      const std::string error = unknown.code + " " + unknown.message;
      co_await refused_for_good(o, *request, error);
      ++out.failed;
      continue;
    }
    core::log::warn("mall: the counter did not answer the confirmation of {} ({} {}); it will be sent again",
                    o.order_id, unknown.status, unknown.code);
    const std::string event = "confirm_unanswered", why = unanswered(unknown);
    co_await note_tried(o, event, why);
    ++out.failed;
  }
  // Orders that can never confirm: their NAV has not come that many trading days on.
  auto waiting = co_await db_.read([&](core::storage::Tx& tx) { return store_.waiting(tx, today); });
  if (!waiting.empty()) {
    const auto cal = core::finance::trading_calendar();
    const auto on = core::finance::parse_date(today);
    for (const auto& o : waiting) {
      bool overdue = false;
      try {
        overdue = cal->next_trading_day(core::finance::parse_date(o.confirm_date), settings_.expire_after_days) <= on;
      } catch (const core::finance::CalendarError&) {
        continue;  // a year the calendar does not cover yet: no guess
      }
      if (!overdue) continue;
      const bool still_mine = co_await lease_.keep();
      if (!still_mine) break;
      // The NAV may have come in since the list was read: then it confirms on the next run.
      const bool priced = co_await db_.read([&](core::storage::Tx& tx) { return store_.nav_on(tx, o.product, o.trade_date).has_value(); });
      if (priced) continue;
      const std::string message =
          fmt::format("{}的净值在确认日后{}个交易日仍未公布，订单已失效，{}已解冻", o.trade_date, settings_.expire_after_days,
                      o.side == "subscribe" ? "申购资金" : "赎回份额");
      const std::string actor = "mall";  // bound: a temporary in a co_await's arguments dies early (g++ 12)
      const bool expired = co_await orders_.expire(o, message, actor, ctx);
      if (expired) {
        ++out.expired;
        --out.waiting_for_nav;
      }
    }
  }
  if (out.confirmed > 0) catalogue_.forget();  // a full redemption may have given a place back
  co_return out;
}

boost::asio::awaitable<void> Confirmation::refused_for_good(const OrderRecord& o, const std::string& request,
                                                          const std::string& error) {
  const auto now_ms = core::unix_millis();
  const bool again = co_await db_.write([&](core::storage::Tx& tx) {
    const bool retried = store_.confirmation_refused(tx, o.order_id, request, error, settings_.confirm_attempts, now_ms);
    store_.events().note(tx, o.order_id, "confirm_refused", error, "mall", now_ms);
    return retried;
  });
  core::log::warn("mall: the counter refused to confirm {}: {}; {}", o.order_id, error.substr(0, error.find(' ')),
                  again ? "it is worked out again on the next run" : "left for staff (see the reconciliation)");
}

boost::asio::awaitable<void> Confirmation::note_tried(const OrderRecord& o, const std::string& event,
                                                     const std::string& detail) {
  const auto now_ms = core::unix_millis();
  co_await db_.write([&](core::storage::Tx& tx) { store_.tried(tx, o.order_id, event, detail, now_ms); });
}

boost::asio::awaitable<std::optional<Confirmation::Worked>> Confirmation::confirmation_request(const OrderRecord& o,
                                                                                      const RequestContext* ctx) {
  auto facts = co_await db_.read([&](core::storage::Tx& tx) {
    return std::make_pair(store_.product(tx, o.product), store_.nav_on(tx, o.product, o.trade_date));
  });
  if (!facts.first || !facts.second) co_return std::nullopt;
  const FeeSchedule& fees = o.fees ? *o.fees : facts.first->terms.fees;  // the terms it was placed under
  const Nav nav = *facts.second;
  Money fee;
  if (o.side == "subscribe") {
    auto q = quote_subscription(fees, Money::from_units(o.amount_units), nav);
    if (auto* r = std::get_if<Refusal>(&q)) {
      core::log::warn("mall: order {} cannot be quoted: {}", o.order_id, r->message);
      co_return std::nullopt;
    }
    fee = std::get<SubscriptionQuote>(q).fee;
  } else {
    auto held = co_await counter_.lots(o.fund_account, o.product, ctx);
    auto* at_counter = std::get_if<std::vector<counter::Lot>>(&held);
    if (!at_counter) co_return std::nullopt;
    std::vector<HeldLot> lots;
    for (const auto& l : *at_counter) lots.push_back({l.confirmed_date, l.remaining});
    auto q = quote_redemption(fees, lots, Shares::from_units(o.shares_units), nav, o.trade_date);
    if (auto* r = std::get_if<Refusal>(&q)) {
      core::log::warn("mall: order {} cannot be quoted: {}", o.order_id, r->message);
      co_return std::nullopt;
    }
    fee = std::get<RedemptionQuote>(q).fee;
  }
  const std::string request_id = o.confirm_attempt == 0 ? "mall-confirm-" + o.order_id
                                                        : fmt::format("mall-confirm-{}-{}", o.order_id, o.confirm_attempt);
  const counter::ConfirmOrder confirm{request_id, *o.counter_order_id, nav, fee, o.confirm_date, fees.truncate_shares};
  co_return Worked{counter::CounterClient::confirm_request(confirm), nav};
}

}  // namespace zt::services::mall
