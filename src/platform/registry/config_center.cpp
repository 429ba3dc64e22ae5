#include "platform/registry/config_center.hpp"

#include <fmt/format.h>

#include "core/http/error.hpp"
#include "core/observe/log.hpp"
#include "core/net/blocking.hpp"
#include "core/util/digest.hpp"
#include "platform/registry/domain/config_format.hpp"

namespace zt::platform::registry {

using core::discovery::ConfigItem;
using core::discovery::ConfigKey;
using core::http::ApiError;

namespace {
AuditEntry audit_of(const Actor& a, std::string action, const ConfigKey& key, std::string detail = {}) {
  return {0, {}, a.name, std::move(action), "config:" + key.to_string(), std::move(detail), a.trace_id};
}
}  // namespace

ConfigCenter::ConfigCenter(RegistryStore& store, ContentCheck check) : store_(store), check_(std::move(check)) {
  for (auto& item : store_.load_items()) remember(item, false);
  for (auto& item : store_.load_grays()) remember(item, true);
}

void ConfigCenter::remember(const ConfigItem& item, bool is_gray) {
  {
    std::lock_guard lock(mutex_);
    auto& e = items_[item.key()];
    auto& slot = is_gray ? e.gray : e.current;
    if (!slot || slot->version < item.version) slot = item;  // a late writer never rolls the cache back
    // A publish after a gray supersedes it only when promoted explicitly; keep both otherwise.
  }
  changes_.notify_all();
}

void ConfigCenter::forget(const ConfigKey& key, bool gray_only) {
  {
    std::lock_guard lock(mutex_);
    auto it = items_.find(key);
    if (it == items_.end()) return;
    if (gray_only) it->second.gray.reset();
    else items_.erase(it);
  }
  changes_.notify_all();
}

void ConfigCenter::cluster_reset(const std::vector<ConfigItem>& items, const std::vector<ConfigItem>& grays) {
  {
    std::lock_guard lock(mutex_);
    items_.clear();
    for (const auto& i : items) items_[i.key()].current = i;
    for (const auto& i : grays) items_[i.key()].gray = i;
  }
  changes_.notify_all();
}

void ConfigCenter::cluster_removed(const ConfigKey& key, bool gray) {
  if (gray) {
    forget(key, true);
    return;
  }
  // The released version is gone: so is the item (a gray without a base is never served alone).
  forget(key, false);
}

std::vector<std::string> ConfigCenter::move_settings(const ConfigKey& main, const core::config::SettingsItems& layout) {
  std::vector<std::string> written;
  const auto current = get(main, "");
  const auto* item = layout.find(main.data_id);
  if (!current || !item) return written;
  const auto regrouped = layout.regrouped(*item, current->content);
  if (regrouped.empty()) return written;
  const Actor registry{"registry", ""};
  auto draft_of = [&](const std::string& data_id, const std::string& content) {
    ConfigItem d;
    d.namespace_id = main.namespace_id;
    d.group = main.group;
    d.data_id = data_id;
    d.content = content;
    d.format = "yaml";
    d.md5 = core::md5_hex(content);
    d.author = registry.name;
    d.comment = fmt::format("配置按类别拆分：由 {} 版本{}移入", main.data_id, current->version);
    return d;
  };
  try {
    for (const auto& [data_id, content] : regrouped) {
      if (data_id == main.data_id) continue;
      const ConfigKey key{main.namespace_id, main.group, data_id};
      if (get(key, "")) {
        core::log::warn("registry: {} holds settings of {}, which exists already: left for an operator to merge", main.to_string(),
                        key.to_string());
        return written;
      }
    }
    for (const auto& [data_id, content] : regrouped) {
      if (data_id == main.data_id) continue;
      const ConfigKey key{main.namespace_id, main.group, data_id};
      auto out = store_.publish(draft_of(data_id, content), 0, "publish",
                                audit_of(registry, "config.migrate", key, fmt::format("由 {} 移入", main.to_string())));
      remember(out, false);
      written.push_back(data_id);
    }
    auto out = store_.publish(draft_of(main.data_id, regrouped.at(main.data_id)), current->version, "publish",
                              audit_of(registry, "config.migrate", main, "其他类别的配置已移入各自的配置项"));
    remember(out, false);
    written.push_back(main.data_id);
  } catch (const VersionConflict&) {
    core::log::info("registry: another node is moving the settings of {}; left to it", main.to_string());
  }
  if (!written.empty()) core::log::info("registry: settings of {} moved to the items of their concerns: {}", main.to_string(), fmt::join(written, ", "));
  return written;
}

ConfigItem ConfigCenter::checked_draft(const ConfigKey& key, const PublishRequest& req, const Actor& actor) const {
  if (auto bad = validate_key(key)) throw ApiError(400, "REGISTRY_CONFIG_INVALID", *bad);
  if (auto bad = validate_content(req.format, req.content)) throw ApiError(400, "REGISTRY_CONFIG_INVALID", *bad);
  if (req.comment.size() > 512) throw ApiError(400, "REGISTRY_CONFIG_INVALID", "备注最多512字节");
  if (check_ && req.check.value_or(true)) {
    const auto refused = check_(key, req.content);
    if (!refused.empty()) {
      std::string why;
      for (const auto& r : refused) why += (why.empty() ? "" : "；") + r;
      throw ApiError(400, "REGISTRY_CONFIG_INVALID", "配置校验未通过，未发布：" + why);
    }
  }
  ConfigItem d;
  d.namespace_id = key.namespace_id;
  d.group = key.group;
  d.data_id = key.data_id;
  d.content = req.content;
  d.format = req.format;
  d.md5 = core::md5_hex(req.content);
  d.author = actor.name;
  d.comment = req.comment;
  return d;
}

boost::asio::awaitable<void> ConfigCenter::settled(const ConfigItem& written, bool gray) {
  // A shared store's feed brings our write back in order with everyone else's.
  if (store_.shared()) co_await store_.settle();
  else remember(written, gray);
}

boost::asio::awaitable<ConfigItem> ConfigCenter::publish(ConfigKey key, PublishRequest req, Actor actor) {
  ConfigItem draft = checked_draft(key, req, actor);
  const std::string unchecked = check_ && !req.check.value_or(true) ? "未经配置校验发布（check=false）" : "";
  ConfigItem out;
  try {
    out = co_await core::blocking([&] { return store_.publish(draft, req.expected_version, "publish", audit_of(actor, "config.publish", key, unchecked)); });
  } catch (const VersionConflict& c) {
    throw ApiError(409, "REGISTRY_CONFIG_CONFLICT", fmt::format("配置已被修改（当前版本{}），请刷新后重试", c.current()));
  }
  co_await settled(out, false);
  co_return out;
}

boost::asio::awaitable<ConfigItem> ConfigCenter::rollback(ConfigKey key, std::int64_t version, Actor actor,
                                                          std::string comment, bool check) {
  auto old = co_await core::blocking([&] { return store_.version(key, version); });
  if (!old || old->kind == "delete") throw ApiError(404, "REGISTRY_CONFIG_VERSION_NOT_FOUND", fmt::format("配置没有版本{}", version));
  PublishRequest req{old->item.content, old->item.format, actor.name,
                     comment.empty() ? fmt::format("回滚到版本{}", version) : comment, std::nullopt, check};
  ConfigItem draft = checked_draft(key, req, actor);
  const std::string detail = fmt::format("from version {}{}", version, check_ && !check ? "；未经配置校验发布（check=false）" : "");
  ConfigItem out = co_await core::blocking([&] {
    return store_.publish(draft, std::nullopt, "rollback", audit_of(actor, "config.rollback", key, detail));
  });
  co_await settled(out, false);
  co_return out;
}

boost::asio::awaitable<ConfigItem> ConfigCenter::gray(ConfigKey key, std::string tag, PublishRequest req, Actor actor) {
  if (!core::discovery::valid_name(tag)) throw ApiError(400, "REGISTRY_CONFIG_INVALID", "灰度标签应为1到128位的字母、数字或 . _ - : @");
  ConfigItem draft = checked_draft(key, req, actor);
  draft.gray_tag = tag;
  {
    std::lock_guard lock(mutex_);
    auto it = items_.find(key);
    if (it == items_.end() || !it->second.current)
      throw ApiError(409, "REGISTRY_CONFIG_GRAY_NO_BASE", "灰度发布需要先有正式版本");
  }
  const std::string unchecked = check_ && !req.check.value_or(true) ? "未经配置校验发布（check=false）" : "";
  ConfigItem out = co_await core::blocking([&] { return store_.publish_gray(draft, audit_of(actor, "config.gray", key, unchecked)); });
  out.gray_tag = tag;
  co_await settled(out, true);
  co_return out;
}

boost::asio::awaitable<bool> ConfigCenter::cancel_gray(ConfigKey key, Actor actor) {
  bool removed = co_await core::blocking([&] { return store_.cancel_gray(key, audit_of(actor, "config.gray_cancel", key)); });
  if (removed && store_.shared()) co_await store_.settle();
  else if (removed) forget(key, true);
  co_return removed;
}

boost::asio::awaitable<bool> ConfigCenter::remove(ConfigKey key, Actor actor) {
  bool removed = co_await core::blocking([&] { return store_.remove(key, audit_of(actor, "config.delete", key)); });
  if (removed && store_.shared()) co_await store_.settle();
  else if (removed) forget(key, false);
  co_return removed;
}

void ConfigCenter::shutdown() {
  stopping_ = true;
  changes_.notify_all();
}

std::optional<ConfigItem> ConfigCenter::get(const ConfigKey& key, const std::string& tag) const {
  std::lock_guard lock(mutex_);
  auto it = items_.find(key);
  if (it == items_.end()) return std::nullopt;
  if (!tag.empty() && it->second.gray && it->second.gray->gray_tag == tag) return it->second.gray;
  return it->second.current;
}

std::optional<ConfigItem> ConfigCenter::gray_of(const ConfigKey& key) const {
  std::lock_guard lock(mutex_);
  auto it = items_.find(key);
  return it == items_.end() ? std::nullopt : it->second.gray;
}

std::vector<ConfigItem> ConfigCenter::list(const std::string& namespace_id) const {
  std::lock_guard lock(mutex_);
  std::vector<ConfigItem> out;
  for (const auto& [k, e] : items_)
    if (e.current && (namespace_id.empty() || k.namespace_id == namespace_id)) out.push_back(*e.current);
  return out;
}

std::vector<ConfigKey> ConfigCenter::changed(const std::vector<core::discovery::ConfigWatch>& watches,
                                             const std::string& tag) const {
  std::vector<ConfigKey> out;
  for (const auto& w : watches) {
    auto item = get(w.key(), tag);
    const std::string md5 = item ? item->md5 : std::string();
    if (md5 != w.md5) out.push_back(w.key());
  }
  return out;
}

boost::asio::awaitable<std::vector<ConfigKey>> ConfigCenter::listen(std::vector<core::discovery::ConfigWatch> watches,
                                                                    std::string tag, std::chrono::milliseconds wait) {
  const auto until = std::chrono::steady_clock::now() + wait;
  for (;;) {
    const auto seen = changes_.generation();
    auto out = changed(watches, tag);
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
    if (!out.empty() || left.count() <= 0 || stopping_) co_return out;
    co_await changes_.wait(seen, left);
  }
}

}  // namespace zt::platform::registry
