#include "services/mall/handlers/mall_handlers.hpp"

#include <fmt/format.h>

#include "core/http/context.hpp"
#include "core/http/error.hpp"
#include "core/http/guards.hpp"
#include "core/http/params.hpp"
#include "core/http/refusal.hpp"
#include "core/http/router.hpp"
#include "core/json/json.hpp"
#include "services/mall/app/catalogue.hpp"
#include "services/mall/app/confirmation.hpp"
#include "services/mall/app/nav_corrections.hpp"
#include "services/mall/app/orders.hpp"
#include "services/mall/app/reconciliation.hpp"
#include "services/mall/app/stuck_desk.hpp"

namespace zt::services::mall {

namespace {

using core::http::ApiError;
using core::http::CallerKind;
using core::http::limit_param;
using core::http::Method;
using core::http::path_param;
using core::http::value_or_throw;
using core::http::Request;
using core::http::RequestContext;
using core::http::Response;
using Reply = boost::asio::awaitable<Response>;

const std::string kBase = "/api/mall/v1";

const core::http::Guards kGuard{"MALL"};
// The signed-in customer (a verified identity, never a field of the body).
std::string customer_of(const RequestContext& ctx) { return kGuard.customer(ctx); }
void require_product_manager(const RequestContext& ctx) { kGuard.staff(ctx, "products.manage", "管理产品与净值"); }
Actor actor(const RequestContext& ctx) { return Actor{ctx.caller.subject, ctx.trace_id, ctx.remote_address}; }

template <class T>
Response ok(const T& value, int status = 200) {
  return Response::json(status, core::json::serialize(value));
}

void catalogue_routes(core::http::Router& r, Catalogue& c) {
  // ---- anyone; a signed-in customer sees what is promoted to them
  r.add(Method::kGet, kBase + "/products", [&c](Request& req, RequestContext& ctx) -> Reply {
    const auto category = req.query_param("category").value_or("");
    const auto cursor = req.query_param("cursor").value_or("");
    const auto limit = limit_param(req, "MALL");
    auto body = co_await c.list(category, cursor, limit, ctx);
    co_return Response::json(200, *body);
  });
  r.add(Method::kGet, kBase + "/products/{code}", [&c](Request&, RequestContext& ctx) -> Reply {
    const auto code = path_param(ctx, "code");
    auto body = co_await c.detail(code, ctx);
    co_return Response::json(200, *body);
  });
  r.add(Method::kGet, kBase + "/products/{code}/navs", [&c](Request& req, RequestContext& ctx) -> Reply {
    const auto code = path_param(ctx, "code");
    const auto from = req.query_param("from").value_or("0000-01-01"), to = req.query_param("to").value_or("9999-12-31");
    auto out = co_await c.navs(code, from, to, ctx);
    co_return ok(out);
  });
  r.add(Method::kGet, kBase + "/products/{code}/estimate", [&c](Request& req, RequestContext& ctx) -> Reply {
    const auto code = path_param(ctx, "code");
    const auto amount = req.query_param("amount").value_or("");
    auto out = co_await c.estimate(code, amount, ctx);
    co_return ok(out);
  });

  // ---- staff with products.manage
  r.add(Method::kGet, kBase + "/admin/products", [&c](Request& req, RequestContext& ctx) -> Reply {
    require_product_manager(ctx);
    const auto category = req.query_param("category").value_or("");
    const auto cursor = req.query_param("cursor").value_or("");
    const auto limit = limit_param(req, "MALL");
    auto out = co_await c.list_all(category, cursor, limit);
    co_return ok(out);
  });
  r.add(Method::kPost, kBase + "/admin/products", [&c](Request& req, RequestContext& ctx) -> Reply {
    require_product_manager(ctx);
    const auto in = core::json::parse<ProductIn>(req.body);
    const auto who = actor(ctx);
    auto out = co_await c.create(in, who);
    co_return ok(out);
  });
  r.add(Method::kPut, kBase + "/admin/products/{code}", [&c](Request& req, RequestContext& ctx) -> Reply {
    require_product_manager(ctx);
    const auto in = core::json::parse<ProductIn>(req.body);
    const auto code = path_param(ctx, "code");
    const auto who = actor(ctx);
    auto out = co_await c.update(code, in, who, ctx);
    co_return ok(out);
  });
  r.add(Method::kPost, kBase + "/admin/products/{code}/status", [&c](Request& req, RequestContext& ctx) -> Reply {
    require_product_manager(ctx);
    const auto in = core::json::parse<StatusIn>(req.body);
    const auto code = path_param(ctx, "code");
    const auto who = actor(ctx);
    auto out = co_await c.set_status(code, in, who, &ctx);
    co_return ok(out);
  });
  r.add(Method::kPut, kBase + "/admin/products/{code}/navs/{date}", [&c](Request& req, RequestContext& ctx) -> Reply {
    require_product_manager(ctx);
    const auto in = core::json::parse<NavIn>(req.body);
    const auto code = path_param(ctx, "code"), date = path_param(ctx, "date");
    const auto who = actor(ctx);
    auto out = co_await c.enter_nav(code, date, in.nav, who, &ctx);
    co_return ok(out);
  });
  r.add(Method::kGet, kBase + "/admin/products/{code}/navs", [&c](Request&, RequestContext& ctx) -> Reply {
    require_product_manager(ctx);
    const auto code = path_param(ctx, "code");
    const std::string from = "0000-01-01", to = "9999-12-31";
    auto out = co_await c.navs_any(code, from, to);
    co_return ok(out);
  });
  r.add(Method::kPost, kBase + "/admin/navs/import", [&c](Request& req, RequestContext& ctx) -> Reply {
    require_product_manager(ctx);
    const auto in = core::json::parse<NavImport>(req.body);
    const auto who = actor(ctx);
    auto out = co_await c.import_navs(in.csv, who, ctx);
    co_return ok(out);
  });
}

void order_routes(core::http::Router& r, Orders& o) {
  // ---- signed-in customers
  r.add(Method::kGet, kBase + "/products/{code}/suitability", [&o](Request&, RequestContext& ctx) -> Reply {
    const auto customer = customer_of(ctx);
    const auto code = path_param(ctx, "code");
    auto out = co_await o.suitability(customer, code, ctx);
    co_return ok(out);
  });
  r.add(Method::kPost, kBase + "/products/{code}/risk-warning", [&o](Request&, RequestContext& ctx) -> Reply {
    const auto customer = customer_of(ctx);
    const auto code = path_param(ctx, "code");
    auto out = co_await o.risk_warning(customer, code, ctx);
    co_return ok(out);
  });
  r.add(Method::kPost, kBase + "/orders", [&o](Request& req, RequestContext& ctx) -> Reply {
    const auto customer = customer_of(ctx);
    const auto key = req.headers.get("idempotency-key");
    if (!key || key->size() < 8 || key->size() > 128)
      throw ApiError(400, "MALL_IDEMPOTENCY_KEY_REQUIRED", "下单需要 Idempotency-Key 请求头（8到128位）");
    const std::string idempotency_key(*key);
    const auto in = core::json::parse<OrderIn>(req.body);
    auto placed = co_await o.place(customer, idempotency_key, in, ctx);
    co_return ok(placed.view, placed.known ? 200 : 202);
  });
  r.add(Method::kGet, kBase + "/orders", [&o](Request& req, RequestContext& ctx) -> Reply {
    const auto customer = customer_of(ctx);
    const auto cursor = req.query_param("cursor").value_or("");
    const auto limit = limit_param(req, "MALL");
    auto out = co_await o.mine(customer, cursor, limit);
    co_return ok(out);
  });
  r.add(Method::kGet, kBase + "/orders/{id}", [&o](Request&, RequestContext& ctx) -> Reply {
    const auto customer = customer_of(ctx);
    const auto id = path_param(ctx, "id");
    auto out = co_await o.one(customer, id);
    co_return ok(out);
  });
  r.add(Method::kPost, kBase + "/orders/{id}/cancel", [&o](Request&, RequestContext& ctx) -> Reply {
    const auto customer = customer_of(ctx);
    const auto id = path_param(ctx, "id");
    auto out = co_await o.cancel(customer, id, ctx);
    co_return ok(out);
  });
  r.add(Method::kGet, kBase + "/holdings", [&o](Request&, RequestContext& ctx) -> Reply {
    const auto customer = customer_of(ctx);
    auto out = co_await o.holdings(customer, ctx);
    co_return ok(out);
  });

  // ---- staff with orders.read
  r.add(Method::kGet, kBase + "/admin/orders", [&o](Request& req, RequestContext& ctx) -> Reply {
    kGuard.staff(ctx, "orders.read", "查询订单");
    OrderFilter f;
    f.customer = req.query_param("customer").value_or("");
    f.product = req.query_param("product").value_or("");
    f.state = req.query_param("state").value_or("");
    f.cursor = req.query_param("cursor").value_or("");
    f.limit = limit_param(req, "MALL");
    const auto who = actor(ctx);
    auto out = co_await o.search(f, who);
    co_return ok(out);
  });
}

}  // namespace

// ---- NAV corrections: made with navs.correct, listed with products.manage
void nav_correction_routes(core::http::Router& r, NavCorrections& n) {
  r.add(Method::kPost, kBase + "/admin/products/{code}/navs/{date}/corrections", [&n](Request& req, RequestContext& ctx) -> Reply {
    kGuard.staff(ctx, "navs.correct", "更正净值");
    const auto in = core::json::parse<NavCorrectionIn>(req.body);
    const auto code = path_param(ctx, "code"), date = path_param(ctx, "date");
    const auto who = actor(ctx);
    auto out = co_await n.correct(code, date, in, who, &ctx);
    // Sending: recorded, the counter's answer not in yet (the confirmation job sends it again).
    co_return ok(out, out.state == "sending" ? 202 : 200);
  });
  r.add(Method::kGet, kBase + "/admin/nav-corrections", [&n](Request& req, RequestContext& ctx) -> Reply {
    require_product_manager(ctx);
    const auto code = req.query_param("code").value_or("");
    const auto limit = limit_param(req, "MALL");
    auto out = co_await n.list(code, limit, ctx.caller.has_permission("orders.read"));
    co_return ok(out);
  });
}

void add_mall_routes(core::http::Router& r, MallApp app) {
  catalogue_routes(r, app.catalogue);
  nav_correction_routes(r, app.corrections);
  order_routes(r, app.orders);
  // ---- staff with orders.read: the mall against the counter
  r.add(Method::kGet, kBase + "/admin/reconciliation", [&rec = app.reconciliation](Request&, RequestContext& ctx) -> Reply {
    kGuard.staff(ctx, "orders.read", "查询订单");
    auto report = co_await rec.report(ctx);
    ctx.log().info("mall: reconciliation by {}: {} difference(s)", ctx.caller.subject, report.differences.size());
    co_return ok(report);
  });
  // ---- stuck orders: the list and one order's history (orders.read), their resolution
  // (orders.manage, audited), the mall's audit (audit.read)
  r.add(Method::kGet, kBase + "/admin/stuck", [&desk = app.stuck](Request&, RequestContext& ctx) -> Reply {
    kGuard.staff(ctx, "orders.read", "查询订单");
    auto out = co_await desk.list();
    co_return ok(out);
  });
  r.add(Method::kGet, kBase + "/admin/orders/{id}", [&desk = app.stuck](Request&, RequestContext& ctx) -> Reply {
    kGuard.staff(ctx, "orders.read", "查询订单");
    const auto id = path_param(ctx, "id");
    auto out = co_await desk.detail(id);
    co_return ok(out);
  });
  r.add(Method::kPost, kBase + "/admin/orders/{id}/resolve", [&desk = app.stuck](Request& req, RequestContext& ctx) -> Reply {
    kGuard.staff(ctx, "orders.manage", "处理异常订单");
    const auto key = req.headers.get("idempotency-key");
    if (!key || key->size() < 8 || key->size() > 128)
      throw ApiError(400, "MALL_IDEMPOTENCY_KEY_REQUIRED", "处理异常订单需要 Idempotency-Key 请求头（8到128位）");
    const std::string idempotency_key(*key);
    const auto in = core::json::parse<ResolveIn>(req.body);
    const auto id = path_param(ctx, "id");
    const auto who = actor(ctx);
    auto out = co_await desk.resolve(id, in, who, idempotency_key, ctx);
    co_return ok(out);
  });
  r.add(Method::kGet, kBase + "/admin/audit", [&desk = app.stuck](Request& req, RequestContext& ctx) -> Reply {
    kGuard.staff(ctx, "audit.read", "查看审计日志");
    const AuditQuery query =
        value_or_throw(core::storage::audit_query([&req](const char* name) { return req.query_param(name); }, "MALL"));
    auto out = co_await desk.audit(query);
    co_return ok(out);
  });
  // ---- staff with sandbox.manage: a confirmation run now
  r.add(Method::kPost, kBase + "/admin/confirmations", [&job = app.confirmation](Request&, RequestContext& ctx) -> Reply {
    kGuard.staff(ctx, "sandbox.manage", "操作沙箱环境");
    auto run = co_await job.run_now(ctx);
    if (!run) throw ApiError(503, core::http::codes::kOverloaded, "确认任务正在运行，请稍后再试");
    ctx.log().info("mall: confirmation run by {}: {} confirmed, {} waiting, {} failed", ctx.caller.subject,
                   run->confirmed, run->waiting_for_nav, run->failed);
    co_return ok(*run);
  });
}

}  // namespace zt::services::mall
