#pragma once
// Config-center items as the registry serves them and the clients follow them.
#include <boost/describe.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace zt::core::discovery {

struct ConfigKey {
  std::string namespace_id = "public";
  std::string group = "DEFAULT_GROUP";
  std::string data_id;

  std::string to_string() const { return namespace_id + "/" + group + "/" + data_id; }
  friend bool operator==(const ConfigKey&, const ConfigKey&) = default;
  friend auto operator<=>(const ConfigKey&, const ConfigKey&) = default;
};
BOOST_DESCRIBE_STRUCT(ConfigKey, (), (namespace_id, group, data_id))

struct ConfigItem {
  std::string namespace_id;
  std::string group;
  std::string data_id;
  std::string content;
  std::string format;  // yaml | json | properties | text
  std::int64_t version = 0;
  std::string md5;
  std::string author;
  std::string comment;
  std::string updated_at;
  std::optional<std::string> gray_tag;  // set when this is the gray version served to that tag

  ConfigKey key() const { return {namespace_id, group, data_id}; }
};
BOOST_DESCRIBE_STRUCT(ConfigItem, (), (namespace_id, group, data_id, content, format, version, md5, author, comment,
                                       updated_at, gray_tag))

// One key a listener follows, with the MD5 it holds ("" when it has none).
struct ConfigWatch {
  std::string namespace_id = "public";
  std::string group = "DEFAULT_GROUP";
  std::string data_id;
  std::string md5;
  ConfigKey key() const { return {namespace_id, group, data_id}; }
};
BOOST_DESCRIBE_STRUCT(ConfigWatch, (), (namespace_id, group, data_id, md5))

// What an instance reports after receiving a version: applied, or refused with the reason.
struct ConfigAck {
  std::string namespace_id;
  std::string group;
  std::string data_id;
  std::string instance;
  std::int64_t version = 0;
  std::string md5;
  bool applied = false;
  std::string message;
  std::string at;  // set by the registry
};
BOOST_DESCRIBE_STRUCT(ConfigAck, (), (namespace_id, group, data_id, instance, version, md5, applied, message, at))

}  // namespace zt::core::discovery
