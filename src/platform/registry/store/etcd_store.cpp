#include "platform/registry/store/etcd_store.hpp"

#include <fmt/format.h>

#include <random>

#include "core/http/error.hpp"
#include "core/json/json.hpp"
#include "core/observe/log.hpp"
#include "core/util/time.hpp"

namespace zt::platform::registry {

namespace {

using core::discovery::ConfigAck;
using core::discovery::ConfigItem;
using core::discovery::ConfigKey;
using core::discovery::Registration;
namespace etcd = core::net::etcd;

struct InstanceRecord {
  Registration registration;
  std::int64_t lease = 0;
  std::int64_t alive_lease = 0;
};
BOOST_DESCRIBE_STRUCT(InstanceRecord, (), (registration, lease, alive_lease))

struct OverrideValue {
  std::optional<bool> enabled;
  std::optional<std::int64_t> weight;
};
BOOST_DESCRIBE_STRUCT(OverrideValue, (), (enabled, weight))

struct HistoryRecord {
  ConfigItem item;
  std::string kind;
};
BOOST_DESCRIBE_STRUCT(HistoryRecord, (), (item, kind))

std::string path_of(const ConfigKey& k) { return k.namespace_id + "/" + k.group + "/" + k.data_id; }

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    auto slash = s.find('/', start);
    out.push_back(s.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) return out;
    start = slash + 1;
  }
}

std::int64_t seconds_up(std::int64_t ms) { return std::max<std::int64_t>(1, (ms + 999) / 1000); }

template <class T>
std::optional<T> decode(const etcd::KeyValue& kv) {
  try {
    return core::json::parse<T>(kv.value);
  } catch (const std::exception& e) {
    core::log::warn("registry: ignoring unreadable etcd key {}: {}", kv.key, e.what());
    return std::nullopt;
  }
}

constexpr int kMaxAttempts = 32;

// etcd could not be reached or refused: the caller gets the project's error, not a 500.
[[noreturn]] void unavailable(const etcd::EtcdError& e) {
  core::log::warn("registry: etcd: {}", e.what());
  throw core::http::ApiError::upstream(503, "REGISTRY_STORE_UNAVAILABLE", "注册中心存储暂不可用，请稍后重试");
}

}  // namespace

EtcdStore::EtcdStore(EtcdStoreOptions options)
    : options_(std::move(options)),
      alive_ttl_s_(seconds_up(options_.policy.heartbeat_interval_ms * options_.policy.unhealthy_after)),
      remove_ttl_s_(seconds_up(options_.policy.heartbeat_interval_ms * options_.policy.remove_after)),
      client_({options_.endpoints}) {
  if (options_.prefix.empty() || options_.prefix.front() != '/' || options_.prefix.back() != '/')
    throw std::invalid_argument("registry.etcd_prefix must start and end with '/'");
}

EtcdStore::~EtcdStore() { stop(); }

void EtcdStore::stop() {
  stop_ = true;
  progress_.notify_all();
  if (feed_.joinable()) feed_.join();
}

void EtcdStore::wrote(std::int64_t revision) {
  auto cur = written_.load();
  while (revision > cur && !written_.compare_exchange_weak(cur, revision)) {
  }
}

boost::asio::awaitable<void> EtcdStore::settle() {
  const std::int64_t target = written_.load();
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  for (;;) {
    const auto seen = progress_.generation();
    if (applied_.load() >= target || stop_) co_return;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      core::log::warn("registry: the etcd feed is behind (applied {}, written {}); answering before it catches up",
                      applied_.load(), target);
      co_return;
    }
    co_await progress_.wait(seen, left);
  }
}

std::string EtcdStore::audit_key() const {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return key("audit/", fmt::format("{:016}-{:016x}", core::unix_millis() * 1000, rng()));
}

// ---- naming ----

std::optional<std::pair<Registration, EtcdStore::Leases>> EtcdStore::lookup(const std::string& service,
                                                                           const std::string& id) {
  auto r = client_.range(key("instances/", service + "/" + id));
  if (r.kvs.empty()) return std::nullopt;
  auto rec = decode<InstanceRecord>(r.kvs[0]);
  if (!rec) return std::nullopt;
  return std::make_pair(rec->registration, Leases{rec->lease, rec->alive_lease});
}

