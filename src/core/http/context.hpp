#pragma once
// Per-request context: request id, trace, deadline, caller identity, matched route.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/observe/log.hpp"
#include "core/observe/trace.hpp"

namespace zt::core::http {

struct Route;

enum class CallerKind { kAnonymous, kCustomer, kStaff, kService };

struct Caller {
  CallerKind kind = CallerKind::kAnonymous;
  std::string subject;             // customer id, staff id or service name
  std::vector<std::string> roles;  // staff roles or token scopes
  std::string session;             // the sign-in session of a customer or staff token
  std::vector<std::string> permissions;  // a staff member's permissions (from their roles)

  bool has_permission(std::string_view p) const {
    for (const auto& x : permissions)
      if (x == p) return true;
    return false;
  }
};

struct RequestContext {
  std::string request_id;
  observe::TraceContext trace;
  std::string trace_id;  // hex of trace.trace_id, computed once
  std::string span_id;   // hex of trace.span_id
  // What an outside caller sent as `traceparent` when its trace was not continued (outside
  // traffic starts a trace of ours: see restart_outside_trace); shown on the server span.
  std::string client_traceparent;
  std::chrono::steady_clock::time_point received_at{};
  std::chrono::steady_clock::time_point deadline{};  // time_point::max() when none
  Caller caller;
  // The service this request comes from when one of ours calls (in-process, or with a valid signed
  // identity); empty for outside traffic and for what the gateway forwards for an outside client.
  // Operations only services may call name the ones allowed (their service's openapi.yaml).
  std::string calling_service;
  // Forwarded by the gateway for an outside customer or staff member (`caller` is that person, or
  // anonymous): never a service call, whatever process it passed through.
  bool edge = false;
  // Made by the service client in this process: identity settled by it, no header to verify.
  bool in_process = false;
  std::string_view route;  // the matched route template, "" when none matched
  std::shared_ptr<const void> route_owner;  // keeps what `route` points into alive (a swapped route table)
  const Route* matched_route = nullptr;
  std::string allow;  // when the path exists only for other methods (405)
  std::vector<std::pair<std::string_view, std::string>> path_params;
  std::string remote_address;  // the client's address (a gateway may settle it from X-Forwarded-For)
  // Set by the gateway for the access log: the route id, the instance that answered ("local"
  // when in this process) and how long it took.
  std::string gateway_route;
  std::string upstream;
  std::int64_t upstream_us = -1;

  std::optional<std::string_view> param(std::string_view name) const {
    for (const auto& [k, v] : path_params)
      if (k == name) return std::string_view(v);
    return std::nullopt;
  }
  std::chrono::milliseconds remaining() const {
    if (deadline == std::chrono::steady_clock::time_point::max()) return std::chrono::milliseconds::max();
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  }
  log::Traced log() const { return log::traced({trace_id, span_id, route_service()}); }
  // The service of the matched route ("/api/<service>/…"), empty for other routes.
  std::string_view route_service() const {
    constexpr std::string_view kApi = "/api/";
    if (!route.starts_with(kApi)) return {};
    const std::string_view rest = std::string_view(route).substr(kApi.size());
    const auto slash = rest.find('/');
    return slash == std::string_view::npos ? std::string_view() : rest.substr(0, slash);
  }
};

// Header carrying the caller's remaining budget in milliseconds between our services.
inline constexpr std::string_view kDeadlineHeader = "x-zt-deadline-ms";
// Set to "upstream" on an error answer whose cause lies in something the answering service called
// (ApiError::upstream): the caller does not count it as that instance failing.
inline constexpr std::string_view kFailureOriginHeader = "x-zt-failure-origin";

}  // namespace zt::core::http
