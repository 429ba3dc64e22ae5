#include "services/auth/app/customer_desk.hpp"

#include <fmt/format.h>

#include "core/finance/identity.hpp"
#include "core/http/error.hpp"
#include "core/util/time.hpp"
#include "services/auth/app/requester.hpp"
#include "services/auth/app/staff_accounts.hpp"

namespace zt::services::auth {

namespace {

using core::http::ApiError;
using core::http::RequestContext;

// "10.1.2.3" → "10.1.2.*", "2001:db8::1" → "2001:db8::*": enough to tell devices apart.
std::string masked_address(const std::string& ip) {
  const auto cut = ip.find_last_of(ip.find(':') != std::string::npos ? ':' : '.');
  return cut == std::string::npos ? ip : ip.substr(0, cut + 1) + "*";
}

// What the audit says was searched: the number masked like everywhere else.
std::string described(const std::string& query) {
  if (core::finance::is_valid_mobile(query)) return "手机号 " + core::finance::mask_mobile(query);
  if (query.size() == 13 && query[0] == 'C') return "客户号 " + query;
  return "资金账号 " + query;
}

std::string reason_of(const StaffReason& in) {
  std::string r = in.reason;
  const auto first = r.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) throw ApiError(400, "AUTH_REASON_REQUIRED", "请填写操作原因");
  r = r.substr(first, r.find_last_not_of(" \t\r\n") - first + 1);
  if (r.size() > 600) throw ApiError(400, "AUTH_REASON_TOO_LONG", "操作原因过长（最多200字）");
  return r;
}

}  // namespace

CustomerOverview CustomerDesk::overview_of(core::storage::Tx& tx, const std::string& customer_id,
                                           std::int64_t now) const {
  auto card = store_.customer_card(tx, customer_id, now);
  if (!card) throw ApiError(404, "AUTH_CUSTOMER_NOT_FOUND", "客户不存在");
  CustomerOverview out{*card, store_.sessions(tx, customer_id, ""), store_.consents(tx, customer_id)};
  for (auto& s : out.sessions) s.ip = masked_address(s.ip);
  for (auto& c : out.agreements) c.ip = masked_address(c.ip);
  return out;
}

boost::asio::awaitable<CustomerMatches> CustomerDesk::search(const std::string& query, const RequestContext& ctx) {
  co_await accounts_.require(ctx, "customers.read");
  if (query.empty() || query.size() > 32 || query.find_first_of(" \t\r\n") != std::string::npos)
    throw ApiError(400, "AUTH_QUERY_INVALID", "请输入完整的手机号、客户号或资金账号");
  const Audit a = audit_of(ctx);
  const auto now = core::unix_millis();
  CustomerMatches out;
  out.items = co_await db_.write([&](core::storage::Tx& tx) {
    auto found = store_.find_customers(tx, query, now);
    const std::string customer = found.size() == 1 ? found.front().customer_id : "";
    store_.audit(tx, a, "customer.searched",
                 found.empty()      ? "无结果"
                 : customer.empty() ? "多个客户"
                                    : customer,
                 fmt::format("按{} 查询，{}", described(query),
                             found.empty() ? "未找到客户" : fmt::format("找到{}位客户", found.size())),
                 now, customer);
    return found;
  });
  co_return out;
}

boost::asio::awaitable<CustomerOverview> CustomerDesk::view(const std::string& customer_id, const RequestContext& ctx) {
  co_await accounts_.require(ctx, "customers.read");
  const Audit a = audit_of(ctx);
  const auto now = core::unix_millis();
  auto out = co_await db_.write([&](core::storage::Tx& tx) {
    auto seen = overview_of(tx, customer_id, now);
    store_.audit(tx, a, "customer.viewed", customer_id, "查看客户账户信息", now, customer_id);
    return seen;
  });
  co_return out;
}

boost::asio::awaitable<CustomerOverview> CustomerDesk::end_sessions(const std::string& customer_id,
                                                                    const StaffReason& in, const RequestContext& ctx) {
  co_await accounts_.require(ctx, "customers.manage");
  const std::string reason = reason_of(in);
  const Audit a = audit_of(ctx);
  const auto now = core::unix_millis();
  auto out = co_await db_.write([&](core::storage::Tx& tx) {
    if (!store_.customer_card(tx, customer_id, now)) throw ApiError(404, "AUTH_CUSTOMER_NOT_FOUND", "客户不存在");
    const auto ended = store_.end_customer_sessions(tx, customer_id, reason, a, now);
    ctx.log().info("auth: staff {} ended {} sessions of customer {}", a.actor, ended, customer_id);
    return overview_of(tx, customer_id, now);
  });
  co_return out;
}

boost::asio::awaitable<CustomerOverview> CustomerDesk::unlock(const std::string& customer_id, const StaffReason& in,
                                                              const RequestContext& ctx) {
  co_await accounts_.require(ctx, "customers.manage");
  const std::string reason = reason_of(in);
  const Audit a = audit_of(ctx);
  const auto now = core::unix_millis();
  auto out = co_await db_.write([&](core::storage::Tx& tx) {
    if (!store_.customer_card(tx, customer_id, now)) throw ApiError(404, "AUTH_CUSTOMER_NOT_FOUND", "客户不存在");
    if (!store_.unlock_customer(tx, customer_id, reason, a, now))
      throw ApiError(409, "AUTH_NOT_LOCKED", "该客户当前没有登录锁定，无需解锁");
    return overview_of(tx, customer_id, now);
  });
  co_return out;
}

}  // namespace zt::services::auth
