#include "platform/observer/domain/alerts.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <stdexcept>

namespace zt::platform::observer {
namespace {

using core::observe::Figures;
using core::observe::MinuteSeries;
using core::observe::SeriesKey;
using core::observe::SeriesScope;
using Kind = AlertNotice::Kind;

// `calls` calls of `ms` milliseconds each, `errors` of them failed.
Figures calls_of(std::uint64_t calls, double ms, std::uint64_t errors = 0) {
  Figures f;
  f.calls = calls;
  f.errors = errors;
  for (std::uint64_t i = 0; i < calls; ++i) f.latency.add(ms * 1000.0);
  return f;
}

const SeriesKey kVendorEdge{SeriesScope::kEdge, "auth", "vendor:identity"};
const SeriesKey kCounterEdge{SeriesScope::kEdge, "mall", "counter"};

AlertRule vendor_latency() {
  AlertRule r;
  r.id = "vendor_latency";
  r.title = "外部供应商响应过慢";
  r.scope = SeriesScope::kEdge;
  r.name_prefix = "vendor:";
  r.metric = AlertMetric::kP99Ms;
  r.threshold = 2000;
  r.period = 5;
  r.count = 3;
  r.silence = 4;
  r.recover_after = 2;
  r.min_calls = 6;
  r.channels = {"email:ops@example.com"};
  return r;
}

std::vector<Kind> kinds(const std::vector<AlertNotice>& n) {
  std::vector<Kind> out;
  for (const auto& x : n) out.push_back(x.kind);
  return out;
}

TEST(Alerts, FiresOnCountBreachesInThePeriodRepeatsAfterTheSilenceAndRecovers) {
  AlertEvaluator e;
  e.set_rules({vendor_latency()});
  const auto slow = [](std::uint64_t calls = 10) {
    return MinuteSeries{{kVendorEdge, calls_of(calls, 3000)}, {kCounterEdge, calls_of(10, 5000)}};
  };
  const MinuteSeries fast{{kVendorEdge, calls_of(10, 50)}};
  EXPECT_TRUE(e.judge(100, slow()).empty());  // one breach of three
  EXPECT_TRUE(e.judge(101, fast).empty());
  const auto fired = e.judge(102, slow());  // two
  EXPECT_TRUE(fired.empty());
  const auto third = e.judge(103, slow());  // three within five minutes: fires, once
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].kind, Kind::kFiring);
  EXPECT_EQ(third[0].entity, kVendorEdge) << "the counter edge is not a vendor's: not judged";
  EXPECT_EQ(third[0].breaches, 3);
  EXPECT_EQ(third[0].calls, 10u);
  EXPECT_NEAR(third[0].value, 3000, 30);
  EXPECT_EQ(e.firing().size(), 1u);
  EXPECT_TRUE(e.judge(104, slow()).empty()) << "silence: said once";
  EXPECT_TRUE(e.judge(105, slow()).empty());
  EXPECT_TRUE(e.judge(106, slow()).empty());
  EXPECT_EQ(kinds(e.judge(107, slow())), std::vector<Kind>{Kind::kStillFiring}) << "four minutes on: again";
  EXPECT_TRUE(e.judge(108, fast).empty()) << "one quiet minute of two";
  EXPECT_TRUE(e.judge(109, MinuteSeries{}).empty()) << "a minute without calls counts neither way";
  EXPECT_TRUE(e.judge(110, MinuteSeries{{kVendorEdge, calls_of(2, 50)}}).empty()) << "nor one under the guard";
  const auto recovered = e.judge(111, fast);
  EXPECT_EQ(kinds(recovered), std::vector<Kind>{Kind::kRecovered});
  EXPECT_TRUE(e.firing().empty());
  // Recovered: it fires again only on three new breaches.
  EXPECT_TRUE(e.judge(112, slow()).empty());
  EXPECT_TRUE(e.judge(113, slow()).empty());
  EXPECT_EQ(kinds(e.judge(114, slow())), std::vector<Kind>{Kind::kFiring});
}

