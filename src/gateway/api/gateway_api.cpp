#include "gateway/api/gateway_api.hpp"

#include <boost/asio/awaitable.hpp>

#include <algorithm>
#include <boost/describe.hpp>
#include <fmt/format.h>

#include "core/config/yaml_problem.hpp"
#include "core/discovery/discovery.hpp"
#include "core/finance/business_clock.hpp"
#include "core/finance/live_calendar.hpp"
#include "core/http/error.hpp"
#include "core/http/router.hpp"
#include "core/json/json.hpp"
#include "core/resilience/engine.hpp"
#include "core/resilience/rules.hpp"
#include "gateway/routing/catalog.hpp"

namespace zt::gateway {

struct Area {
  std::string id;
  std::string title;
  std::string path;  // where the H5 app shows it
};
BOOST_DESCRIBE_STRUCT(Area, (), (id, title, path))
struct Features {
  bool sandbox = true;
  std::vector<Area> areas;
  std::optional<std::string> sandbox_clock;  // the pinned business time (sandbox.clock), shown in the banner
  // The business day now (the sandbox clock when pinned), where the apps' date fields start; the
  // trading-day facts are left out for a year the calendar does not cover.
  std::string business_date;
  std::optional<bool> trading_day;
  std::optional<std::string> last_trading_day;  // today when it is one, else the one before
};
BOOST_DESCRIBE_STRUCT(Features, (), (sandbox, areas, sandbox_clock, business_date, trading_day, last_trading_day))

struct FlowRuleView {
  std::string id;
  std::string kind;
  std::string resource;
  bool shadow = false;
  std::uint64_t blocked = 0;
  std::uint64_t shadow_blocked = 0;
  std::uint64_t passed = 0;
  std::string state;
};
BOOST_DESCRIBE_STRUCT(FlowRuleView, (), (id, kind, resource, shadow, blocked, shadow_blocked, passed, state))
struct FlowView {
  std::string node;
  std::uint64_t passed = 0;
  std::vector<FlowRuleView> rules;
  std::string rules_yaml;  // the rules as this process runs them
};
BOOST_DESCRIBE_STRUCT(FlowView, (), (node, passed, rules, rules_yaml))
struct FlowCheck {
  std::string rules;
};
BOOST_DESCRIBE_STRUCT(FlowCheck, (), (rules))
struct FlowCheckResult {
  bool valid = true;
  std::int64_t rule_count = 0;
};
BOOST_DESCRIBE_STRUCT(FlowCheckResult, (), (valid, rule_count))

namespace {

using core::http::Method;
using core::http::Request;
using core::http::RequestContext;
using core::http::Response;

std::size_t rule_count(const core::resilience::RuleSet& r) {
  return r.flow.size() + r.keyed.size() + r.breakers.size() + r.bulkheads.size() + r.cluster.size() + (r.system ? 1 : 0);
}

// Inbound rules (flow, keyed, cluster) whose resource nothing is counted under: a rule that can
// never match ("GTE /api/…", a path with an id in place of its template) would protect nothing
// while looking as if it did. Counted are "*", a declared operation "<METHOD> <template>" (HEAD
// too, for a declared GET), and, for a path no service declares, a configured route's path. A
// resource the running rules already have passes, so an old rule never blocks an edit of another.
std::vector<core::config::YamlProblem> unknown_resources(const core::resilience::RuleSet& rules, const ServiceCatalog& catalog,
                                                         const std::vector<std::string>& route_paths,
                                                         const core::resilience::RuleSet& running) {
  std::vector<core::config::YamlProblem> out;
  auto runs = [&](const std::string& resource) {
    auto same = [&](const auto& r) { return r.resource == resource; };
    return std::any_of(running.flow.begin(), running.flow.end(), same) ||
           std::any_of(running.keyed.begin(), running.keyed.end(), same) ||
           std::any_of(running.cluster.begin(), running.cluster.end(), same);
  };
  auto check = [&](const std::string& where, const std::string& resource) {
    if (resource == "*" || runs(resource)) return;
    const auto space = resource.find(' ');
    if (space != std::string::npos) {
      const std::string_view method = std::string_view(resource).substr(0, space);
      const std::string_view path = std::string_view(resource).substr(space + 1);
      if (const auto* entry = catalog.by_path(path)) {
        for (const auto& op : entry->declarations.operations) {
          const auto declared = core::http::method_name(op.method);
          if (op.path_template == path && (declared == method || (method == "HEAD" && declared == "GET"))) return;
        }
      } else if (core::http::parse_method(method) != core::http::Method::kOther &&
                 std::find(route_paths.begin(), route_paths.end(), path) != route_paths.end()) {
        return;  // a configured route to a backend that declares nothing: counted under its path
      }
    }
    out.push_back({0, where,
                   fmt::format("不是任何服务声明的接口：“{}”（应为“方法 路径模板”，如 GET /api/mall/v1/products/{{code}}，或 *）",
                               resource)});
  };
  for (std::size_t i = 0; i < rules.flow.size(); ++i) check(fmt::format("flow[{}].resource", i), rules.flow[i].resource);
  for (std::size_t i = 0; i < rules.keyed.size(); ++i) check(fmt::format("keyed[{}].resource", i), rules.keyed[i].resource);
  for (std::size_t i = 0; i < rules.cluster.size(); ++i) check(fmt::format("cluster[{}].resource", i), rules.cluster[i].resource);
  return out;
}

}  // namespace

void add_gateway_api(core::http::Router& router, GatewayApiDeps deps) {
  auto d = std::make_shared<GatewayApiDeps>(std::move(deps));
  router.add(Method::kGet, "/api/gateway/v1/features", [d](Request&, RequestContext&) -> boost::asio::awaitable<Response> {
    Features f;
    f.sandbox = d->sandbox;
    const auto now = core::finance::business_now();
    if (now.pinned)
      f.sandbox_clock = fmt::format("{} {:02d}:{:02d}:{:02d}", core::finance::format_date(now.date), now.seconds_of_day / 3600,
                                    now.seconds_of_day / 60 % 60, now.seconds_of_day % 60);
    f.business_date = core::finance::format_date(now.date);
    try {
      const auto calendar = core::finance::trading_calendar();
      const bool open = calendar->is_trading_day(now.date);
      f.trading_day = open;
      f.last_trading_day = core::finance::format_date(open ? now.date : calendar->previous_trading_day(now.date));
    } catch (const core::finance::CalendarError&) {
      // Not covered: the apps fall back to the business date and the services refuse with their reason.
    }
    // Each area appears once its service has an instance that takes traffic.
    for (const auto& a : d->areas) {
      bool present = d->discovery.local(a.service);
      if (!present) {
        // The first question about a service starts following it; later ones answer at once.
        auto snap = co_await d->discovery.resolve(a.service, std::chrono::milliseconds(300));
        present = snap && std::any_of(snap->instances.begin(), snap->instances.end(), [](const auto& i) { return i.serving(); });
      }
      if (present) f.areas.push_back({a.service, a.title, a.path});
    }
    auto res = Response::json(200, core::json::serialize(f));
    res.headers.set("cache-control", "no-cache");
    co_return res;
  });
  router.add(Method::kGet, "/api/gateway/v1/flow", [d](Request&, RequestContext&) -> boost::asio::awaitable<Response> {
    const auto stats = d->engine.stats();
    FlowView v{d->node, stats.passed, {}, core::resilience::serialize_rules(d->engine.rules())};
    for (const auto& r : stats.rules) v.rules.push_back({r.id, r.kind, r.resource, r.shadow, r.blocked, r.shadow_blocked, r.passed, r.state});
    co_return Response::json(200, core::json::serialize(v));
  });
  router.add(Method::kPost, "/api/gateway/v1/flow/check", [d](Request& req, RequestContext&) -> boost::asio::awaitable<Response> {
    const auto body = core::json::parse<FlowCheck>(req.body);
    try {
      const auto rules = core::resilience::parse_rules(body.rules);
      if (const auto unknown = unknown_resources(rules, d->catalog, d->route_paths(), d->engine.rules()); !unknown.empty())
        throw core::http::ApiError(400, "GATEWAY_FLOW_RULES_INVALID", core::config::describe_problems("限流熔断规则无效：", unknown));
      co_return Response::json(200, core::json::serialize(FlowCheckResult{true, static_cast<std::int64_t>(rule_count(rules))}));
    } catch (const core::resilience::RuleError& e) {
      throw core::http::ApiError(400, "GATEWAY_FLOW_RULES_INVALID", core::config::describe_problems("限流熔断规则无效：", e.problems()));
    }
  });
}

}  // namespace zt::gateway
