#pragma once
// `zhongtai admin …`: staff accounts from the command line, for the first admin (no default
// password exists anywhere) and for an admin who lost their authenticator.
#include <string>
#include <vector>

#include "core/app/component.hpp"

namespace zt {

struct AdminOptions {
  std::string config_path;
  std::string username = "admin";
  std::string display_name = "系统管理员";
  std::vector<std::string> roles{"admin"};
  bool first_run = false;  // sandbox `make run`: only when there is no staff account yet
};

// Creates an account and prints its one-time enrolment (password, otpauth URI, QR code).
int admin_create_command(const std::vector<core::ComponentSpec>& specs, const AdminOptions& options);
// New password and TOTP secret for an account; its sessions end.
int admin_reset_command(const std::vector<core::ComponentSpec>& specs, const AdminOptions& options);

}  // namespace zt
