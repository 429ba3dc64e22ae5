#include "core/resilience/engine.hpp"

#include <algorithm>
#include <tuple>
#include <unordered_map>

#include "core/observe/log.hpp"
#include "core/observe/metrics.hpp"

namespace zt::core::resilience {

namespace {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <class V>
using ByName = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

struct RuleCounters {
  observe::Counter* blocked = nullptr;
  observe::Counter* shadow = nullptr;
};

}  // namespace

// The stateful pieces (windows, buckets, breakers, bulkheads) are shared with the next snapshot
// when their rule is unchanged: a change to one rule never resets the others' statistics.
struct Engine::Snapshot {
  RuleSet rules;
  ByName<std::shared_ptr<FlowResource>> flow;
  struct Keyed {
    const KeyedRule* rule;
    std::shared_ptr<KeyedLimiter> limiter;
  };
  ByName<std::vector<Keyed>> keyed;
  ByName<std::shared_ptr<Bulkhead>> bulkheads;
  ByName<std::shared_ptr<CircuitBreaker>> breakers;
  struct Cluster {
    const ClusterRule* rule;
    std::shared_ptr<ClusterLimiter> limiter;
  };
  ByName<std::vector<Cluster>> cluster;
  ByName<observe::Counter*> passed_by_resource;
  std::unordered_map<const std::string*, RuleCounters> counters;  // by rule id
  observe::Counter* passed = nullptr;
};

Engine::Engine(observe::Registry* metrics, const Clock& clock, SystemGuard::Readings host_readings)
    : metrics_(metrics), clock_(clock), system_(std::move(host_readings)) {
  snapshot_.store(build({}, nullptr));
  if (metrics_) {
    // Keys held per keyed limiter, read at scrape time: the memory a limiter uses is bounded by
    // its max_keys, and this shows how close it runs.
    collector_ = metrics_->add_collector([this] {
      const auto s = current();
      for (const auto& [res, list] : s->keyed)
        for (const auto& k : list)
          metrics_->gauge("zt_resilience_keyed_keys", "Keys held by a keyed limiter (at most its max_keys)",
                          {{"rule", k.limiter->id()}})
              .set(static_cast<std::int64_t>(k.limiter->size()));
    });
  }
}

Engine::~Engine() {
  if (metrics_) metrics_->remove_collector(collector_);
}

std::shared_ptr<Engine::Snapshot> Engine::build(RuleSet rules, const Snapshot* prev) {
  auto s = std::make_shared<Snapshot>();
  s->rules = std::move(rules);
  ByName<std::vector<FlowRule>> flow_by_resource;
  for (const auto& f : s->rules.flow) flow_by_resource[f.resource].push_back(f);
  for (auto& [res, list] : flow_by_resource) {
    if (prev)
      if (auto it = prev->flow.find(res); it != prev->flow.end() && it->second->rules() == list) {
        s->flow.emplace(res, it->second);
        continue;
      }
    s->flow.emplace(res, std::make_shared<FlowResource>(std::move(list)));
  }
  // Keyed and cluster limiters are matched by their rule's whole content.
  auto reuse = [](const auto* prev_list, const auto& rule, auto&& same) -> decltype(prev_list->front().limiter) {
    if (!prev_list) return nullptr;
    for (const auto& p : *prev_list)
      if (same(*p.rule, rule)) return p.limiter;
    return nullptr;
  };
  for (const auto& k : s->rules.keyed) {
    const auto* prev_list = prev && prev->keyed.contains(k.resource) ? &prev->keyed.at(k.resource) : nullptr;
    auto limiter = reuse(prev_list, k, [](const KeyedRule& a, const KeyedRule& b) { return a == b; });
    if (!limiter) limiter = std::make_shared<KeyedLimiter>(k.id, k.spec, k.max_keys, k.overrides, k.shadow);
    s->keyed[k.resource].push_back({&k, std::move(limiter)});
  }
  if (!s->rules.cluster.empty() && !redis_)
    throw RuleError({{0, "cluster", "集群限流规则需要配置 Redis（resilience.redis_host）"}});
  for (const auto& c : s->rules.cluster) {
    const auto* prev_list = prev && prev->cluster.contains(c.resource) ? &prev->cluster.at(c.resource) : nullptr;
    auto limiter = reuse(prev_list, c, [](const ClusterRule& a, const ClusterRule& b) { return a == b; });
    if (!limiter) limiter = std::make_shared<ClusterLimiter>(c.limit, redis_, clock_);
    s->cluster[c.resource].push_back({&c, std::move(limiter)});
  }
  for (const auto& b : s->rules.bulkheads) {
    if (prev)
      if (auto it = prev->bulkheads.find(b.resource);
          it != prev->bulkheads.end() && it->second->id() == b.id && it->second->max() == b.max_concurrent) {
        s->bulkheads.emplace(b.resource, it->second);
        continue;
      }
    s->bulkheads.emplace(b.resource, std::make_shared<Bulkhead>(b.id, b.max_concurrent));
  }
  for (const auto& b : s->rules.breakers) {
    if (prev)
      if (auto it = prev->breakers.find(b.resource); it != prev->breakers.end() && it->second->rule() == b) {
        s->breakers.emplace(b.resource, it->second);
        continue;
      }
    observe::Registry* m = metrics_;
    observe::Gauge* state = m ? &m->gauge("zt_breaker_state", "Circuit breaker state: 0 closed, 1 open, 2 half-open", {{"rule", b.id}}) : nullptr;
    if (state) state->set(0);
    s->breakers.emplace(b.resource, std::make_shared<CircuitBreaker>(
                                        b, [m, state](const BreakerRule& r, BreakerState from, BreakerState to, Nanos) {
                                          log::warn("circuit breaker {} on {}: {} -> {}", r.id, r.resource,
                                                    breaker_state_name(from), breaker_state_name(to));
                                          if (!m) return;
                                          state->set(static_cast<int>(to));
                                          m->counter("zt_breaker_transitions_total", "Circuit breaker state changes",
                                                     {{"rule", r.id}, {"to", breaker_state_name(to)}})
                                              .inc();
                                        }));
  }
  if (metrics_) {
    s->passed = &metrics_->counter("zt_resilience_passed_total", "Requests admitted by the resilience rules");
    auto add = [&](const std::string& id) {
      s->counters[&id] = {&metrics_->counter("zt_resilience_blocked_total", "Requests refused, by rule", {{"rule", id}}),
                          &metrics_->counter("zt_resilience_shadow_blocked_total",
                                             "Requests a shadow rule would have refused", {{"rule", id}})};
    };
    for (const auto& [res, fr] : s->flow)
      for (const auto& r : fr->rules()) add(r.id);
    for (const auto& [res, list] : s->keyed)
      for (const auto& k : list) add(k.limiter->id());
    for (const auto& [res, b] : s->bulkheads) add(b->id());
    for (const auto& c : s->rules.cluster) add(c.limit.id);
    // Pass counts per resource that has flow rules: labels stay bounded by the rule set.
    for (const auto& [res, fr] : s->flow)
      s->passed_by_resource[res] = &metrics_->counter("zt_resilience_resource_passed_total",
                                                      "Requests admitted, per resource with flow rules", {{"resource", res}});
    for (const auto& [res, list] : s->keyed)
      for (const auto& k : list)
        k.limiter->set_eviction_counter(&metrics_->counter(
            "zt_resilience_keyed_evictions_total", "Keys evicted from a keyed limiter's LRU", {{"rule", k.limiter->id()}}));
    if (s->rules.system) add(s->rules.system->id);
  }
  return s;
}

void Engine::apply(RuleSet rules) {
  auto prev = current();
  auto next = build(std::move(rules), prev.get());
  snapshot_.store(std::move(next), std::memory_order_release);
}

RuleSet Engine::rules() const { return current()->rules; }

Engine::Stats Engine::stats() const {
  const auto s = current();
  Stats out;
  if (s->passed) out.passed = s->passed->value();
  auto add = [&](const std::string& id, std::string kind, const std::string& resource, bool shadow) -> RuleStats& {
    RuleStats r{id, std::move(kind), resource, shadow};
    if (auto it = s->counters.find(&id); it != s->counters.end()) {
      r.blocked = it->second.blocked->value();
      r.shadow_blocked = it->second.shadow->value();
    }
    out.rules.push_back(std::move(r));
    return out.rules.back();
  };
  for (const auto& [res, fr] : s->flow)
    for (const auto& f : fr->rules()) {
      auto& r = add(f.id, "flow", res, f.shadow);
      if (auto it = s->passed_by_resource.find(res); it != s->passed_by_resource.end()) r.passed = it->second->value();
    }
  for (const auto& [res, list] : s->keyed)
    for (const auto& k : list) add(k.limiter->id(), "keyed", res, k.rule->shadow);
  for (const auto& [res, b] : s->bulkheads) add(b->id(), "bulkhead", res, false);
  for (const auto& c : s->rules.cluster) add(c.limit.id, "cluster", c.resource, false);
  for (const auto& [res, b] : s->breakers) add(b->rule().id, "breaker", res, b->rule().shadow).state = breaker_state_name(b->state());
  if (s->rules.system) add(s->rules.system->id, "system", "*", s->rules.system->shadow);
  std::sort(out.rules.begin(), out.rules.end(), [](const RuleStats& a, const RuleStats& b) { return std::tie(a.kind, a.id) < std::tie(b.kind, b.id); });
  return out;
}

std::shared_ptr<Engine::Snapshot> Engine::current() const { return snapshot_.load(std::memory_order_acquire); }

Decision Engine::enter(std::string_view resource, const KeySource& keys, Ticket& t) {
  t.snapshot = current();
  Snapshot& s = *t.snapshot;
  const Nanos now = clock_.now();
  t.entered = now;
  bool shadow_hit = false;
  auto count = [&](const Decision& d) {
    if (d.rule == nullptr) return;
    auto it = s.counters.find(d.rule);
    if (it == s.counters.end()) return;
    (d.pass ? it->second.shadow : it->second.blocked)->inc();
  };
  auto undo = [&](int flows_entered) {
    for (int i = 0; i < flows_entered; ++i) t.flows[i]->release(1);
    t.flows[0] = t.flows[1] = nullptr;
  };

  if (s.rules.system) {
    Decision d = system_.check(*s.rules.system, now);
    count(d);
    shadow_hit |= d.shadow_hit;
    if (!d.pass) return d;
  }
  Decision result = Decision::admit();
  int n = 0;
  for (std::string_view name : {resource, std::string_view("*")}) {
    auto it = s.flow.find(name);
    if (it == s.flow.end()) continue;
    Decision d = it->second->enter(1, now);
    count(d);
    shadow_hit |= d.shadow_hit;
    if (!d.pass) {
      undo(n);
      return d;
    }
    result.wait = std::max(result.wait, d.wait);
    t.flows[n++] = it->second.get();
    if (auto pc = s.passed_by_resource.find(name); pc != s.passed_by_resource.end()) pc->second->inc();
  }
  for (std::string_view name : {resource, std::string_view("*")}) {
    auto it = s.keyed.find(name);
    if (it == s.keyed.end()) continue;
    for (auto& k : it->second) {
      auto key = keys.value(k.rule->key);
      if (!key) continue;  // e.g. a per-customer rule on an anonymous request
      Decision d = k.limiter->try_acquire(*key, 1, now);
      count(d);
      shadow_hit |= d.shadow_hit;
      if (!d.pass) {
        undo(n);
        return d;
      }
    }
  }
  if (auto it = s.bulkheads.find(resource); it != s.bulkheads.end()) {
    if (!it->second->try_acquire()) {
      undo(n);
      Decision d = Decision::refuse(Refusal::kBulkhead, &it->second->id());
      count(d);
      return d;
    }
    t.bulkhead = it->second.get();
  }
  t.admitted = true;
  system_.on_enter(now);
  if (s.passed) s.passed->inc();
  result.shadow_hit = shadow_hit;
  return result;
}

void Engine::exit(Ticket& t, bool failed) {
  if (!t.admitted) return;
  const Nanos now = clock_.now();
  for (FlowResource* f : t.flows)
    if (f) f->exit(1, now - t.entered, failed, now);
  if (t.bulkhead) t.bulkhead->release();
  system_.on_exit(now - t.entered, failed, now);
  t.admitted = false;
  t.snapshot.reset();
}

bool Engine::has_cluster_rules(std::string_view resource) const {
  auto s = current();
  return s->cluster.contains(resource) || s->cluster.contains(std::string_view("*"));
}

boost::asio::awaitable<Decision> Engine::enter_cluster(std::string resource, const KeySource& keys, Ticket& t) {
  if (!t.admitted) co_return Decision::admit();
  std::shared_ptr<Snapshot> s = t.snapshot;  // the ticket's rule set, even if a swap happens meanwhile
  for (std::string_view name : {std::string_view(resource), std::string_view("*")}) {
    auto it = s->cluster.find(name);
    if (it == s->cluster.end()) continue;
    for (auto& c : it->second) {
      std::string key = "all";
      if (!c.rule->key.empty()) {
        auto v = keys.value(c.rule->key);
        if (!v) continue;
        key = *v;
      }
      Decision d = co_await c.limiter->try_acquire(key, 1);
      if (!d.pass) {
        if (auto ct = s->counters.find(d.rule); ct != s->counters.end()) ct->second.blocked->inc();
        co_return d;
      }
    }
  }
  co_return Decision::admit();
}

void Engine::cancel(Ticket& t) {
  if (!t.admitted) return;
  for (FlowResource* f : t.flows)
    if (f) f->release(1);
  if (t.bulkhead) t.bulkhead->release();
  system_.on_cancel();
  t.admitted = false;
  t.snapshot.reset();
}

std::shared_ptr<CircuitBreaker> Engine::breaker(std::string_view resource) {
  auto s = current();
  auto it = s->breakers.find(resource);
  if (it == s->breakers.end()) return nullptr;
  return it->second;
}

}  // namespace zt::core::resilience
