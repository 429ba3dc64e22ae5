// zhongtai: one binary, many targets.
#include <CLI/CLI.hpp>

#include <iostream>

#include "core/app/app.hpp"
#include "core/app/graph.hpp"
#include "core/finance/live_calendar.hpp"
#include "zhongtai/admin_command.hpp"
#include "zhongtai/keys_command.hpp"
#include "zhongtai/targets.hpp"
#include "zhongtai/version.hpp"

std::span<const zt::core::EmbeddedFile> zt_calendar_files();

int main(int argc, char** argv) {
  // The trading calendar shipped with the binary; staff edits arrive live on top (live_calendar.hpp).
  zt::core::finance::set_embedded_calendar(zt_calendar_files());
  CLI::App cli{"Zhongtai (中台): the online-business middle platform for securities brokerages"};
  cli.require_subcommand(1);

  std::string config_path;
  std::string targets = "all";

  auto* serve = cli.add_subcommand("serve", "run the platform (all components, or the given targets)");
  serve->add_option("-c,--config", config_path, "YAML configuration file")->check(CLI::ExistingFile);
  serve->add_option("-t,--target", targets, "comma-separated targets, or 'all'");

  auto* migrate = cli.add_subcommand("migrate", "apply database migrations of the targets' components");
  migrate->add_option("-c,--config", config_path, "YAML configuration file")->check(CLI::ExistingFile);
  migrate->add_option("-t,--target", targets, "comma-separated targets, or 'all'");

  auto* config = cli.add_subcommand("config", "configuration tools");
  config->require_subcommand(1);
  std::string check_path;
  auto* check = config->add_subcommand("check", "validate a configuration file");
  check->add_option("file", check_path, "YAML configuration file")->required();

  zt::AdminOptions admin_opts;
  auto* admin = cli.add_subcommand("admin", "staff accounts: the first admin, credential resets");
  admin->require_subcommand(1);
  auto* admin_create = admin->add_subcommand("create", "create a staff account and print its one-time enrolment (password, TOTP QR)");
  auto* admin_reset = admin->add_subcommand("reset", "new password and TOTP secret for a staff account; ends its sessions");
  for (auto* c : {admin_create, admin_reset}) {
    c->add_option("-c,--config", admin_opts.config_path, "YAML configuration file")->check(CLI::ExistingFile);
    c->add_option("-u,--username", admin_opts.username, "user name (default admin)");
  }
  admin_create->add_option("-n,--name", admin_opts.display_name, "display name");
  admin_create->add_option("-r,--role", admin_opts.roles, "role(s), default admin");
  admin_create->add_flag("--first-run", admin_opts.first_run,
                         "sandbox only: create the admin when no staff account exists yet, else do nothing");

  zt::KeysOptions keys_opts;
  auto* keys = cli.add_subcommand("keys", "the keys services sign their calls to each other with");
  keys->require_subcommand(1);
  auto* keys_master = keys->add_subcommand("master", "a new deployment master key (keep it offline; derive each process's file from it)");
  keys_master->add_option("-o,--out", keys_opts.out, "write to this new file (mode 0600) instead of printing");
  auto* keys_derive = keys->add_subcommand("derive", "one process's key file: its services' keys with every other service");
  keys_derive->add_option("--master", keys_opts.master_file, "the deployment master key file")->required()->check(CLI::ExistingFile);
  keys_derive->add_option("-s,--service", keys_opts.services, "a service the process runs (repeat for each)")->required();
  keys_derive->add_option("--peer", keys_opts.peers, "another caller or upstream of our own to hold a key with");
  keys_derive->add_option("-o,--out", keys_opts.out, "write to this new file (mode 0600) instead of printing");

  auto* list_targets = cli.add_subcommand("targets", "print the target graph");
  auto* version = cli.add_subcommand("version", "print the version");

  CLI11_PARSE(cli, argc, argv);

  auto specs = zt::component_specs();
  zt::core::ServeOptions opts{config_path, zt::core::split_list(targets), std::string(zt::kVersion)};
  if (*serve) return zt::core::serve(specs, opts);
  if (*migrate) return zt::core::migrate_command(specs, opts);
  if (*admin_create) return zt::admin_create_command(specs, admin_opts);
  if (*admin_reset) return zt::admin_reset_command(specs, admin_opts);
  if (*check) return zt::core::config_check_command(specs, check_path);
  if (*keys_master) return zt::keys_master_command(keys_opts);
  if (*keys_derive) return zt::keys_derive_command(specs, keys_opts);
  if (*list_targets) {
    try {
      std::cout << zt::core::describe_graph(specs);
    } catch (const std::exception& e) {
      std::cerr << "zhongtai: " << e.what() << "\n";
      return 1;
    }
    return 0;
  }
  if (*version) {
    std::cout << "zhongtai " << zt::kVersion << "\n";
    return 0;
  }
  return 0;
}
