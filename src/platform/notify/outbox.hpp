#pragma once
// Notifications (the notify platform service): messages rendered from templates and handed to a
// provider. The provider here is the sandbox — it delivers nothing, it keeps every message in a
// persisted outbox that the console, the H5 developer link and the tests read (the vendor issue
// adds the SMS gateway and SMTP senders behind the same interface). Framework-free: the component
// wires it to HTTP.
//
// Templates (Chinese text a customer reads; {name} placeholders, each required):
//   login_code   【中台证券】您的验证码为{code}，5分钟内有效。如非本人操作，请忽略本短信。
//   reset_code   【中台证券】您正在重置登录密码，验证码{code}，5分钟内有效，请勿泄露。
//   notice       【中台证券】{text}
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto/seal.hpp"
#include "core/storage/database.hpp"

namespace zt::platform::notify {

struct SendRequest {
  std::string channel;    // sms | email
  std::string recipient;  // mobile number or e-mail address
  std::string template_id;
  std::map<std::string, std::string> params;
};

struct OutboxItem {
  std::string id;
  std::string channel;
  std::string recipient;  // masked
  std::string template_id;
  std::string text;
  std::string sender;  // the service that sent it
  std::int64_t created_at_ms = 0;
};

struct OutboxPage {
  std::vector<OutboxItem> items;
  std::optional<std::string> next_cursor;
};

// A refusal of a send request: a stable code and the Chinese reason.
struct SendError {
  std::string code;
  std::string message;
};

// Renders a template; nullopt + error when the template is unknown or a parameter is missing,
// extra, or not what it should be (a code is 4–8 digits; a notice at most 300 characters).
std::optional<std::string> render(const std::string& template_id, const std::map<std::string, std::string>& params,
                                  SendError& error);
// The recipient checked and normalised for its channel; nullopt + error otherwise.
std::optional<std::string> normalise_recipient(const std::string& channel, const std::string& recipient, SendError& error);
std::string mask_recipient(const std::string& channel, const std::string& recipient);

class Outbox {
 public:
  explicit Outbox(const core::crypto::KeyRing& keys) : keys_(keys) {}

  // Blocking (call through Database::write or the blocking pool). Throws nothing for bad input:
  // checks first with render/normalise_recipient.
  OutboxItem store(core::storage::Tx& tx, const std::string& channel, const std::string& recipient, const std::string& template_id,
                   const std::string& text, const std::string& sender, std::int64_t now_ms);
  // Newest first; recipient "" for all. cursor: next_cursor of the previous page.
  OutboxPage list(core::storage::Tx& tx, const std::string& channel, const std::string& recipient, std::int64_t limit,
                  const std::string& cursor) const;

 private:
  const core::crypto::KeyRing& keys_;
};

}  // namespace zt::platform::notify
