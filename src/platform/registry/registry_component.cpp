#include "platform/registry/registry_component.hpp"

#include <boost/asio/awaitable.hpp>
#include <fmt/format.h>

#include <atomic>

#include "core/app/listeners.hpp"
#include "core/config/dynamic.hpp"
#include "core/config/settings_items.hpp"
#include "core/discovery/registry_api.hpp"
#include "core/http/error.hpp"
#include "core/http/router.hpp"
#include "core/net/notifier.hpp"
#include "core/net/runtime.hpp"
#include "core/observe/log.hpp"
#include "core/observe/metrics.hpp"
#include "core/storage/database.hpp"
#include "core/net/blocking.hpp"
#include "core/util/time.hpp"
#include "platform/registry/config_center.hpp"
#include "platform/registry/handlers/handlers.hpp"
#include "platform/registry/naming_service.hpp"
#include "platform/registry/store/etcd_store.hpp"
#include "platform/registry/store/registry_store.hpp"

std::span<const zt::core::EmbeddedFile> zt_registry_migrations();
std::span<const zt::core::EmbeddedFile> zt_registry_openapi();

namespace zt::platform::registry {

namespace {

using namespace core::discovery;

// The settings items the processes follow (the discovery section: the same binary, the same
// settings and rules).
struct SettingsLayout {
  ConfigKey main;
  std::shared_ptr<const core::config::SettingsItems> items;
};
SettingsLayout settings_layout(core::ComponentContext& ctx) {
  const auto& full = ctx.full_config();
  ConfigKey main{"public", "zhongtai", "dynamic.yaml"};
  std::vector<std::string> extra = core::config::SettingsItems::default_extra_config();
  if (full.has_section("discovery")) {
    const auto& d = full.section("discovery");
    main = {d.get_string("config_namespace"), d.get_string("config_group"), d.get_string("config_data_id")};
    extra = d.get_strings("extra_config");
  }
  return {main, std::make_shared<const core::config::SettingsItems>(main.data_id, extra)};
}

// An item is checked as the processes would check it before it is stored.
ContentCheck settings_check(const SettingsLayout& layout) {
  return [layout](const ConfigKey& key, const std::string& content) {
    std::vector<std::string> out;
    if (key.namespace_id != layout.main.namespace_id || key.group != layout.main.group) return out;
    const auto* item = layout.items->find(key.data_id);
    if (!item) return out;
    for (const auto& p : layout.items->problems(*item, content, key.data_id)) out.push_back(p.to_string());
    return out;
  };
}

// The registry's own API for a discovery client in the same process: no socket, same rules.
class LocalApi final : public RegistryApi {
 public:
  LocalApi(NamingService& naming, ConfigCenter& config) : naming_(naming), config_(config) {}

  boost::asio::awaitable<void> register_instance(Registration r) override {
    co_await naming_.register_instance(std::move(r));
  }
  boost::asio::awaitable<bool> heartbeat(std::string service, std::string id) override {
    co_return co_await naming_.heartbeat(std::move(service), std::move(id));
  }
  boost::asio::awaitable<void> deregister(std::string service, std::string id) override {
    co_await naming_.deregister(std::move(service), std::move(id));
  }
  boost::asio::awaitable<ServiceSnapshot> watch(std::string service, std::int64_t known, std::chrono::milliseconds wait,
                                                bool every_instance) override {
    co_return co_await naming_.watch(std::move(service), !every_instance, known, wait);
  }
  boost::asio::awaitable<std::vector<ConfigKey>> listen(std::vector<ConfigWatch> watches, std::string tag,
                                                        std::chrono::milliseconds wait) override {
    co_return co_await config_.listen(std::move(watches), std::move(tag), wait);
  }
  boost::asio::awaitable<std::optional<ConfigItem>> get_config(ConfigKey key, std::string tag) override {
    co_return config_.get(key, tag);
  }
  boost::asio::awaitable<void> ack_config(ConfigAck ack) override {
    ack.at = core::utc_timestamp();
    co_await core::blocking([&] { config_.store().record_ack(ack); });
  }

