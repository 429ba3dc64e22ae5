#pragma once
// The registry's naming side: the instance table, per-service long-poll wake-ups, operator
// overrides written through the store with an audit entry.
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/discovery/naming.hpp"
#include "core/net/notifier.hpp"
#include "platform/registry/config_center.hpp"
#include "platform/registry/domain/naming_table.hpp"
#include "platform/registry/store/registry_store.hpp"

namespace zt::platform::registry {

class NamingService {
 public:
  NamingService(NamingPolicy policy, RegistryStore& store);

  static std::int64_t now_ms();  // steady clock

  // Throws ApiError 400 REGISTRY_INVALID_INSTANCE naming the problem.
  core::discovery::Instance register_instance(const core::discovery::Registration& r);
  bool heartbeat(const std::string& service, const std::string& id);
  bool deregister(const std::string& service, const std::string& id);
  // 404 REGISTRY_INSTANCE_NOT_FOUND when unknown; 400 on a weight out of range.
  boost::asio::awaitable<core::discovery::Instance> set_override(std::string service, std::string id, Override o,
                                                                 Actor actor);
  void sweep();
  // Answers every held watch now and every later one at once (the registry is stopping).
  void shutdown();

  core::discovery::ServiceSnapshot list(const std::string& service, bool healthy_only) const {
    return table_.list(service, healthy_only);
  }
  boost::asio::awaitable<core::discovery::ServiceSnapshot> watch(std::string service, bool healthy_only,
                                                                 std::int64_t known_version, std::chrono::milliseconds wait);
  std::vector<ServiceSummary> services() const { return table_.services(); }
  const NamingPolicy& policy() const { return table_.policy(); }

 private:
  std::shared_ptr<core::net::Notifier> notifier(const std::string& service);
  void changed(const std::string& service);

  std::atomic<bool> stopping_{false};
  NamingTable table_;
  RegistryStore& store_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<core::net::Notifier>> notifiers_;
};

}  // namespace zt::platform::registry