void EtcdStore::register_instance(const Registration& r) try {
  std::optional<Leases> old;
  {
    std::lock_guard lock(mutex_);
    if (auto it = leases_.find({r.service, r.id}); it != leases_.end()) old = it->second;
  }
  InstanceRecord rec{r, client_.grant(remove_ttl_s_), client_.grant(alive_ttl_s_)};
  const std::string name = r.service + "/" + r.id;
  auto t = client_.txn({}, {etcd::Op::put(key("instances/", name), core::json::serialize(rec), rec.lease),
                            etcd::Op::put(key("alive/", name), "", rec.alive_lease)},
                       {});
  wrote(t.revision);
  {
    std::lock_guard lock(mutex_);
    leases_[{r.service, r.id}] = {rec.lease, rec.alive_lease};
  }
  // The keys now hang on the new leases; the old ones would only expire on their own.
  if (old) {
    try {
      client_.revoke(old->lease);
      client_.revoke(old->alive_lease);
    } catch (const etcd::EtcdError& e) {
      core::log::warn("registry: could not revoke the old leases of {}: {}", name, e.what());
    }
  }
} catch (const etcd::EtcdError& e) {
  unavailable(e);
}

bool EtcdStore::heartbeat(const std::string& service, const std::string& id) try {
  std::optional<Leases> leases;
  {
    std::lock_guard lock(mutex_);
    if (auto it = leases_.find({service, id}); it != leases_.end()) leases = it->second;
  }
  std::optional<Registration> reg;
  if (!leases) {  // registered through another node moments ago, before our feed saw it
    auto found = lookup(service, id);
    if (!found) return false;
    reg = found->first;
    leases = found->second;
  }
  if (!client_.keepalive(leases->lease)) return false;
  if (client_.keepalive(leases->alive_lease)) return true;
  // Missed enough beats to be unhealthy but not yet removed: healthy again with a fresh alive lease.
  if (!reg) {
    auto found = lookup(service, id);
    if (!found) return false;
    reg = found->first;
  }
  InstanceRecord rec{*reg, leases->lease, client_.grant(alive_ttl_s_)};
  const std::string name = service + "/" + id;
  auto t = client_.txn({etcd::Compare::exists(key("instances/", name))},
                       {etcd::Op::put(key("instances/", name), core::json::serialize(rec), rec.lease),
                        etcd::Op::put(key("alive/", name), "", rec.alive_lease)},
                       {});
  if (!t.succeeded) {
    client_.revoke(rec.alive_lease);
    return false;
  }
  wrote(t.revision);
  std::lock_guard lock(mutex_);
  leases_[{service, id}] = {rec.lease, rec.alive_lease};
  return true;
} catch (const etcd::EtcdError& e) {
  unavailable(e);
}

bool EtcdStore::deregister(const std::string& service, const std::string& id) try {
  const std::string name = service + "/" + id;
  auto t = client_.txn({etcd::Compare::exists(key("instances/", name))},
                       {etcd::Op::get(key("instances/", name)), etcd::Op::remove(key("instances/", name)),
                        etcd::Op::remove(key("alive/", name))},
                       {});
  if (!t.succeeded) return false;
  wrote(t.revision);
  if (!t.ranges.empty() && !t.ranges[0].kvs.empty()) {
    if (auto rec = decode<InstanceRecord>(t.ranges[0].kvs[0])) {
      try {
        client_.revoke(rec->lease);
        client_.revoke(rec->alive_lease);
      } catch (const etcd::EtcdError& e) {
        core::log::warn("registry: could not revoke the leases of {}: {}", name, e.what());
      }
    }
  }
  return true;
} catch (const etcd::EtcdError& e) {
  unavailable(e);
}

// ---- the feed ----

void EtcdStore::follow(ClusterSink& sink) {
  sink_ = &sink;
  const auto from = resync();
  feed_ = std::thread([this, from] { run_feed(from); });
}

std::int64_t EtcdStore::resync() {
  auto instances = client_.range_prefix(key("instances/", ""));
  const auto rev = instances.revision;
  auto alive = client_.range_prefix(key("alive/", ""), rev);
  auto overrides = client_.range_prefix(key("overrides/", ""), rev);
  auto current = client_.range_prefix(key("config/current/", ""), rev);
  auto grays = client_.range_prefix(key("config/gray/", ""), rev);

  std::vector<std::string> alive_names;
  for (const auto& kv : alive.kvs) alive_names.push_back(kv.key.substr(key("alive/", "").size()));
  std::sort(alive_names.begin(), alive_names.end());
  std::vector<SharedInstance> shared;
  std::map<std::pair<std::string, std::string>, Leases> leases;
  for (const auto& kv : instances.kvs) {
    auto rec = decode<InstanceRecord>(kv);
    if (!rec) continue;
    const std::string name = rec->registration.service + "/" + rec->registration.id;
    leases[{rec->registration.service, rec->registration.id}] = {rec->lease, rec->alive_lease};
    shared.push_back({rec->registration, std::binary_search(alive_names.begin(), alive_names.end(), name)});
  }
  const auto rows = overrides_of(overrides);
  const auto items = items_of(current);
  const auto gray_items = items_of(grays);
  {
    std::lock_guard lock(mutex_);
    leases_ = std::move(leases);
  }
  sink_->reset(shared, rows, items, gray_items);
  applied_ = std::max(applied_.load(), rev);
  progress_.notify_all();
  return rev;
}

