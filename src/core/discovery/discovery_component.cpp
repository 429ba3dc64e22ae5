#include <boost/asio/awaitable.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <optional>

#include "core/app/listeners.hpp"
#include "core/config/dynamic.hpp"
#include "core/config/settings_items.hpp"
#include "core/discovery/discovery.hpp"
#include "core/http/declarations.hpp"
#include "core/http/identity.hpp"
#include "core/discovery/balancer.hpp"
#include "core/discovery/http_registry.hpp"
#include "core/discovery/registry_api.hpp"
#include "core/discovery/service_client.hpp"
#include "core/http/error.hpp"
#include "core/http/router.hpp"
#include "core/json/json.hpp"
#include "core/net/blocking.hpp"
#include "core/net/notifier.hpp"
#include "core/net/runtime.hpp"
#include "core/observe/tracer.hpp"
#include "core/observe/log.hpp"
#include "core/observe/metrics.hpp"
#include "core/util/files.hpp"

namespace zt::core::discovery {

namespace {

namespace fs = std::filesystem;

class DiscoveryComponent final : public Component, public Discovery {
 public:
  DiscoveryComponent(ComponentContext& ctx, std::string version)
      : ctx_(ctx), runtime_(ctx.runtime()), version_(std::move(version)) {
    const auto& c = ctx.config();
    const auto& node = ctx.full_config().section("node");
    node_ = node.get_string("name");
    zone_ = node.get_string("zone");
    dir_ = fs::path(node.get_string("data_dir")) / "discovery";
    advertise_host_ = c.get_string("advertise_host");
    tag_ = c.get_string("tag");
    weight_ = c.get_int("weight");
    heartbeat_ = c.get_duration("heartbeat_interval");
    const ConfigKey main_key{c.get_string("config_namespace"), c.get_string("config_group"), c.get_string("config_data_id")};
    layout_ = std::make_unique<config::SettingsItems>(main_key.data_id, c.get_strings("extra_config"));
    for (const auto& item : layout_->items())
      watched_.push_back({{main_key.namespace_id, main_key.group, item.data_id}, &item, "", std::nullopt});
    file_dynamic_ = ctx.full_config().dynamic();

    if (auto* provider = dynamic_cast<RegistryProvider*>(ctx.find("registry"))) {
      api_ = &provider->registry_api();
      mode_ = "in-process";
    }
    for (const auto* s : ctx.specs())
      if (s->service) local_.push_back(s->name);
    for (const auto& s : local_) own_.push_back(std::make_unique<Own>(s));  // fixed from here on; read by local()
    std::string self;
    for (const auto& s : local_) self += (self.empty() ? "" : ",") + s;
    if (!api_) {
      if (auto list = c.get_strings("registry"); !list.empty()) {
        std::vector<RegistryAddress> addresses;
        for (const auto& a : list) addresses.push_back(parse_address(a));
        owned_api_ = make_http_registry(std::move(addresses), ctx.service_keys());
        api_ = owned_api_.get();
        mode_ = "http";
        if (ctx.service_keys()->empty())
          log::warn("discovery: no service keys (node.service_keys or node.internal_secret) — this process's calls to the "
                    "registry and the platform's other services carry no identity, and they refuse them");
      }
    }

    auto& m = ctx.metrics();
    config_applied_ = &m.counter("zt_config_updates_total", "Config-center updates received", {{"result", "applied"}});
    config_refused_ = &m.counter("zt_config_updates_total", "Config-center updates received", {{"result", "refused"}});
    config_version_ = &m.gauge("zt_config_version", "Config-center version of the dynamic settings in force", {});
    restore_config();

    ServiceClientOptions sco;
    sco.balancer = c.get_string("balancer");
    sco.timeout = c.get_duration("call_timeout");
    sco.max_attempts = static_cast<int>(c.get_int("call_max_attempts"));
    sco.max_concurrent = c.get_int("max_concurrent_per_service");
    client_ = std::make_unique<ServiceClient>(*this, self.empty() ? node_ : self, ctx.service_keys(), sco, &m);

    // Calls a service through the service client, for operators checking every instance answers
    // (and tests checking the balancing): POST /discovery/services/{service}/probe?calls=&path=&local=
    ctx.admin_router().add(http::Method::kPost, "/discovery/services/{service}/probe",
                           [this](http::Request& req, http::RequestContext& rctx) { return probe(req, rctx); });

    // What this process resolves a service to (operators and tests): the live or saved snapshot.
    ctx.admin_router().add(http::Method::kGet, "/discovery/services/{service}",
                           [this](http::Request& req, http::RequestContext& rctx) -> boost::asio::awaitable<http::Response> {
                             std::string service(rctx.param("service").value_or(""));
                             if (!valid_name(service)) throw http::ApiError(400, "DISCOVERY_BAD_SERVICE", "服务名无效");
                             (void)req;
                             auto snap = co_await resolve(service, std::chrono::milliseconds(2000));
                             if (!snap) throw http::ApiError(404, "DISCOVERY_UNKNOWN_SERVICE", "尚未发现该服务");
                             co_return http::Response::json(200, json::serialize(*snap));
                           });
  }

