#include "core/resilience/engine.hpp"

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

struct Engine::Snapshot {
  RuleSet rules;
  ByName<std::unique_ptr<FlowResource>> flow;
  struct Keyed {
    const KeyedRule* rule;
    std::unique_ptr<KeyedLimiter> limiter;
  };
  ByName<std::vector<Keyed>> keyed;
  ByName<std::unique_ptr<Bulkhead>> bulkheads;
  ByName<std::unique_ptr<CircuitBreaker>> breakers;
  std::unordered_map<const std::string*, RuleCounters> counters;  // by rule id
  observe::Counter* passed = nullptr;
};

Engine::Engine(observe::Registry* metrics, const Clock& clock, SystemGuard::Readings host_readings)
    : metrics_(metrics), clock_(clock), system_(std::move(host_readings)) {
  snapshot_.store(build({}));
}

Engine::~Engine() = default;

std::shared_ptr<Engine::Snapshot> Engine::build(RuleSet rules) {
  auto s = std::make_shared<Snapshot>();
  s->rules = std::move(rules);
  ByName<std::vector<FlowRule>> flow_by_resource;
  for (const auto& f : s->rules.flow) flow_by_resource[f.resource].push_back(f);
  for (auto& [res, list] : flow_by_resource) s->flow.emplace(res, std::make_unique<FlowResource>(std::move(list)));
  for (const auto& k : s->rules.keyed)
    s->keyed[k.resource].push_back(
        {&k, std::make_unique<KeyedLimiter>(k.id, k.spec, k.max_keys, k.overrides, k.shadow)});
  for (const auto& b : s->rules.bulkheads) s->bulkheads.emplace(b.resource, std::make_unique<Bulkhead>(b.id, b.max_concurrent));
  for (const auto& b : s->rules.breakers) {
    observe::Registry* m = metrics_;
    observe::Gauge* state = m ? &m->gauge("zt_breaker_state", "Circuit breaker state: 0 closed, 1 open, 2 half-open", {{"rule", b.id}}) : nullptr;
    if (state) state->set(0);
    s->breakers.emplace(b.resource, std::make_unique<CircuitBreaker>(
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
    if (s->rules.system) add(s->rules.system->id);
  }
  return s;
}

void Engine::apply(RuleSet rules) {
  auto next = build(std::move(rules));
  snapshot_.store(std::move(next), std::memory_order_release);
}

RuleSet Engine::rules() const { return current()->rules; }

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

std::shared_ptr<CircuitBreaker> Engine::breaker(std::string_view resource) {
  auto s = current();
  auto it = s->breakers.find(resource);
  if (it == s->breakers.end()) return nullptr;
  return std::shared_ptr<CircuitBreaker>(s, it->second.get());
}

}  // namespace zt::core::resilience
