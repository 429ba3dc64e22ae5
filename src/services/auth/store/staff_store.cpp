#include "services/auth/store/staff_store.hpp"

#include "core/http/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <regex>
#include <set>

namespace zt::services::auth {

namespace {
constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;
constexpr const char* kStaffColumns =
    "id, username, display_name, roles, disabled, password_change_required, locked_until_ms, created_at_ms, updated_at_ms";

const std::vector<Permission> kCatalogue = {
    {"staff.manage", "管理工作人员与角色"},
    {"audit.read", "查看审计日志"},
    {"governance.read", "查看服务、配置与流控规则"},
    {"governance.write", "变更服务、配置与流控规则"},
    {"customers.read", "查看客户信息"},
    {"customers.manage", "处理客户账户（解锁、结束会话）"},
    {"reviews.approve", "审核业务申请"},
    {"products.manage", "管理产品与净值"},
    {"navs.correct", "更正已录入的净值"},
    {"orders.read", "查询订单"},
    {"orders.manage", "处理异常订单（重试、作废、失效并解冻）"},
    {"campaigns.manage", "管理营销活动"},
    {"sandbox.manage", "操作沙箱环境"},
    {"calendar.manage", "维护交易日历"},
};

struct BuiltinRole {
  const char* name;
  const char* title;
  std::vector<std::string> permissions;  // empty: all (admin)
};
const std::vector<BuiltinRole> kBuiltinRoles = {
    {"admin", "系统管理员", {}},
    {"reviewer", "审核员", {"reviews.approve", "customers.read", "orders.read"}},
    {"operations", "运营人员", {"governance.read", "governance.write", "campaigns.manage", "sandbox.manage", "orders.read", "orders.manage", "audit.read", "calendar.manage"}},
    {"product_manager", "产品经理", {"products.manage", "navs.correct", "orders.read"}},
    {"customer_service", "客服", {"customers.read", "customers.manage", "orders.read"}},
};

std::vector<std::string> all_permissions() {
  std::vector<std::string> out;
  for (const auto& p : kCatalogue) out.emplace_back(p.name);
  return out;
}

Staff staff_from(const core::storage::Row& r) {
  return Staff{r.string(0), r.string(1), r.string(2), split(r.string(3)), r.int64(4) != 0, r.int64(5) != 0, r.int64(6), r.int64(7), r.int64(8)};
}

bool valid_username(const std::string& s) { return std::regex_match(s, std::regex("[a-z][a-z0-9._-]{2,31}")); }
bool valid_role_name(const std::string& s) { return std::regex_match(s, std::regex("[a-z][a-z0-9_]{1,31}")); }
// 1–32 characters (UTF-8), no control characters.
bool valid_display_name(const std::string& s) {
  const auto chars = std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; });
  return chars >= 1 && chars <= 32 && std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}
}  // namespace

std::string join(const std::vector<std::string>& items, char sep) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += sep;
    out += i;
  }
  return out;
}

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out;
  while (!text.empty()) {
    const auto p = text.find(sep);
    if (p != 0) out.emplace_back(text.substr(0, p));
    if (p == std::string_view::npos) break;
    text.remove_prefix(p + 1);
  }
  return out;
}

const std::vector<Permission>& permission_catalogue() { return kCatalogue; }

bool is_permission(std::string_view name) {
  return std::any_of(kCatalogue.begin(), kCatalogue.end(), [&](const Permission& p) { return p.name == name; });
}

void StaffStore::seed_roles(core::storage::Tx& tx, std::int64_t now_ms) {
  for (const auto& r : kBuiltinRoles) {
    if (tx.query("SELECT 1 FROM auth_roles WHERE name = ?", {std::string(r.name)}).size() > 0) continue;
    const auto perms = r.permissions.empty() ? all_permissions() : r.permissions;
    tx.exec("INSERT INTO auth_roles (name, title, permissions, builtin, updated_at_ms) VALUES (?, ?, ?, 1, ?)",
            {std::string(r.name), std::string(r.title), join(perms), now_ms});
  }
}

std::int64_t StaffStore::count(core::storage::Tx& tx) const { return tx.query("SELECT COUNT(*) FROM auth_staff").at(0).int64(0); }