  // --- Discovery
  std::shared_ptr<const ServiceSnapshot> snapshot(const std::string& service) override {
    return follow(service)->current.load();
  }

  boost::asio::awaitable<std::shared_ptr<const ServiceSnapshot>> resolve(std::string service,
                                                                         std::chrono::milliseconds wait) override {
    auto f = follow(service);
    const auto until = std::chrono::steady_clock::now() + wait;
    for (;;) {
      const auto seen = f->changed.generation();
      if (auto s = f->current.load()) co_return s;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0) co_return nullptr;
      co_await f->changed.wait(seen, left);
    }
  }

  // Runs here and takes traffic: an instance an operator took offline (下线) or weighted to 0 stops
  // serving the service to its own process too (the gateway, in-process calls), as every other
  // process stops sending to it. Decided on the operator's word only — the registry's full list
  // (offline and unhealthy instances included) naming this instance disabled or at weight 0 — never
  // on health: an instance the registry has not heard from lately (a stall, a registry restart,
  // its own deregistration while it drains) still serves what reaches it.
  bool local(std::string_view service) const override {
    for (const auto& own : own_)
      if (own->name == service) return !own->offline.load();
    return false;
  }
  const http::Handler& local_handler() const override { return local_handler_; }
  ServiceClient& client() override { return *client_; }

  struct ProbeResult {
    std::string service;
    std::int64_t calls = 0;
    std::int64_t ok = 0;
    std::int64_t failed = 0;
    std::map<std::string, std::int64_t> by_instance;
    std::map<std::string, std::int64_t> errors;
    std::string last_body;  // the last answer, as received
  };
  BOOST_DESCRIBE_CLASS(ProbeResult, (), (service, calls, ok, failed, by_instance, errors, last_body), (), ())

  boost::asio::awaitable<http::Response> probe(http::Request& req, http::RequestContext& rctx) {
    ProbeResult out;
    out.service = std::string(rctx.param("service").value_or(""));
    if (!valid_name(out.service)) throw http::ApiError(400, "DISCOVERY_BAD_SERVICE", "服务名无效");
    std::int64_t calls = 100;
    if (auto v = req.query_param("calls")) {
      try {
        calls = std::stoll(*v);
      } catch (...) {
        calls = 0;
      }
      if (calls < 1 || calls > 100000) throw http::ApiError(400, "DISCOVERY_BAD_PARAM", "calls 应在1到100000之间");
    }
    const std::string path = req.query_param("path").value_or("/api/system/v1/ping");
    if (path.empty() || path.front() != '/') throw http::ApiError(400, "DISCOVERY_BAD_PARAM", "path 应以 / 开头");
    // Only what anyone may read: the probe is an operator's tool, not a way to act as a service.
    if (!anonymous_read(out.service, path))
      throw http::ApiError(403, "DISCOVERY_PROBE_REFUSED", "探测只能调用该服务声明为匿名可读的接口");
    if (local_.empty()) throw http::ApiError(409, "DISCOVERY_PROBE_REFUSED", "本进程没有可用于发起调用的服务");
    CallOptions options;
    options.as = local_.front();
    options.prefer_local = req.query_param("local").value_or("false") == "true";
    for (std::int64_t i = 0; i < calls; ++i) {
      http::Request call;
      call.method = http::Method::kGet;
      call.target = path;
      std::optional<std::string> error;
      CallResult r;
      try {
        r = co_await client_->call(out.service, std::move(call), nullptr, options);
      } catch (const http::ApiError& e) {
        error = e.code();
      }
      ++out.calls;
      if (!error) out.last_body = r.response.body;
      if (!error && r.response.status >= 400) error = std::to_string(r.response.status);
      if (error) {
        ++out.failed;
        ++out.errors[*error];
      } else {
        ++out.ok;
        ++out.by_instance[r.local ? std::string("in-process") : r.instance];
      }
    }
    co_return http::Response::json(200, json::serialize(out));
  }

