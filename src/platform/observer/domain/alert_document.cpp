#include "platform/observer/domain/alert_document.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <set>
#include <stdexcept>

#include "core/finance/identity.hpp"
#include "core/observe/otlp.hpp"

namespace zt::platform::observer {

namespace {

using core::observe::SeriesKey;
using core::observe::SeriesScope;

[[noreturn]] void invalid(const std::string& why) { throw std::invalid_argument(why); }

const boost::json::object& object_of(const boost::json::value& v, const std::string& what) {
  if (!v.is_object()) invalid(what + "应为对象");
  return v.as_object();
}

// A field of an object: absent gives nullptr; a field not in `known` is refused (a typo must not
// pass silently as a default).
void only_known(const boost::json::object& o, std::initializer_list<std::string_view> known, const std::string& what) {
  for (const auto& [key, value] : o)
    if (std::find(known.begin(), known.end(), std::string_view(key)) == known.end())
      invalid(fmt::format("{}不认识的字段：{}", what, std::string_view(key)));
}

std::optional<std::string> text_field(const boost::json::object& o, std::string_view key, const std::string& what,
                                      std::size_t most) {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  // An unquoted number in YAML (a mobile number, a numeric id) reads as its digits.
  if (v->is_int64()) return std::to_string(v->as_int64());
  if (!v->is_string()) invalid(fmt::format("{}的 {} 应为文本", what, key));
  std::string s(v->as_string());
  if (s.size() > most || core::observe::valid_utf8(s) != s)
    invalid(fmt::format("{}的 {} 应为不超过 {} 字节的 UTF-8 文本", what, key, most));
  return s;
}

std::optional<double> number_field(const boost::json::object& o, std::string_view key, const std::string& what) {
  const auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return static_cast<double>(v->as_int64());
  if (v->is_uint64()) return static_cast<double>(v->as_uint64());
  if (v->is_double()) return v->as_double();
  invalid(fmt::format("{}的 {} 应为数值", what, key));
}

std::optional<std::int64_t> integer_field(const boost::json::object& o, std::string_view key, const std::string& what,
                                          std::int64_t lo, std::int64_t hi) {
  const auto n = number_field(o, key, what);
  if (!n) return std::nullopt;
  if (*n != std::floor(*n) || *n < static_cast<double>(lo) || *n > static_cast<double>(hi))
    invalid(fmt::format("{}的 {} 应为 {} 到 {} 的整数", what, key, lo, hi));
  return static_cast<std::int64_t>(*n);
}

bool valid_email(const std::string& r) {
  const auto at = r.find('@');
  return r.size() <= 254 && at != std::string::npos && at > 0 && r.find('@', at + 1) == std::string::npos &&
         r.find('.', at) != std::string::npos && r.back() != '.' &&
         std::none_of(r.begin(), r.end(), [](unsigned char c) { return c <= ' ' || c == 0x7f; });
}

AlertChannel channel_from(const boost::json::value& v) {
  const auto& o = object_of(v, "通知渠道");
  only_known(o, {"name", "type", "to"}, "通知渠道");
  AlertChannel c;
  c.name = text_field(o, "name", "通知渠道", 64).value_or("");
  if (c.name.empty()) invalid("通知渠道需要名称（name）");
  const std::string what = "通知渠道 " + c.name;
  c.type = text_field(o, "type", what, 16).value_or("");
  c.to = text_field(o, "to", what, 2048).value_or("");
  if (c.type == "email") {
    std::transform(c.to.begin(), c.to.end(), c.to.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (!valid_email(c.to)) invalid(what + "的电子邮箱格式不正确");
  } else if (c.type == "sms") {
    if (!core::finance::is_valid_mobile(c.to)) invalid(what + "的手机号码格式不正确");
  } else if (c.type == "webhook") {
    if (!parse_webhook_url(c.to)) invalid(what + "的地址应为 http://主机[:端口]/路径");
  } else {
    invalid(what + "的类型应为 email、sms 或 webhook");
  }
  return c;
}

constexpr std::array<std::pair<SeriesScope, std::string_view>, 4> kScopes{{
    {SeriesScope::kService, "service"},
    {SeriesScope::kInstance, "instance"},
    {SeriesScope::kEndpoint, "endpoint"},
    {SeriesScope::kEdge, "edge"},
}};

AlertRule rule(std::string id, std::string title, SeriesScope scope, std::string name_prefix, AlertMetric metric,
               AlertComparison comparison, double threshold, int period, int count, int silence) {
  AlertRule r;
  r.id = std::move(id);
  r.title = std::move(title);
  r.scope = scope;
  r.name_prefix = std::move(name_prefix);
  r.metric = metric;
  r.comparison = comparison;
  r.threshold = threshold;
  r.period = period;
  r.count = count;
  r.silence = silence;
  return r;
}

std::string metric_title(AlertMetric m) {
  switch (m) {
    case AlertMetric::kAvgMs:
      return "平均响应时间";
    case AlertMetric::kP50Ms:
      return "P50 响应时间";
    case AlertMetric::kP75Ms:
      return "P75 响应时间";
    case AlertMetric::kP90Ms:
      return "P90 响应时间";
    case AlertMetric::kP95Ms:
      return "P95 响应时间";
    case AlertMetric::kP99Ms:
      return "P99 响应时间";
    case AlertMetric::kErrorRate:
      return "错误率";
    case AlertMetric::kSla:
      return "成功率";
    case AlertMetric::kCpm:
      return "每分钟调用数";
    case AlertMetric::kApdex:
      return "Apdex";
    case AlertMetric::kCpuCores:
      return "CPU 占用（核）";
    case AlertMetric::kRssMb:
      return "常驻内存";
    case AlertMetric::kOpenFilesRatio:
      return "文件句柄占上限比例";
    case AlertMetric::kIoBusy:
      return "IO 线程繁忙度";
    case AlertMetric::kBlockingQueued:
      return "阻塞任务排队数";
  }
  return "";
}

std::string metric_value_text(AlertMetric m, double v) {
  switch (m) {
    case AlertMetric::kErrorRate:
    case AlertMetric::kSla:
    case AlertMetric::kOpenFilesRatio:
    case AlertMetric::kIoBusy:
      return fmt::format("{:.2f}%", v * 100);
    case AlertMetric::kCpm:
    case AlertMetric::kBlockingQueued:
      return fmt::format("{:.0f}", v);
    case AlertMetric::kCpuCores:
      return fmt::format("{:.2f} 核", v);
    case AlertMetric::kRssMb:
      return fmt::format("{:.0f} MiB", v);
    case AlertMetric::kApdex:
      return fmt::format("{:.2f}", v);
    default:
      return fmt::format("{:.1f} ms", v);
  }
}

// "12-07 09:31" in Beijing time (UTC+8 all year).
std::string beijing_minute(std::int64_t minute) {
  using namespace std::chrono;
  const sys_seconds t{seconds{minute * 60 + 8 * 3600}};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  return fmt::format("{:02}-{:02} {:02}:{:02}", static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     hms.hours().count(), hms.minutes().count());
}

}  // namespace

std::string_view scope_name(SeriesScope scope) {
  for (const auto& [s, name] : kScopes)
    if (s == scope) return name;
  return "service";
}

std::optional<SeriesScope> scope_of(std::string_view name) {
  for (const auto& [s, text] : kScopes)
    if (text == name) return s;
  return std::nullopt;
}

std::string_view notice_kind_name(AlertNotice::Kind kind) {
  switch (kind) {
    case AlertNotice::Kind::kFiring:
      return "firing";
    case AlertNotice::Kind::kStillFiring:
      return "still_firing";
    case AlertNotice::Kind::kRecovered:
      return "recovered";
    case AlertNotice::Kind::kEnded:
      return "ended";
    case AlertNotice::Kind::kGone:
      return "gone";
  }
  return "firing";
}

AlertRule alert_rule_from(const boost::json::value& v) {
  const auto& o = object_of(v, "告警规则");
  only_known(o,
             {"id", "title", "scope", "service", "name_prefix", "metric", "comparison", "threshold", "period", "count",
              "silence", "recover_after", "recovery_notice", "min_calls", "channels"},
             "告警规则");
  AlertRule r;
  r.id = text_field(o, "id", "告警规则", 64).value_or("");
  const std::string what = "告警规则 " + r.id;
  if (r.id.empty() || !std::all_of(r.id.begin(), r.id.end(),
                                   [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-' || c == '.'; }))
    invalid("告警规则编号（id）应为 1 到 64 个字母、数字、_、- 或 .");
  r.title = text_field(o, "title", what, 200).value_or("");
  const auto scope = scope_of(text_field(o, "scope", what, 16).value_or(""));
  if (!scope) invalid(what + "的范围（scope）应为 service、instance、endpoint 或 edge");
  r.scope = *scope;
  r.service = text_field(o, "service", what, 256).value_or("");
  r.name_prefix = text_field(o, "name_prefix", what, 256).value_or("");
  const auto metric = alert_metric(text_field(o, "metric", what, 32).value_or(""));
  if (!metric)
    invalid(what +
            "的指标（metric）应为 avg_ms、p50_ms … p99_ms、error_rate、sla、cpm、apdex，或实例资源 cpu_cores、rss_mb、"
            "open_files_ratio、io_busy、blocking_queued");
  r.metric = *metric;
  const auto comparison = text_field(o, "comparison", what, 16).value_or("above");
  if (comparison != "above" && comparison != "below") invalid(what + "的比较方式（comparison）应为 above 或 below");
  r.comparison = comparison == "above" ? AlertComparison::kAbove : AlertComparison::kBelow;
  const auto threshold = number_field(o, "threshold", what);
  if (!threshold) invalid(what + "需要阈值（threshold）");
  r.threshold = *threshold;
  r.period = static_cast<int>(integer_field(o, "period", what, 1, 60).value_or(r.period));
  r.count = static_cast<int>(integer_field(o, "count", what, 1, 60).value_or(r.count));
  r.silence = static_cast<int>(integer_field(o, "silence", what, 0, 1440).value_or(r.silence));
  r.recover_after = static_cast<int>(integer_field(o, "recover_after", what, 1, 60).value_or(r.recover_after));
  if (const auto* b = o.if_contains("recovery_notice")) {
    if (!b->is_bool()) invalid(what + "的 recovery_notice 应为 true 或 false");
    r.recovery_notice = b->as_bool();
  }
  r.min_calls = static_cast<std::uint64_t>(
      integer_field(o, "min_calls", what, 0, 1'000'000'000).value_or(static_cast<std::int64_t>(r.min_calls)));
  if (const auto* list = o.if_contains("channels")) {
    if (!list->is_array() || list->as_array().size() > 20)
      invalid(what + "的通知渠道（channels）应为最多 20 个名称的列表");
    for (const auto& c : list->as_array()) {
      if (!c.is_string() || c.as_string().empty() || c.as_string().size() > 64)
        invalid(what + "的通知渠道应为渠道名称");
      r.channels.emplace_back(c.as_string());
    }
  }
  if (auto problem = rule_problem(r)) invalid(what + "：" + *problem);
  return r;
}

AlertDocument alert_document_from(const boost::json::value& v) {
  const auto& o = object_of(v, "告警配置");
  only_known(o, {"channels", "rules"}, "告警配置");
  AlertDocument doc;
  std::set<std::string> names, ids;
  if (const auto* list = o.if_contains("channels")) {
    if (!list->is_array() || list->as_array().size() > 50) invalid("通知渠道（channels）应为最多 50 个渠道的列表");
    for (const auto& c : list->as_array()) {
      doc.channels.push_back(channel_from(c));
      if (!names.insert(doc.channels.back().name).second) invalid("通知渠道名称重复：" + doc.channels.back().name);
    }
  }
  if (const auto* list = o.if_contains("rules")) {
    if (!list->is_array() || list->as_array().size() > 200) invalid("告警规则（rules）应为最多 200 条规则的列表");
    for (const auto& r : list->as_array()) {
      doc.rules.push_back(alert_rule_from(r));
      const auto& rule = doc.rules.back();
      if (!ids.insert(rule.id).second) invalid("告警规则编号重复：" + rule.id);
      for (const auto& c : rule.channels)
        if (!names.count(c)) invalid(fmt::format("告警规则 {} 的通知渠道 {} 未定义", rule.id, c));
    }
  }
  return doc;
}

namespace {

// A YAML node as JSON: a quoted scalar is text; a plain one true/false, null, an integer or a
// number when it reads as one, else text.
// `budget`: the nodes it may still make — an alias is walked again wherever it appears, so a
// small document of nested aliases would otherwise expand to billions.
boost::json::value json_of(const YAML::Node& n, std::size_t& budget, int depth = 0) {
  if (depth > 16) invalid("告警配置嵌套过深");
  if (budget == 0) invalid("告警配置过大（超过 20000 个节点）");
  --budget;
  if (n.IsMap()) {
    boost::json::object o;
    for (const auto& kv : n) {
      if (o.contains(kv.first.Scalar())) invalid("告警配置中的字段重复：" + kv.first.Scalar());
      o[kv.first.Scalar()] = json_of(kv.second, budget, depth + 1);
    }
    return o;
  }
  if (n.IsSequence()) {
    boost::json::array a;
    for (const auto& item : n) a.push_back(json_of(item, budget, depth + 1));
    return a;
  }
  if (!n.IsScalar()) return nullptr;
  const std::string& s = n.Scalar();
  if (n.Tag() == "!" || n.Tag() == "tag:yaml.org,2002:str") return boost::json::string(s);
  if (s == "true") return true;
  if (s == "false") return false;
  if (s == "null" || s == "~") return nullptr;
  std::int64_t i = 0;
  if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), i); ec == std::errc() && p == s.data() + s.size())
    return i;
  double d = 0;
  if (auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
      ec == std::errc() && p == s.data() + s.size() && std::isfinite(d))
    return d;
  return boost::json::string(s);
}

void emit(YAML::Emitter& out, const boost::json::value& v) {
  if (v.is_object()) {
    out << YAML::BeginMap;
    for (const auto& [k, item] : v.as_object()) {
      out << YAML::Key << std::string(k) << YAML::Value;
      emit(out, item);
    }
    out << YAML::EndMap;
  } else if (v.is_array()) {
    // Short lists of names on one line.
    const auto& a = v.as_array();
    const bool flat = std::all_of(a.begin(), a.end(), [](const auto& x) { return x.is_string(); });
    out << (flat ? YAML::Flow : YAML::Block) << YAML::BeginSeq;
    for (const auto& item : a) emit(out, item);
    out << YAML::EndSeq;
  } else if (v.is_string()) {
    out << YAML::DoubleQuoted << std::string(v.as_string());
  } else {
    out << boost::json::serialize(v);
  }
}

}  // namespace

AlertDocument parse_alert_document(std::string_view text) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    invalid(fmt::format("告警配置无法解析（第 {} 行）", e.mark.line + 1));
  }
  if (!root || root.IsNull()) return {};
  std::size_t budget = 20'000;
  return alert_document_from(json_of(root, budget));
}

AlertDocument alert_document_of(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return shipped_alert_document();
  return parse_alert_document(text);
}

std::optional<WebhookUrl> parse_webhook_url(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme) || url.size() > 2048) return std::nullopt;
  if (std::any_of(url.begin(), url.end(),
                  [](unsigned char c) { return c <= ' ' || c == 0x7f || c == '#' || c == '\\'; }))
    return std::nullopt;
  url.remove_prefix(kScheme.size());
  const auto slash = url.find('/');
  const std::string_view authority = url.substr(0, slash);
  WebhookUrl w;
  w.path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  w.host_header = std::string(authority);
  std::string_view host = authority;
  unsigned port = 80;
  if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    const auto digits = authority.substr(colon + 1);
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    if (digits.empty() || ec != std::errc() || p != digits.data() + digits.size() || port == 0 || port > 65535)
      return std::nullopt;
  }
  // A name or an IPv4 address: letters, digits, '.' and '-' (no userinfo, no query in the host).
  if (host.empty() || host.size() > 253 ||
      !std::all_of(host.begin(), host.end(), [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '-'; }))
    return std::nullopt;
  w.host = std::string(host);
  w.port = static_cast<std::uint16_t>(port);
  return w;
}

