#include "platform/observer/handlers/alert_handlers.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <memory>

#include "core/discovery/service_client.hpp"
#include "core/finance/identity.hpp"
#include "core/http/error.hpp"
#include "core/http/params.hpp"
#include "core/json/json.hpp"
#include "core/util/error.hpp"
#include "core/util/time.hpp"
#include "platform/observer/app/alerting.hpp"
#include "platform/observer/domain/alert_document.hpp"
#include "platform/observer/domain/figures.hpp"
#include "platform/observer/store/alert_store.hpp"
#include "platform/observer/store/metric_store.hpp"
#include "platform/observer/store/resource_store.hpp"
#include "platform/registry/client/registry_client.hpp"

namespace zt::platform::observer {

namespace {

using core::http::ApiError;
using core::http::Method;
using core::http::Request;
using core::http::RequestContext;
using core::http::Response;
using Reply = boost::asio::awaitable<Response>;

// The observer's own item at the config center (a service publishes only its own).
const core::discovery::ConfigKey kItem{"public", "zhongtai", "observer.yaml"};

boost::json::object json_body(const Request& req) {
  auto v = core::json::parse_value(req.body);
  if (!v.is_object()) throw ApiError(400, core::codes::kInvalidJson, "请求体应为 JSON 对象");
  return std::move(v.as_object());
}

// What the history shows of where a notice went: enough to recognise, not a contact list.
std::string masked(const std::string& type, const std::string& target) {
  if (type == "sms") return core::finance::mask_mobile(target);
  if (type == "email") {
    const auto at = target.find('@');
    if (at != std::string::npos && at > 0) return target.substr(0, 1) + "***" + target.substr(at);
  }
  if (type == "webhook") {
    const auto slash = target.find('/', std::string_view("http://").size());
    return slash == std::string::npos ? target : target.substr(0, slash) + "/…";
  }
  return "***";
}

boost::json::object event_json(const AlertEvent& e) {
  boost::json::array deliveries;
  for (const auto& d : e.deliveries)
    deliveries.push_back(boost::json::object{{"channel", d.channel},
                                             {"type", d.type},
                                             {"target", masked(d.type, d.target)},
                                             {"status", d.status},
                                             {"attempts", d.attempts},
                                             {"detail", d.detail},
                                             {"updated_at_ms", d.updated_at_ms}});
  auto out = alert_event_json(e);
  out["deliveries"] = std::move(deliveries);
  return out;
}

class AlertRoutes {
 public:
  AlertRoutes(core::storage::Database& db, core::discovery::ServiceClient& services, AlertRouteSettings s)
      : db_(db), registry_(services, "observer"), s_(s) {}

  // The document at the config center (the shipped defaults while there is none), its version.
  Reply rules(Request&, RequestContext& ctx) {
    auto got = co_await registry_.config(kItem, &ctx);
    boost::json::object out;
    AlertDocument doc = shipped_alert_document();
    std::int64_t version = 0;
    bool shipped = true;
    if (auto* item = std::get_if<core::discovery::ConfigItem>(&got)) {
      version = item->version;
      out["author"] = item->author;
      out["comment"] = item->comment;
      out["updated_at"] = item->updated_at;
      try {
        doc = alert_document_of(item->content);  // as the judge reads it: blank is the defaults
      } catch (const std::invalid_argument& e) {
        throw ApiError(409, "OBSERVER_ALERT_RULES_INVALID",
                       std::string("配置中心的告警规则无效，请先修复：") + e.what());
      }
      shipped = item->content.find_first_not_of(" \t\r\n") == std::string::npos;
    } else if (!not_found(got)) {
      unreachable(got, ctx);
    }
    // Where notices go is for those who may change it; readers see it masked.
    if (!ctx.caller.has_permission("governance.write"))
      for (auto& c : doc.channels) c.to = masked(c.type, c.to);
    out["version"] = version;
    out["source"] = shipped ? "shipped" : "config_center";
    for (auto& [k, v] : alert_document_json(doc)) out[k] = v;
    co_return Response::json(200, boost::json::serialize(out));
  }