void EtcdStore::apply(const etcd::WatchEvent& e) {
  const std::string rest = e.kv.key.substr(options_.prefix.size());
  auto parts = split(rest);
  if (parts.size() == 3 && parts[0] == "instances") {
    if (e.deleted) {
      {
        std::lock_guard lock(mutex_);
        leases_.erase({parts[1], parts[2]});
      }
      sink_->instance_removed(parts[1], parts[2]);
    } else if (auto rec = decode<InstanceRecord>(e.kv)) {
      {
        std::lock_guard lock(mutex_);
        leases_[{parts[1], parts[2]}] = {rec->lease, rec->alive_lease};
      }
      sink_->instance_put(rec->registration);
    }
  } else if (parts.size() == 3 && parts[0] == "alive") {
    sink_->instance_alive(parts[1], parts[2], !e.deleted);
  } else if (parts.size() == 3 && parts[0] == "overrides" && !e.deleted) {
    if (auto v = decode<OverrideValue>(e.kv)) sink_->override_put({parts[1], parts[2], {v->enabled, v->weight}});
  } else if (parts.size() == 5 && parts[0] == "config" && (parts[1] == "current" || parts[1] == "gray")) {
    const bool gray = parts[1] == "gray";
    if (e.deleted) {
      sink_->config_removed({parts[2], parts[3], parts[4]}, gray);
    } else if (auto item = decode<ConfigItem>(e.kv)) {
      sink_->config_put(*item, gray);
    }
  }
  // history, acks and audit are read on demand, never cached.
}

