#include "services/auth/accounts_api.hpp"

#include <fmt/format.h>

#include <boost/describe.hpp>

#include "core/discovery/service_client.hpp"
#include "core/finance/identity.hpp"
#include "core/http/error.hpp"
#include "core/http/refusal.hpp"
#include "core/json/json.hpp"
#include "core/observe/log.hpp"
#include "core/util/digest.hpp"
#include "core/util/time.hpp"

namespace zt::services::auth {

struct FundAccount {
  std::string customer_id;
  std::optional<std::string> fund_account;
};
BOOST_DESCRIBE_STRUCT(FundAccount, (), (customer_id, fund_account))
struct BindAccount {
  std::string fund_account;
};
BOOST_DESCRIBE_STRUCT(BindAccount, (), (fund_account))
struct DemoCustomer {
  std::string request_id;
  std::string name;
  std::string id_number;
  std::string mobile;
  std::string cash;
};
BOOST_DESCRIBE_STRUCT(DemoCustomer, (), (request_id, name, id_number, mobile, cash))

namespace {

using core::http::ApiError;
using core::http::Method;
using core::http::Request;
using core::http::RequestContext;
using core::http::Response;
using Reply = boost::asio::awaitable<Response>;

void require_service(const RequestContext& ctx) {
  if (ctx.calling_service.empty()) throw ApiError(403, "AUTH_SERVICE_ONLY", "仅限内部服务调用");
}
void require_customer(const RequestContext& ctx) {
  if (ctx.caller.kind != core::http::CallerKind::kCustomer || ctx.caller.subject.empty())
    throw ApiError(401, "AUTH_SIGN_IN_REQUIRED", "请先登录");
}
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
  r.add(Method::kGet, "/api/auth/v1/customers/{id}/account", [d](Request&, RequestContext& ctx) -> Reply {
    require_service(ctx);
    const std::string id(ctx.param("id").value_or(""));
    auto fa = co_await d->db.read([&](core::storage::Tx& tx) { return d->store.fund_account(tx, id); });
    if (!fa) throw ApiError(404, "AUTH_CUSTOMER_NOT_FOUND", "客户不存在");
    co_return Response::json(200, core::json::serialize(FundAccount{id, *fa}));
  });
  r.add(Method::kPut, "/api/auth/v1/customers/{id}/account", [d](Request& req, RequestContext& ctx) -> Reply {
    require_service(ctx);
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
  r.add(Method::kPost, "/api/auth/v1/me/sandbox-account", [d](Request&, RequestContext& ctx) -> Reply {
    require_customer(ctx);
    if (!d->sandbox) throw ApiError(404, "AUTH_NOT_SANDBOX", "仅沙箱环境可开立演示账户");
    const std::string id = ctx.caller.subject;
    auto existing = co_await d->db.read([&](core::storage::Tx& tx) {
      return std::make_pair(d->store.fund_account(tx, id), d->store.customer_mobile(tx, id));
    });
    if (!existing.first) throw ApiError(404, "AUTH_CUSTOMER_NOT_FOUND", "客户不存在");
    if (*existing.first) co_return Response::json(200, core::json::serialize(FundAccount{id, *existing.first}));
    std::string fund_account;
    for (int attempt = 0; attempt < 5 && fund_account.empty(); ++attempt) {
      core::http::Request open;
      open.method = Method::kPost;
      open.target = "/api/counter/v1/sandbox/demo-customers";
      open.headers.set("content-type", "application/json");
      open.body = core::json::serialize(DemoCustomer{fmt::format("auth-demo-{}-{}", id, attempt),
                                                     "沙箱客户" + existing.second.substr(existing.second.size() - 4),
                                                     sandbox_id_number(id, attempt), existing.second, "1000000.00"});
      const std::string counter = "counter";
      const core::discovery::CallOptions options{.as = "auth"};
      auto result = co_await d->discovery.client().call(counter, std::move(open), &ctx, options);
      if (result.response.status == 200) {
        const auto answer = boost::json::parse(result.response.body);
        fund_account = std::string(answer.at("customer").at("fund_account").as_string());
      } else if (result.response.body.find("COUNTER_CUSTOMER_EXISTS") == std::string::npos) {
        ctx.log().warn("auth: sandbox account opening answered {}", result.response.status);
        throw ApiError(503, "AUTH_SANDBOX_ACCOUNT_FAILED", "演示账户开立失败，请稍后重试");
      }
    }
    if (fund_account.empty()) throw ApiError(503, "AUTH_SANDBOX_ACCOUNT_FAILED", "演示账户开立失败，请稍后重试");
    const Audit a = who(ctx);
    const auto now = core::unix_millis();
    auto bound = core::http::value_or_throw(co_await d->db.write(
        [&](core::storage::Tx& tx) { return d->store.bind_fund_account(tx, id, fund_account, a, now); }));
    ctx.log().info("auth: sandbox fund account {} opened", bound);
    co_return Response::json(200, core::json::serialize(FundAccount{id, bound}));
  });
}

}  // namespace zt::services::auth
