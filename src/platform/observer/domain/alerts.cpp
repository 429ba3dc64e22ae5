#include "platform/observer/domain/alerts.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <stdexcept>
#include <utility>

namespace zt::platform::observer {

namespace {

using core::observe::SeriesKey;

constexpr std::array<std::pair<AlertMetric, std::string_view>, 15> kMetrics{{
    {AlertMetric::kAvgMs, "avg_ms"},
    {AlertMetric::kP50Ms, "p50_ms"},
    {AlertMetric::kP75Ms, "p75_ms"},
    {AlertMetric::kP90Ms, "p90_ms"},
    {AlertMetric::kP95Ms, "p95_ms"},
    {AlertMetric::kP99Ms, "p99_ms"},
    {AlertMetric::kErrorRate, "error_rate"},
    {AlertMetric::kSla, "sla"},
    {AlertMetric::kCpm, "cpm"},
    {AlertMetric::kApdex, "apdex"},
    {AlertMetric::kCpuCores, "cpu_cores"},
    {AlertMetric::kRssMb, "rss_mb"},
    {AlertMetric::kOpenFilesRatio, "open_files_ratio"},
    {AlertMetric::kIoBusy, "io_busy"},
    {AlertMetric::kBlockingQueued, "blocking_queued"},
}};

// What a rule judges by: two rules alike in these judge alike, so a state carries over.
bool same_judgement(const AlertRule& a, const AlertRule& b) {
  return a.scope == b.scope && a.service == b.service && a.name_prefix == b.name_prefix && a.metric == b.metric &&
         a.comparison == b.comparison && a.threshold == b.threshold && a.period == b.period && a.count == b.count &&
         a.min_calls == b.min_calls;
}

}  // namespace

std::optional<AlertMetric> alert_metric(std::string_view name) {
  for (const auto& [metric, text] : kMetrics)
    if (text == name) return metric;
  return std::nullopt;
}

std::string_view alert_metric_name(AlertMetric metric) {
  for (const auto& [m, text] : kMetrics)
    if (m == metric) return text;
  return "avg_ms";
}

bool resource_metric(AlertMetric metric) {
  switch (metric) {
    case AlertMetric::kCpuCores:
    case AlertMetric::kRssMb:
    case AlertMetric::kOpenFilesRatio:
    case AlertMetric::kIoBusy:
    case AlertMetric::kBlockingQueued:
      return true;
    default:
      return false;
  }
}

std::optional<double> resource_value(AlertMetric metric, const ResourceFigures& f) {
  switch (metric) {
    case AlertMetric::kCpuCores:
      return f.cpu_cores;
    case AlertMetric::kRssMb:
      return f.rss_mb;
    case AlertMetric::kOpenFilesRatio:
      return f.open_files_ratio;
    case AlertMetric::kIoBusy:
      return f.io_busy;
    case AlertMetric::kBlockingQueued:
      return f.blocking_queued;
    default:
      return std::nullopt;
  }
}

std::map<std::int64_t, MinuteResources> resources_by_minute(const std::vector<ResourceSample>& samples) {
  std::map<std::int64_t, MinuteResources> out;
  const auto keep = [](std::optional<double>& into, std::optional<double> v) {
    if (v && std::isfinite(*v) && (!into || *v > *into)) into = v;
  };
  for (const auto& s : samples) {
    auto& f = out[s.minute][SeriesKey{core::observe::SeriesScope::kInstance, s.service, s.instance}];
    keep(f.cpu_cores, s.cpu_cores);
    if (s.rss_bytes) keep(f.rss_mb, static_cast<double>(*s.rss_bytes) / (1024.0 * 1024.0));
    if (s.open_fds && s.max_fds && *s.max_fds > 0)
      keep(f.open_files_ratio, static_cast<double>(*s.open_fds) / static_cast<double>(*s.max_fds));
    keep(f.io_busy, s.io_busy_avg);
    if (s.blocking_queued) keep(f.blocking_queued, static_cast<double>(*s.blocking_queued));
  }
  return out;
}

std::optional<std::string> rule_problem(const AlertRule& rule) {
  if (rule.id.empty() || rule.id.size() > 64) return "规则编号应为 1 到 64 个字符";
  if (rule.title.empty() || rule.title.size() > 200) return "规则名称应为 1 到 200 字节";
  if (!std::isfinite(rule.threshold)) return "阈值应为有限的数值";
  if (rule.period < 1 || rule.period > 60) return "观察周期应为 1 到 60 分钟";
  if (rule.count < 1 || rule.count > rule.period) return "触发次数应为 1 到观察周期的分钟数";
  if (rule.silence < 0 || rule.silence > 1440) return "静默期应为 0 到 1440 分钟";
  if (rule.recover_after < 1 || rule.recover_after > 60) return "恢复判定应为 1 到 60 分钟";
  if (rule.min_calls > 1'000'000'000) return "最小调用量应不超过 10 亿次";
  if (resource_metric(rule.metric) && rule.scope != core::observe::SeriesScope::kInstance)
    return "资源指标（CPU、内存、文件句柄、IO 线程、阻塞队列）只能用于实例范围的规则";
  std::set<std::string> channels;
  for (const auto& c : rule.channels)
    if (!channels.insert(c).second) return "通知渠道重复：" + c;
  return std::nullopt;
}

double metric_value(AlertMetric metric, const core::observe::Figures& f, double apdex_threshold_micros) {
  const auto& l = f.latency;
  switch (metric) {
    case AlertMetric::kAvgMs:
      return l.mean() / 1000.0;
    case AlertMetric::kP50Ms:
      return l.quantile(0.50) / 1000.0;
    case AlertMetric::kP75Ms:
      return l.quantile(0.75) / 1000.0;
    case AlertMetric::kP90Ms:
      return l.quantile(0.90) / 1000.0;
    case AlertMetric::kP95Ms:
      return l.quantile(0.95) / 1000.0;
    case AlertMetric::kP99Ms:
      return l.quantile(0.99) / 1000.0;
    case AlertMetric::kErrorRate:
      return f.error_rate();
    case AlertMetric::kSla:
      return f.calls ? 1.0 - f.error_rate() : 1.0;
    case AlertMetric::kCpm:
      return static_cast<double>(f.calls);
    case AlertMetric::kApdex:
      return core::observe::apdex(l, apdex_threshold_micros);
    case AlertMetric::kCpuCores:  // an instance's resources: not a call figure (resource_value)
    case AlertMetric::kRssMb:
    case AlertMetric::kOpenFilesRatio:
    case AlertMetric::kIoBusy:
    case AlertMetric::kBlockingQueued:
      return 0;
  }
  return 0;
}

std::vector<AlertNotice> AlertEvaluator::set_rules(std::vector<AlertRule> rules) {
  std::set<std::string> ids;
  for (const auto& rule : rules) {
    if (auto problem = rule_problem(rule)) throw std::invalid_argument("告警规则 " + rule.id + "：" + *problem);
    if (!ids.insert(rule.id).second) throw std::invalid_argument("告警规则编号重复：" + rule.id);
  }
  std::map<std::pair<std::string, SeriesKey>, State> kept;
  for (const auto& rule : rules) {
    const auto old = std::find_if(rules_.begin(), rules_.end(), [&](const AlertRule& r) { return r.id == rule.id; });
    if (old == rules_.end() || !same_judgement(*old, rule)) continue;
    for (auto it = states_.lower_bound({rule.id, SeriesKey{}}); it != states_.end() && it->first.first == rule.id; ++it)
      kept.insert(*it);
  }
  std::vector<AlertNotice> ended;
  for (const auto& [id_key, s] : states_)
    if (s.firing && !kept.count(id_key))
      ended.push_back(AlertNotice{AlertNotice::Kind::kEnded, id_key.first, id_key.second, last_minute_, 0, 0, 0});
  states_ = std::move(kept);
  rules_ = std::move(rules);
  return ended;
}

bool AlertEvaluator::selects(const AlertRule& rule, const SeriesKey& key) const {
  return key.scope == rule.scope && (rule.service.empty() || key.service == rule.service) &&
         key.name.starts_with(rule.name_prefix);
}

std::vector<AlertNotice> AlertEvaluator::judge(std::int64_t minute, const core::observe::MinuteSeries& series,
                                               const MinuteResources& resources) {
  std::vector<AlertNotice> out;
  if (minute <= last_minute_) return out;
  last_minute_ = minute;
  for (const auto& rule : rules_) {
    // A "calls per minute below" rule judges traffic itself: no guard, and it follows every
    // entity it has seen (so a minute without calls is a minute of 0).
    const bool traffic_rule = rule.metric == AlertMetric::kCpm && rule.comparison == AlertComparison::kBelow;
    // A resource rule: no guard either; a sample is what makes a minute count.
    const bool resource_rule = resource_metric(rule.metric);
    std::map<SeriesKey, std::pair<double, std::uint64_t>> seen;  // value, calls
    const auto judge_one = [&](const SeriesKey& key, double value, std::uint64_t calls) {
      const bool guarded = !traffic_rule && !resource_rule && (calls == 0 || calls < rule.min_calls);
      auto it = states_.find({rule.id, key});
      if (guarded) return;  // counts neither way
      const bool past = rule.comparison == AlertComparison::kAbove ? value > rule.threshold : value < rule.threshold;
      if (past) {
        if (it == states_.end()) it = states_.emplace(std::make_pair(rule.id, key), State{}).first;
        it->second.breached.push_back(minute);
        it->second.quiet = 0;
      } else {
        if (it == states_.end() && traffic_rule) it = states_.emplace(std::make_pair(rule.id, key), State{}).first;
        if (it != states_.end()) ++it->second.quiet;
      }
      if (it != states_.end() && (calls > 0 || resource_rule)) it->second.last_seen = minute;
    };
    for (const auto& [key, figures] : resources) {
      if (!resource_rule || !selects(rule, key)) continue;
      const auto value = resource_value(rule.metric, figures);
      if (!value) continue;  // not sent: counts neither way
      seen.emplace(key, std::make_pair(*value, std::uint64_t{0}));
      judge_one(key, *value, 0);
    }
    for (const auto& [key, figures] : series) {
      if (resource_rule || !selects(rule, key)) continue;
      const double value = metric_value(rule.metric, figures, apdex_t_);
      seen.emplace(key, std::make_pair(value, figures.calls));
      judge_one(key, value, figures.calls);
    }
    if (traffic_rule) {
      std::vector<SeriesKey> silent;
      for (auto it = states_.lower_bound({rule.id, SeriesKey{}}); it != states_.end() && it->first.first == rule.id; ++it)
        if (!seen.count(it->first.second)) silent.push_back(it->first.second);
      for (const auto& key : silent) {
        seen.emplace(key, std::make_pair(0.0, std::uint64_t{0}));
        judge_one(key, 0.0, 0);
      }
    }
    for (auto it = states_.lower_bound({rule.id, SeriesKey{}}); it != states_.end() && it->first.first == rule.id;) {
      auto& [id_key, s] = *it;
      const SeriesKey& key = id_key.second;
      // Only the rule's period counts.
      s.breached.erase(std::remove_if(s.breached.begin(), s.breached.end(),
                                      [&](std::int64_t m) { return m <= minute - rule.period; }),
                       s.breached.end());
      const int breaches = static_cast<int>(s.breached.size());
      const auto at = seen.find(key);
      AlertNotice notice{AlertNotice::Kind::kFiring,
                         rule.id,
                         key,
                         minute,
                         at == seen.end() ? 0.0 : at->second.first,
                         breaches,
                         at == seen.end() ? 0 : at->second.second};
      if (!s.firing && breaches >= rule.count) {
        s.firing = true;
        s.notified_at = minute;
        out.push_back(notice);
      } else if (s.firing && s.quiet >= rule.recover_after) {
        // Recovered: the breaches before count no more (a recovered rule fires again only on new
        // ones).
        s.firing = false;
        s.breached.clear();
        if (rule.recovery_notice) {
          notice.kind = AlertNotice::Kind::kRecovered;
          notice.breaches = 0;
          out.push_back(notice);
        }
      } else if (resource_rule && s.firing && minute - s.last_seen >= rule.period) {
        // The instance has sent nothing for the rule's whole period (stopped, scaled away, out of
        // memory): it can neither recover nor breach again, so the alert ends, said so.
        s.firing = false;
        s.breached.clear();
        notice.kind = AlertNotice::Kind::kGone;
        notice.breaches = 0;
        out.push_back(notice);
      } else if (s.firing && breaches >= rule.count && minute - s.notified_at >= rule.silence && rule.silence > 0) {
        s.notified_at = minute;
        notice.kind = AlertNotice::Kind::kStillFiring;
        out.push_back(notice);
      }
      // Nothing to remember: the state goes (entities come and go). A traffic rule keeps following
      // an entity it has seen within its period.
      const bool follows = traffic_rule && minute - s.last_seen < rule.period;
      if (!s.firing && s.breached.empty() && !follows)
        it = states_.erase(it);
      else
        ++it;
    }
  }
  return out;
}

std::vector<std::pair<std::string, SeriesKey>> AlertEvaluator::firing() const {
  std::vector<std::pair<std::string, SeriesKey>> out;
  for (const auto& [id_key, s] : states_)
    if (s.firing) out.push_back(id_key);
  return out;
}

std::vector<AlertState> AlertEvaluator::states() const {
  std::vector<AlertState> out;
  out.reserve(states_.size());
  for (const auto& [id_key, s] : states_)
    out.push_back(AlertState{id_key.first, id_key.second, s.breached, s.quiet, s.last_seen, s.firing, s.notified_at});
  return out;
}

void AlertEvaluator::restore(std::int64_t last_minute, const std::vector<AlertState>& states) {
  states_.clear();
  last_minute_ = last_minute;
  for (const auto& a : states)
    if (std::any_of(rules_.begin(), rules_.end(), [&](const AlertRule& r) { return r.id == a.rule_id; }))
      states_[{a.rule_id, a.entity}] = State{a.breached, a.quiet, a.last_seen, a.firing, a.notified_at};
}

}  // namespace zt::platform::observer
