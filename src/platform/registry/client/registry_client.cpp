#include "platform/registry/client/registry_client.hpp"

#include "core/json/json.hpp"

namespace zt::platform::registry {

using core::discovery::ConfigItem;
using core::discovery::ConfigKey;
using core::discovery::Outcome;
using core::http::Method;

std::string RegistryClient::path(const ConfigKey& key) {
  return "/api/registry/v1/configs/" + segment(key.namespace_id) + "/" + segment(key.group) + "/" + segment(key.data_id);
}

boost::asio::awaitable<Outcome<ConfigItem>> RegistryClient::config(const ConfigKey& key,
                                                                   const core::http::RequestContext* ctx) const {
  const std::string target = path(key), none;
  auto reply = co_await send(Method::kGet, target, none, ctx);
  co_return outcome<ConfigItem>(reply);
}

boost::asio::awaitable<Outcome<ConfigItem>> RegistryClient::publish(const ConfigKey& key, const PublishRequest& request,
                                                                    const core::http::RequestContext* ctx) const {
  const std::string target = path(key), body = core::json::serialize(request);
  auto reply = co_await send(Method::kPut, target, body, ctx);
  co_return outcome<ConfigItem>(reply);
}

}  // namespace zt::platform::registry