  // Whether the service declares `path` (with its query) an anonymous GET.
  bool anonymous_read(const std::string& service, const std::string& path) const {
    const std::string_view bare = std::string_view(path).substr(0, path.find('?'));
    for (const auto& spec : ctx_.all_specs()) {
      if (spec.name != service || !spec.openapi || spec.openapi().empty()) continue;
      const auto d = http::read_declarations(spec.name, spec.openapi().front().content);
      const auto* op = d.find(http::Method::kGet, bare);
      return op && op->access == http::EdgeAccess::kAnonymous;
    }
    return false;
  }

  // --- lifecycle
  void start() override {
    auto& listener = ctx_.get<Listener>("server");
    port_ = listener.port();
    local_handler_ = listener.handler();
    self_id_ = instance_id();
    http::set_local_instance(self_id_);
    observe::tracer().set_instance(self_id_);  // the resource of its spans: the instance the registry knows
    if (!api_) {
      log::warn("discovery: no registry configured (discovery.registry) and none in this process; resolving from "
                "snapshots only");
      return;
    }
    log::info("discovery: {} registry; registering {} as {}:{}", mode_, join(local_), advertise_host_, port_);
    // Whether an operator took this instance of each of its services out of traffic: what
    // local() answers (下线 honoured in-process too).
    for (const auto& own : own_) {
      Own* o = own.get();
      runtime_.spawn(next_context_++ % runtime_.size(), [this, o]() -> boost::asio::awaitable<void> { co_await own_loop(*o); });
    }
    runtime_.spawn(0, [this]() -> boost::asio::awaitable<void> { co_await heartbeat_loop(); });
    runtime_.spawn(0, [this]() -> boost::asio::awaitable<void> { co_await config_loop(); });
  }

  void stop() override {
    stopping_ = true;
    wake_.notify_all();
    if (!api_) return;
    // Deregister before the listener drains, so callers stop picking this instance first.
    auto done = std::make_shared<std::promise<void>>();
    auto fut = done->get_future();
    runtime_.spawn(0, [this, done]() -> boost::asio::awaitable<void> {
      for (const auto& s : local_) {
        try {
          co_await api_->deregister(s, instance_id());
        } catch (const std::exception& e) {
          log::warn("discovery: deregistering {} failed: {}", s, e.what());
        }
      }
      done->set_value();
    });
    if (fut.wait_for(std::chrono::seconds(3)) != std::future_status::ready) log::warn("discovery: deregistration timed out");
  }

 private:
  struct Followed {
    std::string service;
    std::atomic<std::shared_ptr<const ServiceSnapshot>> current;
    net::Notifier changed;
  };
  // One of this process's services, and whether an operator took this instance of it out of traffic.
  struct Own {
    explicit Own(std::string n) : name(std::move(n)) {}
    std::string name;
    std::atomic<bool> offline{false};
  };

  static std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
  }

  std::string instance_id() const { return fmt::format("{}@{}:{}", node_, advertise_host_, port_); }

  Registration registration(const std::string& service) const {
    Registration r;
    r.service = service;
    r.id = instance_id();
    r.host = advertise_host_;
    r.port = port_;
    r.weight = weight_;
    r.metadata["version"] = version_;
    r.metadata["node"] = node_;
    if (!zone_.empty()) r.metadata["zone"] = zone_;
    if (!tag_.empty()) r.metadata["tag"] = tag_;
    return r;
  }

