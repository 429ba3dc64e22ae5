#include "platform/suitability/client/suitability_client.hpp"

#include "core/json/json.hpp"

namespace zt::platform::suitability {

namespace {
const std::string kBase = "/api/suitability/v1";
}  // namespace

using core::http::Method;
using core::http::RequestContext;

boost::asio::awaitable<Outcome<MatchOut>> SuitabilityClient::match(const MatchIn& in, const RequestContext* ctx) const {
  const std::string target = kBase + "/match", body = core::json::serialize(in);
  auto reply = co_await send(Method::kPost, target, body, ctx);
  co_return outcome<MatchOut>(reply);
}

boost::asio::awaitable<Outcome<Warning>> SuitabilityClient::issue_warning(const WarningIn& in,
                                                                          const RequestContext* ctx) const {
  const std::string target = kBase + "/warnings", body = core::json::serialize(in);
  auto reply = co_await send(Method::kPost, target, body, ctx);
  co_return outcome<Warning>(reply);
}

boost::asio::awaitable<Outcome<ProfileView>> SuitabilityClient::profile(const std::string& customer_id,
                                                                        const RequestContext* ctx) const {
  const std::string target = kBase + "/customers/" + segment(customer_id), none;
  auto reply = co_await send(Method::kGet, target, none, ctx);
  co_return outcome<ProfileView>(reply);
}

}  // namespace zt::platform::suitability
