#pragma once
// Alert rules and their evaluation (issue 19): what turns the observer's per-minute figures into
// firing and recovery notices. Pure: minutes in, notices out — the observer feeds it each minute
// that has ended, keeps the rules as data (the config center) and sends what it answers.
//
// A rule judges every series of its scope that its filters select (each service, instance,
// endpoint or edge: the rule's "entity"), one minute at a time:
//   - a minute breaches when the metric compares past the threshold — and only when the minute
//     had at least min_calls calls: the minimum-traffic guard (three slow calls at night are not
//     an incident; SkyWalking's users ask for it). A minute under the guard (or without calls)
//     counts neither way: it neither breaches nor helps a firing rule recover. Except for a
//     "calls per minute below" rule, which is about traffic itself: no guard, and an entity it has
//     seen that has no calls in a minute has 0;
//   - it fires when at least `count` of the last `period` minutes breached (SkyWalking's period
//     and count), and says so once; while it keeps firing it says so again only after `silence`
//     minutes;
//   - it recovers after `recover_after` minutes in a row without a breach, and says so when the
//     rule asks for recovery notices.
//
// A rule on an instance's resources (CPU, memory, open files, the io threads' busy share, the
// blocking pool's queue) judges each instance by the highest of its samples in the minute: the
// guard does not apply, and a minute without a sample from the instance counts neither way — but
// one firing for an instance that has sent nothing for the rule's whole period ends ("gone").
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/observe/rollup.hpp"
#include "platform/observer/domain/resources.hpp"