  boost::asio::awaitable<void> heartbeat_loop() {
    bool registered = false, warned = false;
    while (!stopping_) {
      try {
        for (const auto& s : local_) {
          // A registry that restarted or expired us answers "unknown": register again at once.
          bool known = false;
          if (registered) known = co_await api_->heartbeat(s, instance_id());
          if (!known) {
            co_await api_->register_instance(registration(s));
            log::info("discovery: registered {} as {}", s, instance_id());
          }
        }
        registered = true;
        if (warned) log::info("discovery: registry reachable again");
        warned = false;
      } catch (const std::exception& e) {
        if (!warned) log::warn("discovery: heartbeat failed, retrying every {} ms: {}", heartbeat_.count(), e.what());
        warned = true;
      }
      co_await wake_.wait(wake_.generation(), heartbeat_);
    }
  }

  std::shared_ptr<Followed> follow(const std::string& service) {
    std::lock_guard lock(mutex_);
    auto& f = followed_[service];
    if (f) return f;
    f = std::make_shared<Followed>();
    f->service = service;
    if (auto text = read_text_file((dir_ / "services" / (service + ".json")).string())) {
      try {
        f->current = std::make_shared<const ServiceSnapshot>(json::parse<ServiceSnapshot>(*text));
      } catch (const std::exception& e) {
        log::warn("discovery: ignoring unreadable snapshot of {}: {}", service, e.what());
      }
    }
    if (api_ && valid_name(service)) {
      std::size_t i = next_context_++ % runtime_.size();
      runtime_.spawn(i, [this, f]() -> boost::asio::awaitable<void> { co_await watch_loop(f); });
    }
    return f;
  }

  // Follows the registry's full list of one of this process's services for this instance's
  // operator state: disabled or at weight 0 is out of traffic. Only a list that names this instance
  // changes the state: absent (not yet registered, expired after a stall, the registry restarting,
  // its own deregistration while it drains) keeps the last word — the registry keeps an operator's
  // override across all of these.
  boost::asio::awaitable<void> own_loop(Own& own) {
    std::int64_t version = -1;
    bool warned = false;
    while (!stopping_) {
      std::optional<std::int64_t> unchanged;  // set when the registry answered without news
      try {
        auto snap = co_await api_->watch(own.name, version, std::chrono::milliseconds(30000), true);
        if (stopping_) break;
        if (snap.version == version) unchanged = version;
        version = snap.version;
        for (const auto& i : snap.instances) {
          if (i.id != self_id_) continue;
          const bool offline = !i.enabled || i.weight <= 0;
          if (offline != own.offline.exchange(offline))
            log::warn("discovery: this instance of {} {}", own.name,
                      offline ? "is out of traffic (taken offline or weighted 0): it serves the service to no one, itself included"
                              : "is back in traffic");
        }
        if (warned) log::info("discovery: reading this instance's state of {} again", own.name);
        warned = false;
      } catch (const std::exception& e) {
        if (!warned) log::warn("discovery: reading this instance's state of {} failed, keeping the last: {}", own.name, e.what());
        warned = true;
      }
      // A failure, or an answer without news before the wait ran out (a registry answering at
      // once): a pause, never a loop that spins.
      if (warned || unchanged) co_await wake_.wait(wake_.generation(), std::chrono::milliseconds(1000));
    }
  }

  boost::asio::awaitable<void> watch_loop(std::shared_ptr<Followed> f) {
    std::int64_t version = -1;
    bool warned = false;
    while (!stopping_) {
      try {
        auto snap = co_await api_->watch(f->service, version, std::chrono::milliseconds(30000), false);
        if (warned) log::info("discovery: watching {} again", f->service);
        warned = false;
        if (snap.version != version || version < 0) {
          version = snap.version;
          auto shared = std::make_shared<const ServiceSnapshot>(std::move(snap));
          f->current.store(shared);
          f->changed.notify_all();
          co_await core::blocking([&] {
            write_file_atomically((dir_ / "services" / (f->service + ".json")).string(), json::serialize(*shared));
          });
        }
      } catch (const std::exception& e) {
        if (!warned) log::warn("discovery: watching {} failed, serving the last snapshot: {}", f->service, e.what());
        warned = true;
      }
      if (warned) co_await wake_.wait(wake_.generation(), std::chrono::milliseconds(1000));
    }
  }

