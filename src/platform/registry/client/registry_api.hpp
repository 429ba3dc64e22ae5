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
};
BOOST_DESCRIBE_STRUCT(PublishRequest, (), (content, format, author, comment, expected_version))

}  // namespace zt::platform::registry