TEST(Alerts, ACallsPerMinuteBelowRuleHasNoGuardAndSeesTrafficStop) {
  AlertRule r;
  r.id = "mall_traffic";
  r.title = "商城调用量骤降";
  r.scope = SeriesScope::kService;
  r.service = "mall";
  r.metric = AlertMetric::kCpm;
  r.comparison = AlertComparison::kBelow;
  r.threshold = 10;
  r.period = 3;
  r.count = 2;
  r.recover_after = 1;
  r.channels = {"webhook:https://ops.example.com/hook"};
  AlertEvaluator e;
  e.set_rules({r});
  const SeriesKey mall{SeriesScope::kService, "mall", ""};
  EXPECT_TRUE(e.judge(1, MinuteSeries{{mall, calls_of(100, 5)}}).empty());
  EXPECT_TRUE(e.judge(2, MinuteSeries{}).empty()) << "no calls: a minute of 0, one breach";
  const auto fired = e.judge(3, MinuteSeries{});
  ASSERT_EQ(kinds(fired), std::vector<Kind>{Kind::kFiring});
  EXPECT_EQ(fired[0].value, 0);
  EXPECT_EQ(kinds(e.judge(4, MinuteSeries{{mall, calls_of(50, 5)}})), std::vector<Kind>{Kind::kRecovered});
}

TEST(Alerts, TheMinimumTrafficGuardHoldsBackSlowMinutesWithFewCalls) {
  AlertEvaluator e;
  e.set_rules({vendor_latency()});
  for (std::int64_t m = 0; m < 20; ++m)
    EXPECT_TRUE(e.judge(m, MinuteSeries{{kVendorEdge, calls_of(5, 9000)}}).empty()) << m;  // 5 < 6 calls
  EXPECT_TRUE(e.firing().empty());
  e.judge(20, MinuteSeries{{kVendorEdge, calls_of(6, 9000)}});
  e.judge(21, MinuteSeries{{kVendorEdge, calls_of(6, 9000)}});
  EXPECT_EQ(kinds(e.judge(22, MinuteSeries{{kVendorEdge, calls_of(6, 9000)}})), std::vector<Kind>{Kind::kFiring});
}

TEST(Alerts, OnlyBreachesWithinThePeriodCountAndMinutesComeInOrder) {
  AlertEvaluator e;
  e.set_rules({vendor_latency()});
  const MinuteSeries slow{{kVendorEdge, calls_of(10, 3000)}};
  e.judge(10, slow);
  e.judge(11, slow);
  EXPECT_TRUE(e.judge(16, slow).empty()) << "10 and 11 are past the five-minute period at 16";
  EXPECT_TRUE(e.judge(16, slow).empty()) << "a minute judged twice counts once";
  EXPECT_TRUE(e.judge(12, slow).empty()) << "an older minute is ignored";
  EXPECT_TRUE(e.judge(17, slow).empty());
  EXPECT_EQ(kinds(e.judge(18, slow)), std::vector<Kind>{Kind::kFiring});
}