  // --- live config
  // The dynamic settings come from one config-center item per concern (core/config/settings_items.hpp:
  // config_data_id holds what no other item claims; discovery.extra_config names the others — flow
  // rules, gateway routes, the sandbox, the trading calendar). All are watched in one long-poll,
  // applied together, and kept on disk so a restart while the registry is down keeps them. A
  // setting published in another concern's item is refused with the item it belongs to.
  struct Watched {
    ConfigKey key;
    const config::SettingsItem* layout;  // what the item may set
    std::string md5;
    std::optional<ConfigItem> item;  // in force
  };

  fs::path config_path(const ConfigKey& k) const { return dir_ / "config" / k.namespace_id / k.group / (k.data_id + ".json"); }

  void restore_config() {
    for (auto& w : watched_) {
      auto text = read_text_file(config_path(w.key).string());
      if (!text) continue;
      try {
        w.item = json::parse<ConfigItem>(*text);
        w.md5 = w.item->md5;
      } catch (const std::exception& e) {
        log::warn("discovery: saved config {} not read: {}", config_path(w.key).string(), e.what());
      }
    }
    try {
      apply_all();
      return;
    } catch (const std::exception& e) {
      log::warn("discovery: saved config not applied: {}", e.what());
    }
    // Keep the saved items that hold by themselves (one refused after an upgrade — a setting that
    // moved to another item — must not take the others with it); then all or none.
    for (auto& w : watched_) {
      if (!w.item) continue;
      const auto problems = layout_->problems(*w.layout, w.item->content, "config " + w.key.to_string());
      if (problems.empty()) continue;
      log::warn("discovery: saved config {} version {} dropped: {}", w.key.to_string(), w.item->version,
                describe(config::ConfigError(problems)));
      w.item.reset(), w.md5.clear();
    }
    try {
      apply_all();
    } catch (const std::exception& e) {
      log::warn("discovery: saved config not applied: {}", e.what());
      for (auto& w : watched_) w.item.reset(), w.md5.clear();
    }
  }

  // Validates and applies every item in force; throws config::ConfigError (nothing changed).
  void apply_all() {
    auto entries = file_dynamic_;
    std::vector<config::Problem> problems;
    for (const auto& w : watched_) {
      if (!w.item) continue;
      for (auto& [k, e] : layout_->entries(*w.layout, w.item->content, "config " + w.key.to_string(), problems))
        entries[k] = std::move(e);
    }
    if (!problems.empty()) throw config::ConfigError(problems);
    config::DynamicSettings::global().apply(entries);
    if (watched_.front().item) config_version_->set(static_cast<double>(watched_.front().item->version));
  }

  static std::string describe(const config::ConfigError& e) {
    std::string msg;
    for (const auto& p : e.problems()) msg += (msg.empty() ? "" : "；") + p.to_string();
    return msg;
  }

  boost::asio::awaitable<void> config_loop() {
    bool warned = false;
    while (!stopping_) {
      try {
        std::vector<ConfigWatch> watches;
        for (const auto& w : watched_) watches.push_back({w.key.namespace_id, w.key.group, w.key.data_id, w.md5});
        auto changed = co_await api_->listen(std::move(watches), tag_, std::chrono::milliseconds(30000));
        warned = false;
        for (const auto& key : changed) {
          auto it = std::find_if(watched_.begin(), watched_.end(), [&](const Watched& w) { return w.key.to_string() == key.to_string(); });
          if (it == watched_.end()) continue;
          co_await take(*it);
        }
      } catch (const std::exception& e) {
        if (!warned) log::warn("discovery: config listen failed, retrying: {}", e.what());
        warned = true;
      }
      if (warned) co_await wake_.wait(wake_.generation(), std::chrono::milliseconds(1000));
    }
  }