 private:
  NamingService& naming_;
  ConfigCenter& config_;
};

// Carries a shared store's changes into this node's caches.
class Feed final : public ClusterSink {
 public:
  Feed(NamingService& naming, ConfigCenter& config) : naming_(naming), config_(config) {}
  void reset(const std::vector<SharedInstance>& instances, const std::vector<OverrideRow>& overrides,
             const std::vector<ConfigItem>& items, const std::vector<ConfigItem>& grays) override {
    naming_.cluster_reset(instances, overrides);
    config_.cluster_reset(items, grays);
  }
  void instance_put(const Registration& r) override { naming_.cluster_put(r); }
  void instance_removed(const std::string& service, const std::string& id) override { naming_.cluster_removed(service, id); }
  void instance_alive(const std::string& service, const std::string& id, bool alive) override {
    naming_.cluster_alive(service, id, alive);
  }
  void override_put(const OverrideRow& row) override { naming_.cluster_override(row); }
  void config_put(const ConfigItem& item, bool gray) override { config_.cluster_put(item, gray); }
  void config_removed(const ConfigKey& key, bool gray) override { config_.cluster_removed(key, gray); }

 private:
  NamingService& naming_;
  ConfigCenter& config_;
};

class RegistryComponent final : public core::Component, public RegistryProvider {
 public:
  explicit RegistryComponent(core::ComponentContext& ctx)
      : ctx_(ctx),
        runtime_(ctx.runtime()),
        store_(make_store(ctx)),
        etcd_(dynamic_cast<EtcdStore*>(store_.get())),
        naming_(policy_from(ctx.config()), *store_, etcd_),
        layout_(settings_layout(ctx)),
        config_(*store_, settings_check(layout_)),
        api_(naming_, config_),
        feed_(naming_, config_) {
    // Settings published before each concern had its item move to theirs (once, audited).
    config_.move_settings(layout_.main, *layout_.items);
    add_naming_routes(ctx.public_router(), naming_);
    add_config_routes(ctx.public_router(), config_);
    auto& m = ctx.metrics();
    metrics_ = &m;
  }

  RegistryApi& registry_api() override { return api_; }

  void start() override {
    if (etcd_) {
      etcd_->follow(feed_);
      core::log::info("registry: etcd backend at {}, following revision {}", etcd_endpoints_, etcd_->applied_revision());
    }
    // A registry node without a discovery client in its process (`--target registry`) lists itself
    // as service "registry", so a gateway can reach the registry API by name like any service.
    if (!ctx_.find("discovery")) {
      const std::string host = ctx_.config().get_string("advertise_host");
      const auto port = ctx_.get<core::Listener>("server").port();
      self_ = Registration{"registry", fmt::format("{}@{}:{}", ctx_.full_config().section("node").get_string("name"), host, port),
                           host, port, std::nullopt, {}};
    }
    const auto period = std::chrono::milliseconds(std::max<std::int64_t>(50, naming_.policy().heartbeat_interval_ms / 8));
    runtime_.spawn(0, [this, period]() -> boost::asio::awaitable<void> {
      auto next_beat = std::chrono::steady_clock::now();
      while (!stopping_.load()) {
        if (!etcd_) naming_.sweep();  // with etcd, leases decide liveness
        if (self_ && std::chrono::steady_clock::now() >= next_beat) {
          co_await beat_self();
          next_beat = std::chrono::steady_clock::now() + std::chrono::milliseconds(naming_.policy().heartbeat_interval_ms);
        }
        publish_gauges();
        co_await stop_signal_.wait(stop_signal_.generation(), period);
      }
    });
    core::log::info("registry: heartbeat {} ms, unhealthy after {} missed, removed after {}", naming_.policy().heartbeat_interval_ms,
              naming_.policy().unhealthy_after, naming_.policy().remove_after);
  }
  void stop() override {
    stopping_ = true;
    stop_signal_.notify_all();
    if (self_ && etcd_) {
      try {
        etcd_->deregister(self_->service, self_->id);  // the others stop sending us calls at once
      } catch (const std::exception& e) {
        core::log::warn("registry: could not deregister itself: {}", e.what());
      }
    }
    naming_.shutdown();
    config_.shutdown();
    if (etcd_) etcd_->stop();
  }

