// The registry's durable state in SQL (SQLite embedded, or a PostgreSQL schema).
#include <fmt/format.h>

#include "core/storage/database.hpp"
#include "core/util/time.hpp"
#include "platform/registry/store/registry_store.hpp"

namespace zt::platform::registry {

namespace {

using core::discovery::ConfigAck;
using core::discovery::ConfigItem;
using core::discovery::ConfigKey;
using core::storage::Params;
using core::storage::Row;
using core::storage::Tx;

constexpr const char* kItemColumns = "namespace_id, grp, data_id, content, format, version, md5, author, comment";

ConfigItem item_from(const Row& r, std::size_t at_column) {
  ConfigItem i;
  i.namespace_id = r.string(0);
  i.group = r.string(1);
  i.data_id = r.string(2);
  i.content = r.string(3);
  i.format = r.string(4);
  i.version = r.int64(5);
  i.md5 = r.string(6);
  i.author = r.string(7);
  i.comment = r.string(8);
  i.updated_at = r.string(at_column);
  return i;
}

Params key_params(const ConfigKey& k) { return {k.namespace_id, k.group, k.data_id}; }

void append_audit(Tx& tx, AuditEntry a) {
  if (a.at.empty()) a.at = core::utc_timestamp();
  if (tx.dialect() == core::storage::Dialect::kPostgres) {  // an identity column (migration 0002)
    tx.exec("INSERT INTO registry_audit (at, actor, action, target, detail, trace_id) VALUES (?, ?, ?, ?, ?, ?)",
            {a.at, a.actor, a.action, a.target, a.detail, a.trace_id});
    return;
  }
  // SQLite: one writer at a time, so MAX + 1 cannot collide.
  auto rows = tx.query("SELECT COALESCE(MAX(id), 0) FROM registry_audit");
  a.id = rows.at(0).int64(0) + 1;
  tx.exec("INSERT INTO registry_audit (id, at, actor, action, target, detail, trace_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
          {a.id, a.at, a.actor, a.action, a.target, a.detail, a.trace_id});
}

std::int64_t next_version(Tx& tx, const ConfigKey& k) {
  auto rows = tx.query("SELECT COALESCE(MAX(version), 0) FROM config_history WHERE namespace_id = ? AND grp = ? AND data_id = ?",
                       key_params(k));
  return rows.at(0).int64(0) + 1;
}

void insert_history(Tx& tx, const ConfigItem& i, const std::string& kind) {
  tx.exec("INSERT INTO config_history (namespace_id, grp, data_id, version, kind, content, format, md5, author, comment, at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {i.namespace_id, i.group, i.data_id, i.version, kind, i.content, i.format, i.md5, i.author, i.comment,
           i.updated_at});
}

class SqlStore final : public RegistryStore {
 public:
  explicit SqlStore(core::storage::Database& db) : db_(db) {}

  std::vector<ConfigItem> load_items() override {
    std::vector<ConfigItem> out;
    db_.read_blocking([&](Tx& tx) {
      for (const auto& r : tx.query(fmt::format("SELECT {}, updated_at FROM config_items", kItemColumns)))
        out.push_back(item_from(r, 9));
    });
    return out;
  }

  std::vector<ConfigItem> load_grays() override {
    std::vector<ConfigItem> out;
    db_.read_blocking([&](Tx& tx) {
      for (const auto& r : tx.query(fmt::format("SELECT {}, updated_at, tag FROM config_gray", kItemColumns))) {
        out.push_back(item_from(r, 9));
        out.back().gray_tag = r.string(10);
      }
    });
    return out;
  }

  std::vector<OverrideRow> load_overrides() override {
    std::vector<OverrideRow> out;
    db_.read_blocking([&](Tx& tx) {
      for (const auto& r : tx.query("SELECT service, instance_id, enabled, weight FROM registry_overrides")) {
        OverrideRow o{r.string(0), r.string(1), {}};
        if (!r.is_null(2)) o.value.enabled = r.int64(2) != 0;
        if (!r.is_null(3)) o.value.weight = r.int64(3);
        out.push_back(std::move(o));
      }
    });
    return out;
  }