void EtcdStore::run_feed(std::int64_t from) {
  std::int64_t rev = from;
  bool warned = false;
  while (!stop_) {
    try {
      client_.watch(options_.prefix, rev + 1, [&](const std::vector<etcd::WatchEvent>& events, std::int64_t reached) {
        for (const auto& e : events) apply(e);
        rev = std::max(rev, reached);
        applied_ = std::max(applied_.load(), rev);
        progress_.notify_all();
        if (warned) {
          core::log::info("registry: following etcd again from revision {}", rev);
          warned = false;
        }
      }, stop_);
    } catch (const etcd::EtcdError& e) {
      if (stop_) break;
      if (!warned) core::log::warn("registry: the etcd watch broke ({}); resuming", e.what());
      warned = true;
      if (e.compacted()) {
        try {
          rev = resync();
          continue;
        } catch (const etcd::EtcdError& again) {
          core::log::warn("registry: resync from etcd failed: {}", again.what());
        }
      }
      for (int i = 0; i < 5 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } catch (const std::exception& e) {
      core::log::error("registry: the etcd feed failed: {}; resyncing", e.what());
      for (int i = 0; i < 5 && !stop_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      try {
        rev = resync();
      } catch (const std::exception&) {
      }
    }
  }
}

// ---- config ----

std::vector<ConfigItem> EtcdStore::items_of(const etcd::RangeResult& r) {
  std::vector<ConfigItem> out;
  for (const auto& kv : r.kvs)
    if (auto i = decode<ConfigItem>(kv)) out.push_back(std::move(*i));
  return out;
}

std::vector<OverrideRow> EtcdStore::overrides_of(const etcd::RangeResult& r) const {
  std::vector<OverrideRow> out;
  for (const auto& kv : r.kvs) {
    auto parts = split(kv.key.substr(key("overrides/", "").size()));
    auto v = decode<OverrideValue>(kv);
    if (parts.size() == 2 && v) out.push_back({parts[0], parts[1], {v->enabled, v->weight}});
  }
  return out;
}

std::vector<ConfigItem> EtcdStore::load_items() try {
  return items_of(client_.range_prefix(key("config/current/", "")));
} catch (const etcd::EtcdError& e) {
  unavailable(e);
}

std::vector<ConfigItem> EtcdStore::load_grays() try {
  return items_of(client_.range_prefix(key("config/gray/", "")));
} catch (const etcd::EtcdError& e) {
  unavailable(e);
}

std::vector<OverrideRow> EtcdStore::load_overrides() try {
  return overrides_of(client_.range_prefix(key("overrides/", "")));
} catch (const etcd::EtcdError& e) {
  unavailable(e);
}

std::int64_t EtcdStore::last_version(const ConfigKey& k) {
  etcd::RangeOptions o;
  const std::string prefix = key("config/history/", path_of(k) + "/");
  o.range_end = etcd::prefix_end(prefix);
  o.descending_by_key = true;
  o.limit = 1;
  o.keys_only = true;
  auto r = client_.range(prefix, o);
  if (r.kvs.empty()) return 0;
  try {
    return std::stoll(r.kvs[0].key.substr(prefix.size()));
  } catch (const std::exception&) {
    throw etcd::EtcdError("registry: unreadable history key " + r.kvs[0].key);
  }
}

ConfigItem EtcdStore::publish(ConfigItem draft, std::optional<std::int64_t> expected, const std::string& kind,
                              AuditEntry audit) try {
  const ConfigKey k = draft.key();
  const std::string cur_key = key("config/current/", path_of(k));
  const std::string detail = audit.detail;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto cur = client_.range(cur_key);
    std::int64_t current = 0;
    if (!cur.kvs.empty())
      if (auto i = decode<ConfigItem>(cur.kvs[0])) current = i->version;
    if (expected && *expected != current) throw VersionConflict(current);
    draft.version = last_version(k) + 1;
    draft.updated_at = core::utc_timestamp();
    draft.gray_tag.reset();
    audit.at = draft.updated_at;
    audit.detail = fmt::format("version {} md5 {}{}", draft.version, draft.md5, detail.empty() ? "" : "; " + detail);
    const std::string hist_key = history_key(k, draft.version);
    std::vector<etcd::Compare> guard{etcd::Compare::missing(hist_key)};
    guard.push_back(cur.kvs.empty() ? etcd::Compare::missing(cur_key) : etcd::Compare::mod_revision_is(cur_key, cur.kvs[0].mod_revision));
    auto t = client_.txn(guard,
                         {etcd::Op::put(cur_key, core::json::serialize(draft)),
                          etcd::Op::put(hist_key, core::json::serialize(HistoryRecord{draft, kind})),
                          etcd::Op::put(audit_key(), core::json::serialize(audit))},
                         {});
    if (t.succeeded) {
      wrote(t.revision);
      return draft;
    }
  }
  throw etcd::EtcdError("registry: too many concurrent changes to " + k.to_string());
} catch (const etcd::EtcdError& e) {
  unavailable(e);
}

ConfigItem EtcdStore::publish_gray(ConfigItem draft, AuditEntry audit) try {
  const ConfigKey k = draft.key();
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    draft.version = last_version(k) + 1;
    draft.updated_at = core::utc_timestamp();
    audit.at = draft.updated_at;
    audit.detail = fmt::format("version {} md5 {} to tag {}", draft.version, draft.md5, draft.gray_tag.value_or(""));
    const std::string hist_key = history_key(k, draft.version);
    auto t = client_.txn({etcd::Compare::missing(hist_key)},
                         {etcd::Op::put(key("config/gray/", path_of(k)), core::json::serialize(draft)),
                          etcd::Op::put(hist_key, core::json::serialize(HistoryRecord{draft, "gray"})),
                          etcd::Op::put(audit_key(), core::json::serialize(audit))},
                         {});
    if (t.succeeded) {
      wrote(t.revision);
      return draft;
    }
  }
  throw etcd::EtcdError("registry: too many concurrent changes to " + k.to_string());
} catch (const etcd::EtcdError& e) {
  unavailable(e);
}

bool EtcdStore::cancel_gray(const ConfigKey& k, AuditEntry audit) try {
  const std::string gray_key = key("config/gray/", path_of(k));
  audit.at = core::utc_timestamp();
  auto t = client_.txn({etcd::Compare::exists(gray_key)},
                       {etcd::Op::remove(gray_key), etcd::Op::put(audit_key(), core::json::serialize(audit))}, {});
  if (t.succeeded) wrote(t.revision);
  return t.succeeded;
} catch (const etcd::EtcdError& e) {
  unavailable(e);
}

