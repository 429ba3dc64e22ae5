#pragma once
// Customer service (客服): find a customer by their mobile number, customer id or fund account,
// see what the auth service keeps of them (masked: never the number itself), and help them — end
// every session (a lost phone) or lift a sign-in lock once their identity is confirmed by phone.
//
// Staff with customers.read search and view; customers.manage end sessions and unlock, each with
// a reason. Every search and every view is audited with the staff member, their address and the
// customer concerned (who looked at whom, and why it changed: 个人信息保护法 §51), so the audit
// view answers "who saw this customer" as well as "who changed them".
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>
#include <vector>

#include "core/http/context.hpp"
#include "core/storage/database.hpp"
#include "services/auth/api_types.hpp"
#include "services/auth/store/auth_store.hpp"

namespace zt::services::auth {

class StaffAccounts;

class CustomerDesk {
 public:
  CustomerDesk(core::storage::Database& db, AuthStore& store, StaffAccounts& accounts)
      : db_(db), store_(store), accounts_(accounts) {}

  // 400 AUTH_QUERY_INVALID for an empty or overlong query; no match is an empty list.
  boost::asio::awaitable<CustomerMatches> search(const std::string& query, const core::http::RequestContext& ctx);
  // 404 AUTH_CUSTOMER_NOT_FOUND.
  boost::asio::awaitable<CustomerOverview> view(const std::string& customer_id, const core::http::RequestContext& ctx);
  // 400 AUTH_REASON_REQUIRED; answers the customer as they are afterwards.
  boost::asio::awaitable<CustomerOverview> end_sessions(const std::string& customer_id, const StaffReason& in,
                                                        const core::http::RequestContext& ctx);
  // 409 AUTH_NOT_LOCKED when no lock is in force.
  boost::asio::awaitable<CustomerOverview> unlock(const std::string& customer_id, const StaffReason& in,
                                                  const core::http::RequestContext& ctx);

 private:
  CustomerOverview overview_of(core::storage::Tx& tx, const std::string& customer_id, std::int64_t now) const;
  // A change customers.manage makes (with its reason, in one transaction with the customer's
  // existence checked), answering the customer as they are afterwards.
  using Change = std::function<void(core::storage::Tx&, const std::string& reason, const Audit&, std::int64_t now)>;
  boost::asio::awaitable<CustomerOverview> change(const std::string& customer_id, const StaffReason& in,
                                                  const core::http::RequestContext& ctx, const Change& what);

  core::storage::Database& db_;
  AuthStore& store_;
  StaffAccounts& accounts_;
};

}  // namespace zt::services::auth
