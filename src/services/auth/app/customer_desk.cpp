#include "services/auth/app/customer_desk.hpp"

#include <fmt/format.h>

#include <algorithm>

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

// What a desk may search by: a mobile number (a +86 or 86 prefix dropped), a customer id, a fund
// account (digits). Anything else — an ID card number typed in the box, a name — is refused
// before it is searched or written anywhere.
std::string normalised(const std::string& query) {
  std::string q = query;
  if (q.rfind("+86", 0) == 0) q = q.substr(3);
  else if (q.size() == 13 && q.rfind("86", 0) == 0) q = q.substr(2);
  const bool digits = !q.empty() && q.find_first_not_of("0123456789") == std::string::npos;
  const bool customer_id = q.size() == 13 && q[0] == 'C' && q.find_first_not_of("0123456789", 1) == std::string::npos;
  if (core::finance::is_valid_mobile(q) || customer_id || (digits && q.size() >= 6 && q.size() <= 16 && q.size() != 11)) return q;
  throw ApiError(400, "AUTH_QUERY_INVALID", "请输入完整的手机号、客户号或资金账号");
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
  const auto chars = std::count_if(r.begin(), r.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; });
  if (chars > 200) throw ApiError(400, "AUTH_REASON_TOO_LONG", "操作原因过长（最多200字）");
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
  const std::string q = normalised(query);
  const Audit a = audit_of(ctx);
  const auto now = core::unix_millis();
  CustomerMatches out;
  out.items = co_await db_.write([&](core::storage::Tx& tx) {
    auto found = store_.find_customers(tx, q, now);
    const std::string customer = found.size() == 1 ? found.front().customer_id : "";
    store_.audit(tx, a, "customer.searched",
                 found.empty()      ? "无结果"
                 : customer.empty() ? "多个客户"
                                    : customer,
                 fmt::format("按{} 查询，{}", described(q),
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

boost::asio::awaitable<CustomerOverview> CustomerDesk::change(const std::string& customer_id, const StaffReason& in,
                                                              const RequestContext& ctx, const Change& what) {
  co_await accounts_.require(ctx, "customers.manage");
  const std::string reason = reason_of(in);
  const Audit a = audit_of(ctx);
  const auto now = core::unix_millis();
  auto out = co_await db_.write([&](core::storage::Tx& tx) {
    if (!store_.customer_card(tx, customer_id, now)) throw ApiError(404, "AUTH_CUSTOMER_NOT_FOUND", "客户不存在");
    what(tx, reason, a, now);
    return overview_of(tx, customer_id, now);
  });
  co_return out;
}

boost::asio::awaitable<CustomerOverview> CustomerDesk::end_sessions(const std::string& customer_id, const StaffReason& in,
                                                                    const RequestContext& ctx) {
  const Change end = [&](core::storage::Tx& tx, const std::string& reason, const Audit& a, std::int64_t now) {
    const auto ended = store_.end_customer_sessions(tx, customer_id, reason, a, now);
    ctx.log().info("auth: staff {} ended {} sessions of a customer (audited)", a.actor, ended);
  };
  co_return co_await change(customer_id, in, ctx, end);
}

boost::asio::awaitable<CustomerOverview> CustomerDesk::unlock(const std::string& customer_id, const StaffReason& in,
                                                              const RequestContext& ctx) {
  const Change lift = [&](core::storage::Tx& tx, const std::string& reason, const Audit& a, std::int64_t now) {
    if (!store_.unlock_customer(tx, customer_id, reason, a, now))
      throw ApiError(409, "AUTH_NOT_LOCKED", "该客户当前没有登录锁定，无需解锁");
  };
  co_return co_await change(customer_id, in, ctx, lift);
}

}  // namespace zt::services::auth
