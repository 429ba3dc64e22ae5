// The auth rules on both SQL backends, on a clock the test moves.
#include "services/auth/store/auth_store.hpp"
#include "services/auth/store/staff_store.hpp"
#include "core/http/error.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "core/storage/database.hpp"
#include "harness/process.hpp"
#include "harness/servers.hpp"

std::span<const zt::core::EmbeddedFile> zt_auth_migrations();

namespace zt::services::auth {
namespace {

constexpr std::int64_t kT0 = 1'800'000'000'000;
constexpr std::int64_t kMinute = 60'000;

class AuthStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    db_ = open("auth");
    core::storage::migrate(*db_, zt_auth_migrations());
  }
  // A database of its own on this backend (not migrated).
  std::unique_ptr<core::storage::Database> open(const std::string& name) {
    core::storage::Options o;
    o.driver = GetParam();
    if (o.driver == "sqlite") o.sqlite_path = dir_.path() + "/" + name + ".db";
    else {
      o.postgres_dsn = test::shared_postgres().dsn();
      o.schema = name + std::to_string(::getpid()) + "_" + std::to_string(counter_++);
    }
    return core::storage::Database::open(o);
  }
  template <class F>
  auto tx(F f) {
    using R = std::invoke_result_t<F&, core::storage::Tx&>;
    std::optional<R> out;
    db_->write_blocking([&](core::storage::Tx& t) { out.emplace(f(t)); });
    return std::move(*out);
  }
  std::string code(const std::string& mobile, std::int64_t now, const std::string& ip = "10.0.0.1") {
    auto r = tx([&](core::storage::Tx& t) { return store_.issue_code(t, mobile, "login", Audit{"anonymous", ip, "t"}, now); });
    if (auto* refusal = std::get_if<Refusal>(&r)) return refusal->code;
    return std::get<IssuedCode>(r).code;
  }
  std::variant<SignedIn, Refusal> sign_in(const std::string& mobile, const std::string& c, std::int64_t now) {
    return tx([&](core::storage::Tx& t) { return store_.sign_in(t, mobile, c, "test", Audit{"anonymous", "10.0.0.1", "t"}, now); });
  }
  static std::string refusal(const std::variant<SignedIn, Refusal>& r) {
    return std::holds_alternative<Refusal>(r) ? std::get<Refusal>(r).code : "signed in";
  }
  static inline int counter_ = 0;
  test::TempDir dir_{"zt-auth"};
  std::unique_ptr<core::storage::Database> db_;
  core::crypto::KeyRing keys_ = core::crypto::KeyRing::parse(core::crypto::KeyRing::generate_text("k1"));
  Policy policy_{};
  AuthStore store_{keys_, policy_};
};

