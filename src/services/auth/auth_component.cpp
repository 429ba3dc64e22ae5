// The auth service's wiring: settings, its stores and signing keys, the token issuer, its use
// cases (app/), its routes (handlers/) and the housekeeping round.
#include "services/auth/auth_component.hpp"

#include "core/app/keys.hpp"
#include "core/discovery/discovery.hpp"
#include "core/http/router.hpp"
#include "core/net/blocking.hpp"
#include "core/observe/log.hpp"
#include "core/util/time.hpp"
#include "platform/notify/client/notify_client.hpp"
#include "services/auth/app/attempts.hpp"
#include "services/auth/app/customer_desk.hpp"
#include "services/auth/app/customer_sessions.hpp"
#include "services/auth/app/housekeeping.hpp"
#include "services/auth/app/settings.hpp"
#include "services/auth/app/staff_accounts.hpp"
#include "services/auth/app/tokens.hpp"
#include "services/auth/handlers/account_handlers.hpp"
#include "services/auth/handlers/customer_handlers.hpp"
#include "services/auth/handlers/staff_handlers.hpp"
#include "services/auth/store/auth_store.hpp"
#include "services/auth/store/signing_keys.hpp"
#include "services/auth/store/staff_store.hpp"

std::span<const zt::core::EmbeddedFile> zt_auth_migrations();
std::span<const zt::core::EmbeddedFile> zt_auth_openapi();

namespace zt::services::auth {

namespace {

using core::http::Method;
using core::http::Request;
using core::http::RequestContext;
using core::http::Response;

class AuthComponent final : public core::Component {
 public:
  explicit AuthComponent(core::ComponentContext& ctx)
      : settings_(settings_of(ctx.config())),
        db_(ctx.database()),
        runtime_(ctx.runtime()),
        discovery_(ctx.get<core::discovery::Discovery>("discovery")),
        notify_(discovery_.client(), "auth"),
        store_(core::sealing_keys(ctx), settings_.policy),
        staff_(core::sealing_keys(ctx), store_),
        keys_(core::sealing_keys(ctx), settings_.retired_key_published().count()),
        tokens_(keys_, settings_.issuer, settings_.audience, settings_.access_ttl, settings_.staff_access_ttl),
        attempts_(settings_.attempts_per_address, settings_.attempts_per_number),
        passwords_("argon2", {settings_.password_threads, settings_.password_queue, /*low_priority=*/true}),
        sessions_(db_, runtime_, store_, staff_, tokens_, attempts_, passwords_, notify_, settings_.argon2,
                  ctx.metrics(), ctx.full_config().section("node").get_bool("sandbox")),
        accounts_(db_, store_, staff_, tokens_, attempts_, passwords_, settings_.argon2, settings_.totp_issuer),
        desk_(db_, store_, accounts_),
        housekeeping_(db_, store_, keys_) {
    db_.write_blocking([&](core::storage::Tx& tx) {
      keys_.load(tx, core::unix_millis());
      staff_.seed_roles(tx, core::unix_millis());
    });
    auto& r = ctx.public_router();
    add_customer_routes(r, CustomerApp{sessions_, keys_, settings_.policy.refresh_ttl, settings_.secure_cookies});
    add_account_routes(r,
                       AccountApiDeps{db_, store_, discovery_, ctx.full_config().section("node").get_bool("sandbox")});
    add_staff_routes(r, StaffApp{accounts_, desk_, settings_.policy.refresh_ttl, settings_.secure_cookies});
    ctx.admin_router().add(
        Method::kPost, "/auth/keys/rotate", [this](Request&, RequestContext& c) -> boost::asio::awaitable<Response> {
          const std::string kid =
              co_await db_.write([&](core::storage::Tx& tx) { return keys_.rotate(tx, core::unix_millis()); });
          c.log().info("auth: signing key rotated to {}", kid);
          co_return Response::json(200, "{\"kid\":\"" + kid + "\"}");
        });
  }