  ConfigItem publish(ConfigItem draft, std::optional<std::int64_t> expected, const std::string& kind,
                     AuditEntry audit) override {
    db_.write_blocking([&](Tx& tx) {
      const ConfigKey k = draft.key();
      auto cur = tx.query("SELECT version FROM config_items WHERE namespace_id = ? AND grp = ? AND data_id = ?", key_params(k));
      const std::int64_t current = cur.empty() ? 0 : cur.at(0).int64(0);
      if (expected && *expected != current) throw VersionConflict(current);
      draft.version = next_version(tx, k);
      draft.updated_at = core::utc_timestamp();
      draft.gray_tag.reset();
      if (cur.empty()) {
        tx.exec(fmt::format("INSERT INTO config_items ({}, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", kItemColumns),
                {draft.namespace_id, draft.group, draft.data_id, draft.content, draft.format, draft.version, draft.md5,
                 draft.author, draft.comment, draft.updated_at});
      } else {
        tx.exec("UPDATE config_items SET content = ?, format = ?, version = ?, md5 = ?, author = ?, comment = ?, updated_at = ? "
                "WHERE namespace_id = ? AND grp = ? AND data_id = ?",
                {draft.content, draft.format, draft.version, draft.md5, draft.author, draft.comment, draft.updated_at,
                 draft.namespace_id, draft.group, draft.data_id});
      }
      insert_history(tx, draft, kind);
      audit.detail = fmt::format("version {} md5 {}{}", draft.version, draft.md5, audit.detail.empty() ? "" : "; " + audit.detail);
      append_audit(tx, std::move(audit));
    });
    return draft;
  }

  ConfigItem publish_gray(ConfigItem draft, AuditEntry audit) override {
    db_.write_blocking([&](Tx& tx) {
      const ConfigKey k = draft.key();
      draft.version = next_version(tx, k);
      draft.updated_at = core::utc_timestamp();
      tx.exec("DELETE FROM config_gray WHERE namespace_id = ? AND grp = ? AND data_id = ?", key_params(k));
      tx.exec(fmt::format("INSERT INTO config_gray ({}, updated_at, tag) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", kItemColumns),
              {draft.namespace_id, draft.group, draft.data_id, draft.content, draft.format, draft.version, draft.md5,
               draft.author, draft.comment, draft.updated_at, draft.gray_tag.value_or("")});
      insert_history(tx, draft, "gray");
      audit.detail = fmt::format("version {} md5 {} to tag {}", draft.version, draft.md5, draft.gray_tag.value_or(""));
      append_audit(tx, std::move(audit));
    });
    return draft;
  }

  bool cancel_gray(const ConfigKey& key, AuditEntry audit) override {
    bool removed = false;
    db_.write_blocking([&](Tx& tx) {
      removed = tx.exec("DELETE FROM config_gray WHERE namespace_id = ? AND grp = ? AND data_id = ?", key_params(key)) > 0;
      if (removed) append_audit(tx, std::move(audit));
    });
    return removed;
  }

  bool remove(const ConfigKey& key, AuditEntry audit) override {
    bool removed = false;
    db_.write_blocking([&](Tx& tx) {
      auto cur = tx.query(fmt::format("SELECT {}, updated_at FROM config_items WHERE namespace_id = ? AND grp = ? AND data_id = ?",
                                      kItemColumns),
                          key_params(key));
      if (cur.empty()) return;
      ConfigItem gone = item_from(cur.at(0), 9);
      gone.version = next_version(tx, key);
      gone.updated_at = core::utc_timestamp();
      gone.author = audit.actor;
      gone.comment = "删除";
      insert_history(tx, gone, "delete");
      tx.exec("DELETE FROM config_items WHERE namespace_id = ? AND grp = ? AND data_id = ?", key_params(key));
      tx.exec("DELETE FROM config_gray WHERE namespace_id = ? AND grp = ? AND data_id = ?", key_params(key));
      append_audit(tx, std::move(audit));
      removed = true;
    });
    return removed;
  }

