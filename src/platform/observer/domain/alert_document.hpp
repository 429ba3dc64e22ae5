#pragma once
// The alert rules as data (issue 19): one document the config center keeps at
// public/zhongtai/observer.yaml (the observer's own item) — staff edit it in the console (PUT
// /api/observer/v1/alert-rules, published in their name, with the config center's history and rollback), and the
// observer that judges reads it each minute. Where none was published, the shipped defaults hold.
//
//   {"channels": [   (YAML; the same as JSON){"name": "ops-mail", "type": "email", "to": "ops@broker.example"},
//                 {"name": "oncall", "type": "sms", "to": "13800000000"},
//                 {"name": "im-hook", "type": "webhook", "to": "http://alert-bridge.ops:8080/zhongtai"}],
//    "rules": [{"id": "vendor_latency", "title": "外部供应商响应过慢", "scope": "edge",
//               "name_prefix": "vendor:", "metric": "p99_ms", "comparison": "above", "threshold": 2000,
//               "period": 10, "count": 3, "silence": 10, "recover_after": 3, "recovery_notice": true,
//               "min_calls": 6, "channels": ["ops-mail", "oncall"]}]}
//
// A rule routes its notices to the channels it names (none: the history and the console only).
// A webhook is http://, to a host the observer's settings allow (observer.alert_webhook_hosts),
// signed with observer.alert_webhook_secret when one is set.
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/observer/domain/alerts.hpp"

namespace zt::platform::observer {

struct AlertChannel {
  std::string name;  // what rules name it by
  std::string type;  // email | sms | webhook
  std::string to;    // the address, the mobile number or the URL
  bool operator==(const AlertChannel&) const = default;
};

struct AlertDocument {
  std::vector<AlertChannel> channels;
  std::vector<AlertRule> rules;
};

// Reads and checks a whole document: every rule usable, ids and channel names unique, every
// channel a rule names defined, each channel's address well-formed. Throws std::invalid_argument
// with the reason in Chinese.
AlertDocument parse_alert_document(std::string_view yaml);
// The document as the config center keeps it (YAML, with a comment for whoever reads it there).
std::string alert_document_yaml(const AlertDocument& doc);
AlertDocument alert_document_from(const boost::json::value& v);
AlertRule alert_rule_from(const boost::json::value& v);  // one rule, checked alone
boost::json::object alert_rule_json(const AlertRule& rule);
boost::json::object alert_document_json(const AlertDocument& doc);

// The document a config-center item holds: blank (nothing published, or emptied) is the shipped
// defaults; anything else is read as it is — a document without rules judges nothing.
AlertDocument alert_document_of(std::string_view text);

// A webhook's address: http://host[:port][/path], the host a name or an IPv4 address.
struct WebhookUrl {
  std::string host;
  std::uint16_t port = 80;
  std::string path;         // "/" when none
  std::string host_header;  // host[:port] as written
};
std::optional<WebhookUrl> parse_webhook_url(std::string_view url);

// The defaults: SkyWalking's six (service response time, SLA, percentile, instance response
// time, database access, endpoint response time) and a vendor-latency rule, each held back under
// 6 calls a minute; no channel (shown in the console and the history until staff route them).
const AlertDocument& shipped_alert_document();

std::string_view scope_name(core::observe::SeriesScope scope);  // service | instance | endpoint | edge
std::optional<core::observe::SeriesScope> scope_of(std::string_view name);
std::string_view notice_kind_name(AlertNotice::Kind kind);  // firing | still_firing | recovered | ended | gone

// What staff read about an entity: "服务 mall", "mall 的实例 …", "mall 的接口 GET /…", "mall → counter".
std::string entity_text(const core::observe::SeriesKey& key);
// One notice in one line of Chinese (the SMS, the e-mail, the webhook's text); `minute_ms` shown
// in Beijing time.
std::string notice_text(const AlertRule& rule, const AlertNotice& notice);

}  // namespace zt::platform::observer
