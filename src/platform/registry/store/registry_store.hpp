#pragma once
// What the registry keeps durably: config items with their full history, gray versions, acks,
// operator overrides on instances and the audit trail. One interface, backends behind it
// (SQL today: SQLite embedded or a PostgreSQL schema).
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
};

std::unique_ptr<RegistryStore> make_sql_store(core::storage::Database& db);

}  // namespace zt::platform::registry
