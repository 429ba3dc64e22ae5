#pragma once
// The config center: current items and gray versions served from memory, every change written
// through the store first (history, audit), listeners woken by long-poll.
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/config/settings_items.hpp"
#include "core/discovery/config_types.hpp"
#include "core/net/notifier.hpp"
#include "platform/registry/client/registry_api.hpp"
#include "platform/registry/store/registry_store.hpp"

namespace zt::platform::registry {

struct Actor {
  std::string name;  // who made the change (staff id once the console signs in)
  std::string trace_id;
};


// The Chinese reasons an item's content would be refused by the processes that read it (a settings
// item: its settings, their types and rules, each in the item of its concern); none for any other.
using ContentCheck = std::function<std::vector<std::string>(const core::discovery::ConfigKey&, const std::string& content)>;

class ConfigCenter {
 public:
  explicit ConfigCenter(RegistryStore& store, ContentCheck check = {});

  // Throws http::ApiError: 400 REGISTRY_CONFIG_INVALID (key, format or syntax, with the line; a
  // settings item the processes would refuse, unless req.check is false),
  // 409 REGISTRY_CONFIG_CONFLICT (expected_version is stale).
  boost::asio::awaitable<core::discovery::ConfigItem> publish(core::discovery::ConfigKey key, PublishRequest req,
                                                              Actor actor);
  // Publishes the content of an earlier version as a new version. 404 when there is no such version.
  // `check` false: the old content stored without the settings check (as PublishRequest::check).
  boost::asio::awaitable<core::discovery::ConfigItem> rollback(core::discovery::ConfigKey key, std::int64_t version,
                                                               Actor actor, std::string comment, bool check = true);
  // Serves `req.content` only to instances whose tag is `tag`, until promoted (published) or cancelled.
  boost::asio::awaitable<core::discovery::ConfigItem> gray(core::discovery::ConfigKey key, std::string tag,
                                                           PublishRequest req, Actor actor);
  boost::asio::awaitable<bool> cancel_gray(core::discovery::ConfigKey key, Actor actor);
  boost::asio::awaitable<bool> remove(core::discovery::ConfigKey key, Actor actor);

  // What an instance with `tag` receives.
  std::optional<core::discovery::ConfigItem> get(const core::discovery::ConfigKey& key, const std::string& tag) const;
  std::optional<core::discovery::ConfigItem> gray_of(const core::discovery::ConfigKey& key) const;
  std::vector<core::discovery::ConfigItem> list(const std::string& namespace_id) const;  // "" for all
  std::vector<core::discovery::ConfigKey> changed(const std::vector<core::discovery::ConfigWatch>& watches,
                                                  const std::string& tag) const;
  boost::asio::awaitable<std::vector<core::discovery::ConfigKey>> listen(std::vector<core::discovery::ConfigWatch> watches,
                                                                         std::string tag, std::chrono::milliseconds wait);
  RegistryStore& store() { return store_; }

  // Settings of other concerns found in the main settings item (`main`, published before each
  // concern had an item of its own) move to the items they belong to, once, at start: each target
  // item is created only while it does not exist (a second registry node racing this one loses
  // the optimistic lock and changes nothing), then the main item is published without them; all
  // audited as config.migrate by the registry. Blocking; returns the items written.
  std::vector<std::string> move_settings(const core::discovery::ConfigKey& main, const core::config::SettingsItems& layout);

  // The shared store's feed (etcd): the cache follows it rather than local writes.
  void cluster_reset(const std::vector<core::discovery::ConfigItem>& items,
                     const std::vector<core::discovery::ConfigItem>& grays);
  void cluster_put(const core::discovery::ConfigItem& item, bool gray) { remember(item, gray); }
  void cluster_removed(const core::discovery::ConfigKey& key, bool gray);
  // Answers every held listen now and every later one at once (the registry is stopping).
  void shutdown();

 private:
  struct Entry {
    std::optional<core::discovery::ConfigItem> current;
    std::optional<core::discovery::ConfigItem> gray;
  };
  void remember(const core::discovery::ConfigItem& item, bool is_gray);
  void forget(const core::discovery::ConfigKey& key, bool gray_only);
  boost::asio::awaitable<void> settled(const core::discovery::ConfigItem& written, bool gray);
  core::discovery::ConfigItem checked_draft(const core::discovery::ConfigKey& key, const PublishRequest& req,
                                            const Actor& actor) const;

  RegistryStore& store_;
  ContentCheck check_;
  mutable std::mutex mutex_;
  std::map<core::discovery::ConfigKey, Entry> items_;
  core::net::Notifier changes_;
  std::atomic<bool> stopping_{false};
};

}  // namespace zt::platform::registry