std::string alert_document_yaml(const AlertDocument& doc) {
  YAML::Emitter out;
  out << YAML::Comment(
      "告警规则与通知渠道（观测服务）。请在管理控制台或 /api/observer/v1/alert-rules 修改；规则通过 channels "
      "指向下面定义的通知渠道。");
  emit(out, alert_document_json(doc));
  return std::string(out.c_str()) + "\n";
}

boost::json::object alert_rule_json(const AlertRule& r) {
  boost::json::array channels;
  for (const auto& c : r.channels) channels.emplace_back(c);
  return {{"id", r.id},
          {"title", r.title},
          {"scope", scope_name(r.scope)},
          {"service", r.service},
          {"name_prefix", r.name_prefix},
          {"metric", alert_metric_name(r.metric)},
          {"comparison", r.comparison == AlertComparison::kAbove ? "above" : "below"},
          {"threshold", r.threshold},
          {"period", r.period},
          {"count", r.count},
          {"silence", r.silence},
          {"recover_after", r.recover_after},
          {"recovery_notice", r.recovery_notice},
          {"min_calls", r.min_calls},
          {"channels", std::move(channels)}};
}

boost::json::object alert_document_json(const AlertDocument& doc) {
  boost::json::array channels, rules;
  for (const auto& c : doc.channels)
    channels.push_back(boost::json::object{{"name", c.name}, {"type", c.type}, {"to", c.to}});
  for (const auto& r : doc.rules) rules.push_back(alert_rule_json(r));
  return {{"channels", std::move(channels)}, {"rules", std::move(rules)}};
}

