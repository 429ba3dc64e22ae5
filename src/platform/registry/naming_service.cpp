#include "platform/registry/naming_service.hpp"

#include <fmt/format.h>

#include "core/http/error.hpp"
#include "core/net/blocking.hpp"
#include "core/util/time.hpp"

namespace zt::platform::registry {

using core::http::ApiError;

NamingService::NamingService(NamingPolicy policy, RegistryStore& store)
    : table_(policy, core::unix_millis() * 1000), store_(store) {
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

core::discovery::Instance NamingService::register_instance(const core::discovery::Registration& r) {
  if (auto bad = core::discovery::validate(r)) throw ApiError(400, "REGISTRY_INVALID_INSTANCE", *bad);
  if (table_.register_instance(r, now_ms())) changed(r.service);
  for (const auto& i : table_.list(r.service, false).instances)
    if (i.id == r.id) return i;
  throw ApiError(500, core::http::codes::kInternal, "实例注册后未找到");
}

bool NamingService::heartbeat(const std::string& service, const std::string& id) {
  const auto before = table_.version(service);
  bool known = table_.heartbeat(service, id, now_ms());
  if (known && table_.version(service) != before) changed(service);
  return known;
}

bool NamingService::deregister(const std::string& service, const std::string& id) {
  bool removed = table_.deregister(service, id);
  if (removed) changed(service);
  return removed;
}

boost::asio::awaitable<core::discovery::Instance> NamingService::set_override(std::string service, std::string id,
                                                                               Override o, Actor actor) {
  if (o.weight && (*o.weight < 0 || *o.weight > 10000)) throw ApiError(400, "REGISTRY_INVALID_INSTANCE", "权重应在0到10000之间");
  if (!o.weight && !o.enabled) throw ApiError(400, "REGISTRY_INVALID_INSTANCE", "请指定 enabled 或 weight");
  if (!table_.apply_override(service, id, o))
    throw ApiError(404, "REGISTRY_INSTANCE_NOT_FOUND", fmt::format("服务 {} 没有实例 {}", service, id));
  changed(service);
  std::string action = o.weight ? "instance.weight" : (*o.enabled ? "instance.online" : "instance.offline");
  std::string detail;
  if (o.enabled) detail += fmt::format("enabled={}", *o.enabled);
  if (o.weight) detail += fmt::format("{}weight={}", detail.empty() ? "" : " ", *o.weight);
  OverrideRow row{service, id, table_.override_of(service, id)};
  co_await core::blocking([&] {
    store_.save_override(row, {0, {}, actor.name, action, fmt::format("instance:{}/{}", service, id), detail, actor.trace_id});
  });
  for (const auto& i : table_.list(service, false).instances)
    if (i.id == id) co_return i;
  throw ApiError(404, "REGISTRY_INSTANCE_NOT_FOUND", fmt::format("服务 {} 没有实例 {}", service, id));
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
