#pragma once
// What the registry keeps durably: config items with their full history, gray versions, acks,
// operator overrides on instances and the audit trail. One interface, two backends: SQL (SQLite
// embedded, or a PostgreSQL schema) for one registry node, and etcd for several stateless nodes
// serving one cluster — where instance liveness lives in etcd leases too (SharedNaming) and every
// node's caches follow the store's change feed (ClusterSink).
#include <boost/asio/awaitable.hpp>
#include <boost/describe.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/discovery/config_types.hpp"
#include "platform/registry/domain/naming_table.hpp"

namespace zt::core::storage {
class Database;
}

namespace zt::platform::registry {

struct AuditEntry {
  std::int64_t id = 0;
  std::string at;
  std::string actor;
  std::string action;  // config.publish, config.rollback, config.gray, config.gray_cancel, config.delete,
                       // instance.offline, instance.online, instance.weight
  std::string target;
  std::string detail;
  std::string trace_id;
};
BOOST_DESCRIBE_STRUCT(AuditEntry, (), (id, at, actor, action, target, detail, trace_id))

struct HistoryEntry {
  core::discovery::ConfigItem item;
  std::string kind;  // publish | rollback | gray | delete
};

// A publish lost a race: the item's version is no longer the one the caller based its change on.
class VersionConflict : public std::runtime_error {
 public:
  explicit VersionConflict(std::int64_t current) : std::runtime_error("version conflict"), current_(current) {}
  std::int64_t current() const { return current_; }

 private:
  std::int64_t current_;
};

struct OverrideRow {
  std::string service;
  std::string instance_id;
  Override value;
};

class RegistryStore {
 public:
  virtual ~RegistryStore() = default;
  // Blocking: called on the blocking pool.
  virtual std::vector<core::discovery::ConfigItem> load_items() = 0;  // current items
  virtual std::vector<core::discovery::ConfigItem> load_grays() = 0;  // gray_tag set
  virtual std::vector<OverrideRow> load_overrides() = 0;
  // Writes a new version as current (and into history) in one transaction with its audit entry.
  // draft.version is ignored: the next number of the key is assigned. expected_version, when
  // given, must equal the current version (0: the item must not exist) or VersionConflict.
  virtual core::discovery::ConfigItem publish(core::discovery::ConfigItem draft, std::optional<std::int64_t> expected,
                                              const std::string& kind, AuditEntry audit) = 0;
  virtual core::discovery::ConfigItem publish_gray(core::discovery::ConfigItem draft, AuditEntry audit) = 0;
  virtual bool cancel_gray(const core::discovery::ConfigKey& key, AuditEntry audit) = 0;
  virtual bool remove(const core::discovery::ConfigKey& key, AuditEntry audit) = 0;
  virtual std::vector<HistoryEntry> history(const core::discovery::ConfigKey& key, std::int64_t before_version,
                                            std::int64_t limit) = 0;
  virtual std::optional<HistoryEntry> version(const core::discovery::ConfigKey& key, std::int64_t version) = 0;
  virtual void record_ack(const core::discovery::ConfigAck& ack) = 0;
  virtual std::vector<core::discovery::ConfigAck> acks(const core::discovery::ConfigKey& key) = 0;
  virtual void save_override(const OverrideRow& row, AuditEntry audit) = 0;
  virtual std::vector<AuditEntry> audit(std::int64_t before_id, std::int64_t limit) = 0;

  // Shared by several registry nodes: caches change only through the feed, never by a local write
  // alone (another node may have written after us), and a writer settles before answering.
  virtual bool shared() const { return false; }
  // Returns once this node's caches hold every write this node made so far (read-your-writes).
  virtual boost::asio::awaitable<void> settle() { co_return; }
};

// The state of one instance in a shared store.
struct SharedInstance {
  core::discovery::Registration registration;
  bool alive = true;  // heartbeats arrive within the unhealthy TTL
};

// What a shared store tells this node's caches: every change made through any node, in order.
class ClusterSink {
 public:
  virtual ~ClusterSink() = default;
  // The whole state, after a (re)sync: replaces what the caches hold.
  virtual void reset(const std::vector<SharedInstance>& instances, const std::vector<OverrideRow>& overrides,
                     const std::vector<core::discovery::ConfigItem>& items,
                     const std::vector<core::discovery::ConfigItem>& grays) = 0;
  virtual void instance_put(const core::discovery::Registration& r) = 0;
  virtual void instance_removed(const std::string& service, const std::string& id) = 0;
  virtual void instance_alive(const std::string& service, const std::string& id, bool alive) = 0;
  virtual void override_put(const OverrideRow& row) = 0;
  virtual void config_put(const core::discovery::ConfigItem& item, bool gray) = 0;
  virtual void config_removed(const core::discovery::ConfigKey& key, bool gray) = 0;
};

// Instance liveness kept by a shared store (etcd leases) rather than by this node's clock.
// Blocking calls, like the store's.
class SharedNaming {
 public:
  virtual ~SharedNaming() = default;
  virtual void register_instance(const core::discovery::Registration& r) = 0;
  // False when the instance is unknown or expired (the client registers again).
  virtual bool heartbeat(const std::string& service, const std::string& id) = 0;
  virtual bool deregister(const std::string& service, const std::string& id) = 0;
  // Loads the whole state into `sink` (before returning) and follows changes on a thread of its own.
  virtual void follow(ClusterSink& sink) = 0;
  virtual void stop() = 0;
};

std::unique_ptr<RegistryStore> make_sql_store(core::storage::Database& db);

}  // namespace zt::platform::registry