namespace zt::platform::observer {

enum class AlertMetric {
  kAvgMs,
  kP50Ms,
  kP75Ms,
  kP90Ms,
  kP95Ms,
  kP99Ms,
  kErrorRate,
  kSla,
  kCpm,
  kApdex,
  // An instance's resources (scope instance only).
  kCpuCores,
  kRssMb,
  kOpenFilesRatio,
  kIoBusy,
  kBlockingQueued
};
enum class AlertComparison { kAbove, kBelow };

// "avg_ms", "p99_ms", "error_rate", "sla", "cpm", "apdex", "cpu_cores", "rss_mb",
// "open_files_ratio", "io_busy", "blocking_queued"; nullopt for an unknown name.
std::optional<AlertMetric> alert_metric(std::string_view name);
std::string_view alert_metric_name(AlertMetric metric);
// Whether it is about an instance's resources rather than its calls.
bool resource_metric(AlertMetric metric);

// An instance's resources in one minute, each the highest of its samples (none where it sent none):
// what a resource rule judges. Keyed by scope instance, the service and the instance id.
struct ResourceFigures {
  std::optional<double> cpu_cores;         // cores busy (1.5: one and a half)
  std::optional<double> rss_mb;            // resident memory, MiB
  std::optional<double> open_files_ratio;  // open files of the limit, 0 … 1
  std::optional<double> io_busy;           // the io threads' average busy share, 0 … 1
  std::optional<double> blocking_queued;   // work waiting for the blocking pool
};
using MinuteResources = std::map<core::observe::SeriesKey, ResourceFigures>;
// The figure a resource metric reads; none when the instance did not send it (or the metric is
// not a resource's).
std::optional<double> resource_value(AlertMetric metric, const ResourceFigures& figures);
// The stored samples by minute as resource rules judge them: each instance's figures the highest
// of its rows (a sender outside the platform names services of its own, "<token>:<service>", so
// rows of one instance are all the platform's).
std::map<std::int64_t, MinuteResources> resources_by_minute(const std::vector<ResourceSample>& samples);

struct AlertRule {
  std::string id;     // stable, e.g. "service_resp_time"
  std::string title;  // what staff read, e.g. "服务平均响应时间过长"
  core::observe::SeriesScope scope = core::observe::SeriesScope::kService;
  std::string service;      // only this service ("" any)
  std::string name_prefix;  // only names (instance, endpoint, peer) starting so ("" any)
  AlertMetric metric = AlertMetric::kAvgMs;
  AlertComparison comparison = AlertComparison::kAbove;
  double threshold = 1000;
  int period = 10;        // minutes looked at
  int count = 3;          // of them breaching, to fire
  int silence = 10;       // minutes before a firing rule says so again (0: not again until it recovers)
  int recover_after = 3;  // minutes in a row without a breach, to recover
  bool recovery_notice = true;
  std::uint64_t min_calls = 6;        // a minute with fewer calls never breaches
  std::vector<std::string> channels;  // the names of the channels its notices go to (none: history only)
};

// Why a rule cannot be used, in Chinese, or nullopt when it can.
std::optional<std::string> rule_problem(const AlertRule& rule);

struct AlertNotice {
  // ended: its rule changed or went; gone: a resource rule's instance sent nothing for the period
  enum class Kind { kFiring, kStillFiring, kRecovered, kEnded, kGone };
  Kind kind;
  std::string rule_id;
  core::observe::SeriesKey entity;
  std::int64_t minute = 0;  // the minute judged last
  double value = 0;         // the metric in that minute
  int breaches = 0;         // in the rule's period
  std::uint64_t calls = 0;  // in that minute
};

// The metric of one minute's figures (apdex with threshold T in microseconds).
double metric_value(AlertMetric metric, const core::observe::Figures& f, double apdex_threshold_micros);

// One rule's judgement of one entity, as the evaluator carries it from minute to minute: what the
// observer stores after each judged minute, so whichever instance judges next goes on from it.
struct AlertState {
  std::string rule_id;
  core::observe::SeriesKey entity;
  std::vector<std::int64_t> breached;  // minutes that breached within the period, oldest first
  int quiet = 0;                       // judged minutes in a row without a breach
  std::int64_t last_seen = 0;          // the last minute it had calls
  bool firing = false;
  std::int64_t notified_at = 0;  // the minute of the last firing notice
  bool operator==(const AlertState&) const = default;
};

class AlertEvaluator {
 public:
  explicit AlertEvaluator(double apdex_threshold_micros = 500'000) : apdex_t_(apdex_threshold_micros) {}

  // Replaces the rules; the state of a rule whose id and judgement (scope, filters, metric,
  // comparison, threshold, period, count, guard) stay the same is kept, the rest start afresh —
  // and what was firing under a rule that changed or went is answered as ended, so whoever was
  // told it fired hears it end. Throws std::invalid_argument (in Chinese) for a rule that cannot
  // be used or two rules of one id, changing nothing.
  std::vector<AlertNotice> set_rules(std::vector<AlertRule> rules);
  const std::vector<AlertRule>& rules() const { return rules_; }

  // Judges `minute` (ended) from its series and its instances' resources; minutes come in order,
  // each once (an older or repeated one is ignored). Entities not in `series` had no calls that
  // minute; instances not in `resources` sent no sample.
  std::vector<AlertNotice> judge(std::int64_t minute, const core::observe::MinuteSeries& series,
                                 const MinuteResources& resources = {});

  // What fires now: rule id and entity of each firing state.
  std::vector<std::pair<std::string, core::observe::SeriesKey>> firing() const;

  // The states kept now and the last minute judged (-1: none), to store; restore() puts them
  // back under the same rules (set_rules first), leaving out any of a rule it does not have.
  std::vector<AlertState> states() const;
  std::int64_t last_minute() const { return last_minute_; }
  void restore(std::int64_t last_minute, const std::vector<AlertState>& states);

 private:
  struct State {
    std::vector<std::int64_t> breached;  // minutes that breached within the period, oldest first
    int quiet = 0;  // judged minutes in a row without a breach (minutes under the guard skipped)
    std::int64_t last_seen = 0;  // the last minute it had calls (a resource rule: a sample)
    bool firing = false;
    std::int64_t notified_at = 0;  // the minute of the last firing notice
  };
  bool selects(const AlertRule& rule, const core::observe::SeriesKey& key) const;

  double apdex_t_;
  std::vector<AlertRule> rules_;
  std::map<std::pair<std::string, core::observe::SeriesKey>, State> states_;
  std::int64_t last_minute_ = -1;
};

}  // namespace zt::platform::observer
