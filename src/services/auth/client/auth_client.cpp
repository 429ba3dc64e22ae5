#include "services/auth/client/auth_client.hpp"

#include "core/json/json.hpp"

namespace zt::services::auth {

boost::asio::awaitable<core::discovery::Outcome<FundAccount>> AuthClient::fund_account(
    const std::string& customer_id, const core::http::RequestContext* ctx) const {
  const std::string target = "/api/auth/v1/customers/" + segment(customer_id) + "/account", none;
  auto reply = co_await send(core::http::Method::kGet, target, none, ctx);
  co_return outcome<FundAccount>(reply);
}

boost::asio::awaitable<core::discovery::Outcome<std::string>> AuthClient::jwks() const {
  const std::string target = "/api/auth/v1/jwks", none;
  auto reply = co_await send(core::http::Method::kGet, target, none, nullptr);
  co_return outcome<std::string>(reply, [](const std::string& body) { return body; });
}

boost::asio::awaitable<core::discovery::Outcome<RevocationPage>> AuthClient::revocations_since(std::int64_t since_ms) const {
  const std::string target = "/api/auth/v1/sessions/revoked?since_ms=" + std::to_string(since_ms), none;
  auto reply = co_await send(core::http::Method::kGet, target, none, nullptr);
  co_return outcome<RevocationPage>(reply);
}

boost::asio::awaitable<core::discovery::Outcome<RevocationPage>> AuthClient::revocations_after(
    const std::string& cursor) const {
  const std::string target = "/api/auth/v1/sessions/revoked?after=" + segment(cursor), none;
  auto reply = co_await send(core::http::Method::kGet, target, none, nullptr);
  co_return outcome<RevocationPage>(reply);
}

}  // namespace zt::services::auth