bool EtcdStore::remove(const ConfigKey& k, AuditEntry audit) try {
  const std::string cur_key = key("config/current/", path_of(k));
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto cur = client_.range(cur_key);
    if (cur.kvs.empty()) return false;
    auto gone = decode<ConfigItem>(cur.kvs[0]);
    if (!gone) gone = ConfigItem{k.namespace_id, k.group, k.data_id};
    gone->version = last_version(k) + 1;
    gone->updated_at = core::utc_timestamp();
    gone->author = audit.actor;
    gone->comment = "删除";
    gone->gray_tag.reset();
    audit.at = gone->updated_at;
    const std::string hist_key = history_key(k, gone->version);
    auto t = client_.txn({etcd::Compare::missing(hist_key), etcd::Compare::mod_revision_is(cur_key, cur.kvs[0].mod_revision)},
                         {etcd::Op::put(hist_key, core::json::serialize(HistoryRecord{*gone, "delete"})),
                          etcd::Op::remove(cur_key), etcd::Op::remove(key("config/gray/", path_of(k))),
                          etcd::Op::put(audit_key(), core::json::serialize(audit))},
                         {});
    if (t.succeeded) {
      wrote(t.revision);
      return true;
    }
  }
  throw etcd::EtcdError("registry: too many concurrent changes to " + k.to_string());
} catch (const etcd::EtcdError& e) {
  unavailable(e);
}

std::vector<HistoryEntry> EtcdStore::history(const ConfigKey& k, std::int64_t before, std::int64_t limit) try {
  const std::string prefix = key("config/history/", path_of(k) + "/");
  etcd::RangeOptions o;
  o.range_end = before > 999999999999 ? etcd::prefix_end(prefix) : prefix + fmt::format("{:012}", std::max<std::int64_t>(0, before));
  o.descending_by_key = true;
  o.limit = limit;
  std::vector<HistoryEntry> out;
  for (const auto& kv : client_.range(prefix, o).kvs)
    if (auto h = decode<HistoryRecord>(kv)) out.push_back({std::move(h->item), std::move(h->kind)});
  return out;
} catch (const etcd::EtcdError& e) {
  unavailable(e);
}

std::optional<HistoryEntry> EtcdStore::version(const ConfigKey& k, std::int64_t v) try {
  if (v <= 0 || v > 999999999999) return std::nullopt;
  auto r = client_.range(history_key(k, v));
  if (r.kvs.empty()) return std::nullopt;
  auto h = decode<HistoryRecord>(r.kvs[0]);
  if (!h) return std::nullopt;
  return HistoryEntry{std::move(h->item), std::move(h->kind)};
} catch (const etcd::EtcdError& e) {
  unavailable(e);
}

void EtcdStore::record_ack(const ConfigAck& a) try {
  client_.put(key("config/acks/", path_of({a.namespace_id, a.group, a.data_id}) + "/" + a.instance), core::json::serialize(a));
} catch (const etcd::EtcdError& e) {
  unavailable(e);
}

std::vector<ConfigAck> EtcdStore::acks(const ConfigKey& k) try {
  std::vector<ConfigAck> out;
  for (const auto& kv : client_.range_prefix(key("config/acks/", path_of(k) + "/")).kvs)
    if (auto a = decode<ConfigAck>(kv)) out.push_back(std::move(*a));
  return out;
} catch (const etcd::EtcdError& e) {
  unavailable(e);
}

void EtcdStore::save_override(const OverrideRow& row, AuditEntry audit) try {
  audit.at = core::utc_timestamp();
  auto t = client_.txn({},
                       {etcd::Op::put(key("overrides/", row.service + "/" + row.instance_id),
                                      core::json::serialize(OverrideValue{row.value.enabled, row.value.weight})),
                        etcd::Op::put(audit_key(), core::json::serialize(audit))},
                       {});
  wrote(t.revision);
} catch (const etcd::EtcdError& e) {
  unavailable(e);
}

std::vector<AuditEntry> EtcdStore::audit(std::int64_t before, std::int64_t limit) try {
  etcd::RangeOptions o;
  o.range_end = etcd::prefix_end(key("audit/", ""));
  o.descending_by_mod = true;
  o.limit = limit;
  if (before > 1 && before < std::numeric_limits<std::int64_t>::max()) o.max_mod_revision = before - 1;
  std::vector<AuditEntry> out;
  if (before <= 1) return out;
  for (const auto& kv : client_.range(key("audit/", ""), o).kvs) {
    if (auto a = decode<AuditEntry>(kv)) {
      a->id = kv.mod_revision;
      out.push_back(std::move(*a));
    }
  }
  return out;
} catch (const etcd::EtcdError& e) {
  unavailable(e);
}

}  // namespace zt::platform::registry
