#include "platform/registry/domain/naming_table.hpp"

namespace zt::platform::registry {

using core::discovery::Instance;
using core::discovery::ServiceSnapshot;

NamingTable::NamingTable(NamingPolicy policy, std::int64_t first_revision)
    : policy_(policy), revision_(first_revision) {}

void NamingTable::apply(Instance& i, const Override& o) {
  if (o.enabled) i.enabled = *o.enabled;
  if (o.weight) i.weight = *o.weight;
}

bool NamingTable::register_instance(const core::discovery::Registration& r, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  Instance next;
  next.service = r.service;
  next.id = r.id;
  next.host = r.host;
  next.port = r.port;
  next.weight = r.weight.value_or(100);
  next.metadata = r.metadata;
  next.healthy = true;
  next.enabled = true;
  if (auto it = overrides_.find({r.service, r.id}); it != overrides_.end()) apply(next, it->second);
  auto& s = services_[r.service];
  auto [it, inserted] = s.instances.try_emplace(r.id);
  bool changed = inserted || it->second.instance.host != next.host || it->second.instance.port != next.port ||
                 it->second.instance.weight != next.weight || it->second.instance.metadata != next.metadata ||
                 it->second.instance.healthy != next.healthy || it->second.instance.enabled != next.enabled;
  it->second.instance = std::move(next);
  it->second.last_beat_ms = now_ms;
  if (changed) touch(s);
  return changed;
}

bool NamingTable::heartbeat(const std::string& service, const std::string& id, std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  auto s = services_.find(service);
  if (s == services_.end()) return false;
  auto it = s->second.instances.find(id);
  if (it == s->second.instances.end()) return false;
  it->second.last_beat_ms = now_ms;
  if (!it->second.instance.healthy) {
    it->second.instance.healthy = true;
    touch(s->second);
  }
  return true;
}

bool NamingTable::deregister(const std::string& service, const std::string& id) {
  std::lock_guard lock(mutex_);
  auto s = services_.find(service);
  if (s == services_.end() || s->second.instances.erase(id) == 0) return false;
  touch(s->second);
  return true;
}

bool NamingTable::apply_override(const std::string& service, const std::string& id, const Override& o) {
  std::lock_guard lock(mutex_);
  auto s = services_.find(service);
  if (s == services_.end()) return false;
  auto it = s->second.instances.find(id);
  if (it == s->second.instances.end()) return false;
  auto& kept = overrides_[{service, id}];
  if (o.enabled) kept.enabled = o.enabled;
  if (o.weight) kept.weight = o.weight;
  Instance before = it->second.instance;
  apply(it->second.instance, kept);
  if (before.enabled != it->second.instance.enabled || before.weight != it->second.instance.weight) touch(s->second);
  return true;
}

bool NamingTable::set_healthy(const std::string& service, const std::string& id, bool healthy) {
  std::lock_guard lock(mutex_);
  auto s = services_.find(service);
  if (s == services_.end()) return false;
  auto it = s->second.instances.find(id);
  if (it == s->second.instances.end() || it->second.instance.healthy == healthy) return false;
  it->second.instance.healthy = healthy;
  touch(s->second);
  return true;
}

bool NamingTable::put_override(const std::string& service, const std::string& id, const Override& o) {
  std::lock_guard lock(mutex_);
  overrides_[{service, id}] = o;
  auto s = services_.find(service);
  if (s == services_.end()) return false;
  auto it = s->second.instances.find(id);
  if (it == s->second.instances.end()) return false;
  Instance before = it->second.instance;
  apply(it->second.instance, o);
  if (before.enabled == it->second.instance.enabled && before.weight == it->second.instance.weight) return false;
  touch(s->second);
  return true;
}

void NamingTable::load_override(const std::string& service, const std::string& id, const Override& o) {
  std::lock_guard lock(mutex_);
  overrides_[{service, id}] = o;
}

Override NamingTable::override_of(const std::string& service, const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = overrides_.find({service, id});
  return it == overrides_.end() ? Override{} : it->second;
}

std::vector<std::string> NamingTable::sweep(std::int64_t now_ms) {
  std::lock_guard lock(mutex_);
  const std::int64_t unhealthy_ms = policy_.heartbeat_interval_ms * policy_.unhealthy_after;
  const std::int64_t remove_ms = policy_.heartbeat_interval_ms * policy_.remove_after;
  std::vector<std::string> changed;
  for (auto& [name, s] : services_) {
    bool any = false;
    for (auto it = s.instances.begin(); it != s.instances.end();) {
      const std::int64_t silent = now_ms - it->second.last_beat_ms;
      if (silent >= remove_ms) {
        it = s.instances.erase(it);
        any = true;
        continue;
      }
      if (silent >= unhealthy_ms && it->second.instance.healthy) {
        it->second.instance.healthy = false;
        any = true;
      }
      ++it;
    }
    if (any) {
      touch(s);
      changed.push_back(name);
    }
  }
  return changed;
}

ServiceSnapshot NamingTable::list(const std::string& service, bool healthy_only) const {
  std::lock_guard lock(mutex_);
  ServiceSnapshot out;
  out.service = service;
  auto s = services_.find(service);
  if (s == services_.end()) return out;
  out.version = s->second.version;
  std::size_t enabled = 0, healthy = 0;
  for (const auto& [id, e] : s->second.instances) {
    if (!e.instance.enabled) continue;
    ++enabled;
    if (e.instance.healthy) ++healthy;
  }
  const bool protect = healthy_only && enabled > 0 && policy_.protect_threshold > 0 &&
                       static_cast<double>(healthy) / static_cast<double>(enabled) < policy_.protect_threshold;
  out.protect_applied = protect;
  for (const auto& [id, e] : s->second.instances) {
    if (healthy_only && !e.instance.enabled) continue;
    if (healthy_only && !protect && !e.instance.healthy) continue;
    out.instances.push_back(e.instance);
  }
  return out;
}

std::int64_t NamingTable::version(const std::string& service) const {
  std::lock_guard lock(mutex_);
  auto s = services_.find(service);
  return s == services_.end() ? 0 : s->second.version;
}

std::vector<ServiceSummary> NamingTable::services() const {
  std::lock_guard lock(mutex_);
  std::vector<ServiceSummary> out;
  for (const auto& [name, s] : services_) {
    ServiceSummary sum{name, s.version, 0, 0, 0};
    for (const auto& [id, e] : s.instances) {
      ++sum.instances;
      if (e.instance.healthy) ++sum.healthy;
      if (e.instance.serving()) ++sum.serving;
    }
    out.push_back(sum);
  }
  return out;
}

}  // namespace zt::platform::registry