  Reply replace(Request& req, RequestContext& ctx) {
    auto body = json_body(req);
    const auto* comment = body.if_contains("comment");
    if (!comment || !comment->is_string() || comment->as_string().empty() || comment->as_string().size() > 500)
      throw ApiError(400, "OBSERVER_COMMENT_REQUIRED", "请填写修改原因（comment，最多500字节）");
    const auto* expected = body.if_contains("expected_version");
    if (!expected || !expected->is_int64() || expected->as_int64() < 0)
      throw ApiError(400, "OBSERVER_ALERT_RULES_INVALID", "请给出所修改的版本（expected_version，首次发布为 0）");
    const std::string why(comment->as_string());
    const std::int64_t version = expected->as_int64();
    body.erase("comment");
    body.erase("expected_version");
    AlertDocument doc;
    try {
      doc = alert_document_from(body);
    } catch (const std::invalid_argument& e) {
      throw ApiError(400, "OBSERVER_ALERT_RULES_INVALID", std::string("告警规则有误：") + e.what());
    }
    for (const auto& c : doc.channels)
      if (c.type == "webhook" && !webhook_allowed(*parse_webhook_url(c.to), s_.webhook_hosts))
        throw ApiError(400, "OBSERVER_WEBHOOK_NOT_ALLOWED",
                       "通知渠道 " + c.name +
                           " 的地址不在允许的 Webhook 主机之内，请联系运维在 observer.alert_webhook_hosts 中登记");
    const registry::PublishRequest publish{alert_document_yaml(doc), "yaml", ctx.caller.subject, "告警规则：" + why,
                                           version};
    auto put = co_await registry_.publish(kItem, publish, &ctx);
    if (auto* no = std::get_if<core::Refusal>(&put)) {
      if (no->code == "REGISTRY_CONFIG_CONFLICT")
        throw ApiError(409, "OBSERVER_ALERT_RULES_CONFLICT", "告警规则已被他人修改，请刷新后再改");
      ctx.log().warn("observer: publishing {} refused: {} {}", kItem.to_string(), no->status, no->code);
      throw ApiError::upstream(503, "OBSERVER_ALERT_RULES_PUBLISH_FAILED", "告警规则发布失败，请稍后重试");
    }
    if (auto* unknown = std::get_if<core::discovery::Unknown>(&put)) {
      ctx.log().warn("observer: the config center did not answer the publish: {} {}", unknown->status, unknown->code);
      if ((unknown->status == 0 && unknown->code == core::codes::kUnavailable) || unknown->status == 401 ||
          unknown->status == 403)
        throw ApiError::upstream(503, "OBSERVER_ALERT_RULES_PUBLISH_FAILED",
                                 "暂时无法发布到配置中心，告警规则未修改，请稍后重试");
      throw ApiError::upstream(503, "OBSERVER_ALERT_RULES_PUBLISH_FAILED",
                               "配置中心未及时答复，告警规则可能已修改，请刷新查看后再决定是否重试");
    }
    const auto& item = std::get<core::discovery::ConfigItem>(put);
    ctx.log().info("observer: {} replaced the alert rules (version {})", ctx.caller.subject, item.version);
    boost::json::object out = alert_document_json(doc);
    out["version"] = item.version;
    out["source"] = "config_center";
    co_return Response::json(200, boost::json::serialize(out));
  }

