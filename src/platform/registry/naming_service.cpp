#include "platform/registry/naming_service.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/http/error.hpp"
#include "core/net/blocking.hpp"
#include "core/util/time.hpp"

namespace zt::platform::registry {

using core::http::ApiError;

NamingService::NamingService(NamingPolicy policy, RegistryStore& store, SharedNaming* shared)
    : table_(policy, core::unix_millis() * 1000), store_(store), shared_(shared) {
  for (const auto& o : store_.load_overrides()) table_.load_override(o.service, o.instance_id, o.value);
}

std::int64_t NamingService::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::shared_ptr<core::net::Notifier> NamingService::notifier(const std::string& service) {
  std::lock_guard lock(mutex_);
  auto& n = notifiers_[service];
  if (!n) n = std::make_shared<core::net::Notifier>();
  return n;
}

void NamingService::changed(const std::string& service) { notifier(service)->notify_all(); }

core::discovery::Instance NamingService::registered(const std::string& service, const std::string& id) const {
  for (const auto& i : table_.list(service, false).instances)
    if (i.id == id) return i;
  throw ApiError(503, "REGISTRY_NOT_SETTLED", "实例已写入，但本节点尚未同步，请稍后查询");
}

bool NamingService::has_instance(const std::string& service, const std::string& id) const {
  const auto list = table_.list(service, false);
  return std::any_of(list.instances.begin(), list.instances.end(), [&](const auto& i) { return i.id == id; });
}

boost::asio::awaitable<core::discovery::Instance> NamingService::register_instance(core::discovery::Registration r) {
  if (auto bad = core::discovery::validate(r)) throw ApiError(400, "REGISTRY_INVALID_INSTANCE", *bad);
  if (shared_) {
    co_await core::blocking([&] { shared_->register_instance(r); });
    co_await store_.settle();
  } else if (table_.register_instance(r, now_ms())) {
    changed(r.service);
  }
  co_return registered(r.service, r.id);
}

boost::asio::awaitable<bool> NamingService::heartbeat(std::string service, std::string id) {
  if (shared_) {
    bool known = co_await core::blocking([&] { return shared_->heartbeat(service, id); });
    if (known) co_await store_.settle();  // a revived instance shows as healthy at once
    co_return known;
  }
  const auto before = table_.version(service);
  bool known = table_.heartbeat(service, id, now_ms());
  if (known && table_.version(service) != before) changed(service);
  co_return known;
}

boost::asio::awaitable<bool> NamingService::deregister(std::string service, std::string id) {
  if (shared_) {
    bool removed = co_await core::blocking([&] { return shared_->deregister(service, id); });
    if (removed) co_await store_.settle();
    co_return removed;
  }
  bool removed = table_.deregister(service, id);
  if (removed) changed(service);
  co_return removed;
}

void NamingService::cluster_reset(const std::vector<SharedInstance>& instances, const std::vector<OverrideRow>& overrides) {
  for (const auto& o : overrides)
    if (table_.put_override(o.service, o.instance_id, o.value)) changed(o.service);
  std::set<std::pair<std::string, std::string>> keep;
  for (const auto& i : instances) keep.insert({i.registration.service, i.registration.id});
  for (const auto& s : table_.services())
    for (const auto& i : table_.list(s.service, false).instances)
      if (!keep.contains({i.service, i.id}) && table_.deregister(i.service, i.id)) changed(i.service);
  for (const auto& i : instances) {
    bool any = table_.register_instance(i.registration, now_ms());
    any |= table_.set_healthy(i.registration.service, i.registration.id, i.alive);
    if (any) changed(i.registration.service);
  }
}

void NamingService::cluster_put(const core::discovery::Registration& r) {
  if (table_.register_instance(r, now_ms())) changed(r.service);
}

void NamingService::cluster_removed(const std::string& service, const std::string& id) {
  if (table_.deregister(service, id)) changed(service);
}

void NamingService::cluster_alive(const std::string& service, const std::string& id, bool alive) {
  if (table_.set_healthy(service, id, alive)) changed(service);
}

void NamingService::cluster_override(const OverrideRow& row) {
  if (table_.put_override(row.service, row.instance_id, row.value)) changed(row.service);
}

boost::asio::awaitable<core::discovery::Instance> NamingService::set_override(std::string service, std::string id,
                                                                               Override o, Actor actor) {
  if (o.weight && (*o.weight < 0 || *o.weight > 10000)) throw ApiError(400, "REGISTRY_INVALID_INSTANCE", "权重应在0到10000之间");
  if (!o.weight && !o.enabled) throw ApiError(400, "REGISTRY_INVALID_INSTANCE", "请指定 enabled 或 weight");
  // The services the console itself goes through (the gateway, staff sign-in, this registry) keep
  // one instance in traffic: taking the last one out would leave nobody able to put it back. Checked
  // and applied under one lock, so two operators taking out the last two at once cannot both pass
  // (in the shared layout, between registry nodes, the table settles after the write: see the note
  // on set_override in naming_service.hpp).
  const bool out_of_traffic = (o.enabled && !*o.enabled) || (o.weight && *o.weight == 0);
  const bool guarded = out_of_traffic && (service == "gateway" || service == "auth" || service == "registry");
  bool known = false;
  {
    std::unique_lock guard(override_mutex_, std::defer_lock);
    if (guarded) guard.lock();
    const bool present = has_instance(service, id);  // an unknown id is answered 404 below, not 409
    known = shared_ && present;
    if (guarded && present) {
      const auto snap = table_.list(service, true);
      const bool another = std::any_of(snap.instances.begin(), snap.instances.end(),
                                       [&](const core::discovery::Instance& i) { return i.id != id && i.serving(); });
      if (!another)
        throw ApiError(409, "REGISTRY_LAST_INSTANCE",
                       fmt::format("服务 {} 仅剩这一个可用实例，下线后将无法登录控制台或恢复服务，不能下线", service));
    }
    if (!shared_) known = table_.apply_override(service, id, o);
  }
  if (!known) throw ApiError(404, "REGISTRY_INSTANCE_NOT_FOUND", fmt::format("服务 {} 没有实例 {}", service, id));
  Override merged = table_.override_of(service, id);
  if (o.enabled) merged.enabled = o.enabled;
  if (o.weight) merged.weight = o.weight;
  if (!shared_) changed(service);
  std::string action = o.weight ? "instance.weight" : (*o.enabled ? "instance.online" : "instance.offline");
  std::string detail;
  if (o.enabled) detail += fmt::format("enabled={}", *o.enabled);
  if (o.weight) detail += fmt::format("{}weight={}", detail.empty() ? "" : " ", *o.weight);
  OverrideRow row{service, id, merged};
  co_await core::blocking([&] {
    store_.save_override(row, {0, {}, actor.name, action, fmt::format("instance:{}/{}", service, id), detail, actor.trace_id});
  });
  if (shared_) co_await store_.settle();
  co_return registered(service, id);
}

void NamingService::shutdown() {
  stopping_ = true;
  std::lock_guard lock(mutex_);
  for (auto& [name, n] : notifiers_) n->notify_all();
}

void NamingService::sweep() {
  for (const auto& s : table_.sweep(now_ms())) changed(s);
}

boost::asio::awaitable<core::discovery::ServiceSnapshot> NamingService::watch(std::string service, bool healthy_only,
                                                                              std::int64_t known_version,
                                                                              std::chrono::milliseconds wait) {
  auto n = notifier(service);
  const auto until = std::chrono::steady_clock::now() + wait;
  for (;;) {
    const auto seen = n->generation();
    auto snap = table_.list(service, healthy_only);
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (known_version < 0 || snap.version != known_version || left.count() <= 0 || stopping_) co_return snap;
    co_await n->wait(seen, left);
  }
}

}  // namespace zt::platform::registry
