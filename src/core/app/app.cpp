#include "core/app/app.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <map>
#include <thread>

#include "core/app/graph.hpp"
#include "core/config/dynamic.hpp"
#include "core/finance/business_clock.hpp"
#include "core/http/declarations.hpp"
#include "core/http/identity.hpp"
#include "core/http/router.hpp"
#include "core/net/blocking.hpp"
#include "core/net/runtime.hpp"
#include "core/observe/log.hpp"
#include "core/observe/metrics.hpp"
#include "core/storage/database.hpp"
#include "core/util/files.hpp"

namespace zt::core {

std::vector<config::Schema> process_schemas() {
  using namespace config;
  return {
      {"node",
       {string("name", "zhongtai").describe("instance name in logs and the registry"),
        string("data_dir", "data").describe("directory for SQLite files, keys and snapshots"),
        string("zone", "").describe("availability zone label"),
        boolean("sandbox", true).describe("vendors are sandboxes (SMS outbox, …): the web apps show a banner saying so"),
        string("internal_secret", "").describe(
            "the deployment's master key for calls between processes; a process holding it derives every service's keys "
            "(development, tests). In production give each process only its own: node.service_keys"),
        string("service_keys", "").describe(
            "this process's service key file (zhongtai keys derive): the keys its services sign and verify calls with"),
        string("data_keys", "").describe(
            "keys sealing personal data at rest, \"id:base64,…\" (first seals); empty: <data_dir>/data.keys, made on first start")},
       "this instance"},
      {"log",
       {string("level", "info").choices({"debug", "info", "warn", "error"}),
        string("format", "json").choices({"json", "text"}),
        string("file", "").describe("log file; empty for stderr")},
       "logging"},
      {"runtime",
       {integer("io_threads", 0).range(0, 256).describe("io threads; 0 means one per core"),
        integer("blocking_threads", 4).range(1, 256).describe("threads for blocking work (SQLite, libpq, argon2)"),
        integer("blocking_queue", 1024).range(1, 1000000).describe("queued blocking jobs before 503")},
       "threads"},
      {"storage",
       {string("driver", "sqlite").choices({"sqlite", "postgres"}),
        string("postgres_dsn", "").describe("libpq connection string (scaled mode)"),
        integer("pool_size", 8).range(1, 1024).describe("PostgreSQL connections for writes, and as many for reads"),
        boolean("postgres_on_io_thread", true)
            .describe("PostgreSQL transactions run on the io thread (fibers, non-blocking libpq), not the blocking pool"),
        boolean("sqlite_synchronous_full", true).describe("fsync every commit (money moves here)"),
        duration("busy_timeout", std::chrono::milliseconds(30000)).range(100, 600000)},
       "databases: one SQLite file or PostgreSQL schema per component"},
  };
}

std::vector<config::Schema> all_schemas(const std::vector<ComponentSpec>& specs) {
  auto out = process_schemas();
  for (const auto& s : specs) {
    config::Schema schema = s.schema;
    schema.section = s.name;
    out.push_back(std::move(schema));
  }
  return out;
}

storage::Options storage_options(const config::Config& cfg, const std::string& component) {
  const auto& st = cfg.section("storage");
  storage::Options o;
  o.driver = st.get_string("driver");
  o.sqlite_path = (std::filesystem::path(cfg.section("node").get_string("data_dir")) / (component + ".db")).string();
  o.sqlite_synchronous_full = st.get_bool("sqlite_synchronous_full");
  o.postgres_dsn = st.get_string("postgres_dsn");
  o.schema = component;
  o.pool_size = static_cast<std::size_t>(st.get_int("pool_size"));
  o.postgres_on_io_thread = st.get_bool("postgres_on_io_thread");
  o.busy_timeout = st.get_duration("busy_timeout");
  return o;
}

namespace {

struct Process;

class Context final : public ComponentContext {
 public:
  Context(Process& p, const ComponentSpec& spec) : p_(p), spec_(spec) {}
  const std::string& name() const override { return spec_.name; }
  const config::Section& config() const override;
  const config::Config& full_config() const override;
  net::IoRuntime& runtime() override;
  http::Router& public_router() override;
  http::Router& admin_router() override;
  observe::Registry& metrics() override;
  storage::Database& database() override;
  Component& dependency(std::string_view name) override;
  Component* find(std::string_view name) override;
  const std::vector<const ComponentSpec*>& specs() const override;
  const std::vector<ComponentSpec>& all_specs() const override;
  std::shared_ptr<const http::ServiceKeys> service_keys() override;
  const std::vector<std::string>& components() const override;
  bool process_ready() const override;

