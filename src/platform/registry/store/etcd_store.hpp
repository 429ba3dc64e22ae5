#pragma once
// The registry's etcd backend: several stateless `registry` nodes serve one cluster.
//
// Layout under the prefix (default /zhongtai/registry/):
//   instances/{service}/{id}        registration + lease ids     leased: removed after remove_after beats
//   alive/{service}/{id}            ""                           leased: gone after unhealthy_after beats
//   overrides/{service}/{id}        operator offline/weight      durable
//   config/current/{ns}/{group}/{data_id}                        the released version
//   config/gray/{ns}/{group}/{data_id}                           the gray version and its tag
//   config/history/{ns}/{group}/{data_id}/{version:012}          every version with its kind
//   config/acks/{ns}/{group}/{data_id}/{instance}                what each instance runs
//   audit/{unix_us:016}-{random}    one entry per change, written in the change's transaction;
//                                   its id is the etcd revision of that transaction
//
// A heartbeat keeps both leases alive (no write to the raft log). Every change is one etcd
// transaction with its audit entry and history row; versions are assigned under a compare on the
// history key, so two nodes publishing at once never share a version. Each node follows the
// prefix with one watch (resuming after a member dies, resyncing after a compaction) and feeds its
// caches through a ClusterSink; a writer answers once its own write has come back through the feed.
#include <fmt/format.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/net/notifier.hpp"
#include "core/net/etcd.hpp"
#include "platform/registry/store/registry_store.hpp"

namespace zt::platform::registry {

struct EtcdStoreOptions {
  std::vector<std::string> endpoints;
  std::string prefix = "/zhongtai/registry/";
  NamingPolicy policy;  // lease TTLs: the unhealthy and removal times in whole seconds, rounded up
};

class EtcdStore final : public RegistryStore, public SharedNaming {
 public:
  explicit EtcdStore(EtcdStoreOptions options);
  ~EtcdStore() override;

  // RegistryStore
  std::vector<core::discovery::ConfigItem> load_items() override;
  std::vector<core::discovery::ConfigItem> load_grays() override;
  std::vector<OverrideRow> load_overrides() override;
  core::discovery::ConfigItem publish(core::discovery::ConfigItem draft, std::optional<std::int64_t> expected,
                                      const std::string& kind, AuditEntry audit) override;
  core::discovery::ConfigItem publish_gray(core::discovery::ConfigItem draft, AuditEntry audit) override;
  bool cancel_gray(const core::discovery::ConfigKey& key, AuditEntry audit) override;
  bool remove(const core::discovery::ConfigKey& key, AuditEntry audit) override;
  std::vector<HistoryEntry> history(const core::discovery::ConfigKey& key, std::int64_t before_version,
                                    std::int64_t limit) override;
  std::optional<HistoryEntry> version(const core::discovery::ConfigKey& key, std::int64_t version) override;
  void record_ack(const core::discovery::ConfigAck& ack) override;
  std::vector<core::discovery::ConfigAck> acks(const core::discovery::ConfigKey& key) override;
  void save_override(const OverrideRow& row, AuditEntry audit) override;
  std::vector<AuditEntry> audit(std::int64_t before_id, std::int64_t limit) override;
  bool shared() const override { return true; }
  boost::asio::awaitable<void> settle() override;

  // SharedNaming
  void register_instance(const core::discovery::Registration& r) override;
  bool heartbeat(const std::string& service, const std::string& id) override;
  bool deregister(const std::string& service, const std::string& id) override;
  void follow(ClusterSink& sink) override;
  void stop() override;

  std::int64_t applied_revision() const { return applied_.load(); }

 private:
  struct Leases {
    std::int64_t lease = 0;        // the instance key's: removal
    std::int64_t alive_lease = 0;  // the alive key's: health
  };
  std::string key(const std::string& kind, const std::string& rest) const { return options_.prefix + kind + rest; }
  std::optional<std::pair<core::discovery::Registration, Leases>> lookup(const std::string& service, const std::string& id);
  std::int64_t last_version(const core::discovery::ConfigKey& key);
  // Zero-padded, so that key order is version order.
  std::string history_key(const core::discovery::ConfigKey& k, std::int64_t version) const {
    return key("config/history/", k.namespace_id + "/" + k.group + "/" + k.data_id + "/" + fmt::format("{:012}", version));
  }
  static std::vector<core::discovery::ConfigItem> items_of(const core::net::etcd::RangeResult& r);
  std::vector<OverrideRow> overrides_of(const core::net::etcd::RangeResult& r) const;
  std::string audit_key() const;
  void wrote(std::int64_t revision);
  std::int64_t resync();
  void run_feed(std::int64_t from);
  void apply(const core::net::etcd::WatchEvent& e);

  EtcdStoreOptions options_;
  std::int64_t alive_ttl_s_;
  std::int64_t remove_ttl_s_;
  core::net::etcd::Client client_;
  ClusterSink* sink_ = nullptr;
  std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, Leases> leases_;
  std::atomic<std::int64_t> written_{0};
  std::atomic<std::int64_t> applied_{0};
  core::net::Notifier progress_;
  std::atomic<bool> stop_{false};
  std::thread feed_;
};

}  // namespace zt::platform::registry
