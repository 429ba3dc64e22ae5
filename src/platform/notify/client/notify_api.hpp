#pragma once
// The notify service's wire types (POST /api/notify/v1/messages), shared by its handler and its
// callers (notify_client.hpp).
#include <boost/describe.hpp>

#include <map>
#include <optional>
#include <string>

namespace zt::platform::notify {

// A message to one recipient from a template (the service renders and sends it; service-only).
struct SendMessage {
  std::string channel;    // sms | email
  std::string recipient;  // a mobile number or an e-mail address
  std::string template_id;
  std::optional<std::map<std::string, std::string>> params;
};
BOOST_DESCRIBE_STRUCT(SendMessage, (), (channel, recipient, template_id, params))

struct MessageSent {
  std::string id;
  std::string provider;
  std::string recipient;  // masked
};
BOOST_DESCRIBE_STRUCT(MessageSent, (), (id, provider, recipient))

}  // namespace zt::platform::notify