std::optional<Refusal> StaffStore::unknown_roles(core::storage::Tx& tx, const std::vector<std::string>& roles) const {
  if (roles.empty()) return Refusal{400, "AUTH_STAFF_ROLES_REQUIRED", "请至少分配一个角色"};
  for (const auto& r : roles)
    if (tx.query("SELECT 1 FROM auth_roles WHERE name = ?", {r}).size() == 0)
      return Refusal{400, "AUTH_ROLE_UNKNOWN", fmt::format("角色不存在：{}", r)};
  return std::nullopt;
}

std::vector<std::string> StaffStore::permissions_of(core::storage::Tx& tx, const std::vector<std::string>& roles) const {
  std::set<std::string> perms;
  for (const auto& r : roles) {
    if (r == "admin") {
      for (auto& p : all_permissions()) perms.insert(p);
      continue;
    }
    auto rows = tx.query("SELECT permissions FROM auth_roles WHERE name = ?", {r});
    if (rows.size() == 0) continue;
    for (auto& p : split(rows.at(0).string(0)))
      if (is_permission(p)) perms.insert(p);
  }
  return {perms.begin(), perms.end()};
}

void StaffStore::keep_an_admin(core::storage::Tx& tx) const {
  auto rows = tx.query("SELECT roles FROM auth_staff WHERE disabled = 0");
  for (const auto& r : rows) {
    const auto perms = permissions_of(tx, split(r.string(0)));
    if (std::find(perms.begin(), perms.end(), "staff.manage") != perms.end()) return;
  }
  // Thrown, not returned: the change is already written and must roll back with the transaction.
  throw core::http::ApiError(409, "AUTH_LAST_ADMIN", "至少需保留一名可管理工作人员的有效账号");
}

std::optional<Refusal> StaffStore::check_new(core::storage::Tx& tx, const std::string& username, const std::string& display_name,
                                             const std::vector<std::string>& roles) const {
  if (!valid_username(username)) return Refusal{400, "AUTH_STAFF_USERNAME_INVALID", "用户名应为3至32位小写字母、数字或 . _ -，以字母开头"};
  if (!valid_display_name(display_name)) return Refusal{400, "AUTH_STAFF_NAME_INVALID", "姓名应为1至32个字"};
  if (tx.query("SELECT 1 FROM auth_staff WHERE username = ?", {username}).size() > 0)
    return Refusal{409, "AUTH_STAFF_EXISTS", "用户名已存在"};
  return unknown_roles(tx, roles);
}

std::variant<Staff, Refusal> StaffStore::create(core::storage::Tx& tx, const std::string& username, const std::string& display_name,
                                                const std::vector<std::string>& roles, const std::string& password_hash,
                                                const std::string& totp_secret, const Audit& who, std::int64_t now_ms) {
  if (auto r = check_new(tx, username, display_name, roles)) return *r;
  Staff s;
  s.id = "S" + random_digits(10);
  s.username = username;
  s.display_name = display_name;
  s.roles = roles;
  s.password_change_required = true;
  s.created_at_ms = s.updated_at_ms = now_ms;
  tx.exec("INSERT INTO auth_staff (id, username, display_name, roles, password_hash, password_change_required, totp_sealed, "
          "totp_last_step, failures, strikes, locked_until_ms, disabled, created_at_ms, updated_at_ms) "
          "VALUES (?, ?, ?, ?, ?, 1, ?, 0, 0, 0, 0, 0, ?, ?)",
          {s.id, username, display_name, join(roles), password_hash, keys_.seal(totp_secret, "auth_staff.totp"), now_ms, now_ms});
  auth_.audit(tx, who, "staff.created", s.id, fmt::format("用户名 {}，角色 {}", username, join(roles)), now_ms);
  return s;
}

std::variant<std::optional<StaffLoginRecord>, Refusal> StaffStore::login_record(core::storage::Tx& tx, const std::string& username,
                                                                                 std::int64_t now_ms) const {
  auto rows = tx.query("SELECT id, password_hash, totp_sealed, disabled, locked_until_ms FROM auth_staff WHERE username = ?", {username});
  if (rows.size() == 0) return std::optional<StaffLoginRecord>{};
  const auto& r = rows.at(0);
  if (r.int64(3) != 0) return Refusal{403, "AUTH_STAFF_DISABLED", "账号已停用，请联系管理员"};
  if (r.int64(4) > now_ms)
    return Refusal{429, "AUTH_LOCKED", fmt::format("验证失败次数过多，请{}分钟后再试", (r.int64(4) - now_ms + 59999) / 60000)};
  auto secret = keys_.open(r.string(2), "auth_staff.totp");
  if (!secret) throw std::runtime_error("auth: a staff TOTP secret does not open with this node's keys");
  return std::optional<StaffLoginRecord>{StaffLoginRecord{r.string(0), r.string(1), *secret}};
}

