#pragma once
// The registry's config-center wire types for the services that publish their own item (the
// calendar its calendar.yaml), shared by its handlers and its client (registry_client.hpp). An
// item as served is core::discovery::ConfigItem.
#include <boost/describe.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace zt::platform::registry {

// PUT /api/registry/v1/configs/{namespace}/{group}/{data_id}
struct PublishRequest {
  std::string content;
  std::string format = "yaml";
  std::string author;
  std::string comment;
  std::optional<std::int64_t> expected_version;  // optimistic lock: 0 means "must not exist yet"
  // false: a settings item stored without the config center's check (a registry older than the
  // services reading the item does not know their new settings); audited as such. The processes
  // still check what they apply and refuse it with an ack.
  std::optional<bool> check;
};
BOOST_DESCRIBE_STRUCT(PublishRequest, (), (content, format, author, comment, expected_version, check))

}  // namespace zt::platform::registry