const AlertDocument& shipped_alert_document() {
  static const AlertDocument doc = [] {
    using enum AlertMetric;
    constexpr auto kAbove = AlertComparison::kAbove;
    AlertDocument d;
    d.rules = {
        rule("service_resp_time", "服务平均响应时间过长", SeriesScope::kService, "", kAvgMs, kAbove, 1000, 10, 3, 5),
        rule("service_sla", "服务成功率过低", SeriesScope::kService, "", kSla, AlertComparison::kBelow, 0.8, 10, 2, 0),
        rule("service_resp_time_percentile", "服务 P99 响应时间过长", SeriesScope::kService, "", kP99Ms, kAbove, 1000,
             10, 3, 5),
        rule("instance_resp_time", "实例平均响应时间过长", SeriesScope::kInstance, "", kAvgMs, kAbove, 1000, 10, 2, 5),
        rule("database_access_resp_time", "数据库访问过慢", SeriesScope::kEdge, "db:", kAvgMs, kAbove, 1000, 10, 2, 5),
        rule("endpoint_resp_time", "接口 P99 响应时间过长", SeriesScope::kEndpoint, "", kP99Ms, kAbove, 1000, 10, 2, 5),
        rule("vendor_latency", "外部供应商响应过慢", SeriesScope::kEdge, "vendor:", kP99Ms, kAbove, 2000, 10, 3, 10),
    };
    return d;
  }();
  return doc;
}

