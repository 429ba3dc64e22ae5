#pragma once
// The process: loads configuration, resolves targets, constructs and starts components, waits for
// SIGTERM/SIGINT, drains and stops them in reverse order.
#include <memory>
#include <string>
#include <vector>

#include "core/app/component.hpp"

namespace zt::core::storage {
struct Options;
}

namespace zt::core {

// Sections every process has, whatever its targets: node, log, runtime, storage.
std::vector<config::Schema> process_schemas();
// Every schema: process sections + all components (a config file may configure components that
// this process does not run, e.g. one file shared by split services).
std::vector<config::Schema> all_schemas(const std::vector<ComponentSpec>& specs);

storage::Options storage_options(const config::Config& cfg, const std::string& component);
// Every service name a deployment has keys for: the services in the binary and the callers they
// declare.
std::vector<std::string> service_names(const std::vector<ComponentSpec>& all);
// The service keys of a process running `here` (node.service_keys, or derived from
// node.internal_secret for the services of `here` with every service of `all`).
std::shared_ptr<const http::ServiceKeys> load_service_keys(const config::Config& cfg, const std::vector<const ComponentSpec*>& here,
                                                           const std::vector<ComponentSpec>& all);
// The configuration a command runs with (file, environment, dynamic defaults applied), and logging
// set up from it: for tools beside `serve` (migrate, admin).
config::Config load_config(const std::vector<ComponentSpec>& specs, const std::string& path);
void init_logging(const config::Config& cfg, const std::vector<std::string>& targets);

struct ServeOptions {
  std::string config_path;
  std::vector<std::string> targets{"all"};
  std::string version;
};

// Runs until a signal; returns the process exit code.
int serve(const std::vector<ComponentSpec>& specs, const ServeOptions& options);
// Applies migrations of the components in the targets; returns the exit code.
int migrate_command(const std::vector<ComponentSpec>& specs, const ServeOptions& options);
// Validates a config file; prints problems; returns the exit code.
int config_check_command(const std::vector<ComponentSpec>& specs, const std::string& path);

}  // namespace zt::core
