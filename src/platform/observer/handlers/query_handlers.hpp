#pragma once
// The observer's queries (issue 19), for staff who read governance (governance.read):
//   GET /api/observer/v1/traces                          trace search: server spans by service,
//                                                        endpoint, errors only, min duration, range
//   GET /api/observer/v1/traces/{trace_id}               one trace, every span and its log records
//   GET /api/observer/v1/logs                            log search: by trace id, service, lowest
//                                                        level, words, range
//   GET /api/observer/v1/services                        each service's figures over a range
//   GET /api/observer/v1/services/{service}/minutes      its figures minute by minute (the
//                                                        response-time and calls-per-minute pictures)
//   GET /api/observer/v1/services/{service}/endpoints    its endpoints, slowest first (top-N)
//   GET /api/observer/v1/services/{service}/instances    its instances
//   GET /api/observer/v1/topology                        services and their edges with figures
// Figures: stored minutes plus the ones still being counted (domain/live_minutes.hpp).
#include <chrono>
#include <vector>

#include "core/http/router.hpp"
#include "core/storage/database.hpp"
#include "platform/observer/domain/live_minutes.hpp"

namespace zt::platform::observer {

struct QuerySettings {
  double apdex_threshold_micros = 500'000;
  std::chrono::milliseconds metrics_retention{std::chrono::hours(24 * 7)};
  std::chrono::milliseconds traces_retention{std::chrono::hours(24 * 3)};
  std::chrono::milliseconds logs_retention{std::chrono::hours(24 * 3)};
};

// `live`: the minutes still being counted (the platform's, and outside senders').
void add_query_routes(core::http::Router& router, core::storage::Database& db, std::vector<const LiveMinutes*> live,
                      QuerySettings settings);

}  // namespace zt::platform::observer
