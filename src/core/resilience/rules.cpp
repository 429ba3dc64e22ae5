#include "core/resilience/rules.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <set>

#include "core/config/yaml_reader.hpp"

namespace zt::core::resilience {

namespace {

std::string join(const std::vector<RuleProblem>& ps) {
  std::string s = "resilience rules are invalid:";
  for (const auto& p : ps) s += fmt::format("\n  line {}: {}: {}", p.line, p.path, p.message);
  return s;
}

using Reader = config::YamlReader;

}  // namespace

RuleError::RuleError(std::vector<RuleProblem> problems) : std::runtime_error(join(problems)), problems_(std::move(problems)) {}

RuleSet parse_rules(std::string_view text) {
  Reader r;
  RuleSet out;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    throw RuleError({{e.mark.line + 1, "(rules)", fmt::format("语法错误：{}", e.msg)}});
  }
  if (!root || root.IsNull()) return out;
  if (!root.IsMap()) throw RuleError({{1, "(rules)", "规则顶层应为映射（flow/keyed/breakers/bulkheads）"}});
  r.known_keys(root, "(rules)", {"flow", "keyed", "breakers", "bulkheads", "cluster", "system"});
  std::set<std::string> ids;
  auto list = [&](const char* name, auto&& each) {
    YAML::Node seq = root[name];
    if (!seq) return;
    if (!seq.IsSequence()) {
      r.problem(seq, name, "应为列表");
      return;
    }
    for (std::size_t i = 0; i < seq.size(); ++i) {
      std::string path = fmt::format("{}[{}]", name, i);
      if (!seq[i].IsMap()) {
        r.problem(seq[i], path, "应为映射");
        continue;
      }
      std::string id = r.str(seq[i], path, "id", true);
      if (!id.empty() && !ids.insert(id).second) r.problem(seq[i]["id"], path + ".id", fmt::format("规则 id '{}' 重复", id));
      each(seq[i], path, id);
    }
  };

  list("flow", [&](const YAML::Node& n, const std::string& p, const std::string& id) {
    r.known_keys(n, p, {"id", "resource", "grade", "count", "behavior", "warm_up_seconds", "cold_factor", "max_queueing_ms", "shadow"});
    FlowRule f;
    f.id = id;
    f.resource = r.str(n, p, "resource", true);
    f.grade = r.choice(n, p, "grade", FlowGrade::kQps, {{"qps", FlowGrade::kQps}, {"concurrency", FlowGrade::kConcurrency}});
    f.count = r.num(n, p, "count", true, 0, 0, 1e9);
    f.behavior = r.choice(n, p, "behavior", FlowBehavior::kReject,
                          {{"reject", FlowBehavior::kReject}, {"warm_up", FlowBehavior::kWarmUp}, {"queue", FlowBehavior::kQueue}});
    f.warm_up_seconds = static_cast<int>(r.integer(n, p, "warm_up_seconds", false, 10, 1, 3600));
    f.cold_factor = static_cast<int>(r.integer(n, p, "cold_factor", false, 3, 2, 100));
    f.max_queueing = r.integer(n, p, "max_queueing_ms", false, 500, 0, 60000) * kMilli;
    f.shadow = r.flag(n, p, "shadow");
    if (f.grade == FlowGrade::kConcurrency && f.behavior != FlowBehavior::kReject)
      r.problem(n, p + ".behavior", "并发数规则只支持 reject");
    out.flow.push_back(std::move(f));
  });