  // One rule judged afresh over the stored minutes of the last `minutes` (the current minute,
  // still counting, left out): what it would have said, and what would fire at the end.
  Reply trial(Request& req, RequestContext&) {
    auto body = json_body(req);
    const auto* rule_json = body.if_contains("rule");
    if (!rule_json) throw ApiError(400, "OBSERVER_ALERT_RULES_INVALID", "请给出要试算的规则（rule）");
    std::int64_t minutes = 60;
    if (const auto* m = body.if_contains("minutes")) {
      if (!m->is_int64() || m->as_int64() < 1 || m->as_int64() > 1440)
        throw ApiError(400, "OBSERVER_BAD_PARAM", "minutes 应为 1 到 1440 的整数");
      minutes = m->as_int64();
    }
    AlertRule rule;
    try {
      rule = alert_rule_from(*rule_json);
    } catch (const std::invalid_argument& e) {
      throw ApiError(400, "OBSERVER_ALERT_RULES_INVALID", std::string("告警规则有误：") + e.what());
    }
    // The minutes every observer has stored (the last one may still be arriving).
    const std::int64_t to = (core::unix_millis() - s_.settle.count()) / 60'000;
    const std::int64_t from = std::max(to - minutes, to - s_.metrics_retention.count() / 60'000);
    const std::optional<std::string> service =
        rule.service.empty() ? std::nullopt : std::optional<std::string>(rule.service);
    // A rule on resources judges the instances' samples; the others, the stored figures.
    const bool on_resources = resource_metric(rule.metric);
    std::map<std::int64_t, MinuteResources> resources;
    const auto stored = co_await db_.read([&](core::storage::Tx& tx) {
      if (!on_resources) return MetricStore::read(tx, rule.scope, service, from, to);
      resources = resources_by_minute(service ? ResourceStore::read(tx, *service, from, to, Alerting::kMostResourceRows)
                                              : ResourceStore::read_all(tx, from, to, Alerting::kMostResourceRows));
      return decltype(MetricStore::read(tx, rule.scope, service, from, to)){};
    });
    AlertEvaluator evaluator(s_.apdex_threshold_micros);
    evaluator.set_rules({rule});
    boost::json::array notices;
    static const core::observe::MinuteSeries kNone;
    static const MinuteResources kNoResources;
    for (std::int64_t m = from; m < to; ++m) {
      const auto it = stored.find(m);
      const auto at = resources.find(m);
      for (const auto& n : evaluator.judge(m, it == stored.end() ? kNone : it->second,
                                           at == resources.end() ? kNoResources : at->second))
        notices.push_back(boost::json::object{{"kind", notice_kind_name(n.kind)},
                                              {"scope", scope_name(n.entity.scope)},
                                              {"service", n.entity.service},
                                              {"name", n.entity.name},
                                              {"minute_ms", n.minute * 60'000},
                                              {"value", n.value},
                                              {"breaches", n.breaches},
                                              {"calls", n.calls},
                                              {"text", notice_text(rule, n)}});
    }
    boost::json::array firing;
    for (const auto& [id, key] : evaluator.firing())
      firing.push_back(boost::json::object{{"scope", scope_name(key.scope)},
                                           {"service", key.service},
                                           {"name", key.name},
                                           {"entity", entity_text(key)}});
    co_return Response::json(200, boost::json::serialize(boost::json::object{{"from_ms", from * 60'000},
                                                                             {"to_ms", to * 60'000},
                                                                             {"minutes", to - from},
                                                                             {"notices", std::move(notices)},
                                                                             {"firing", std::move(firing)}}));
  }

  Reply history(Request& req, RequestContext&) {
    AlertFilter f;
    const auto now = core::unix_millis();
    constexpr std::string_view kRange = "时间范围无效：from_ms、to_ms 应为毫秒时间戳，起始早于结束";
    f.to_ms = core::http::int_param(req, "to_ms", now + 1, 1, now + 86'400'000, "OBSERVER", kRange);
    f.from_ms = core::http::int_param(req, "from_ms", f.to_ms - 86'400'000, 0, f.to_ms - 1, "OBSERVER", kRange);
    if (f.to_ms - f.from_ms > s_.history_retention.count())
      throw ApiError(400, "OBSERVER_RANGE_INVALID", "时间范围不能超过告警历史的保留期");
    f.limit = core::http::int_param(req, "limit", 50, 1, 200, "OBSERVER", "limit 应为 1 到 200 之间的整数");
    if (auto r = req.query_param("rule_id")) f.rule_id = *r;
    if (auto k = req.query_param("kind")) {
      if (*k != "firing" && *k != "still_firing" && *k != "recovered" && *k != "ended" && *k != "gone")
        throw ApiError(400, "OBSERVER_BAD_PARAM", "kind 应为 firing、still_firing、recovered、ended 或 gone");
      f.kind = *k;
    }
    const auto events = co_await db_.read([&](core::storage::Tx& tx) { return AlertStore::events(tx, f); });
    boost::json::array items;
    for (const auto& e : events) items.push_back(event_json(e));
    co_return Response::json(200, boost::json::serialize(boost::json::object{{"items", std::move(items)}}));
  }

  Reply firing(Request&, RequestContext&) {
    const auto j = co_await db_.read([&](core::storage::Tx& tx) { return AlertStore::judgement(tx); });
    boost::json::array items;
    const auto doc = j ? j->rules.rules : std::vector<AlertRule>{};
    if (j)
      for (const auto& s : j->states) {
        if (!s.firing) continue;
        std::string title = s.rule_id;
        for (const auto& r : doc)
          if (r.id == s.rule_id) title = r.title;
        items.push_back(boost::json::object{{"rule_id", s.rule_id},
                                            {"title", title},
                                            {"scope", scope_name(s.entity.scope)},
                                            {"service", s.entity.service},
                                            {"name", s.entity.name},
                                            {"entity", entity_text(s.entity)},
                                            {"breaches", s.breached.size()},
                                            {"notified_minute_ms", s.notified_at * 60'000}});
      }
    const std::int64_t judged = j ? (j->last_minute + 1) * 60'000 : 0;
    co_return Response::json(
        200, boost::json::serialize(boost::json::object{{"items", std::move(items)}, {"judged_until_ms", judged}}));
  }

 private:
  static bool not_found(const core::discovery::Outcome<core::discovery::ConfigItem>& got) {
    const auto* no = std::get_if<core::Refusal>(&got);
    return no && no->code == "REGISTRY_CONFIG_NOT_FOUND";
  }
  [[noreturn]] static void unreachable(const core::discovery::Outcome<core::discovery::ConfigItem>& got,
                                       RequestContext& ctx) {
    if (const auto* no = std::get_if<core::Refusal>(&got))
      ctx.log().warn("observer: reading {} at the config center refused: {} {}", kItem.to_string(), no->status,
                     no->code);
    if (const auto* unknown = std::get_if<core::discovery::Unknown>(&got))
      ctx.log().warn("observer: reading {} at the config center failed: {} {}", kItem.to_string(), unknown->status,
                     unknown->code);
    throw ApiError::upstream(503, "OBSERVER_CONFIG_UNAVAILABLE", "暂时无法读取配置中心的告警规则，请稍后重试");
  }

  core::storage::Database& db_;
  registry::RegistryClient registry_;
  AlertRouteSettings s_;
};

}  // namespace

void add_alert_routes(core::http::Router& r, core::storage::Database& db, core::discovery::ServiceClient& services,
                      AlertRouteSettings settings) {
  auto routes = std::make_shared<AlertRoutes>(db, services, settings);
  r.add(Method::kGet, "/api/observer/v1/alert-rules",
        [routes](Request& req, RequestContext& c) { return routes->rules(req, c); });
  r.add(Method::kPut, "/api/observer/v1/alert-rules",
        [routes](Request& req, RequestContext& c) { return routes->replace(req, c); });
  r.add(Method::kPost, "/api/observer/v1/alert-rules/trial",
        [routes](Request& req, RequestContext& c) { return routes->trial(req, c); });
  r.add(Method::kGet, "/api/observer/v1/alerts",
        [routes](Request& req, RequestContext& c) { return routes->history(req, c); });
  r.add(Method::kGet, "/api/observer/v1/alerts/firing",
        [routes](Request& req, RequestContext& c) { return routes->firing(req, c); });
}

}  // namespace zt::platform::observer
