#pragma once
// The registry's config center as a service calls it to read and publish its own item (a typed
// client, core/discovery/api_client.hpp). Calls made for a staff member carry the staff identity
// of the request they serve (the config center's history and audit name that person).
#include <string>

#include "core/discovery/api_client.hpp"
#include "core/discovery/config_types.hpp"
#include "platform/registry/client/registry_api.hpp"

namespace zt::platform::registry {

class RegistryClient : core::discovery::ApiClient {
 public:
  RegistryClient(core::discovery::ServiceClient& client, std::string as)
      : ApiClient(client, "registry", "REGISTRY", std::move(as)) {}

  // The item in force (refused 404 REGISTRY_CONFIG_NOT_FOUND when there is none).
  boost::asio::awaitable<core::discovery::Outcome<core::discovery::ConfigItem>> config(
      const core::discovery::ConfigKey& key, const core::http::RequestContext* ctx) const;
  // A new version (refused 409 REGISTRY_CONFIG_CONFLICT when expected_version is not the current
  // one; unknown: it may have been published — read before publishing again).
  boost::asio::awaitable<core::discovery::Outcome<core::discovery::ConfigItem>> publish(
      const core::discovery::ConfigKey& key, const PublishRequest& request, const core::http::RequestContext* ctx) const;

 private:
  static std::string path(const core::discovery::ConfigKey& key);
};

}  // namespace zt::platform::registry