  std::vector<HistoryEntry> history(const ConfigKey& key, std::int64_t before, std::int64_t limit) override {
    std::vector<HistoryEntry> out;
    db_.read_blocking([&](Tx& tx) {
      Params p = key_params(key);
      p.emplace_back(before);
      p.emplace_back(limit);
      for (const auto& r : tx.query(fmt::format("SELECT {}, at, kind FROM config_history WHERE namespace_id = ? AND grp = ? "
                                                "AND data_id = ? AND version < ? ORDER BY version DESC LIMIT ?",
                                                kItemColumns),
                                    p))
        out.push_back({item_from(r, 9), r.string(10)});
    });
    return out;
  }

  std::optional<HistoryEntry> version(const ConfigKey& key, std::int64_t v) override {
    std::optional<HistoryEntry> out;
    db_.read_blocking([&](Tx& tx) {
      Params p = key_params(key);
      p.emplace_back(v);
      auto rows = tx.query(fmt::format("SELECT {}, at, kind FROM config_history WHERE namespace_id = ? AND grp = ? "
                                       "AND data_id = ? AND version = ?",
                                       kItemColumns),
                           p);
      if (!rows.empty()) out = HistoryEntry{item_from(rows.at(0), 9), rows.at(0).string(10)};
    });
    return out;
  }

  void record_ack(const ConfigAck& a) override {
    db_.write_blocking([&](Tx& tx) {
      Params k{a.namespace_id, a.group, a.data_id, a.instance};
      tx.exec("DELETE FROM config_acks WHERE namespace_id = ? AND grp = ? AND data_id = ? AND instance = ?", k);
      tx.exec("INSERT INTO config_acks (namespace_id, grp, data_id, instance, version, md5, applied, message, at) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {a.namespace_id, a.group, a.data_id, a.instance, a.version, a.md5, std::int64_t{a.applied ? 1 : 0},
               a.message, a.at});
    });
  }

  std::vector<ConfigAck> acks(const ConfigKey& key) override {
    std::vector<ConfigAck> out;
    db_.read_blocking([&](Tx& tx) {
      for (const auto& r : tx.query("SELECT instance, version, md5, applied, message, at FROM config_acks "
                                    "WHERE namespace_id = ? AND grp = ? AND data_id = ? ORDER BY instance",
                                    key_params(key)))
        out.push_back({key.namespace_id, key.group, key.data_id, r.string(0), r.int64(1), r.string(2), r.int64(3) != 0,
                       r.string(4), r.string(5)});
    });
    return out;
  }

  void save_override(const OverrideRow& row, AuditEntry audit) override {
    db_.write_blocking([&](Tx& tx) {
      tx.exec("DELETE FROM registry_overrides WHERE service = ? AND instance_id = ?", {row.service, row.instance_id});
      core::storage::Param enabled = core::storage::Null{};
      core::storage::Param weight = core::storage::Null{};
      if (row.value.enabled) enabled = std::int64_t{*row.value.enabled ? 1 : 0};
      if (row.value.weight) weight = *row.value.weight;
      tx.exec("INSERT INTO registry_overrides (service, instance_id, enabled, weight, updated_at) VALUES (?, ?, ?, ?, ?)",
              {row.service, row.instance_id, enabled, weight, core::utc_timestamp()});
      append_audit(tx, std::move(audit));
    });
  }

  std::vector<AuditEntry> audit(std::int64_t before, std::int64_t limit) override {
    std::vector<AuditEntry> out;
    db_.read_blocking([&](Tx& tx) {
      for (const auto& r : tx.query("SELECT id, at, actor, action, target, detail, trace_id FROM registry_audit "
                                    "WHERE id < ? ORDER BY id DESC LIMIT ?",
                                    {before, limit}))
        out.push_back({r.int64(0), r.string(1), r.string(2), r.string(3), r.string(4), r.string(5), r.string(6)});
    });
    return out;
  }

 private:
  core::storage::Database& db_;
};

}  // namespace

std::unique_ptr<RegistryStore> make_sql_store(core::storage::Database& db) { return std::make_unique<SqlStore>(db); }

}  // namespace zt::platform::registry
