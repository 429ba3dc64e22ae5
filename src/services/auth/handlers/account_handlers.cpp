#include "services/auth/handlers/account_handlers.hpp"

#include <fmt/format.h>

#include <boost/describe.hpp>

#include "core/discovery/service_client.hpp"
#include "core/finance/identity.hpp"
#include "core/http/error.hpp"
#include "core/http/guards.hpp"
#include "core/http/refusal.hpp"
#include "core/json/json.hpp"
#include "core/observe/log.hpp"
#include "core/util/digest.hpp"
#include "core/util/time.hpp"
#include "platform/counter/client/counter_client.hpp"
#include "services/auth/client/auth_api.hpp"

namespace zt::services::auth {

struct BindAccount {
  std::string fund_account;
};
BOOST_DESCRIBE_STRUCT(BindAccount, (), (fund_account))
namespace {

using core::http::ApiError;
using core::http::Method;
using core::http::Request;
using core::http::RequestContext;
using core::http::Response;
using Reply = boost::asio::awaitable<Response>;

const core::http::Guards kGuard{"AUTH", "AUTH_SIGN_IN_REQUIRED"};
Audit who(const RequestContext& ctx) {
  return {ctx.calling_service.empty() ? ctx.caller.subject : ctx.calling_service, ctx.remote_address, ctx.trace_id};
}

}  // namespace

std::string sandbox_id_number(const std::string& customer_id, int attempt) {
  const std::string h = core::sha256_hex(fmt::format("{}#{}", customer_id, attempt));
  const auto n = std::stoull(h.substr(0, 12), nullptr, 16);
  const auto birth = std::chrono::year_month_day{std::chrono::sys_days{std::chrono::year{1960} / 1 / 1} +
                                                 std::chrono::days{static_cast<int>(n % 14600)}};
  const std::string first17 = fmt::format("110105{:04d}{:02d}{:02d}{:03d}", static_cast<int>(birth.year()),
                                          static_cast<unsigned>(birth.month()), static_cast<unsigned>(birth.day()),
                                          static_cast<int>(n / 14600 % 1000));
  return first17 + core::finance::resident_id_check_char(first17);
}

void add_account_routes(core::http::Router& r, AccountApiDeps deps) {
  auto d = std::make_shared<AccountApiDeps>(deps);
  auto counter = std::make_shared<platform::counter::CounterClient>(deps.discovery.client(), "auth");
  r.add(Method::kGet, "/api/auth/v1/customers/{id}/account", [d](Request&, RequestContext& ctx) -> Reply {
    kGuard.service(ctx);
    const std::string id(ctx.param("id").value_or(""));
    auto fa = co_await d->db.read([&](core::storage::Tx& tx) { return d->store.fund_account(tx, id); });
    if (!fa) throw ApiError(404, "AUTH_CUSTOMER_NOT_FOUND", "客户不存在");
    co_return Response::json(200, core::json::serialize(FundAccount{id, *fa}));
  });
  r.add(Method::kPut, "/api/auth/v1/customers/{id}/account", [d](Request& req, RequestContext& ctx) -> Reply {
    kGuard.service(ctx);
    const std::string id(ctx.param("id").value_or(""));
    const auto body = core::json::parse<BindAccount>(req.body);
    const Audit a = who(ctx);
    const auto now = core::unix_millis();
    auto out = core::http::value_or_throw(co_await d->db.write(
        [&](core::storage::Tx& tx) { return d->store.bind_fund_account(tx, id, body.fund_account, a, now); }));
    co_return Response::json(200, core::json::serialize(FundAccount{id, out}));
  });
  // Sandbox: the customer opens a demo account at the sandbox counter (cash 1,000,000.00), bound
  // to them at once. A retry finishes what a failed attempt began (the counter's request ids).
  r.add(Method::kPost, "/api/auth/v1/me/sandbox-account", [d, counter](Request&, RequestContext& ctx) -> Reply {
    kGuard.customer(ctx);
    if (!d->sandbox) throw ApiError(404, "AUTH_NOT_SANDBOX", "仅沙箱环境可开立演示账户");
    const std::string id = ctx.caller.subject;
    auto existing = co_await d->db.read([&](core::storage::Tx& tx) {
      return std::make_pair(d->store.fund_account(tx, id), d->store.customer_mobile(tx, id));
    });
    if (!existing.first) throw ApiError(404, "AUTH_CUSTOMER_NOT_FOUND", "客户不存在");
    if (*existing.first) co_return Response::json(200, core::json::serialize(FundAccount{id, *existing.first}));
    std::string fund_account;
    for (int attempt = 0; attempt < 5 && fund_account.empty(); ++attempt) {
      const platform::counter::DemoRequest demo{fmt::format("auth-demo-{}-{}", id, attempt),
                                                "沙箱客户" + existing.second.substr(existing.second.size() - 4),
                                                sandbox_id_number(id, attempt), existing.second,
                                                core::finance::Money::parse("1000000.00")};
      auto opened = co_await counter->open_demo_customer(demo, &ctx);
      if (auto* done = std::get_if<platform::counter::Demo>(&opened)) {
        fund_account = done->customer.fund_account;
      } else if (auto* r = std::get_if<core::Refusal>(&opened); !r || r->code != "COUNTER_CUSTOMER_EXISTS") {
        // (COUNTER_CUSTOMER_EXISTS: the synthetic ID number collides; the next attempt derives another.)
        ctx.log().warn("auth: sandbox account opening failed ({})", r ? r->code : "no answer");
        throw ApiError::upstream(503, "AUTH_SANDBOX_ACCOUNT_FAILED", "演示账户开立失败，请稍后重试");
      }
    }
    if (fund_account.empty()) throw ApiError::upstream(503, "AUTH_SANDBOX_ACCOUNT_FAILED", "演示账户开立失败，请稍后重试");
    const Audit a = who(ctx);
    const auto now = core::unix_millis();
    auto bound = core::http::value_or_throw(co_await d->db.write(
        [&](core::storage::Tx& tx) { return d->store.bind_fund_account(tx, id, fund_account, a, now); }));
    ctx.log().info("auth: a sandbox fund account opened");
    co_return Response::json(200, core::json::serialize(FundAccount{id, bound}));
  });
}

}  // namespace zt::services::auth
