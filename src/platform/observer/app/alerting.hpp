#pragma once
// Alerting (issue 19): one observer at a time (a lease) judges each minute that every observer has
// stored (settle after it ended), by the rules in force — the dynamic setting
// `observer.alert_rules`, which follows the config center item public/zhongtai/observer.yaml (the
// shipped defaults while it is empty) — and delivers the notices to their rules' channels:
//
//   - judging a minute and storing its notices, with a pending delivery to each channel, and what
//     the judge carries to the next minute is one transaction, conditional on the minute judged
//     before: a minute is judged once, a notice given once, whichever observer holds the lease;
//   - e-mail and SMS go through the notify service (its template "alert"); one whose outcome is
//     unknown may have gone out and is never sent again (marked unknown); a webhook (JSON, with the
//     notice's id for the receiver to drop repeats, signed when a secret is set, only to the hosts
//     allowed) is tried again with backoff until it is taken, or refused for good after
//     kWebhookAttempts; a round's sends fit in kDeliveryBudget, each under the lease;
//   - notices and their deliveries are kept `history_retention`.
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/dynamic.hpp"
#include "core/net/periodic.hpp"
#include "core/storage/database.hpp"
#include "core/workflow/lease.hpp"
#include "platform/observer/domain/alert_document.hpp"
#include "platform/observer/store/alert_store.hpp"

namespace zt::core::discovery {
class ServiceClient;
}
namespace zt::core::observe {
class Registry;
class Counter;
}  // namespace zt::core::observe

namespace zt::platform::observer {

// The rules in force: the config center's document, or the shipped defaults while it is empty.
AlertDocument alert_rules_in_force();

struct AlertSettings {
  std::chrono::milliseconds interval{std::chrono::seconds(10)};  // how often it looks for work
  std::chrono::milliseconds settle{std::chrono::seconds(30)};    // after a minute ends, before it is judged
  std::chrono::milliseconds history_retention{std::chrono::hours(24 * 90)};
  double apdex_threshold_micros = 500'000;
  std::vector<std::string> webhook_hosts;  // "host" or "host:port" a webhook may go to (none: no webhooks)
  std::string webhook_secret;              // signs each webhook body (x-zt-signature), when set
};

// What one attempt at a delivery came to: sent, failed (for good), unknown (a message that may have
// gone out: never sent again), or pending — tried again in `retry_in_ms`.
struct DeliveryOutcome {
  std::string status;
  std::string detail;
  std::int64_t retry_in_ms = 0;
};
// The wait before the next attempt after `attempts`: 10 s, 20 s, 40 s … at most 10 minutes.
std::int64_t delivery_backoff_ms(std::int64_t attempts);
// A webhook's answer (`answered`: its HTTP status, 0 when none came) at attempt `attempt`.
DeliveryOutcome webhook_outcome(int answered, std::int64_t attempt);
// A message notify gave no verdict on (the client's status and code) at attempt `attempt`.
DeliveryOutcome unanswered_message_outcome(int status, std::string_view code, std::int64_t attempt);

// Whether a webhook's address is one of `hosts` ("host" or "host:port").
bool webhook_allowed(const WebhookUrl& url, const std::vector<std::string>& hosts);

class Alerting {
 public:
  // holder: this observer's name among the observers (the lease's holder).
  Alerting(core::storage::Database& db, core::discovery::ServiceClient& services, std::string holder,
           AlertSettings settings, core::observe::Registry& metrics);
  ~Alerting();

  void start(core::net::IoRuntime& runtime);
  void stop();

  static constexpr int kWebhookAttempts = 8;
  static constexpr std::int64_t kMostMinutesCaughtUp = 60;  // after a long pause, the last hour only
  static constexpr std::int64_t kMostMinutesNoticed = 5;    // catching up, notices of older minutes are not sent
  static constexpr std::chrono::seconds kDeliveryBudget{20};  // a round's sends, at most
  static constexpr std::int64_t kMostResourceRows = 200'000;  // instances' resource rows a round reads

 private:
  boost::asio::awaitable<void> step();
  boost::asio::awaitable<void> judge(std::int64_t now_ms);
  boost::asio::awaitable<void> deliver(std::int64_t now_ms);
  boost::asio::awaitable<DeliveryOutcome> send_webhook(const AlertEvent& e, const AlertDelivery& d,
                                                       std::int64_t attempt);
  boost::asio::awaitable<DeliveryOutcome> send_message(const AlertEvent& e, const AlertDelivery& d,
                                                       std::int64_t attempt);
  boost::asio::awaitable<void> sweep(std::int64_t now_ms);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace zt::platform::observer
