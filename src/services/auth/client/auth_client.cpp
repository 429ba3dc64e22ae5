#include "services/auth/client/auth_client.hpp"

#include "core/json/json.hpp"

namespace zt::services::auth {

boost::asio::awaitable<core::discovery::Outcome<FundAccount>> AuthClient::fund_account(
    const std::string& customer_id, const core::http::RequestContext* ctx) const {
  const std::string target = "/api/auth/v1/customers/" + segment(customer_id) + "/account", none;
  auto reply = co_await send(core::http::Method::kGet, target, none, ctx);
  co_return outcome<FundAccount>(reply);
}

}  // namespace zt::services::auth