  void start() override {
    core::log::info("auth: signing with {}", keys_.current_kid());
    housekeeping_.start(runtime_);
  }
  void stop() override { housekeeping_.stop(); }

 private:
  const AuthSettings settings_;
  core::storage::Database& db_;
  core::net::IoRuntime& runtime_;
  core::discovery::Discovery& discovery_;
  platform::notify::NotifyClient notify_;
  AuthStore store_;
  StaffStore staff_;
  SigningKeys keys_;
  TokenIssuer tokens_;
  Attempts attempts_;
  core::WorkPool passwords_;
  CustomerSessions sessions_;
  StaffAccounts accounts_;
  CustomerDesk desk_;
  Housekeeping housekeeping_;
};

}  // namespace

core::ComponentSpec spec() {
  using namespace core::config;
  core::ComponentSpec s;
  s.name = "auth";
  s.description =
      "customers' sign-up and sign-in (SMS code, password), staff sign-in (password + TOTP) with roles, tokens, "
      "sessions, the JWKS, the audit trail";
  s.dependencies = {"server", "discovery"};
  s.service = true;
  s.schema = {
      "auth",
      {string("issuer", "zhongtai").describe("iss of access tokens (gateway.jwt_issuer must match)"),
       string("audience", "zhongtai-api").describe("aud of access tokens (gateway.jwt_audience must match)"),
       duration("access_ttl", std::chrono::milliseconds(900000))
           .range(60000, 86400000)
           .describe("access token lifetime"),
       duration("staff_access_ttl", std::chrono::milliseconds(300000))
           .range(60000, 3600000)
           .describe("staff access token lifetime (role changes and disabling reach a staff member within it)"),
       integer("password_memory_kib", 19456).range(1024, 1048576).describe("argon2id memory per password hash (KiB)"),
       integer("password_iterations", 2).range(1, 10).describe("argon2id passes per password hash"),
       integer("password_threads", 1)
           .range(1, 64)
           .describe("threads hashing passwords (argon2id), apart from the database pool: a sign-in flood waits there"),
       integer("password_queue", 32).range(1, 100000).describe("password hashes waiting before 503 SERVER_BUSY"),
       integer("attempts_per_address", 60)
           .range(1, 1000000)
           .describe("sign-ins, code requests and resets a minute from one client address (per instance)"),
       integer("attempts_per_number", 10)
           .range(1, 100000)
           .describe(
               "sign-ins, code requests and resets a minute for one mobile number or staff account (per instance)"),
       boolean("secure_cookies", false)
           .describe("mark the web apps' refresh cookie Secure (set when served over HTTPS)"),
       string("totp_issuer", "中台 Zhongtai").describe("issuer name authenticator apps show for staff accounts"),
       duration("refresh_ttl", std::chrono::milliseconds(30LL * 24 * 3600 * 1000))
           .range(60000, 365LL * 24 * 3600 * 1000)
           .describe("refresh token lifetime"),
       duration("code_ttl", std::chrono::milliseconds(300000)).range(1000, 3600000).describe("SMS code lifetime"),
       duration("resend_cooldown", std::chrono::milliseconds(60000))
           .range(0, 3600000)
           .describe("least time between two codes to a number"),
       integer("max_tries", 5).range(1, 20).describe("wrong entries before a code is burned"),
       integer("codes_per_mobile", 10).range(1, 1000).describe("codes to one number in 24 hours"),
       integer("codes_per_ip", 50).range(1, 100000).describe("codes to one client address in 24 hours"),
       duration("lockout_base", std::chrono::milliseconds(300000))
           .range(1000, 86400000)
           .describe("lock after a burned code, doubling with each further one (at most 24 h)")},
      "authentication"};
  s.migrations = &zt_auth_migrations;
  s.openapi = &zt_auth_openapi;
  s.make = [](core::ComponentContext& ctx) -> std::unique_ptr<core::Component> {
    return std::make_unique<AuthComponent>(ctx);
  };
  return s;
}

}  // namespace zt::services::auth