TEST_P(AuthStoreTest, CodesRespectCooldownCapsAndLifetime) {
  const std::string m = "13800138000";
  const auto c1 = code(m, kT0);
  EXPECT_EQ(c1.size(), 6u);
  EXPECT_EQ(code(m, kT0 + 59'000), "AUTH_CODE_COOLDOWN");
  const auto c2 = code(m, kT0 + kMinute);
  EXPECT_EQ(c2.size(), 6u);
  EXPECT_EQ(refusal(sign_in(m, c1, kT0 + kMinute + 1)), c1 == c2 ? "signed in" : "AUTH_CODE_WRONG") << "a new code replaces the old";
  // Ten per number in 24 hours.
  for (int i = 2; i < 10; ++i) EXPECT_EQ(code(m, kT0 + i * kMinute).size(), 6u) << i;
  EXPECT_EQ(code(m, kT0 + 10 * kMinute), "AUTH_CODE_DAILY_LIMIT");
  EXPECT_EQ(code(m, kT0 + 24 * 60 * kMinute + 1).size(), 6u) << "a rolling day later";
  // Expired.
  const std::string m2 = "13900139000";
  const auto c3 = code(m2, kT0);
  EXPECT_EQ(refusal(sign_in(m2, c3, kT0 + 5 * kMinute)), "AUTH_CODE_EXPIRED");
  EXPECT_EQ(refusal(sign_in(m2, c3, kT0 + 5 * kMinute + 1)), "AUTH_CODE_INVALID") << "and gone";
  EXPECT_EQ(code("12345", kT0), "AUTH_BAD_MOBILE");
}

TEST_P(AuthStoreTest, BurnedCodesLockTheNumberLongerEachTime) {
  const std::string m = "13700137000";
  auto burn = [&](std::int64_t now) {
    const auto c = code(m, now);
    const std::string wrong = c == "000000" ? "111111" : "000000";
    for (int i = 1; i < policy_.max_tries; ++i) EXPECT_EQ(refusal(sign_in(m, wrong, now + i)), "AUTH_CODE_WRONG");
    return refusal(sign_in(m, wrong, now + policy_.max_tries));
  };
  EXPECT_EQ(burn(kT0), "AUTH_LOCKED");
  EXPECT_EQ(code(m, kT0 + 4 * kMinute), "AUTH_LOCKED") << "5 minutes the first time";
  EXPECT_EQ(burn(kT0 + 5 * kMinute + 10), "AUTH_LOCKED");
  EXPECT_EQ(code(m, kT0 + 14 * kMinute), "AUTH_LOCKED") << "10 minutes the second";
  EXPECT_EQ(code(m, kT0 + 16 * kMinute).size(), 6u);
  // Signing in resets the count.
  const auto ok = code(m, kT0 + 18 * kMinute);
  EXPECT_EQ(refusal(sign_in(m, ok, kT0 + 18 * kMinute + 1)), "signed in");
  EXPECT_EQ(burn(kT0 + 20 * kMinute), "AUTH_LOCKED");
  EXPECT_EQ(code(m, kT0 + 25 * kMinute + 20).size(), 6u) << "back to 5 minutes";
}

TEST_P(AuthStoreTest, AFundAccountBindsToOneCustomerOnce) {
  const auto a = std::get<SignedIn>(sign_in("13600136010", code("13600136010", kT0), kT0 + 1));
  const auto b = std::get<SignedIn>(sign_in("13600136011", code("13600136011", kT0), kT0 + 1));
  const Audit who{"auth", "10.0.0.1", "t"};
  auto bind = [&](const std::string& customer, const std::string& account) {
    auto r = tx([&](core::storage::Tx& t) { return store_.bind_fund_account(t, customer, account, who, kT0 + 2); });
    return std::holds_alternative<core::Refusal>(r) ? std::get<core::Refusal>(r).code : std::get<std::string>(r);
  };
  EXPECT_EQ(bind(a.customer_id, ""), "AUTH_FUND_ACCOUNT_INVALID");
  EXPECT_EQ(bind(a.customer_id, std::string(33, '1')), "AUTH_FUND_ACCOUNT_INVALID");
  EXPECT_EQ(bind("C999999999999", "100000000001"), "AUTH_CUSTOMER_NOT_FOUND");
  EXPECT_EQ(bind(a.customer_id, "100000000001"), "100000000001");
  EXPECT_EQ(bind(a.customer_id, "100000000001"), "100000000001") << "binding the same again changes nothing";
  EXPECT_EQ(bind(a.customer_id, "100000000002"), "AUTH_FUND_ACCOUNT_BOUND") << "one account per customer";
  EXPECT_EQ(bind(b.customer_id, "100000000001"), "AUTH_FUND_ACCOUNT_TAKEN") << "one customer per account";
  auto held = [&](const std::string& customer) { return tx([&](core::storage::Tx& t) { return *store_.fund_account(t, customer); }); };
  EXPECT_EQ(held(a.customer_id), std::optional<std::string>("100000000001"));
  EXPECT_EQ(held(b.customer_id), std::nullopt) << "the refused binding wrote nothing";
}

TEST_P(AuthStoreTest, SignUpOnceThenRotateRefreshTokensAndCatchReuse) {
  const std::string m = "13600136000";
  auto first = sign_in(m, code(m, kT0), kT0 + 1);
  ASSERT_EQ(refusal(first), "signed in");
  const auto a = std::get<SignedIn>(first);
  EXPECT_TRUE(a.new_customer);
  auto second = sign_in(m, code(m, kT0 + kMinute), kT0 + kMinute + 1);
  ASSERT_EQ(refusal(second), "signed in");
  const auto b = std::get<SignedIn>(second);
  EXPECT_FALSE(b.new_customer);
  EXPECT_EQ(b.customer_id, a.customer_id);
  EXPECT_NE(b.session_id, a.session_id);

  const Audit who{"c", "10.0.0.1", "t"};
  auto r1 = tx([&](core::storage::Tx& t) { return store_.refresh(t, a.refresh_token, who, kT0 + 2 * kMinute); });
  ASSERT_TRUE(std::holds_alternative<SignedIn>(r1));
  const auto next = std::get<SignedIn>(r1).refresh_token;
  EXPECT_NE(next, a.refresh_token);
  auto reused = tx([&](core::storage::Tx& t) { return store_.refresh(t, a.refresh_token, who, kT0 + 3 * kMinute); });
  ASSERT_TRUE(std::holds_alternative<Refusal>(reused));
  EXPECT_EQ(std::get<Refusal>(reused).code, "AUTH_REFRESH_REUSED");
  auto dead = tx([&](core::storage::Tx& t) { return store_.refresh(t, next, who, kT0 + 3 * kMinute); });
  EXPECT_EQ(std::get<Refusal>(dead).code, "AUTH_REFRESH_INVALID") << "the session is over";
  EXPECT_TRUE(tx([&](core::storage::Tx& t) { return store_.session_active(t, b.session_id); })) << "the other device is not";
  // Expiry of a refresh token.
  auto late = tx([&](core::storage::Tx& t) { return store_.refresh(t, b.refresh_token, who, kT0 + policy_.refresh_ttl.count() + kMinute * 2); });
  EXPECT_EQ(std::get<Refusal>(late).code, "AUTH_REFRESH_INVALID");
  // Revoking: only one's own.
  EXPECT_FALSE(tx([&](core::storage::Tx& t) { return store_.revoke_session(t, "C-other", b.session_id, "x", who, kT0); }));
  EXPECT_TRUE(tx([&](core::storage::Tx& t) { return store_.revoke_session(t, b.customer_id, b.session_id, "x", who, kT0); }));
  EXPECT_FALSE(tx([&](core::storage::Tx& t) { return store_.revoke_session(t, b.customer_id, b.session_id, "x", who, kT0); }));
  // Nothing readable at rest: the number is sealed, codes and refresh tokens are hashes.
  db_->read_blocking([&](core::storage::Tx& t) {
    auto rows = t.query("SELECT mobile_sealed, mobile_hash, mobile_masked FROM auth_customers");
    ASSERT_EQ(rows.size(), 1u);
    for (std::size_t c = 0; c < 3; ++c) EXPECT_EQ(rows.at(0).string(c).find(m), std::string::npos);
    EXPECT_EQ(t.query("SELECT 1 FROM auth_refresh_tokens WHERE token_hash = ?", {next}).size(), 0u);
    EXPECT_GE(t.query("SELECT 1 FROM auth_audit WHERE action = 'refresh.reused'").size(), 1u);
  });
}

TEST_P(AuthStoreTest, HousekeepingDropsOldCodesAndTokensAndEndsIdleSessions) {
  const std::string m = "13500135000";
  auto in = sign_in(m, code(m, kT0), kT0 + 1);
  ASSERT_EQ(refusal(in), "signed in");
  const auto s = std::get<SignedIn>(in);
  const std::string recent = code("13500135001", kT0 + 23 * 60 * kMinute);
  auto count = [&](const char* sql) { return tx([&](core::storage::Tx& t) { return t.query(sql).at(0).int64(0); }); };
  // A day on: the first code goes, the recent one stays (the daily caps still count it).
  EXPECT_GE(tx([&](core::storage::Tx& t) { return store_.purge(t, kT0 + 24 * 60 * kMinute + 2); }), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM auth_sms_codes"), 1);
  EXPECT_TRUE(tx([&](core::storage::Tx& t) { return store_.session_active(t, s.session_id); }));
  // Idle longer than a refresh token lives: the session ends as expired, its token goes a day later.
  const auto idle = kT0 + policy_.refresh_ttl.count() + kMinute;
  tx([&](core::storage::Tx& t) { return store_.purge(t, idle); });
  EXPECT_FALSE(tx([&](core::storage::Tx& t) { return store_.session_active(t, s.session_id); }));
  EXPECT_EQ(count("SELECT COUNT(*) FROM auth_sessions WHERE revoke_reason = 'expired'"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM auth_refresh_tokens"), 1);
  tx([&](core::storage::Tx& t) { return store_.purge(t, idle + 24 * 60 * kMinute); });
  EXPECT_EQ(count("SELECT COUNT(*) FROM auth_refresh_tokens"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM auth_customers"), 1) << "customers are never purged";
}

// ---- staff

TEST_P(AuthStoreTest, StaffTotpStepsAreUsedOnceAndFailuresLockWithGrowingBackoff) {
  StaffStore staff{keys_, store_};
  const Audit cli{"cli", "local", ""};
  tx([&](core::storage::Tx& t) {
    staff.seed_roles(t, kT0);
    return std::get<Staff>(staff.create(t, "ops.li", "李运营", {"operations"}, "hash", "secret", cli, kT0)).id;
  });
  const std::string id = tx([&](core::storage::Tx& t) { return std::get<std::optional<StaffLoginRecord>>(staff.login_record(t, "ops.li", kT0))->id; });
  auto finish = [&](bool password_ok, std::optional<std::int64_t> step, std::int64_t now) {
    auto r = tx([&](core::storage::Tx& t) { return staff.finish_login(t, "ops.li", id, password_ok, step, "d", cli, now); });
    return std::holds_alternative<Refusal>(r) ? std::get<Refusal>(r).code : std::get<SignedIn>(r).kind;
  };
  EXPECT_EQ(finish(true, 1000, kT0), "staff");
  EXPECT_EQ(finish(true, 1000, kT0 + 1), "AUTH_STAFF_CREDENTIALS") << "the same step again is a replay";
  EXPECT_EQ(finish(true, 999, kT0 + 2), "AUTH_STAFF_CREDENTIALS") << "and so is an older one";
  EXPECT_EQ(finish(true, 1001, kT0 + 3), "staff");
  // policy_.max_tries (5) failures in a row: locked for lockout_base (5 min), then twice that.
  for (int i = 0; i < 4; ++i) EXPECT_EQ(finish(false, std::nullopt, kT0 + 10 + i), "AUTH_STAFF_CREDENTIALS") << i;
  EXPECT_EQ(finish(false, std::nullopt, kT0 + 20), "AUTH_LOCKED");
  EXPECT_EQ(finish(true, 1002, kT0 + 5 * kMinute), "AUTH_LOCKED") << "locked until the fifth minute has passed";
  EXPECT_TRUE(std::holds_alternative<Refusal>(tx([&](core::storage::Tx& t) { return staff.login_record(t, "ops.li", kT0 + kMinute); })));
  for (int i = 0; i < 5; ++i) finish(false, std::nullopt, kT0 + 6 * kMinute + i);
  EXPECT_EQ(finish(true, 1002, kT0 + 15 * kMinute), "AUTH_LOCKED") << "the second lock lasts 10 minutes";
  EXPECT_EQ(finish(true, 1002, kT0 + 16 * kMinute + 5), "staff");
  // An unknown name is a plain failure, audited.
  EXPECT_EQ(tx([&](core::storage::Tx& t) { return std::get<std::optional<StaffLoginRecord>>(staff.login_record(t, "nobody", kT0)).has_value(); }), false);
  auto unknown = tx([&](core::storage::Tx& t) { return staff.finish_login(t, "nobody", "", true, 5, "d", cli, kT0); });
  EXPECT_EQ(std::get<Refusal>(unknown).code, "AUTH_STAFF_CREDENTIALS");
}

// A permission a release adds to a built-in role reaches a deployment seeded before it, once:
// orders.manage (issue 18) for the operations role, by migration 0006; a role staff edited keeps
// the rest of their choice, and a deployment seeded after it is seeded with it.
TEST_P(AuthStoreTest, TheOperationsRoleOfAnEarlierDeploymentGetsOrdersManageOnceByMigration) {
  auto earlier = open("authearlier");
  std::vector<core::EmbeddedFile> before;
  for (const auto& f : zt_auth_migrations())
    if (f.name < std::string_view("0006")) before.push_back(f);
  ASSERT_EQ(before.size(), 5u) << "migrations 0001–0005 came before the one under test (0006)";
  core::storage::migrate(*earlier, before);
  // As an earlier release seeded them, and as staff edited one.
  earlier->write_blocking([&](core::storage::Tx& t) {
    t.exec("INSERT INTO auth_roles (name, title, permissions, builtin, updated_at_ms) VALUES ('operations', '运营人员', "
           "'governance.read,orders.read', 1, 0), ('ops_custom', '自建运营', 'orders.read', 0, 0)");
  });
  core::storage::migrate(*earlier, zt_auth_migrations());
  core::storage::migrate(*earlier, zt_auth_migrations());  // a later start: applied once
  StaffStore staff{keys_, store_};
  const auto permissions = [](core::storage::Tx& t, const std::string& role) {
    return t.query("SELECT permissions FROM auth_roles WHERE name = ?", {role}).at(0).string(0);
  };
  std::string ops, custom;
  earlier->write_blocking([&](core::storage::Tx& t) {
    staff.seed_roles(t, kT0);  // existing roles are left as they are
    ops = permissions(t, "operations");
    custom = permissions(t, "ops_custom");
  });
  EXPECT_EQ(ops, "governance.read,orders.read,orders.manage") << "added once, the rest kept";
  EXPECT_EQ(custom, "orders.read") << "a role staff made is theirs";
  // Taken away by staff: no later start puts it back.
  earlier->write_blocking([&](core::storage::Tx& t) {
    t.exec("UPDATE auth_roles SET permissions = 'governance.read,orders.read' WHERE name = 'operations'");
  });
  core::storage::migrate(*earlier, zt_auth_migrations());
  earlier->write_blocking([&](core::storage::Tx& t) {
    staff.seed_roles(t, kT0);
    ops = permissions(t, "operations");
  });
  EXPECT_EQ(ops, "governance.read,orders.read");
  // Seeded after it: the built-in role has it from the start.
  const std::string fresh = tx([&](core::storage::Tx& t) {
    staff.seed_roles(t, kT0);
    return permissions(t, "operations");
  });
  EXPECT_NE(("," + fresh + ",").find(",orders.manage,"), std::string::npos) << fresh;
}

TEST_P(AuthStoreTest, RolesGrantPermissionsAndTheLastAdminCannotBeRemoved) {
  StaffStore staff{keys_, store_};
  const Audit cli{"cli", "local", ""};
  auto admin = tx([&](core::storage::Tx& t) {
    staff.seed_roles(t, kT0);
    return std::get<Staff>(staff.create(t, "root.admin", "管理员", {"admin"}, "hash", "secret", cli, kT0));
  });
  auto claims = tx([&](core::storage::Tx& t) { return *staff.claims(t, admin.id); });
  EXPECT_TRUE(claims.password_change_required);
  EXPECT_TRUE(claims.permissions.empty()) << "nothing until the initial password is changed";
  tx([&](core::storage::Tx& t) { staff.set_password(t, admin.id, "hash2", cli, kT0); return 0; });
  claims = tx([&](core::storage::Tx& t) { return *staff.claims(t, admin.id); });
  EXPECT_EQ(claims.permissions.size(), permission_catalogue().size()) << "admin holds every permission";

  // The only admin cannot be disabled or demoted; the refusal rolls the change back.
  StaffChange off;
  off.disabled = true;
  EXPECT_THROW(tx([&](core::storage::Tx& t) { return staff.update(t, admin.id, off, cli, kT0); }), core::http::ApiError);
  EXPECT_FALSE(tx([&](core::storage::Tx& t) { return staff.get(t, admin.id)->disabled; }));
  // A custom role with staff.manage keeps the guarantee once someone holds it.
  auto role = tx([&](core::storage::Tx& t) { return staff.put_role(t, "deputy", "副管理员", {"staff.manage", "audit.read", "audit.read"}, cli, kT0); });
  EXPECT_EQ(std::get<Role>(role).permissions, (std::vector<std::string>{"audit.read", "staff.manage"})) << "sorted, once each";
  auto deputy = tx([&](core::storage::Tx& t) { return std::get<Staff>(staff.create(t, "deputy.wu", "吴", {"deputy"}, "h", "s", cli, kT0)); });
  EXPECT_TRUE(std::holds_alternative<Staff>(tx([&](core::storage::Tx& t) { return staff.update(t, admin.id, off, cli, kT0); })));
  // ... and taking staff.manage from that role would leave nobody.
  EXPECT_THROW(tx([&](core::storage::Tx& t) { return staff.put_role(t, "deputy", "副管理员", {"audit.read"}, cli, kT0); }), core::http::ApiError);
  EXPECT_EQ(std::get<Refusal>(tx([&](core::storage::Tx& t) { return staff.put_role(t, "xx", "x", {"nope"}, cli, kT0); })).code,
            "AUTH_PERMISSION_UNKNOWN");
  EXPECT_EQ(tx([&](core::storage::Tx& t) { return staff.delete_role(t, "deputy", cli, kT0); })->code, "AUTH_ROLE_IN_USE");
  EXPECT_EQ(tx([&](core::storage::Tx& t) { return staff.delete_role(t, "reviewer", cli, kT0); })->code, "AUTH_ROLE_BUILTIN");
  EXPECT_EQ(tx([&](core::storage::Tx& t) { return staff.delete_role(t, "ghost", cli, kT0); })->code, "AUTH_ROLE_UNKNOWN");
  EXPECT_FALSE(tx([&](core::storage::Tx& t) { return staff.claims(t, admin.id).has_value(); })) << "disabled: no claims";
  EXPECT_TRUE(tx([&](core::storage::Tx& t) { return staff.claims(t, deputy.id).has_value(); }));
}

TEST_P(AuthStoreTest, StaffAndRolesAreCheckedFieldByFieldAndARefusalWritesNothing) {
  StaffStore staff{keys_, store_};
  const Audit cli{"cli", "local", ""};
  tx([&](core::storage::Tx& t) {
    staff.seed_roles(t, kT0);
    return std::get<Staff>(staff.create(t, "ops.li", "李运营", {"operations"}, "hash", "secret", cli, kT0));
  });
  auto create = [&](const std::string& username, const std::string& name, const std::vector<std::string>& roles) {
    return tx([&](core::storage::Tx& t) { return staff.create(t, username, name, roles, "hash", "secret", cli, kT0); });
  };
  auto code_of = [](const auto& result) {
    return std::holds_alternative<Refusal>(result) ? std::get<Refusal>(result).code : std::string("(accepted)");
  };
  EXPECT_EQ(code_of(create("Ops.Upper", "王", {"operations"})), "AUTH_STAFF_USERNAME_INVALID");
  EXPECT_EQ(code_of(create("ab", "王", {"operations"})), "AUTH_STAFF_USERNAME_INVALID") << "3 characters at least";
  EXPECT_EQ(code_of(create("9ops", "王", {"operations"})), "AUTH_STAFF_USERNAME_INVALID") << "a letter first";
  EXPECT_EQ(code_of(create("ops.wang", "", {"operations"})), "AUTH_STAFF_NAME_INVALID");
  EXPECT_EQ(code_of(create("ops.wang", std::string(33, 'x'), {"operations"})), "AUTH_STAFF_NAME_INVALID");
  EXPECT_EQ(code_of(create("ops.wang", "王", {})), "AUTH_STAFF_ROLES_REQUIRED");
  const auto taken = create("ops.li", "另一个李", {"operations"});
  EXPECT_EQ(code_of(taken), "AUTH_STAFF_EXISTS");
  EXPECT_EQ(std::get<Refusal>(taken).message, "用户名已存在");
  EXPECT_FALSE(tx([&](core::storage::Tx& t) {
    return std::get<std::optional<StaffLoginRecord>>(staff.login_record(t, "ops.wang", kT0)).has_value();
  })) << "no refused staff member was written";

  auto role = [&](const std::string& name, const std::string& title) {
    return tx([&](core::storage::Tx& t) { return staff.put_role(t, name, title, {"audit.read"}, cli, kT0); });
  };
  EXPECT_EQ(code_of(role("Auditor", "审计员")), "AUTH_ROLE_NAME_INVALID");
  EXPECT_EQ(code_of(role("a", "审计员")), "AUTH_ROLE_NAME_INVALID");
  EXPECT_EQ(code_of(role("audit-team", "审计员")), "AUTH_ROLE_NAME_INVALID") << "no hyphen in a role name";
  EXPECT_EQ(code_of(role("auditor", "")), "AUTH_ROLE_TITLE_INVALID");
  EXPECT_EQ(code_of(role("auditor", std::string(33, 'x'))), "AUTH_ROLE_TITLE_INVALID");
  EXPECT_EQ(tx([&](core::storage::Tx& t) { return staff.delete_role(t, "auditor", cli, kT0); })->code, "AUTH_ROLE_UNKNOWN")
      << "no refused role was written";
  EXPECT_EQ(code_of(role("auditor", "审计员")), "(accepted)") << "a positive control: good fields pass";
}

TEST_P(AuthStoreTest, TheAuditIsFilteredAndPagedNewestFirst) {
  for (int i = 0; i < 5; ++i)
    tx([&](core::storage::Tx& t) {
      store_.audit(t, Audit{i % 2 ? "S1" : "S2", "ip", "t"}, i < 3 ? "staff.updated" : "role.created", "x", "", kT0 + i);
      return 0;
    });
  auto page = [&](AuditQuery q) { return tx([&](core::storage::Tx& t) { return store_.audit_page(t, q); }); };
  auto items = [&](AuditQuery q) {
    auto p = page(q);
    EXPECT_TRUE(std::holds_alternative<AuditPage>(p));
    return std::holds_alternative<AuditPage>(p) ? std::get<AuditPage>(p) : AuditPage{};
  };
  AuditQuery f;
  f.action = "staff.";
  f.limit = 2;
  auto p1 = items(f);
  ASSERT_EQ(p1.items.size(), 2u);
  EXPECT_EQ(p1.items[0].at_ms, kT0 + 2);
  EXPECT_EQ(p1.items[1].at_ms, kT0 + 1);
  f.cursor = p1.next_cursor;
  auto p2 = items(f);
  ASSERT_EQ(p2.items.size(), 1u);
  EXPECT_EQ(p2.items[0].at_ms, kT0);
  EXPECT_TRUE(p2.next_cursor.empty());
  AuditQuery by_actor;
  by_actor.actor = "S1";
  by_actor.from_ms = kT0 + 2;
  EXPECT_EQ(items(by_actor).items.size(), 1u);  // kT0+3 only
  AuditQuery exact;
  exact.action = "role.created";
  exact.to_ms = kT0 + 4;
  EXPECT_EQ(items(exact).items.size(), 1u);
  AuditQuery bad;
  bad.cursor = "nonsense";
  auto refused = page(bad);
  ASSERT_TRUE(std::holds_alternative<Refusal>(refused));
  EXPECT_EQ(std::get<Refusal>(refused).code, "AUTH_BAD_CURSOR");
}

// An entry names the customer it concerns as this service verified it — the customer signing in,
// the customer a change was made to — and never a customer-shaped name someone typed (a staff
// sign-in attempt with "C000000000042" as its username concerns no customer).
TEST_P(AuthStoreTest, AnAuditEntryNamesTheCustomerItConcernsAsVerified) {
  const std::string customer = "C000000000042";
  StaffStore staff{keys_, store_};
  tx([&](core::storage::Tx& t) {
    store_.audit(t, Audit{customer, "10.0.0.7", "t1"}, "login.succeeded", "sess-1", "e2e", kT0, customer);
    store_.audit(t, Audit{"S1", "10.0.0.9", "t2"}, "customer.password_set", customer, "", kT0 + 1, customer);
    store_.audit(t, Audit{"S1", "10.0.0.9", "t3"}, "staff.updated", "S2", "", kT0 + 2);
    return 0;
  });
  auto typed = tx([&](core::storage::Tx& t) {
    return staff.finish_login(t, customer, "", true, 5, "d", Audit{"anonymous", "10.0.0.66", "t4"}, kT0 + 3);
  });
  EXPECT_EQ(std::get<Refusal>(typed).code, "AUTH_STAFF_CREDENTIALS");
  AuditQuery of_customer;
  of_customer.customer = customer;
  auto got = tx([&](core::storage::Tx& t) { return store_.audit_page(t, of_customer); });
  ASSERT_TRUE(std::holds_alternative<AuditPage>(got));
  const auto& items = std::get<AuditPage>(got).items;
  ASSERT_EQ(items.size(), 2u) << "the staff sign-in attempt typed as the customer's id is not theirs";
  EXPECT_EQ(items[0].action, "customer.password_set");
  EXPECT_EQ(items[0].actor, "S1");
  EXPECT_EQ(items[1].action, "login.succeeded");
  EXPECT_EQ(items[1].ip, "10.0.0.7");
  for (const auto& e : items) EXPECT_EQ(e.customer, customer);
  AuditQuery failed;
  failed.action = "staff.login_failed";
  auto attempt = tx([&](core::storage::Tx& t) { return store_.audit_page(t, failed); });
  ASSERT_TRUE(std::holds_alternative<AuditPage>(attempt));
  ASSERT_EQ(std::get<AuditPage>(attempt).items.size(), 1u);
  EXPECT_EQ(std::get<AuditPage>(attempt).items[0].subject, customer) << "kept as what was typed";
  EXPECT_EQ(std::get<AuditPage>(attempt).items[0].customer, "");
}

TEST(RandomDigits, AreDigitsOfTheAskedLengthAndVary) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto d = random_digits(6);
    ASSERT_EQ(d.size(), 6u);
    ASSERT_TRUE(std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; }));
    seen.insert(d);
  }
  EXPECT_GT(seen.size(), 190u);
}

// Runs `n` calls at once (each in its own transaction, from its own thread, released together).
template <class F>
auto at_once(int n, F f) {
  using R = std::invoke_result_t<F&, int>;
  std::vector<std::optional<R>> out(static_cast<std::size_t>(n));
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      ready.fetch_add(1);
      while (!go.load()) std::this_thread::yield();
      out[static_cast<std::size_t>(i)].emplace(f(i));
    });
  while (ready.load() < n) std::this_thread::yield();
  go = true;
  for (auto& t : threads) t.join();
  std::vector<R> results;
  for (auto& o : out) results.push_back(std::move(*o));
  return results;
}

TEST_P(AuthStoreTest, FiftyWrongCodesAtOnceAreCountedAsFifty) {
  // On PostgreSQL (READ COMMITTED) a count read and written back loses tries under concurrency;
  // each try is one conditional increment, so every one counts and no two see the same count.
  Policy generous = policy_;
  generous.max_tries = 100;
  AuthStore store{keys_, generous};
  const std::string m = "13800138000";
  const auto right = tx([&](core::storage::Tx& t) { return std::get<IssuedCode>(store.issue_code(t, m, "login", Audit{"anonymous", "10.0.0.1", "t"}, kT0)).code; });
  const std::string wrong = right == "000000" ? "111111" : "000000";
  auto answers = at_once(50, [&](int) {
    std::variant<SignedIn, Refusal> r;
    db_->write_blocking([&](core::storage::Tx& t) { r = store.sign_in(t, m, wrong, "test", Audit{"anonymous", "10.0.0.1", "t"}, kT0 + 1000); });
    return std::get<Refusal>(r);
  });
  std::set<std::string> remaining;
  for (const auto& a : answers) {
    EXPECT_EQ(a.code, "AUTH_CODE_WRONG") << a.message;
    remaining.insert(a.message);
  }
  EXPECT_EQ(remaining.size(), 50u) << "each try saw its own count";
  EXPECT_TRUE(remaining.contains("验证码错误，还可尝试50次")) << "the fiftieth left fifty";
  EXPECT_EQ(tx([&](core::storage::Tx& t) { return t.query("SELECT tries FROM auth_sms_codes").at(0).int64(0); }), 50);
  EXPECT_EQ(tx([&](core::storage::Tx& t) {
              return t.query("SELECT COUNT(*) FROM auth_audit WHERE action = 'login.failed'").at(0).int64(0);
            }),
            50);
  EXPECT_EQ(refusal(std::variant<SignedIn, Refusal>(tx([&](core::storage::Tx& t) {
              return store.sign_in(t, m, right, "test", Audit{"anonymous", "10.0.0.1", "t"}, kT0 + 2000);
            }))),
            "signed in")
      << "the code itself still works: fifty of a hundred tries spent";
}

TEST_P(AuthStoreTest, TheLimitBurnsTheCodeOnceAndLocksOnceUnderConcurrency) {
  const std::string m = "13800138001";
  const auto right = code(m, kT0);
  const std::string wrong = right == "000000" ? "111111" : "000000";
  auto answers = at_once(20, [&](int) { return refusal(sign_in(m, wrong, kT0 + 1000)); });
  int wrong_answers = 0;
  for (const auto& a : answers) wrong_answers += a == "AUTH_CODE_WRONG";
  EXPECT_LE(wrong_answers, policy_.max_tries - 1) << "never more tries than the limit";
  EXPECT_EQ(tx([&](core::storage::Tx& t) { return t.query("SELECT burned_codes FROM auth_lockouts").at(0).int64(0); }), 1)
      << "one burned code, one strike";
  EXPECT_EQ(refusal(sign_in(m, right, kT0 + 2000)), "AUTH_LOCKED");
}

TEST_P(AuthStoreTest, TwoRefreshesWithOneTokenAtOnceRevokeTheSession) {
  const std::string m = "13800138002";
  auto in = std::get<SignedIn>(sign_in(m, code(m, kT0), kT0 + 1000));
  for (int round = 0; round < 5; ++round) {
    SCOPED_TRACE(round);
    auto fresh = std::get<SignedIn>(sign_in(m, code(m, kT0 + (round + 1) * kMinute), kT0 + (round + 1) * kMinute + 1));
    auto answers = at_once(2, [&](int) {
      return refusal(tx([&](core::storage::Tx& t) { return store_.refresh(t, fresh.refresh_token, Audit{"anonymous", "10.0.0.1", "t"}, kT0 + 3600000); }));
    });
    std::multiset<std::string> got(answers.begin(), answers.end());
    EXPECT_EQ(got, (std::multiset<std::string>{"AUTH_REFRESH_REUSED", "signed in"})) << "one succeeds, the other is taken as theft";
    EXPECT_FALSE(tx([&](core::storage::Tx& t) { return store_.session_active(t, fresh.session_id); })) << "the session is revoked";
  }
  EXPECT_TRUE(tx([&](core::storage::Tx& t) { return store_.session_active(t, in.session_id); })) << "others go on";
}

TEST_P(AuthStoreTest, ParallelCodeRequestsFromOneAddressStopAtItsDailyCap) {
  // Twenty numbers at once from one address: each request counts the others' codes (the
  // address's row is taken before counting), so exactly the cap is issued.
  Policy capped = policy_;
  capped.codes_per_ip = 5;
  AuthStore store{keys_, capped};
  auto answers = at_once(20, [&](int i) {
    std::string got;
    db_->write_blocking([&](core::storage::Tx& t) {
      auto r = store.issue_code(t, "1390000" + std::to_string(1000 + i), "login", Audit{"anonymous", "198.51.100.7", "t"}, kT0);
      got = std::holds_alternative<Refusal>(r) ? std::get<Refusal>(r).code : "issued";
    });
    return got;
  });
  std::multiset<std::string> got(answers.begin(), answers.end());
  EXPECT_EQ(got.count("issued"), 5u);
  EXPECT_EQ(got.count("AUTH_CODE_IP_LIMIT"), 15u);
  EXPECT_EQ(tx([&](core::storage::Tx& t) { return t.query("SELECT COUNT(*) FROM auth_sms_codes").at(0).int64(0); }), 5);
}

TEST_P(AuthStoreTest, APasswordVerifiedBeforeAResetOpensNoSessionAfterIt) {
  // The hash is verified outside the transaction that opens the session: a reset committed in
  // between (which ended every other session) makes the old password fail, never let it in.
  const std::string m = "13800138009";
  auto in = std::get<SignedIn>(sign_in(m, code(m, kT0), kT0 + 1000));
  const Audit who{in.customer_id, "10.0.0.1", "t"};
  tx([&](core::storage::Tx& t) { return store_.set_customer_password(t, in.customer_id, "hash-old", in.session_id, who, kT0 + 2000); });
  const auto verified = std::get<PasswordRecord>(tx([&](core::storage::Tx& t) { return store_.password_record(t, m, kT0 + 3000); }));
  ASSERT_EQ(verified.password_hash, "hash-old");
  tx([&](core::storage::Tx& t) { return store_.set_customer_password(t, in.customer_id, "hash-new", in.session_id, who, kT0 + 4000); });
  const auto finish = [&](const std::string& hash, std::int64_t now) {
    return refusal(tx([&](core::storage::Tx& t) {
      return store_.finish_password_sign_in(t, m, true, hash, "test", Audit{"anonymous", "10.0.0.1", "t"}, now);
    }));
  };
  const auto sessions = [&] {
    return tx([&](core::storage::Tx& t) {
      return t.query("SELECT COUNT(*) FROM auth_sessions WHERE customer_id = ?", {in.customer_id}).at(0).int64(0);
    });
  };
  const auto before = sessions();
  EXPECT_EQ(finish(verified.password_hash, kT0 + 5000), "AUTH_PASSWORD_WRONG");
  EXPECT_EQ(sessions(), before) << "no session for the old password";
  EXPECT_EQ(finish("hash-new", kT0 + 6000), "signed in") << "the password as it is now works";
}

INSTANTIATE_TEST_SUITE_P(Sql, AuthStoreTest, ::testing::Values("sqlite", "postgres"));

}  // namespace
}  // namespace zt::services::auth