 private:
  Process& p_;
  const ComponentSpec& spec_;
  std::unique_ptr<storage::Database> db_;
  friend struct Process;
};

struct Process {
  config::Config cfg;
  const std::vector<ComponentSpec>* all_specs = nullptr;
  std::shared_ptr<const http::ServiceKeys> keys;
  // Declared before the runtime so they outlive it: coroutine frames still queued when the io
  // contexts are destroyed may touch metrics on their way out.
  observe::Registry metrics;
  std::unique_ptr<net::IoRuntime> runtime;
  http::Router public_router;
  http::Router admin_router;
  std::vector<std::string> names;
  std::vector<const ComponentSpec*> order;
  std::vector<std::unique_ptr<Context>> contexts;
  std::map<std::string, std::unique_ptr<Component>, std::less<>> components;
  std::vector<Component*> started;
  std::atomic<bool> ready{false};
};

const config::Section& Context::config() const { return p_.cfg.section(spec_.name); }
const config::Config& Context::full_config() const { return p_.cfg; }
net::IoRuntime& Context::runtime() { return *p_.runtime; }
http::Router& Context::public_router() { return p_.public_router; }
http::Router& Context::admin_router() { return p_.admin_router; }
observe::Registry& Context::metrics() { return p_.metrics; }
const std::vector<std::string>& Context::components() const { return p_.names; }

storage::Database& Context::database() {
  if (!db_) {
    db_ = storage::Database::open(storage_options(p_.cfg, spec_.name));
    if (spec_.migrations) {
      auto report = storage::migrate(*db_, spec_.migrations());
      for (const auto& f : report.applied) log::info("{}: applied migration {}", spec_.name, f);
    }
  }
  return *db_;
}

Component& Context::dependency(std::string_view name) {
  auto it = p_.components.find(name);
  if (it == p_.components.end())
    throw std::logic_error(fmt::format("component '{}' asked for '{}', which is not constructed before it", spec_.name, name));
  return *it->second;
}

Component* Context::find(std::string_view name) {
  auto it = p_.components.find(name);
  return it == p_.components.end() ? nullptr : it->second.get();
}

const std::vector<const ComponentSpec*>& Context::specs() const { return p_.order; }
const std::vector<ComponentSpec>& Context::all_specs() const { return *p_.all_specs; }

std::shared_ptr<const http::ServiceKeys> Context::service_keys() {
  if (!p_.keys) p_.keys = load_service_keys(p_.cfg, p_.order, *p_.all_specs);
  return p_.keys;
}

bool Context::process_ready() const {
  if (!p_.ready.load()) return false;
  for (const Component* c : p_.started)
    if (!c->ready()) return false;
  return true;
}

}  // namespace

config::Config load_config(const std::vector<ComponentSpec>& specs, const std::string& path) {
  auto cfg = config::Config::load(path, all_schemas(specs), config::process_environment());
  finance::allow_sandbox_clock(cfg.section("node").get_bool("sandbox"));
  config::DynamicSettings::global().apply(cfg.dynamic());
  return cfg;
}

void init_logging(const config::Config& cfg, const std::vector<std::string>& targets) {
  const auto& l = cfg.section("log");
  log::Options o;
  o.level = log::parse_level(l.get_string("level"));
  o.json = l.get_string("format") == "json";
  o.file = l.get_string("file");
  std::string t;
  for (const auto& x : targets) t += (t.empty() ? "" : ",") + x;
  o.target = t;
  log::init(o);
}


namespace {

// Every public route carries its service's declaration (who may call it), and every declared
// operation is served: a route its service's openapi.yaml does not declare stops the start.
void declare_routes(Process& p) {
  std::vector<std::string> problems;
  for (const auto* s : p.order) {
    if (!s->service || !s->openapi) continue;
    const auto files = s->openapi();
    if (files.empty()) continue;
    const auto declarations = http::read_declarations(s->name, files.front().content);
    for (const auto& op : p.public_router.declare(declarations))
      problems.push_back(fmt::format("{} is declared in {}'s openapi.yaml but not served", op, s->name));
  }
  for (const auto& r : p.public_router.routes())
    if (!r->declared)
      problems.push_back(fmt::format("{} {} is served but declared in no openapi.yaml", http::method_name(r->method), r->pattern));
  if (problems.empty()) return;
  std::string text;
  for (const auto& x : problems) text += "\n  " + x;
  throw std::runtime_error("routes and declarations disagree:" + text);
}

}  // namespace

std::vector<std::string> service_names(const std::vector<ComponentSpec>& all) {
  std::vector<std::string> out;
  auto add = [&out](const std::string& n) {
    if (n != "*" && std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  };
  for (const auto& s : all) {
    if (!s.service) continue;
    add(s.name);
    // A caller a service names is a peer too, even before it is built into this binary.
    if (!s.openapi || s.openapi().empty()) continue;
    for (const auto& op : http::read_declarations(s.name, s.openapi().front().content).operations)
      for (const auto& c : op.callers) add(c);
  }
  return out;
}

std::shared_ptr<const http::ServiceKeys> load_service_keys(const config::Config& cfg, const std::vector<const ComponentSpec*>& here,
                                                           const std::vector<ComponentSpec>& all) {
  std::vector<std::string> held;
  for (const auto* s : here)
    if (s->service) held.push_back(s->name);
  const auto peers = service_names(all);
  const auto& node = cfg.section("node");
  if (const auto path = node.get_string("service_keys"); !path.empty()) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0)
      throw std::runtime_error(fmt::format("node.service_keys {} must not be readable by group or others (chmod 600)", path));
    auto text = read_text_file(path);
    if (!text) throw std::runtime_error(fmt::format("node.service_keys: cannot read {}", path));
    auto keys = http::ServiceKeys::parse(*text, path);
    for (const auto& h : held)
      if (!keys.holds(h))
        throw std::runtime_error(fmt::format("node.service_keys {} holds no keys for {}, which this process runs "
                                             "(zhongtai keys derive --service {} …)", path, h, h));
    return std::make_shared<const http::ServiceKeys>(std::move(keys));
  }
  const auto master = node.get_string("internal_secret");
  if (master.empty()) return std::make_shared<const http::ServiceKeys>();
  if (held.size() < peers.size())
    log::warn("node.internal_secret is the deployment master: this process could sign as any service. In production give "
              "it only its own keys (zhongtai keys derive, node.service_keys)");
  return std::make_shared<const http::ServiceKeys>(http::ServiceKeys::derive(master, held, peers));
}