std::variant<SignedIn, Refusal> StaffStore::finish_login(core::storage::Tx& tx, const std::string& username, const std::string& staff_id,
                                                         bool password_ok, std::optional<std::int64_t> totp_step, const std::string& device,
                                                         const Audit& who, std::int64_t now_ms) {
  const Refusal wrong{401, "AUTH_STAFF_CREDENTIALS", "用户名、密码或动态口令错误"};
  if (staff_id.empty()) {
    auth_.audit(tx, who, "staff.login_failed", username.substr(0, 32), "用户名不存在", now_ms);
    return wrong;
  }
  auto rows = tx.query("SELECT totp_last_step, failures, strikes, locked_until_ms, disabled FROM auth_staff WHERE id = ?", {staff_id});
  if (rows.size() == 0) return wrong;
  const auto& r = rows.at(0);
  if (r.int64(4) != 0) return Refusal{403, "AUTH_STAFF_DISABLED", "账号已停用，请联系管理员"};
  if (r.int64(3) > now_ms)
    return Refusal{429, "AUTH_LOCKED", fmt::format("验证失败次数过多，请{}分钟后再试", (r.int64(3) - now_ms + 59999) / 60000)};
  // A code is good once: a step at or before the last one accepted is a replay.
  const bool replay = totp_step && *totp_step <= r.int64(0);
  if (!password_ok || !totp_step || replay) {
    const char* why = !password_ok ? "密码错误" : !totp_step ? "动态口令错误" : "动态口令重复使用";
    Audit as = who;
    as.actor = staff_id;
    auth_.audit(tx, as, "staff.login_failed", staff_id, why, now_ms);
    // Counted in the database, one increment per try however many arrive at once.
    auto counted = tx.query("UPDATE auth_staff SET failures = failures + 1 WHERE id = ? RETURNING failures", {staff_id});
    const std::int64_t failures = counted.size() > 0 ? counted.at(0).int64(0) : auth_.policy().max_tries;
    if (failures < auth_.policy().max_tries) return wrong;
    auto struck = tx.query("UPDATE auth_staff SET failures = 0, strikes = strikes + 1 WHERE id = ? AND failures >= ? RETURNING strikes",
                           {staff_id, static_cast<std::int64_t>(auth_.policy().max_tries)});
    if (struck.size() == 0) {  // another try locked it a moment ago
      auto again = tx.query("SELECT locked_until_ms FROM auth_staff WHERE id = ?", {staff_id});
      const std::int64_t until = again.size() > 0 ? again.at(0).int64(0) : now_ms;
      return Refusal{429, "AUTH_LOCKED", fmt::format("验证失败次数过多，请{}分钟后再试", (std::max(until - now_ms, std::int64_t{1}) + 59999) / 60000)};
    }
    const std::int64_t strikes = struck.at(0).int64(0);
    const std::int64_t lock_ms = std::min<std::int64_t>(kDayMs, auth_.policy().lockout_base.count() << std::min<std::int64_t>(strikes - 1, 20));
    tx.exec("UPDATE auth_staff SET locked_until_ms = ? WHERE id = ? AND locked_until_ms < ?", {now_ms + lock_ms, staff_id, now_ms + lock_ms});
    auth_.audit(tx, as, "staff.locked", staff_id, fmt::format("锁定{}秒", (lock_ms + 999) / 1000), now_ms);
    return Refusal{429, "AUTH_LOCKED", fmt::format("验证失败次数过多，请{}分钟后再试", (lock_ms + 59999) / 60000)};
  }
  if (tx.exec("UPDATE auth_staff SET totp_last_step = ?, failures = 0, strikes = 0 WHERE id = ? AND totp_last_step < ?",
              {*totp_step, staff_id, *totp_step}) == 0)
    return wrong;  // another sign-in took this step meanwhile
  SignedIn out = auth_.open_session(tx, staff_id, "staff", device, who.ip, now_ms);
  Audit as = who;
  as.actor = staff_id;
  auth_.audit(tx, as, "staff.login_succeeded", out.session_id, device, now_ms);
  return out;
}

