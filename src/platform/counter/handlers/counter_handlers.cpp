#include "platform/counter/handlers/counter_handlers.hpp"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "core/finance/calendar.hpp"
#include "core/http/error.hpp"
#include "core/http/guards.hpp"
#include "core/http/identity.hpp"
#include "core/http/params.hpp"
#include "core/http/router.hpp"
#include "core/json/json.hpp"
#include "core/net/notifier.hpp"
#include "platform/counter/handlers/fault_plan.hpp"

namespace zt::platform::counter {

struct Items {
  template <class T>
  static std::string of(const std::vector<T>& v) {
    boost::json::array a;
    for (const auto& x : v) a.push_back(boost::json::parse(core::json::serialize(x)));
    return boost::json::serialize(boost::json::object{{"items", a}});
  }
};
BOOST_DESCRIBE_STRUCT(Page, (), (items, next_cursor))

struct EndOfDay {
  std::string date;
};
BOOST_DESCRIBE_STRUCT(EndOfDay, (), (date))
struct EndOfDayDone {
  std::string date;
  std::int64_t accounts = 0;
};
BOOST_DESCRIBE_STRUCT(EndOfDayDone, (), (date, accounts))
struct FirstTrade {
  std::string date;
};
BOOST_DESCRIBE_STRUCT(FirstTrade, (), (date))
struct Overview {
  Customer customer;
  Balance balance;
  std::vector<Position> positions;
  std::vector<Order> orders;
  std::optional<BankBinding> bank;
};
BOOST_DESCRIBE_STRUCT(Overview, (), (customer, balance, positions, orders, bank))
struct ArmFaults {
  std::string operation;
  std::vector<std::string> faults;
};
BOOST_DESCRIBE_STRUCT(ArmFaults, (), (operation, faults))

namespace {

using core::http::ApiError;
using core::http::limit_param;
using core::http::Method;
using core::http::path_param;
using core::http::Request;
using core::http::RequestContext;
using core::http::Response;
using Reply = boost::asio::awaitable<Response>;

template <class T>
Response answer(Result<T>&& r, int status = 200) {
  if (auto* refusal = std::get_if<Refusal>(&r)) throw ApiError(refusal->status, refusal->code, refusal->message);
  if constexpr (std::is_same_v<T, Page>) {
    return Response::json(status, core::json::serialize(std::get<Page>(r)));
  } else if constexpr (requires(T t) {
                         t.begin();
                         t.size();
                       }) {
    return Response::json(status, Items::of(std::get<T>(r)));
  } else {
    return Response::json(status, core::json::serialize(std::get<T>(r)));
  }
}

// Mutations come from the platform's own services (signed identity, or in this process); staff
// reach only the sandbox's administration, with sandbox.manage.
const core::http::Guards kGuard{"COUNTER"};
void require_service(const RequestContext& ctx) { kGuard.service(ctx); }
void require_reader(const RequestContext& ctx) {
  if (!ctx.calling_service.empty()) return;
  if (ctx.caller.kind == core::http::CallerKind::kStaff &&
      (ctx.caller.has_permission("customers.read") || ctx.caller.has_permission("sandbox.manage")))
    return;
  throw ApiError(403, "COUNTER_FORBIDDEN", "无权查询柜台数据");
}
void require_sandbox_admin(const RequestContext& ctx) { kGuard.staff_or_service(ctx, "sandbox.manage", "沙箱管理"); }

std::string date_param(const Request& req, const char* name, const std::string& fallback = "") {
  auto v = req.query_param(name);
  if (!v || v->empty()) {
    if (!fallback.empty()) return fallback;
    throw ApiError(400, "COUNTER_BAD_PARAM", fmt::format("请指定 {}（YYYY-MM-DD）", name));
  }
  try {
    core::finance::parse_date(*v);
  } catch (const core::finance::CalendarError&) {
    throw ApiError(400, "COUNTER_BAD_DATE", fmt::format("{} 应为有效日期（YYYY-MM-DD）", name));
  }
  return *v;
}

// A fault armed on the sandbox (fault_plan.hpp) for this call of `operation` under `request_id`:
// the ones that stop the operation are thrown here; lose_answer and stall are returned, for after
// it (and hang). A counter refuses only what it has not done: a request id it answered already gets that
// answer again, refuse or not.
boost::asio::awaitable<std::optional<Fault>> fault_before(FaultPlan* plan, SandboxProvider* sandbox,
                                                          const char* operation, const std::string& request_id) {
  if (!plan || !sandbox) co_return std::nullopt;
  const auto f = plan->next(operation);
  if (f == Fault::kUnavailable) throw ApiError(503, core::http::codes::kUnavailable, "柜台暂不可用（沙箱故障）");
  if (f == Fault::kNotFound) throw ApiError(404, core::http::codes::kNotFound, "接口不存在（沙箱故障）");
  if (f == Fault::kRefuse) {
    const bool done = co_await sandbox->answered(request_id);
    if (!done) throw ApiError(409, "COUNTER_SANDBOX_REFUSED", "柜台拒绝了该请求（沙箱故障）");
    co_return std::nullopt;
  }
  co_return f;
}
// The answer of an operation done (and committed) under `fault`.
template <class T>
boost::asio::awaitable<Response> answer_after(std::optional<Fault> fault, Result<T> out) {
  if (fault == Fault::kLoseAnswer) throw ApiError(502, core::http::codes::kUpstream, "柜台的应答丢失（沙箱故障）");
  if (fault == Fault::kStall) co_await core::net::sleep_for(kStallFor);
  if (fault == Fault::kHang) co_await core::net::sleep_for(kHangFor);
  co_return answer(std::move(out));
}

}  // namespace

void add_counter_routes(core::http::Router& r, CounterApiDeps deps) {
  // Faults a tester arms on the sandbox (none outside it).
  std::shared_ptr<FaultPlan> faults = deps.sandbox ? std::make_shared<FaultPlan>() : nullptr;
  auto d = std::make_shared<CounterApiDeps>(std::move(deps));
  auto& p = d->provider;
  const std::string base = "/api/counter/v1";

  // ---- mutations (services)
  r.add(Method::kPost, base + "/customers", [d, &p](Request& req, RequestContext& ctx) -> Reply {
    require_service(ctx);
    auto body = core::json::parse<OpenCustomer>(req.body);
    auto out = co_await p.open_customer(std::move(body));
    co_return answer(std::move(out));
  });
  r.add(Method::kPost, base + "/stock-accounts", [d, &p](Request& req, RequestContext& ctx) -> Reply {
    require_service(ctx);
    auto body = core::json::parse<OpenStockAccount>(req.body);
    auto out = co_await p.open_stock_account(std::move(body));
    co_return answer(std::move(out));
  });
  r.add(Method::kPost, base + "/bank-bindings", [d, &p](Request& req, RequestContext& ctx) -> Reply {
    require_service(ctx);
    auto body = core::json::parse<BindBank>(req.body);
    auto out = co_await p.bind_bank(std::move(body));
    co_return answer(std::move(out));
  });
  r.add(Method::kPost, base + "/transfers", [d, &p](Request& req, RequestContext& ctx) -> Reply {
    require_service(ctx);
    auto body = core::json::parse<Transfer>(req.body);
    auto out = co_await p.transfer(std::move(body));
    co_return answer(std::move(out));
  });
  r.add(Method::kPost, base + "/orders", [d, &p, faults](Request& req, RequestContext& ctx) -> Reply {
    require_service(ctx);
    auto body = core::json::parse<PlaceOrder>(req.body);
    const auto fault = co_await fault_before(faults.get(), d->sandbox, "place_order", body.request_id);
    auto out = co_await p.place_order(std::move(body));
    co_return co_await answer_after(fault, std::move(out));
  });
  r.add(Method::kPost, base + "/orders/{id}/cancel", [d, &p, faults](Request& req, RequestContext& ctx) -> Reply {
    require_service(ctx);
    auto body = core::json::parse<CancelOrder>(req.body);
    if (body.order_id != path_param(ctx, "id"))
      throw ApiError(400, "COUNTER_BAD_PARAM", "请求体中的委托编号与路径不一致");
    const auto fault = co_await fault_before(faults.get(), d->sandbox, "cancel_order", body.request_id);
    auto out = co_await p.cancel_order(std::move(body));
    co_return co_await answer_after(fault, std::move(out));
  });
  r.add(Method::kPost, base + "/orders/{id}/confirm", [d, &p, faults](Request& req, RequestContext& ctx) -> Reply {
    require_service(ctx);
    auto body = core::json::parse<ConfirmOrder>(req.body);
    if (body.order_id != path_param(ctx, "id"))
      throw ApiError(400, "COUNTER_BAD_PARAM", "请求体中的委托编号与路径不一致");
    const auto fault = co_await fault_before(faults.get(), d->sandbox, "confirm_order", body.request_id);
    auto out = co_await p.confirm_order(std::move(body));
    co_return co_await answer_after(fault, std::move(out));
  });

  r.add(Method::kPost, base + "/requests/{request_id}/void", [d, &p](Request&, RequestContext& ctx) -> Reply {
    require_service(ctx);
    auto request_id = path_param(ctx, "request_id");
    auto out = co_await p.void_request(std::move(request_id));
    if (const auto* f = std::get_if<RequestFate>(&out); f && f->outcome == "void")
      ctx.log().info("counter: request {} voided by {}", f->request_id, ctx.calling_service);
    co_return answer(std::move(out));
  });

  r.add(Method::kPut, base + "/products/{code}", [d, &p](Request& req, RequestContext& ctx) -> Reply {
    require_service(ctx);
    auto i = core::json::parse<Instrument>(req.body);
    if (i.code != path_param(ctx, "code")) throw ApiError(400, "COUNTER_BAD_PARAM", "请求体中的代码与路径不一致");
    auto out = co_await p.register_fund(std::move(i));
    co_return answer(std::move(out));
  });

  r.add(Method::kPost, base + "/products/{code}/navs/{date}/correction", [d, &p](Request& req, RequestContext& ctx) -> Reply {
    require_service(ctx);
    auto c = core::json::parse<CorrectNav>(req.body);
    if (c.code != path_param(ctx, "code") || c.date != path_param(ctx, "date"))
      throw ApiError(400, "COUNTER_BAD_PARAM", "请求体中的代码或日期与路径不一致");
    auto out = co_await p.correct_nav(std::move(c));
    if (std::holds_alternative<CorrectNav>(out))
      ctx.log().info("counter: {} NAV of {} corrected by {}", std::get<CorrectNav>(out).code, std::get<CorrectNav>(out).date,
                     ctx.calling_service);
    co_return answer(std::move(out));
  });

  // ---- queries (services; staff with customers.read)
  r.add(Method::kGet, base + "/customers/{customer_no}", [d, &p](Request&, RequestContext& ctx) -> Reply {
    require_reader(ctx);
    auto customer_no = path_param(ctx, "customer_no");
    auto out = co_await p.customer(std::move(customer_no));
    co_return answer(std::move(out));
  });
  r.add(Method::kPost, base + "/customers/lookup", [d, &p](Request& req, RequestContext& ctx) -> Reply {
    // POST: an ID number belongs in a body, not in a URL that proxies and logs keep.
    require_reader(ctx);
    auto id_number = core::json::parse<LookupCustomer>(req.body).id_number;
    auto out = co_await p.customer_by_id_number(std::move(id_number));
    co_return answer(std::move(out));
  });
  r.add(Method::kGet, base + "/customers/{customer_no}/stock-accounts",
        [d, &p](Request&, RequestContext& ctx) -> Reply {
          require_reader(ctx);
          auto customer_no = path_param(ctx, "customer_no");
          auto out = co_await p.stock_accounts(std::move(customer_no));
          co_return answer(std::move(out));
        });
  r.add(Method::kGet, base + "/accounts/{fund_account}", [d, &p](Request&, RequestContext& ctx) -> Reply {
    require_reader(ctx);
    auto fund_account = path_param(ctx, "fund_account");
    auto out = co_await p.customer_of(std::move(fund_account));
    co_return answer(std::move(out));
  });
  r.add(Method::kGet, base + "/accounts/{fund_account}/balance", [d, &p](Request&, RequestContext& ctx) -> Reply {
    require_reader(ctx);
    auto fund_account = path_param(ctx, "fund_account");
    auto out = co_await p.balance(std::move(fund_account));
    co_return answer(std::move(out));
  });
  r.add(Method::kGet, base + "/accounts/{fund_account}/bank-binding", [d, &p](Request&, RequestContext& ctx) -> Reply {
    require_reader(ctx);
    auto fund_account = path_param(ctx, "fund_account");
    auto out = co_await p.bank_binding(std::move(fund_account));
    co_return answer(std::move(out));
  });
  r.add(Method::kGet, base + "/accounts/{fund_account}/positions", [d, &p](Request&, RequestContext& ctx) -> Reply {
    require_reader(ctx);
    auto fund_account = path_param(ctx, "fund_account");
    auto out = co_await p.positions(std::move(fund_account));
    co_return answer(std::move(out));
  });
  r.add(Method::kGet, base + "/accounts/{fund_account}/lots", [d, &p](Request& req, RequestContext& ctx) -> Reply {
    require_reader(ctx);
    auto product = req.query_param("product");
    if (!product || product->empty()) throw ApiError(400, "COUNTER_BAD_PARAM", "请指定 product");
    auto fund_account = path_param(ctx, "fund_account");
    auto code = *product;
    auto out = co_await p.lots(std::move(fund_account), std::move(code));
    co_return answer(std::move(out));
  });
  r.add(Method::kGet, base + "/accounts/{fund_account}/orders", [d, &p](Request& req, RequestContext& ctx) -> Reply {
    require_reader(ctx);
    auto fund_account = path_param(ctx, "fund_account");
    auto cursor = req.query_param("cursor").value_or("");
    auto limit = limit_param(req, "COUNTER");
    auto out = co_await p.orders(std::move(fund_account), std::move(cursor), std::move(limit));
    co_return answer(std::move(out));
  });
  r.add(Method::kGet, base + "/accounts/{fund_account}/trades", [d, &p](Request& req, RequestContext& ctx) -> Reply {
    require_reader(ctx);
    auto fund_account = path_param(ctx, "fund_account");
    auto from_date = date_param(req, "from", "0000-01-01");
    auto to_date = date_param(req, "to", "9999-12-31");
    auto out = co_await p.trades(std::move(fund_account), std::move(from_date), std::move(to_date));
    co_return answer(std::move(out));
  });
  r.add(Method::kGet, base + "/accounts/{fund_account}/average-assets",
        [d, &p](Request& req, RequestContext& ctx) -> Reply {
          // The `days` trading days before `before` (BUSINESS §2: the previous 20 trading days).
          require_reader(ctx);
          const auto before = core::finance::parse_date(date_param(req, "before"));
          const auto text = req.query_param("days").value_or("20");
          int days = 0;
          try {
            days = std::stoi(text);
          } catch (...) {
          }
          if (days < 1 || days > 250) throw ApiError(400, "COUNTER_BAD_PARAM", "days 应为1到250之间的整数");
          std::vector<std::string> list;
          try {
            const auto cal = d->calendar();
            for (int i = days; i >= 1; --i)
              list.push_back(core::finance::format_date(cal->previous_trading_day(before, i)));
          } catch (const core::finance::CalendarError& e) {
            throw ApiError(422, "COUNTER_NO_CALENDAR", fmt::format("交易日历未覆盖该期间：{}", e.what()));
          }
          auto fund_account = path_param(ctx, "fund_account");
          auto out = co_await p.average_assets(std::move(fund_account), std::move(list));
          co_return answer(std::move(out));
        });
  r.add(Method::kGet, base + "/orders/{id}", [d, &p](Request&, RequestContext& ctx) -> Reply {
    require_reader(ctx);
    auto id = path_param(ctx, "id");
    auto out = co_await p.order(std::move(id));
    co_return answer(std::move(out));
  });
  r.add(Method::kGet, base + "/orders", [d, &p](Request& req, RequestContext& ctx) -> Reply {
    // The pending orders whose trade date is on or before `trade_date_to` (a confirmation run).
    require_reader(ctx);
    if (req.query_param("state").value_or("pending") != "pending")
      throw ApiError(400, "COUNTER_BAD_PARAM", "state 只支持 pending");
    auto trade_date_to = date_param(req, "trade_date_to", "9999-12-31");
    auto out = co_await p.pending_orders(std::move(trade_date_to));
    co_return answer(std::move(out));
  });
  r.add(Method::kGet, base + "/instruments", [d, &p](Request&, RequestContext& ctx) -> Reply {
    require_reader(ctx);
    auto out = co_await p.instruments();
    co_return answer(std::move(out));
  });

  // ---- the sandbox's administration (staff with sandbox.manage)
  if (!d->sandbox) return;
  SandboxProvider& s = *d->sandbox;
  r.add(Method::kPost, base + "/sandbox/faults", [d, faults](Request& req, RequestContext& ctx) -> Reply {
    require_sandbox_admin(ctx);
    auto body = core::json::parse<ArmFaults>(req.body);
    if (!faultable_operation(body.operation))
      throw ApiError(400, "COUNTER_FAULT_INVALID", "operation 应为 place_order、cancel_order 或 confirm_order");
    std::vector<Fault> list;
    for (const auto& name : body.faults) {
      const auto f = fault_named(name);
      if (!f) throw ApiError(400, "COUNTER_FAULT_INVALID", fmt::format("未知的故障 {}（可用：lose_answer、unavailable、not_found、refuse、stall、hang）", name));
      list.push_back(*f);
    }
    faults->arm(body.operation, list);
    ctx.log().warn("counter sandbox: {} armed {} fault(s) on {}", ctx.caller.subject, list.size(), body.operation);
    co_return Response::json(200, core::json::serialize(body));
  });
  r.add(Method::kPut, base + "/sandbox/instruments/{code}", [d, &s](Request& req, RequestContext& ctx) -> Reply {
    require_sandbox_admin(ctx);
    auto i = core::json::parse<Instrument>(req.body);
    if (i.code != path_param(ctx, "code")) throw ApiError(400, "COUNTER_BAD_PARAM", "请求体中的代码与路径不一致");
    auto out = co_await s.put_instrument(std::move(i));
    if (std::holds_alternative<Instrument>(out))
      ctx.log().info("counter sandbox: {} set {} to {}", ctx.caller.subject, std::get<Instrument>(out).code,
                     std::get<Instrument>(out).price);
    co_return answer(std::move(out));
  });
  r.add(Method::kPost, base + "/sandbox/trades", [d, &s](Request& req, RequestContext& ctx) -> Reply {
    require_sandbox_admin(ctx);
    auto body = core::json::parse<SimulateTrade>(req.body);
    auto out = co_await s.simulate_trade(std::move(body));
    co_return answer(std::move(out));
  });
  r.add(Method::kPost, base + "/sandbox/end-of-day", [d, &s](Request& req, RequestContext& ctx) -> Reply {
    require_sandbox_admin(ctx);
    const auto body = core::json::parse<EndOfDay>(req.body);
    auto n = co_await s.end_of_day(body.date);
    if (auto* refusal = std::get_if<Refusal>(&n)) throw ApiError(refusal->status, refusal->code, refusal->message);
    ctx.log().info("counter sandbox: end of day {} by {} ({} accounts)", body.date, ctx.caller.subject,
                   std::get<std::int64_t>(n));
    co_return Response::json(200, core::json::serialize(EndOfDayDone{body.date, std::get<std::int64_t>(n)}));
  });
  r.add(Method::kPost, base + "/sandbox/transfers", [d, &s](Request& req, RequestContext& ctx) -> Reply {
    require_sandbox_admin(ctx);
    auto body = core::json::parse<Transfer>(req.body);
    auto out = co_await s.transfer(std::move(body));
    co_return answer(std::move(out));
  });
  r.add(Method::kPut, base + "/sandbox/customers/{customer_no}/first-trade-date",
        [d, &s](Request& req, RequestContext& ctx) -> Reply {
          require_sandbox_admin(ctx);
          auto customer_no = path_param(ctx, "customer_no");
          auto date = core::json::parse<FirstTrade>(req.body).date;
          auto out = co_await s.set_first_trade_date(std::move(customer_no), std::move(date));
          co_return answer(std::move(out));
        });
  // What the console's sandbox page shows of an account, in one answer (staff with sandbox.manage).
  r.add(Method::kGet, base + "/sandbox/accounts/{fund_account}", [d, &s](Request&, RequestContext& ctx) -> Reply {
    require_sandbox_admin(ctx);
    const auto fund_account = path_param(ctx, "fund_account");
    auto customer = co_await s.customer_of(fund_account);
    if (auto* refusal = std::get_if<Refusal>(&customer))
      throw ApiError(refusal->status, refusal->code, refusal->message);
    Overview o;
    o.customer = std::get<Customer>(customer);
    auto balance = co_await s.balance(fund_account);
    o.balance = std::get<Balance>(balance);
    auto positions = co_await s.positions(fund_account);
    o.positions = std::get<std::vector<Position>>(positions);
    const std::string no_cursor;
    auto orders = co_await s.orders(fund_account, no_cursor, 20);
    o.orders = std::get<Page>(orders).items;
    auto bank = co_await s.bank_binding(fund_account);
    if (auto* b = std::get_if<BankBinding>(&bank)) o.bank = *b;
    co_return Response::json(200, core::json::serialize(o));
  });
  r.add(Method::kGet, base + "/sandbox/instruments", [d, &s](Request&, RequestContext& ctx) -> Reply {
    require_sandbox_admin(ctx);
    auto out = co_await s.instruments();
    co_return answer(std::move(out));
  });
  r.add(Method::kPost, base + "/sandbox/demo-customers", [d, &s](Request& req, RequestContext& ctx) -> Reply {
    // A ready customer in one step: customer and fund account, Shanghai and Shenzhen accounts, a
    // bank card, and cash if asked. Each step has its own request id derived from the one given,
    // so a retry finishes what a failed attempt began.
    require_sandbox_admin(ctx);
    auto body = core::json::parse<DemoRequest>(req.body);
    const std::string today = core::finance::format_date(
        std::chrono::year_month_day(std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now())));
    auto open = OpenCustomer{body.request_id + ":customer", body.name, body.id_number, body.mobile, "沙箱营业部"};
    auto c = co_await s.open_customer(std::move(open));
    if (auto* refusal = std::get_if<Refusal>(&c)) throw ApiError(refusal->status, refusal->code, refusal->message);
    Demo demo;
    demo.customer = std::get<Customer>(c);
    for (const char* market : {"SH", "SZ"}) {
      auto account =
          OpenStockAccount{body.request_id + ":" + market, demo.customer.customer_no, market, std::nullopt, today};
      auto a = co_await s.open_stock_account(std::move(account));
      if (auto* refusal = std::get_if<Refusal>(&a)) throw ApiError(refusal->status, refusal->code, refusal->message);
      demo.stock_accounts.push_back(std::get<StockAccount>(a));
    }
    // A sandbox card: 6222 02 + the fund account's digits, padded to 19.
    const std::string card = fmt::format("622202{:0>13}", demo.customer.fund_account);
    auto binding = BindBank{body.request_id + ":bank", demo.customer.fund_account, "ICBC", card};
    auto b = co_await s.bind_bank(std::move(binding));
    if (auto* refusal = std::get_if<Refusal>(&b)) throw ApiError(refusal->status, refusal->code, refusal->message);
    demo.bank = std::get<BankBinding>(b);
    if (body.cash && body.cash->units() > 0) {
      auto deposit = Transfer{body.request_id + ":cash", demo.customer.fund_account, "in", *body.cash, today};
      auto t = co_await s.transfer(std::move(deposit));
      if (auto* refusal = std::get_if<Refusal>(&t)) throw ApiError(refusal->status, refusal->code, refusal->message);
    }
    auto bal = co_await s.balance(demo.customer.fund_account);
    demo.balance = std::get<Balance>(bal);
    ctx.log().info("counter sandbox: a demo customer made for a {} caller",
                   core::http::caller_kind_name(ctx.caller.kind));
    co_return Response::json(200, core::json::serialize(demo));
  });
}

}  // namespace zt::platform::counter