  list("keyed", [&](const YAML::Node& n, const std::string& p, const std::string& id) {
    r.known_keys(n, p, {"id", "resource", "key", "rate", "period_ms", "burst", "max_keys", "overrides", "shadow"});
    KeyedRule k;
    k.id = id;
    k.resource = r.str(n, p, "resource", true);
    k.key = r.str(n, p, "key", true);
    if (!k.key.empty() && k.key != "customer" && k.key != "ip" && k.key.rfind("header:", 0) != 0 &&
        k.key.rfind("query:", 0) != 0 && k.key.rfind("path:", 0) != 0)
      r.problem(n["key"], p + ".key", "应为 customer、ip、header:<名称>、query:<名称> 或 path:<名称>");
    k.spec.tokens_per_period = r.integer(n, p, "rate", true, 1, 1, 1'000'000'000);
    k.spec.period = r.integer(n, p, "period_ms", false, 1000, 1, 86'400'000) * kMilli;
    k.spec.burst = r.integer(n, p, "burst", false, k.spec.tokens_per_period, 1, 1'000'000'000);
    k.max_keys = static_cast<std::size_t>(r.integer(n, p, "max_keys", false, 100'000, 16, 100'000'000));
    if (YAML::Node o = n["overrides"]) {
      if (!o.IsMap()) {
        r.problem(o, p + ".overrides", "应为映射（取值 → {rate, burst}）");
      } else {
        for (const auto& kv : o) {
          std::string op = p + ".overrides." + kv.first.Scalar();
          BucketSpec s = k.spec;
          s.tokens_per_period = r.integer(kv.second, op, "rate", true, 1, 1, 1'000'000'000);
          s.burst = r.integer(kv.second, op, "burst", false, s.tokens_per_period, 1, 1'000'000'000);
          k.overrides[kv.first.Scalar()] = s;
        }
      }
    }
    k.shadow = r.flag(n, p, "shadow");
    out.keyed.push_back(std::move(k));
  });

  list("breakers", [&](const YAML::Node& n, const std::string& p, const std::string& id) {
    r.known_keys(n, p, {"id", "resource", "strategy", "threshold", "max_rt_ms", "stat_interval_ms", "min_requests",
                        "recovery_ms", "probes", "shadow"});
    BreakerRule b;
    b.id = id;
    b.resource = r.str(n, p, "resource", true);
    b.strategy = r.choice(n, p, "strategy", BreakerStrategy::kErrorRatio,
                          {{"error_ratio", BreakerStrategy::kErrorRatio},
                           {"slow_ratio", BreakerStrategy::kSlowRatio},
                           {"error_count", BreakerStrategy::kErrorCount}});
    b.threshold = b.strategy == BreakerStrategy::kErrorCount ? r.num(n, p, "threshold", true, 5, 0, 1e9)
                                                               : r.num(n, p, "threshold", true, 0.5, 0, 1);
    b.max_rt = r.integer(n, p, "max_rt_ms", false, 1000, 1, 600'000) * kMilli;
    b.stat_interval = r.integer(n, p, "stat_interval_ms", false, 1000, 100, 600'000) * kMilli;
    b.min_requests = static_cast<int>(r.integer(n, p, "min_requests", false, 5, 1, 1'000'000));
    b.recovery = r.integer(n, p, "recovery_ms", false, 10'000, 100, 3'600'000) * kMilli;
    b.probes = static_cast<int>(r.integer(n, p, "probes", false, 1, 1, 1000));
    b.shadow = r.flag(n, p, "shadow");
    out.breakers.push_back(std::move(b));
  });

  list("bulkheads", [&](const YAML::Node& n, const std::string& p, const std::string& id) {
    r.known_keys(n, p, {"id", "resource", "max_concurrent"});
    out.bulkheads.push_back({id, r.str(n, p, "resource", true), r.integer(n, p, "max_concurrent", true, 1, 1, 1'000'000)});
  });

  list("cluster", [&](const YAML::Node& n, const std::string& p, const std::string& id) {
    r.known_keys(n, p, {"id", "resource", "key", "rate", "period_ms", "burst", "fail_mode", "fallback_rate", "fallback_burst"});
    ClusterRule c;
    c.limit.id = id;
    c.resource = r.str(n, p, "resource", true);
    c.key = r.str(n, p, "key", false);
    c.limit.spec.tokens_per_period = r.integer(n, p, "rate", true, 1, 1, 1'000'000'000);
    c.limit.spec.period = r.integer(n, p, "period_ms", false, 1000, 1, 86'400'000) * kMilli;
    c.limit.spec.burst = r.integer(n, p, "burst", false, c.limit.spec.tokens_per_period, 1, 1'000'000'000);
    c.limit.fail_mode = r.choice(n, p, "fail_mode", FailMode::kOpen, {{"open", FailMode::kOpen}, {"closed", FailMode::kClosed}});
    if (n["fallback_rate"]) {
      BucketSpec f = c.limit.spec;
      f.tokens_per_period = r.integer(n, p, "fallback_rate", true, 1, 1, 1'000'000'000);
      f.burst = r.integer(n, p, "fallback_burst", false, f.tokens_per_period, 1, 1'000'000'000);
      c.limit.local_fallback = f;
    }
    out.cluster.push_back(std::move(c));
  });

  if (YAML::Node n = root["system"]) {
    const std::string p = "system";
    if (!n.IsMap()) {
      r.problem(n, p, "应为映射");
    } else {
      r.known_keys(n, p, {"max_qps", "max_concurrency", "max_avg_rt_ms", "max_cpu", "max_load", "shadow"});
      SystemRule sys;
      if (n["max_qps"]) sys.max_qps = r.num(n, p, "max_qps", true, 0, 1, 1e9);
      if (n["max_concurrency"]) sys.max_concurrency = r.integer(n, p, "max_concurrency", true, 1, 1, 10'000'000);
      if (n["max_avg_rt_ms"]) sys.max_avg_rt = r.integer(n, p, "max_avg_rt_ms", true, 1, 1, 600'000) * kMilli;
      if (n["max_cpu"]) sys.max_cpu = r.num(n, p, "max_cpu", true, 1, 0, 1);
      if (n["max_load"]) sys.max_load = r.num(n, p, "max_load", true, 1, 0, 10'000);
      sys.shadow = r.flag(n, p, "shadow");
      out.system = sys;
    }
  }
  if (!r.problems.empty()) throw RuleError(r.problems);
  return out;
}

std::string serialize_rules(const RuleSet& rules) {
  YAML::Emitter e;
  e << YAML::BeginMap;
  e << YAML::Key << "flow" << YAML::Value << YAML::BeginSeq;
  for (const auto& f : rules.flow) {
    e << YAML::BeginMap << YAML::Key << "id" << YAML::Value << f.id << YAML::Key << "resource" << YAML::Value << f.resource
      << YAML::Key << "grade" << YAML::Value << (f.grade == FlowGrade::kQps ? "qps" : "concurrency") << YAML::Key
      << "count" << YAML::Value << f.count << YAML::Key << "behavior" << YAML::Value
      << (f.behavior == FlowBehavior::kReject ? "reject" : f.behavior == FlowBehavior::kWarmUp ? "warm_up" : "queue")
      << YAML::Key << "warm_up_seconds" << YAML::Value << f.warm_up_seconds << YAML::Key << "cold_factor" << YAML::Value
      << f.cold_factor << YAML::Key << "max_queueing_ms" << YAML::Value << f.max_queueing / kMilli << YAML::Key
      << "shadow" << YAML::Value << f.shadow << YAML::EndMap;
  }
  e << YAML::EndSeq;
  e << YAML::Key << "keyed" << YAML::Value << YAML::BeginSeq;
  for (const auto& k : rules.keyed) {
    e << YAML::BeginMap << YAML::Key << "id" << YAML::Value << k.id << YAML::Key << "resource" << YAML::Value << k.resource
      << YAML::Key << "key" << YAML::Value << k.key << YAML::Key << "rate" << YAML::Value << k.spec.tokens_per_period
      << YAML::Key << "period_ms" << YAML::Value << k.spec.period / kMilli << YAML::Key << "burst" << YAML::Value
      << k.spec.burst << YAML::Key << "max_keys" << YAML::Value << k.max_keys;
    if (!k.overrides.empty()) {
      e << YAML::Key << "overrides" << YAML::Value << YAML::BeginMap;
      for (const auto& [v, s] : k.overrides)
        e << YAML::Key << v << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "rate" << YAML::Value
          << s.tokens_per_period << YAML::Key << "burst" << YAML::Value << s.burst << YAML::EndMap;
      e << YAML::EndMap;
    }
    e << YAML::Key << "shadow" << YAML::Value << k.shadow << YAML::EndMap;
  }
  e << YAML::EndSeq;
  e << YAML::Key << "breakers" << YAML::Value << YAML::BeginSeq;
  for (const auto& b : rules.breakers) {
    e << YAML::BeginMap << YAML::Key << "id" << YAML::Value << b.id << YAML::Key << "resource" << YAML::Value << b.resource
      << YAML::Key << "strategy" << YAML::Value
      << (b.strategy == BreakerStrategy::kErrorRatio ? "error_ratio"
                                                      : b.strategy == BreakerStrategy::kSlowRatio ? "slow_ratio" : "error_count")
      << YAML::Key << "threshold" << YAML::Value << b.threshold << YAML::Key << "max_rt_ms" << YAML::Value
      << b.max_rt / kMilli << YAML::Key << "stat_interval_ms" << YAML::Value << b.stat_interval / kMilli << YAML::Key
      << "min_requests" << YAML::Value << b.min_requests << YAML::Key << "recovery_ms" << YAML::Value
      << b.recovery / kMilli << YAML::Key << "probes" << YAML::Value << b.probes << YAML::Key << "shadow" << YAML::Value
      << b.shadow << YAML::EndMap;
  }
  e << YAML::EndSeq;
  e << YAML::Key << "bulkheads" << YAML::Value << YAML::BeginSeq;
  for (const auto& b : rules.bulkheads)
    e << YAML::BeginMap << YAML::Key << "id" << YAML::Value << b.id << YAML::Key << "resource" << YAML::Value << b.resource
      << YAML::Key << "max_concurrent" << YAML::Value << b.max_concurrent << YAML::EndMap;
  e << YAML::EndSeq;
  e << YAML::Key << "cluster" << YAML::Value << YAML::BeginSeq;
  for (const auto& c : rules.cluster) {
    e << YAML::BeginMap << YAML::Key << "id" << YAML::Value << c.limit.id << YAML::Key << "resource" << YAML::Value
      << c.resource;
    if (!c.key.empty()) e << YAML::Key << "key" << YAML::Value << c.key;
    e << YAML::Key << "rate" << YAML::Value << c.limit.spec.tokens_per_period << YAML::Key << "period_ms" << YAML::Value
      << c.limit.spec.period / kMilli << YAML::Key << "burst" << YAML::Value << c.limit.spec.burst << YAML::Key
      << "fail_mode" << YAML::Value << (c.limit.fail_mode == FailMode::kOpen ? "open" : "closed");
    if (c.limit.local_fallback)
      e << YAML::Key << "fallback_rate" << YAML::Value << c.limit.local_fallback->tokens_per_period << YAML::Key
        << "fallback_burst" << YAML::Value << c.limit.local_fallback->burst;
    e << YAML::EndMap;
  }
  e << YAML::EndSeq;
  if (rules.system) {
    const SystemRule& sys = *rules.system;
    e << YAML::Key << "system" << YAML::Value << YAML::BeginMap;
    if (sys.max_qps) e << YAML::Key << "max_qps" << YAML::Value << *sys.max_qps;
    if (sys.max_concurrency) e << YAML::Key << "max_concurrency" << YAML::Value << *sys.max_concurrency;
    if (sys.max_avg_rt) e << YAML::Key << "max_avg_rt_ms" << YAML::Value << *sys.max_avg_rt / kMilli;
    if (sys.max_cpu) e << YAML::Key << "max_cpu" << YAML::Value << *sys.max_cpu;
    if (sys.max_load) e << YAML::Key << "max_load" << YAML::Value << *sys.max_load;
    e << YAML::Key << "shadow" << YAML::Value << sys.shadow << YAML::EndMap;
  }
  e << YAML::EndMap;
  return std::string(e.c_str()) + "\n";
}

}  // namespace zt::core::resilience