int serve(const std::vector<ComponentSpec>& specs, const ServeOptions& options) {
  Process p;
  p.all_specs = &specs;
  std::vector<const ComponentSpec*> order;
  try {
    p.cfg = load_config(specs, options.config_path);
    order = resolve_targets(specs, options.targets);
  } catch (const std::exception& e) {
    std::cerr << "zhongtai: " << e.what() << "\n";
    return 2;
  }
  init_logging(p.cfg, options.targets);

  // Signals are taken by sigwait on the main thread; every other thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  const auto& rt = p.cfg.section("runtime");
  std::size_t io_threads = static_cast<std::size_t>(rt.get_int("io_threads"));
  if (io_threads == 0) io_threads = std::max(1u, std::thread::hardware_concurrency());
  configure_blocking_pool({static_cast<std::size_t>(rt.get_int("blocking_threads")),
                           static_cast<std::size_t>(rt.get_int("blocking_queue"))});
  p.runtime = std::make_unique<net::IoRuntime>(io_threads);
  for (const auto* s : order) p.names.push_back(s->name);
  p.order = order;

  auto stop_started = [&] {
    p.ready = false;
    for (auto it = p.started.rbegin(); it != p.started.rend(); ++it) {
      try {
        (*it)->stop();
      } catch (const std::exception& e) {
        log::error("stopping a component failed: {}", e.what());
      }
    }
    p.runtime->stop();
    shutdown_blocking_pool();
  };

  try {
    for (const auto* s : order) {
      auto ctx = std::make_unique<Context>(p, *s);
      auto component = s->make(*ctx);
      p.components.emplace(s->name, std::move(component));
      p.contexts.push_back(std::move(ctx));
    }
    declare_routes(p);
    p.runtime->start();
    for (const auto* s : order) {
      Component* c = p.components.at(s->name).get();
      c->start();
      p.started.push_back(c);
    }
  } catch (const std::exception& e) {
    log::error("start-up failed: {}", e.what());
    std::cerr << "zhongtai: start-up failed: " << e.what() << "\n";
    stop_started();
    return 1;
  }
  p.ready = true;
  std::string names;
  for (const auto& n : p.names) names += (names.empty() ? "" : ", ") + n;
  log::info("zhongtai {} started: {} ({} io threads)", options.version, names, io_threads);

  int sig = 0;
  sigwait(&signals, &sig);
  log::info("received {}, draining", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  stop_started();
  log::info("stopped");
  return 0;
}

int migrate_command(const std::vector<ComponentSpec>& specs, const ServeOptions& options) {
  try {
    auto cfg = load_config(specs, options.config_path);
    init_logging(cfg, options.targets);
    for (const auto* s : resolve_targets(specs, options.targets)) {
      if (!s->migrations) continue;
      auto db = storage::Database::open(storage_options(cfg, s->name));
      auto report = storage::migrate(*db, s->migrations());
      std::cout << fmt::format("{}: {} applied now, {} already applied\n", s->name, report.applied.size(), report.already);
      for (const auto& f : report.applied) std::cout << "  + " << f << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "zhongtai migrate: " << e.what() << "\n";
    return 1;
  } 
  return 0;
}

int config_check_command(const std::vector<ComponentSpec>& specs, const std::string& path) {
  if (!std::filesystem::exists(path)) {
    std::cerr << fmt::format("{}: 文件不存在\n", path);
    return 1;
  }
  try {
    load_config(specs, path);
  } catch (const config::ConfigError& e) {
    for (const auto& p : e.problems()) std::cerr << p.to_string() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << path << ": " << e.what() << "\n";
    return 1;
  }
  std::cout << path << ": OK\n";
  return 0;
}

}  // namespace zt::core