 private:
  static NamingPolicy policy_from(const core::config::Section& s) {
    NamingPolicy p;
    p.heartbeat_interval_ms = s.get_duration("heartbeat_interval").count();
    p.unhealthy_after = s.get_int("unhealthy_after");
    p.remove_after = s.get_int("remove_after");
    p.protect_threshold = s.get_double("protect_threshold");
    if (p.remove_after < p.unhealthy_after)
      throw std::runtime_error("registry.remove_after must not be smaller than registry.unhealthy_after");
    return p;
  }

  boost::asio::awaitable<void> beat_self() {
    bool known = false;
    try {
      known = co_await naming_.heartbeat(self_->service, self_->id);
      if (!known) co_await naming_.register_instance(*self_);
    } catch (const std::exception& e) {
      core::log::warn("registry: could not register itself: {}", e.what());
    }
  }

  std::unique_ptr<RegistryStore> make_store(core::ComponentContext& ctx) {
    const auto& c = ctx.config();
    if (c.get_string("backend") != "etcd") return make_sql_store(ctx.database());
    EtcdStoreOptions o;
    o.endpoints = c.get_strings("etcd_endpoints");
    if (o.endpoints.empty()) throw std::runtime_error("registry.backend etcd needs registry.etcd_endpoints");
    o.prefix = c.get_string("etcd_prefix");
    o.policy = policy_from(c);
    for (const auto& e : o.endpoints) etcd_endpoints_ += (etcd_endpoints_.empty() ? "" : ",") + e;
    return std::make_unique<EtcdStore>(std::move(o));
  }

  void publish_gauges() {
    for (const auto& s : naming_.services()) {
      metrics_->gauge("zt_registry_instances", "Registered instances per service", {{"service", s.service}}).set(s.instances);
      metrics_->gauge("zt_registry_healthy_instances", "Healthy instances per service", {{"service", s.service}}).set(s.healthy);
    }
  }

  core::ComponentContext& ctx_;
  core::net::IoRuntime& runtime_;
  std::optional<Registration> self_;
  std::string etcd_endpoints_;
  std::unique_ptr<RegistryStore> store_;
  EtcdStore* etcd_;
  NamingService naming_;
  SettingsLayout layout_;
  ConfigCenter config_;
  LocalApi api_;
  Feed feed_;
  core::observe::Registry* metrics_ = nullptr;
  std::atomic<bool> stopping_{false};
  core::net::Notifier stop_signal_;
};

}  // namespace

core::ComponentSpec spec() {
  using namespace core::config;
  core::ComponentSpec s;
  s.name = "registry";
  s.description = "service registry and config center (the Nacos role)";
  s.dependencies = {"server"};
  s.service = true;
  s.schema = {"registry",
              {duration("heartbeat_interval", std::chrono::milliseconds(2000)).range(100, 60000)
                   .describe("how often instances heartbeat"),
               integer("unhealthy_after", 3).range(1, 100).describe("missed heartbeats before an instance is unhealthy"),
               integer("remove_after", 10).range(1, 1000).describe("missed heartbeats before an instance is removed"),
               number("protect_threshold", 0.0).range(0.0, 1.0)
                   .describe("below this healthy share, unhealthy instances are returned too (0 disables)"),
               string("backend", "embedded").choices({"embedded", "etcd"})
                   .describe("embedded: this node's database (one node); etcd: several stateless nodes share etcd"),
               string_list("etcd_endpoints", std::vector<std::string>{})
                   .describe("etcd members host:port (backend etcd)"),
               string("etcd_prefix", "/zhongtai/registry/").describe("key prefix in etcd; one per cluster"),
               string("advertise_host", "127.0.0.1")
                   .describe("address a gateway reaches this registry node at (when it lists itself as service registry)")},
              "service registry and config center"};
  s.migrations = &zt_registry_migrations;
  s.openapi = &zt_registry_openapi;
  s.make = [](core::ComponentContext& ctx) -> std::unique_ptr<core::Component> {
    return std::make_unique<RegistryComponent>(ctx);
  };
  return s;
}

}  // namespace zt::platform::registry
