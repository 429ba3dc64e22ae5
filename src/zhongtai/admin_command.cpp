#include "zhongtai/admin_command.hpp"

#include <fmt/format.h>
#include <iostream>
#include <memory>

#include "core/app/app.hpp"
#include "core/app/keys.hpp"
#include "core/crypto/totp.hpp"
#include "core/storage/database.hpp"
#include "core/util/time.hpp"
#include "services/auth/domain/password.hpp"
#include "services/auth/app/enrolment.hpp"

namespace zt {

namespace {

// The QR code in the terminal: two module rows per line with half blocks, dark on a light
// background whatever the terminal's colours, with the quiet zone scanners need.
std::string terminal_qr(const std::vector<std::string>& modules) {
  if (modules.empty()) return "(二维码生成失败，请手动输入密钥)\n";
  const int n = static_cast<int>(modules.size()), quiet = 2;
  auto dark = [&](int x, int y) {
    if (x < 0 || y < 0 || x >= n || y >= n) return false;
    return modules[static_cast<std::size_t>(y)][static_cast<std::size_t>(x)] == '1';
  };
  std::string out;
  for (int y = -quiet; y < n + quiet; y += 2) {
    out += "\033[30;47m";
    for (int x = -quiet; x < n + quiet; ++x) {
      const bool top = dark(x, y), bottom = dark(x, y + 1);
      out += top && bottom ? "█" : top ? "▀" : bottom ? "▄" : " ";
    }
    out += "\033[0m\n";
  }
  return out;
}

struct AuthTables {
  std::unique_ptr<core::storage::Database> db;
  std::unique_ptr<services::auth::AuthStore> auth;
  std::unique_ptr<services::auth::StaffStore> staff;
  services::auth::Argon2Params argon2;
  std::string issuer;
  bool sandbox = false;
};

AuthTables open_auth(const std::vector<core::ComponentSpec>& specs, const std::string& config_path) {
  auto cfg = core::load_config(specs, config_path);
  core::init_logging(cfg, {"admin"});
  const core::ComponentSpec* spec = nullptr;
  for (const auto& s : specs)
    if (s.name == "auth") spec = &s;
  if (!spec) throw std::runtime_error("this build has no auth component");
  AuthTables t;
  t.db = core::storage::Database::open(core::storage_options(cfg, "auth"));
  core::storage::migrate(*t.db, spec->migrations());
  const auto& keys = core::node_keys(cfg);
  t.auth = std::make_unique<services::auth::AuthStore>(keys, services::auth::Policy{});
  t.staff = std::make_unique<services::auth::StaffStore>(keys, *t.auth);
  const auto& a = cfg.section("auth");
  t.argon2 = {static_cast<std::uint32_t>(a.get_int("password_memory_kib")), static_cast<std::uint32_t>(a.get_int("password_iterations")), 1};
  t.issuer = a.get_string("totp_issuer");
  t.sandbox = cfg.section("notify").get_string("provider") == "sandbox";
  return t;
}

void print_enrolment(const services::auth::Enrolment& e, const char* headline) {
  std::cout << "\n" << headline << "（以下内容只显示这一次，请立即妥善保存）\n"
            << fmt::format("  用户名：    {}\n  姓名：      {}\n  角色：      {}\n", e.staff.username, e.staff.display_name,
                           services::auth::join(e.staff.roles))
            << fmt::format("  初始密码：  {}    （首次登录后须修改）\n", e.initial_password)
            << fmt::format("  动态口令：  用身份验证器 App 扫描下方二维码，或手动输入密钥 {}\n", e.totp_secret)
            << "  " << e.totp_uri << "\n\n"
            << terminal_qr(e.totp_qr) << "\n";
}

const services::auth::Audit kCli{"cli", "local", ""};

}  // namespace

int admin_create_command(const std::vector<core::ComponentSpec>& specs, const AdminOptions& o) {
  try {
    AuthTables t = open_auth(specs, o.config_path);
    if (o.first_run) {
      if (!t.sandbox) return 0;  // a real deployment makes its admin on purpose
      std::int64_t existing = 0;
      t.db->read_blocking([&](core::storage::Tx& tx) { existing = t.staff->count(tx); });
      if (existing > 0) return 0;
    }
    auto e = services::auth::enrol_staff(*t.db, *t.staff, t.argon2, t.issuer, o.username, o.display_name, o.roles, kCli);
    print_enrolment(e, o.first_run ? "沙箱模式首次启动：已自动创建管理员账号" : "已创建工作人员账号");
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "zhongtai admin create: " << e.what() << "\n";
    return 1;
  }
}

int admin_reset_command(const std::vector<core::ComponentSpec>& specs, const AdminOptions& o) {
  try {
    AuthTables t = open_auth(specs, o.config_path);
    const std::string password = services::auth::generate_staff_password();
    const std::string secret = core::crypto::totp_new_secret();
    const std::string hash = services::auth::hash_password(password, t.argon2);
    std::variant<services::auth::Staff, services::auth::Refusal> result = services::auth::Refusal{404, "AUTH_STAFF_NOT_FOUND", "工作人员不存在"};
    t.db->write_blocking([&](core::storage::Tx& tx) {
      for (const auto& s : t.staff->list(tx))
        if (s.username == o.username) result = t.staff->reset_credentials(tx, s.id, hash, secret, kCli, core::unix_millis());
    });
    if (auto* r = std::get_if<services::auth::Refusal>(&result)) {
      std::cerr << "zhongtai admin reset: " << r->message << "\n";
      return 1;
    }
    const auto& s = std::get<services::auth::Staff>(result);
    print_enrolment({s, password, core::crypto::base32_encode(secret), core::crypto::totp_uri(secret, t.issuer, s.username)},
                    "已重置工作人员的密码与动态口令，原有登录会话均已结束");
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "zhongtai admin reset: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace zt
