#pragma once
// The observer's alert routes (issue 19), for staff:
//   GET  /api/observer/v1/alert-rules        the rules and channels in force, with the config
//                                            center's version (governance.read)
//   PUT  /api/observer/v1/alert-rules        replaces them: checked whole, published to the config
//                                            center in the staff member's name against the version
//                                            they edited (governance.write)
//   POST /api/observer/v1/alert-rules/trial  what one rule would have said over the stored minutes
//                                            of the last hours (governance.read)
//   GET  /api/observer/v1/alerts             the alert history, newest first, with each delivery
//   GET  /api/observer/v1/alerts/firing      what fires now
#include <chrono>
#include <string>
#include <vector>

#include "core/http/router.hpp"
#include "core/storage/database.hpp"

namespace zt::core::discovery {
class ServiceClient;
}

namespace zt::platform::observer {

struct AlertRouteSettings {
  double apdex_threshold_micros = 500'000;
  std::chrono::milliseconds metrics_retention{std::chrono::hours(24 * 7)};
  std::chrono::milliseconds history_retention{std::chrono::hours(24 * 90)};
  std::vector<std::string> webhook_hosts;                      // where webhooks may go (observer.alert_webhook_hosts)
  std::chrono::milliseconds settle{std::chrono::seconds(30)};  // a minute is stored this long after it ends
};

void add_alert_routes(core::http::Router& router, core::storage::Database& db, core::discovery::ServiceClient& services,
                      AlertRouteSettings settings);

}  // namespace zt::platform::observer