std::string entity_text(const SeriesKey& key) {
  switch (key.scope) {
    case SeriesScope::kService:
      return "服务 " + key.service;
    case SeriesScope::kInstance:
      return key.service + " 的实例 " + key.name;
    case SeriesScope::kEndpoint:
      return key.service + " 的接口 " + key.name;
    case SeriesScope::kEdge:
      return key.service + " → " + key.name;
  }
  return key.service;
}

std::string notice_text(const AlertRule& r, const AlertNotice& n) {
  const std::string when = beijing_minute(n.minute);
  const std::string value = metric_value_text(r.metric, n.value);
  switch (n.kind) {
    case AlertNotice::Kind::kFiring:
    case AlertNotice::Kind::kStillFiring:
      if (resource_metric(r.metric))  // no calls to count: the instance's own figure
        return fmt::format("{}{}：{} {} {}（阈值 {} {}），近 {} 分钟 {} 分钟超限，{}",
                           n.kind == AlertNotice::Kind::kFiring ? "告警 " : "持续告警 ", r.title, entity_text(n.entity),
                           metric_title(r.metric), value, r.comparison == AlertComparison::kAbove ? ">" : "<",
                           metric_value_text(r.metric, r.threshold), r.period, n.breaches, when);
      return fmt::format("{}{}：{} {} {}（阈值 {} {}），近 {} 分钟 {} 分钟超限，{} 次调用，{}",
                         n.kind == AlertNotice::Kind::kFiring ? "告警 " : "持续告警 ", r.title, entity_text(n.entity),
                         metric_title(r.metric), value, r.comparison == AlertComparison::kAbove ? ">" : "<",
                         metric_value_text(r.metric, r.threshold), r.period, n.breaches, n.calls, when);
    case AlertNotice::Kind::kRecovered:
      return fmt::format("恢复 {}：{} 已恢复，{} {}，{}", r.title, entity_text(n.entity), metric_title(r.metric), value,
                         when);
    case AlertNotice::Kind::kEnded:
      return fmt::format("告警结束 {}：{} 的规则已修改或删除，{}", r.title, entity_text(n.entity), when);
    case AlertNotice::Kind::kGone:
      return fmt::format("告警结束 {}：{} 已 {} 分钟未上报资源数据（实例可能已下线），{}", r.title,
                         entity_text(n.entity), r.period, when);
  }
  return r.title;
}

}  // namespace zt::platform::observer