TEST(Alerts, EachEntityIsJudgedApartAndEveryMetricReadsItsFigure) {
  AlertRule sla;
  sla.id = "service_sla";
  sla.title = "服务成功率过低";
  sla.metric = AlertMetric::kSla;
  sla.comparison = AlertComparison::kBelow;
  sla.threshold = 0.8;
  sla.period = 1;
  sla.count = 1;
  sla.recovery_notice = false;
  sla.recover_after = 1;
  sla.channels = {"sms:13800000000"};
  AlertEvaluator e;
  e.set_rules({sla});
  const SeriesKey mall{SeriesScope::kService, "mall", ""}, auth{SeriesScope::kService, "auth", ""};
  const auto n = e.judge(1, MinuteSeries{{mall, calls_of(10, 5, 3)}, {auth, calls_of(10, 5, 1)}});
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].entity, mall);
  EXPECT_NEAR(n[0].value, 0.7, 1e-9);
  EXPECT_TRUE(e.judge(2, MinuteSeries{{mall, calls_of(10, 5)}}).empty()) << "recovered without a notice, as asked";
  EXPECT_TRUE(e.firing().empty());

  const Figures f = calls_of(100, 10, 5);
  EXPECT_NEAR(metric_value(AlertMetric::kAvgMs, f, 500'000), 10, 0.1);
  EXPECT_NEAR(metric_value(AlertMetric::kP99Ms, f, 500'000), 10, 0.1);
  EXPECT_NEAR(metric_value(AlertMetric::kErrorRate, f, 500'000), 0.05, 1e-9);
  EXPECT_NEAR(metric_value(AlertMetric::kSla, f, 500'000), 0.95, 1e-9);
  EXPECT_EQ(metric_value(AlertMetric::kCpm, f, 500'000), 100);
  EXPECT_EQ(metric_value(AlertMetric::kApdex, f, 500'000), 1.0);
  EXPECT_EQ(metric_value(AlertMetric::kApdex, f, 5'000), 0.5) << "10 ms against T = 5 ms: tolerating";
  for (const auto* name : {"avg_ms", "p50_ms", "p75_ms", "p90_ms", "p95_ms", "p99_ms", "error_rate", "sla", "cpm",
                           "apdex", "cpu_cores", "rss_mb", "open_files_ratio", "io_busy", "blocking_queued"})
    EXPECT_EQ(alert_metric_name(*alert_metric(name)), name);
  EXPECT_FALSE(alert_metric("p98_ms"));
}

// A rule on instances' resources: each instance by the highest of its samples in the minute, no
// traffic guard (an idle process can still run out of memory), a minute without a sample counting
// neither way; and only on instances.
TEST(Alerts, AResourceRuleJudgesEachInstanceByItsSamplesWithoutTheTrafficGuard) {
  AlertRule r;
  r.id = "instance_memory";
  r.title = "实例内存过高";
  r.scope = SeriesScope::kInstance;
  r.service = "mall";
  r.metric = AlertMetric::kRssMb;
  r.threshold = 1024;
  r.period = 3;
  r.count = 2;
  r.silence = 0;
  r.recover_after = 2;
  r.min_calls = 1000;  // not applied: no calls to count
  AlertEvaluator e;
  e.set_rules({r});
  const auto sample = [](std::string service, std::string instance, std::int64_t minute, std::int64_t rss_mib,
                         std::string sender = "mall") {
    ResourceSample s;
    s.service = std::move(service);
    s.instance = std::move(instance);
    s.sender = std::move(sender);
    s.minute = minute;
    s.rss_bytes = rss_mib * 1024 * 1024;
    return s;
  };
  // Minute 1: mall-a over (its highest sample counts), mall-b under, auth's instance not selected.
  // Minute 2: mall-a sends nothing. Minute 3: over again — two of three minutes: fires.
  const auto by_minute = resources_by_minute({sample("mall", "mall-a", 1, 900), sample("mall", "mall-a", 1, 1500),
                                              sample("mall", "mall-b", 1, 300), sample("auth", "auth-a", 1, 5000),
                                              sample("mall", "mall-b", 2, 310), sample("mall", "mall-a", 3, 1600)});
  ASSERT_EQ(by_minute.size(), 3u);
  const SeriesKey a{SeriesScope::kInstance, "mall", "mall-a"};
  EXPECT_NEAR(*by_minute.at(1).at(a).rss_mb, 1500, 1e-9) << "the highest of the minute's samples";
  const MinuteSeries calls{{SeriesKey{SeriesScope::kInstance, "mall", "mall-a"}, calls_of(1, 5)}};
  EXPECT_TRUE(e.judge(1, calls, by_minute.at(1)).empty());
  EXPECT_TRUE(e.judge(2, calls, by_minute.at(2)).empty()) << "no sample: neither a breach nor a recovery";
  auto n = e.judge(3, calls, by_minute.at(3));
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].kind, Kind::kFiring);
  EXPECT_EQ(n[0].entity, a);
  EXPECT_NEAR(n[0].value, 1600, 1e-9);
  EXPECT_EQ(n[0].breaches, 2);
  EXPECT_EQ(n[0].calls, 0u);
  // Two minutes under: recovered.
  const MinuteResources low{{a, ResourceFigures{.rss_mb = 700}}};
  EXPECT_TRUE(e.judge(4, {}, low).empty());
  n = e.judge(5, {}, low);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].kind, Kind::kRecovered);

  // Firing again, then the instance goes quiet (stopped, out of memory): after the rule's period
  // without a sample it can neither recover nor breach — the alert ends, said once.
  const MinuteResources high{{a, ResourceFigures{.rss_mb = 2000}}};
  EXPECT_TRUE(e.judge(6, {}, high).empty());
  n = e.judge(7, {}, high);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].kind, Kind::kFiring);
  EXPECT_TRUE(e.judge(8, {}, {}).empty());
  EXPECT_TRUE(e.judge(9, {}, {}).empty());
  n = e.judge(10, {}, {});
  ASSERT_EQ(n.size(), 1u) << "three minutes (the period) without a sample";
  EXPECT_EQ(n[0].kind, Kind::kGone);
  EXPECT_EQ(n[0].entity, a);
  EXPECT_TRUE(e.firing().empty());
  EXPECT_TRUE(e.states().empty()) << "nothing left to remember";
  EXPECT_TRUE(e.judge(11, {}, {}).empty());

  // The figures a rule reads: open files of the limit, the io threads' average, the queue, CPU.
  ResourceSample full = sample("mall", "mall-a", 7, 100);
  full.open_fds = 900;
  full.max_fds = 1000;
  full.io_busy_avg = 0.25;
  full.io_busy_max = 0.9;
  full.blocking_queued = 12;
  full.cpu_cores = 1.5;
  ResourceSample no_limit = sample("mall", "mall-c", 7, 100);
  no_limit.open_fds = 50;  // the limit not sent: no ratio
  const auto seven = resources_by_minute({full, no_limit}).at(7);
  const auto& f = seven.at(a);
  EXPECT_NEAR(*resource_value(AlertMetric::kOpenFilesRatio, f), 0.9, 1e-9);
  EXPECT_NEAR(*resource_value(AlertMetric::kIoBusy, f), 0.25, 1e-9);
  EXPECT_NEAR(*resource_value(AlertMetric::kBlockingQueued, f), 12, 1e-9);
  EXPECT_NEAR(*resource_value(AlertMetric::kCpuCores, f), 1.5, 1e-9);
  EXPECT_FALSE(resource_value(AlertMetric::kAvgMs, f)) << "not a resource's";
  EXPECT_FALSE(resource_value(AlertMetric::kOpenFilesRatio, seven.at({SeriesScope::kInstance, "mall", "mall-c"})));

  // Only on instances.
  for (const auto scope : {SeriesScope::kService, SeriesScope::kEndpoint, SeriesScope::kEdge}) {
    AlertRule wrong = r;
    wrong.scope = scope;
    const auto problem = rule_problem(wrong);
    ASSERT_TRUE(problem.has_value());
    EXPECT_NE(problem->find("只能用于实例"), std::string::npos) << *problem;
  }
  EXPECT_FALSE(rule_problem(r));
  EXPECT_TRUE(resource_metric(AlertMetric::kCpuCores));
  EXPECT_FALSE(resource_metric(AlertMetric::kCpm));
}

TEST(Alerts, ChangedRulesStartAfreshAndUnchangedOnesKeepTheirState) {
  AlertEvaluator e;
  e.set_rules({vendor_latency()});
  const MinuteSeries slow{{kVendorEdge, calls_of(10, 3000)}};
  e.judge(1, slow);
  e.judge(2, slow);
  auto same = vendor_latency();
  same.title = "改了名称";
  same.channels = {"sms:13800000000"};
  e.set_rules({same});  // what it notifies changed, not how it judges
  EXPECT_EQ(kinds(e.judge(3, slow)), std::vector<Kind>{Kind::kFiring});
  auto stricter = vendor_latency();
  stricter.threshold = 1000;
  e.set_rules({stricter});
  EXPECT_TRUE(e.firing().empty()) << "a rule that judges differently starts afresh";
  EXPECT_TRUE(e.judge(4, slow).empty());
}

TEST(Alerts, RulesThatCannotBeUsedAreRefusedWholeAndAFiringRuleThatChangesEnds) {
  AlertEvaluator e;
  e.set_rules({vendor_latency()});
  auto broken = vendor_latency();
  broken.id = "other";
  broken.period = 0;
  EXPECT_THROW(e.set_rules({vendor_latency(), broken}), std::invalid_argument);
  EXPECT_THROW(e.set_rules({vendor_latency(), vendor_latency()}), std::invalid_argument) << "one id twice";
  ASSERT_EQ(e.rules().size(), 1u) << "nothing changed";
  const MinuteSeries slow{{kVendorEdge, calls_of(10, 3000)}};
  e.judge(1, slow);
  e.judge(2, slow);
  ASSERT_EQ(kinds(e.judge(3, slow)), std::vector<Kind>{Kind::kFiring});
  auto looser = vendor_latency();
  looser.threshold = 5000;
  const auto ended = e.set_rules({looser});
  ASSERT_EQ(kinds(ended), std::vector<Kind>{Kind::kEnded}) << "whoever heard it fire hears it end";
  EXPECT_EQ(ended[0].entity, kVendorEdge);
  EXPECT_TRUE(e.set_rules({}).empty()) << "nothing firing, nothing to end";
}

// Whichever observer judges the next minute goes on from the stored states: the same notices as
// one evaluator judging every minute.
TEST(Alerts, AnotherEvaluatorRestoredFromTheStatesGoesOnAsOneWould) {
  const auto slow = MinuteSeries{{kVendorEdge, calls_of(10, 3000)}};
  const auto fast = MinuteSeries{{kVendorEdge, calls_of(10, 50)}};
  const std::vector<MinuteSeries> minutes{slow, slow, slow, slow, slow, slow, slow, slow, fast, fast};
  AlertEvaluator whole;
  whole.set_rules({vendor_latency()});
  std::vector<Kind> expected;
  for (std::size_t i = 0; i < minutes.size(); ++i)
    for (auto k : kinds(whole.judge(200 + static_cast<std::int64_t>(i), minutes[i]))) expected.push_back(k);
  ASSERT_EQ(expected, (std::vector<Kind>{Kind::kFiring, Kind::kStillFiring, Kind::kRecovered}));

  std::vector<Kind> handed_over;
  std::vector<AlertState> stored;
  std::int64_t last = -1;
  for (std::size_t i = 0; i < minutes.size(); ++i) {
    AlertEvaluator one;  // a fresh one every minute, as after a takeover
    one.set_rules({vendor_latency()});
    one.restore(last, stored);
    EXPECT_EQ(one.states(), stored);
    for (auto k : kinds(one.judge(200 + static_cast<std::int64_t>(i), minutes[i]))) handed_over.push_back(k);
    stored = one.states();
    last = one.last_minute();
  }
  EXPECT_EQ(handed_over, expected);
  EXPECT_TRUE(stored.empty()) << "recovered, nothing left to remember";

  // A state of a rule it no longer has is left out; a minute judged already is not judged again.
  AlertEvaluator other;
  other.set_rules({vendor_latency()});
  other.restore(205, {AlertState{"gone_rule", kVendorEdge, {205}, 0, 205, true, 205},
                      AlertState{"vendor_latency", kVendorEdge, {204, 205}, 0, 205, false, 0}});
  ASSERT_EQ(other.states().size(), 1u);
  EXPECT_EQ(other.states()[0].rule_id, "vendor_latency");
  EXPECT_TRUE(other.judge(205, slow).empty()) << "judged already";
  EXPECT_EQ(kinds(other.judge(206, slow)), std::vector<Kind>{Kind::kFiring}) << "the third breach of the period";
}

TEST(Alerts, ARuleThatCannotBeUsedSaysWhyInChinese) {
  EXPECT_FALSE(rule_problem(vendor_latency()));
  auto r = vendor_latency();
  r.count = 6;  // more than the period
  ASSERT_TRUE(rule_problem(r));
  EXPECT_NE(rule_problem(r)->find("触发次数"), std::string::npos);
  r = vendor_latency();
  r.channels.clear();
  EXPECT_FALSE(rule_problem(r)) << "no channel: the history and the console only";
  r.channels = {"ops", "ops"};
  ASSERT_TRUE(rule_problem(r));
  EXPECT_NE(rule_problem(r)->find("通知渠道重复"), std::string::npos);
  r = vendor_latency();
  r.threshold = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(rule_problem(r));
  r = vendor_latency();
  r.id.clear();
  EXPECT_TRUE(rule_problem(r));
}

}  // namespace
}  // namespace zt::platform::observer