std::optional<StaffClaims> StaffStore::claims(core::storage::Tx& tx, const std::string& staff_id) const {
  auto rows = tx.query("SELECT roles, password_change_required FROM auth_staff WHERE id = ? AND disabled = 0", {staff_id});
  if (rows.size() == 0) return std::nullopt;
  StaffClaims c;
  c.roles = split(rows.at(0).string(0));
  c.password_change_required = rows.at(0).int64(1) != 0;
  if (!c.password_change_required) c.permissions = permissions_of(tx, c.roles);
  return c;
}

std::optional<Staff> StaffStore::get(core::storage::Tx& tx, const std::string& staff_id) const {
  auto rows = tx.query(fmt::format("SELECT {} FROM auth_staff WHERE id = ?", kStaffColumns), {staff_id});
  if (rows.size() == 0) return std::nullopt;
  return staff_from(rows.at(0));
}

std::optional<std::string> StaffStore::password_hash(core::storage::Tx& tx, const std::string& staff_id) const {
  auto rows = tx.query("SELECT password_hash FROM auth_staff WHERE id = ?", {staff_id});
  if (rows.size() == 0) return std::nullopt;
  return rows.at(0).string(0);
}

std::vector<Staff> StaffStore::list(core::storage::Tx& tx) const {
  std::vector<Staff> out;
  for (const auto& r : tx.query(fmt::format("SELECT {} FROM auth_staff ORDER BY username LIMIT 1000", kStaffColumns))) out.push_back(staff_from(r));
  return out;
}

void StaffStore::end_sessions(core::storage::Tx& tx, const std::string& staff_id, const std::string& reason, std::int64_t now_ms) {
  tx.exec("UPDATE auth_sessions SET revoked_at_ms = ?, revoke_reason = ? WHERE customer_id = ? AND kind = 'staff' AND revoked_at_ms IS NULL",
          {now_ms, reason, staff_id});
}

std::variant<Staff, Refusal> StaffStore::update(core::storage::Tx& tx, const std::string& staff_id, const StaffChange& change,
                                                const Audit& who, std::int64_t now_ms) {
  auto before = get(tx, staff_id);
  if (!before) return Refusal{404, "AUTH_STAFF_NOT_FOUND", "工作人员不存在"};
  Staff after = *before;
  if (change.display_name) {
    if (!valid_display_name(*change.display_name)) return Refusal{400, "AUTH_STAFF_NAME_INVALID", "姓名应为1至32个字"};
    after.display_name = *change.display_name;
  }
  if (change.roles) {
    if (auto r = unknown_roles(tx, *change.roles)) return *r;
    after.roles = *change.roles;
  }
  if (change.disabled) after.disabled = *change.disabled;
  after.updated_at_ms = now_ms;
  tx.exec("UPDATE auth_staff SET display_name = ?, roles = ?, disabled = ?, updated_at_ms = ? WHERE id = ?",
          {after.display_name, join(after.roles), std::int64_t{after.disabled ? 1 : 0}, now_ms, staff_id});
  keep_an_admin(tx);
  std::string detail;
  if (after.display_name != before->display_name) detail += fmt::format("姓名：{} → {}；", before->display_name, after.display_name);
  if (after.roles != before->roles) detail += fmt::format("角色：{} → {}；", join(before->roles), join(after.roles));
  if (after.disabled != before->disabled) detail += fmt::format("状态：{} → {}；", before->disabled ? "停用" : "启用", after.disabled ? "停用" : "启用");
  if (after.disabled && !before->disabled) end_sessions(tx, staff_id, "staff_disabled", now_ms);
  auth_.audit(tx, who, after.disabled && !before->disabled ? "staff.disabled" : "staff.updated", staff_id, detail, now_ms);
  return after;
}

std::variant<Staff, Refusal> StaffStore::reset_credentials(core::storage::Tx& tx, const std::string& staff_id, const std::string& password_hash,
                                                           const std::string& totp_secret, const Audit& who, std::int64_t now_ms) {
  if (tx.exec("UPDATE auth_staff SET password_hash = ?, password_change_required = 1, totp_sealed = ?, totp_last_step = 0, failures = 0, "
              "strikes = 0, locked_until_ms = 0, updated_at_ms = ? WHERE id = ?",
              {password_hash, keys_.seal(totp_secret, "auth_staff.totp"), now_ms, staff_id}) == 0)
    return Refusal{404, "AUTH_STAFF_NOT_FOUND", "工作人员不存在"};
  end_sessions(tx, staff_id, "credentials_reset", now_ms);
  auth_.audit(tx, who, "staff.credentials_reset", staff_id, "已重置密码与动态口令，会话已结束", now_ms);
  return *get(tx, staff_id);
}

