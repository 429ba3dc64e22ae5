#pragma once
// The registry's naming side: the instance table, per-service long-poll wake-ups, operator
// overrides written through the store with an audit entry. With a shared store (etcd), liveness
// lives in the store's leases: writes go there and the table follows the store's feed.
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
  NamingService(NamingPolicy policy, RegistryStore& store, SharedNaming* shared = nullptr);

  static std::int64_t now_ms();  // steady clock

  // Throws ApiError 400 REGISTRY_INVALID_INSTANCE naming the problem.
  boost::asio::awaitable<core::discovery::Instance> register_instance(core::discovery::Registration r);
  boost::asio::awaitable<bool> heartbeat(std::string service, std::string id);
  boost::asio::awaitable<bool> deregister(std::string service, std::string id);
  bool shared() const { return shared_ != nullptr; }

  // The shared store's feed.
  void cluster_reset(const std::vector<SharedInstance>& instances, const std::vector<OverrideRow>& overrides);
  void cluster_put(const core::discovery::Registration& r);
  void cluster_removed(const std::string& service, const std::string& id);
  void cluster_alive(const std::string& service, const std::string& id, bool alive);
  void cluster_override(const OverrideRow& row);
  // 404 REGISTRY_INSTANCE_NOT_FOUND when unknown; 400 on a weight out of range; 409
  // REGISTRY_LAST_INSTANCE for taking the last serving instance of gateway, auth or registry out of
  // traffic, checked and applied under one lock on this node. Not closed: in the shared layout two
  // registry nodes asked at the same moment can each pass (the write reaches the other node's table
  // through etcd after it); a conditional etcd transaction on the service's overrides would close it.
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
  core::discovery::Instance registered(const std::string& service, const std::string& id) const;
  bool has_instance(const std::string& service, const std::string& id) const;

  std::atomic<bool> stopping_{false};
  NamingTable table_;
  RegistryStore& store_;
  SharedNaming* shared_;
  std::mutex mutex_;
  std::mutex override_mutex_;  // the last-instance check and its change, as one step
  std::map<std::string, std::shared_ptr<core::net::Notifier>> notifiers_;
};

}  // namespace zt::platform::registry
