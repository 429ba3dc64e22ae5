#pragma once
// The observer's alerts in its database (migrations/0004_observer_alerts.sql): what the judging
// observer carries from minute to minute, the notices it gave, and their deliveries.
#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/storage/database.hpp"
#include "platform/observer/domain/alert_document.hpp"

namespace zt::platform::observer {

// What the judge carries: the last minute judged, the rules (and channels) it judged by and their
// states.
struct Judgement {
  std::int64_t last_minute = -1;
  AlertDocument rules;
  std::vector<AlertState> states;
};

struct AlertDelivery {
  std::string event_id;
  std::string channel;  // the channel's name in the rules
  std::string type;     // email | sms | webhook
  std::string target;   // the address, mobile or URL when the notice was given
  std::string status;   // pending | sending | sent | failed | unknown
  std::int64_t attempts = 0;
  std::string detail;  // what the last attempt came to
  std::int64_t next_at_ms = 0;
  std::int64_t updated_at_ms = 0;
};

struct AlertEvent {
  std::string id;
  std::string rule_id;
  std::string title;
  std::string kind;  // firing | still_firing | recovered | ended | gone
  std::string scope;
  std::string service;
  std::string name;
  std::string metric;
  std::string comparison;
  double threshold = 0;
  std::int64_t minute = 0;
  double value = 0;
  std::int64_t breaches = 0;
  std::int64_t calls = 0;
  std::string text;  // as the channels were told
  std::int64_t created_at_ms = 0;
  std::vector<AlertDelivery> deliveries;
};

// A notice as staff and webhooks read it (its deliveries apart).
boost::json::object alert_event_json(const AlertEvent& event);

struct AlertFilter {
  std::optional<std::string> rule_id;
  std::optional<std::string> kind;
  std::int64_t from_ms = 0, to_ms = 0;  // created in [from, to)
  std::int64_t limit = 50;
};

class AlertStore {
 public:
  // The judgement stored last, nothing before the first.
  static std::optional<Judgement> judgement(core::storage::Tx& tx);
  // Stores `next` in place of the judgement whose last minute was `expected` (-1: none stored
  // yet): false, writing nothing, when another observer stored one meanwhile.
  static bool replace_judgement(core::storage::Tx& tx, std::int64_t expected, const Judgement& next,
                                std::int64_t now_ms);

  // A notice with a pending delivery to each of its channels.
  static void add_event(core::storage::Tx& tx, const AlertEvent& event);
  // Newest first, each with its deliveries.
  static std::vector<AlertEvent> events(core::storage::Tx& tx, const AlertFilter& filter);

  // Deliveries pending and due, oldest first, with their notices (one delivery each).
  static std::vector<AlertEvent> due(core::storage::Tx& tx, std::int64_t now_ms, std::int64_t limit);
  // pending → sending (one more attempt), when it is still pending after `attempts` tries and due:
  // false when another observer took it meanwhile (or put it back for later).
  static bool claim(core::storage::Tx& tx, const std::string& event_id, const std::string& channel,
                    std::int64_t attempts, std::int64_t now_ms);
  static void finish(core::storage::Tx& tx, const std::string& event_id, const std::string& channel,
                     const std::string& status, const std::string& detail, std::int64_t next_at_ms,
                     std::int64_t now_ms);
  // Deliveries left sending since before `before_ms` (their observer went mid-send): a webhook is
  // tried again, a message that may have gone out is marked unknown. Returns how many.
  static std::int64_t settle_abandoned(core::storage::Tx& tx, std::int64_t before_ms, std::int64_t now_ms);

  // Removes up to `limit` notices created before `before_ms`, with their deliveries.
  static std::int64_t purge_before(core::storage::Tx& tx, std::int64_t before_ms, std::int64_t limit);
};

}  // namespace zt::platform::observer