bool StaffStore::unlock(core::storage::Tx& tx, const std::string& staff_id, const Audit& who, std::int64_t now_ms) {
  if (tx.exec("UPDATE auth_staff SET failures = 0, strikes = 0, locked_until_ms = 0, updated_at_ms = ? WHERE id = ?", {now_ms, staff_id}) == 0)
    return false;
  auth_.audit(tx, who, "staff.unlocked", staff_id, "", now_ms);
  return true;
}

void StaffStore::set_password(core::storage::Tx& tx, const std::string& staff_id, const std::string& hash, const Audit& who,
                              std::int64_t now_ms) {
  tx.exec("UPDATE auth_staff SET password_hash = ?, password_change_required = 0, updated_at_ms = ? WHERE id = ?", {hash, now_ms, staff_id});
  auth_.audit(tx, who, "staff.password_changed", staff_id, "", now_ms);
}

std::vector<Role> StaffStore::roles(core::storage::Tx& tx) const {
  std::vector<Role> out;
  for (const auto& r : tx.query("SELECT name, title, permissions, builtin FROM auth_roles ORDER BY builtin DESC, name"))
    out.push_back(Role{r.string(0), r.string(1), split(r.string(2)), r.int64(3) != 0});
  return out;
}

std::variant<Role, Refusal> StaffStore::put_role(core::storage::Tx& tx, const std::string& name, const std::string& title,
                                                 const std::vector<std::string>& permissions, const Audit& who, std::int64_t now_ms) {
  if (!valid_role_name(name)) return Refusal{400, "AUTH_ROLE_NAME_INVALID", "角色名应为2至32位小写字母、数字或下划线，以字母开头"};
  if (!valid_display_name(title)) return Refusal{400, "AUTH_ROLE_TITLE_INVALID", "角色名称应为1至32个字"};
  if (name == "admin") return Refusal{409, "AUTH_ROLE_BUILTIN", "系统管理员角色不可修改"};
  std::set<std::string> perms;
  for (const auto& p : permissions) {
    if (!is_permission(p)) return Refusal{400, "AUTH_PERMISSION_UNKNOWN", fmt::format("权限不存在：{}", p)};
    perms.insert(p);
  }
  Role role{name, title, {perms.begin(), perms.end()}, false};
  auto existing = tx.query("SELECT permissions, builtin, title FROM auth_roles WHERE name = ?", {name});
  if (existing.size() > 0) {
    role.builtin = existing.at(0).int64(1) != 0;
    tx.exec("UPDATE auth_roles SET title = ?, permissions = ?, updated_at_ms = ? WHERE name = ?", {title, join(role.permissions), now_ms, name});
    keep_an_admin(tx);
    auth_.audit(tx, who, "role.updated", name,
                fmt::format("名称：{} → {}；权限：{} → {}", existing.at(0).string(2), title, existing.at(0).string(0),
                            join(role.permissions)),
                now_ms);
  } else {
    tx.exec("INSERT INTO auth_roles (name, title, permissions, builtin, updated_at_ms) VALUES (?, ?, ?, 0, ?)",
            {name, title, join(role.permissions), now_ms});
    auth_.audit(tx, who, "role.created", name, fmt::format("权限：{}", join(role.permissions)), now_ms);
  }
  return role;
}

std::optional<Refusal> StaffStore::delete_role(core::storage::Tx& tx, const std::string& name, const Audit& who, std::int64_t now_ms) {
  auto rows = tx.query("SELECT builtin FROM auth_roles WHERE name = ?", {name});
  if (rows.size() == 0) return Refusal{404, "AUTH_ROLE_UNKNOWN", fmt::format("角色不存在：{}", name)};
  if (rows.at(0).int64(0) != 0) return Refusal{409, "AUTH_ROLE_BUILTIN", "内置角色不可删除"};
  for (const auto& r : tx.query("SELECT roles FROM auth_staff"))
    for (const auto& role : split(r.string(0)))
      if (role == name) return Refusal{409, "AUTH_ROLE_IN_USE", "仍有工作人员使用该角色，请先调整其角色"};
  tx.exec("DELETE FROM auth_roles WHERE name = ?", {name});
  auth_.audit(tx, who, "role.deleted", name, "", now_ms);
  return std::nullopt;
}

}  // namespace zt::services::auth