  // Reads the item's new version and applies it with the others; a refusal keeps the last good.
  boost::asio::awaitable<void> take(Watched& w) {
    const ConfigKey key = w.key;
    auto item = co_await api_->get_config(key, tag_);
    if (!item) {  // deleted: back to the config file's values
      w.item.reset();
      w.md5.clear();
      apply_all();
      co_await core::blocking([&] { fs::remove(config_path(key)); });
      log::info("discovery: config {} deleted; its settings are back to the config file's", key.to_string());
      co_return;
    }
    ConfigAck ack{item->namespace_id, item->group, item->data_id, instance_id(), item->version, item->md5, true, std::string(), std::string()};
    auto previous = std::move(w.item);
    w.item = *item;
    try {
      apply_all();
      config_applied_->inc();
      co_await core::blocking([&] { write_file_atomically(config_path(key).string(), json::serialize(*item)); });
      log::info("discovery: applied config {} version {}", key.to_string(), item->version);
    } catch (const config::ConfigError& e) {
      w.item = std::move(previous);
      ack.applied = false;
      ack.message = describe(e);
      config_refused_->inc();
      log::error("discovery: refused config {} version {}, the last good values stay: {}", key.to_string(), item->version, ack.message);
    }
    w.md5 = item->md5;  // refused or not, this version has been seen
    co_await api_->ack_config(ack);
  }

  ComponentContext& ctx_;
  net::IoRuntime& runtime_;
  std::string version_, node_, zone_, advertise_host_, tag_;
  std::string mode_{"none"};
  fs::path dir_;
  std::int64_t weight_ = 100;
  std::chrono::milliseconds heartbeat_{2000};
  std::unique_ptr<config::SettingsItems> layout_;  // which item holds which settings
  std::vector<Watched> watched_;  // the main settings item first
  std::map<std::string, config::DynamicEntry> file_dynamic_;
  std::uint16_t port_ = 0;
  std::string self_id_;  // this instance's id in the registry, once start() knows the port
  http::Handler local_handler_;
  std::unique_ptr<ServiceClient> client_;
  RegistryApi* api_ = nullptr;
  std::unique_ptr<RegistryApi> owned_api_;
  std::vector<std::string> local_;
  // This process's services: made at configuration, before any listener starts, fixed after.
  std::vector<std::unique_ptr<Own>> own_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Followed>> followed_;
  std::atomic<std::size_t> next_context_{0};
  std::atomic<bool> stopping_{false};
  net::Notifier wake_;
  observe::Counter* config_applied_ = nullptr;
  observe::Counter* config_refused_ = nullptr;
  observe::Gauge* config_version_ = nullptr;
};

}  // namespace

ComponentSpec discovery_spec(std::string version) {
  using namespace config;
  ComponentSpec s;
  s.name = "discovery";
  s.description = "registers this process's services, resolves others, follows live config";
  s.dependencies = {"server"};
  s.after = {"registry"};
  s.schema = {"discovery",
              {string_list("registry", std::vector<std::string>{})
                   .describe("registry addresses host:port when it runs elsewhere; empty uses the in-process one"),
               string("advertise_host", "127.0.0.1").describe("address other services reach this instance at"),
               string("tag", "").describe("canary tag of this instance (gray routing and gray config)"),
               integer("weight", 100).range(0, 10000),
               duration("heartbeat_interval", std::chrono::milliseconds(2000)).range(100, 60000),
               string("balancer", "weighted_round_robin").choices(balancer_names())
                   .describe("how the service client spreads calls over a service's instances"),
               duration("call_timeout", std::chrono::milliseconds(5000)).range(10, 600000)
                   .describe("per-attempt timeout of service calls (the caller's deadline bounds it too)"),
               integer("call_max_attempts", 3).range(1, 10).describe("attempts for idempotent service calls"),
               integer("max_concurrent_per_service", 1000).range(0, 1000000)
                   .describe("calls in flight to one service from this process (a bulkhead per upstream; 0: no limit)"),
               string("config_namespace", "public"),
               string("config_group", "zhongtai"),
               string("config_data_id", "dynamic.yaml").describe("config-center item holding the dynamic settings"),
               string_list("extra_config", config::SettingsItems::default_extra_config())
                   .describe("the other settings items, one per concern: <data id>=<pattern>[,<pattern>] (a map of the "
                             "settings matching prefix.* or *.suffix) or <data id>=<setting> (that setting's whole text)")},
              "service discovery and live config client"};
  s.make = [version](ComponentContext& ctx) -> std::unique_ptr<Component> {
    return std::make_unique<DiscoveryComponent>(ctx, version);
  };
  return s;
}

}  // namespace zt::core::discovery
