#include "platform/suitability/suitability_component.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/app/keys.hpp"
#include "core/finance/business_clock.hpp"
#include "core/http/guards.hpp"
#include "core/http/params.hpp"
#include "core/http/refusal.hpp"
#include "core/http/router.hpp"
#include "core/json/json.hpp"
#include "core/observe/log.hpp"
#include "core/storage/database.hpp"
#include "core/util/time.hpp"
#include "platform/suitability/store/evidence_store.hpp"
#include "platform/suitability/store/suitability_book.hpp"

std::span<const zt::core::EmbeddedFile> zt_suitability_migrations();
std::span<const zt::core::EmbeddedFile> zt_suitability_openapi();
std::span<const zt::core::EmbeddedFile> zt_suitability_files();

namespace zt::platform::suitability {

namespace {

using core::http::ApiError;
using core::http::limit_param;
using core::http::Method;
using core::http::path_param;
using core::http::Request;
using core::http::RequestContext;
using core::http::Response;
using core::http::value_or_throw;
using Reply = boost::asio::awaitable<Response>;

const core::http::Guards kGuard{"SUIT"};
std::string customer_of(const RequestContext& ctx) { return kGuard.customer(ctx); }
Actor actor(const RequestContext& ctx) {
  return Actor{ctx.caller.subject, ctx.caller.session, ctx.remote_address, ctx.trace_id};
}

core::config::ConfigError bad_setting(std::string path, std::string message) {
  return core::config::ConfigError({core::config::Problem{"", 0, std::move(path), std::move(message)}});
}

// The questionnaire in force and its document's text: the newest shipped version unless one is
// named (files sort by name: questionnaire-<year>.yaml).
std::pair<Questionnaire, std::string> load_questionnaire(const std::string& version) {
  std::optional<std::pair<Questionnaire, std::string>> chosen;
  for (const auto& f : zt_suitability_files()) {
    if (!f.name.starts_with("questionnaire-")) continue;
    auto q = Questionnaire::parse(f.content);
    if (version.empty() || q.version == version) chosen.emplace(std::move(q), std::string(f.content));
  }
  if (!chosen) throw bad_setting("suitability.questionnaire", fmt::format("没有版本为 {} 的问卷", version));
  return std::move(*chosen);
}

Settings settings_of(const core::config::Section& c) {
  Settings s;
  s.validity_months = static_cast<int>(c.get_int("validity_months"));
  try {
    s.bands = Bands::parse(c.get_string("bands"));
  } catch (const QuestionnaireError& e) {
    throw bad_setting("suitability.bands", e.what());
  }
  s.max_assessments_per_day = static_cast<int>(c.get_int("max_assessments_per_day"));
  s.warning_validity = std::chrono::duration_cast<std::chrono::hours>(c.get_duration("warning_validity"));
  s.approval_validity_months = static_cast<int>(c.get_int("approval_validity_months"));
  auto money = [&](const char* key) {
    try {
      return core::finance::Money::parse(c.get_string(key));
    } catch (const core::finance::DecimalError&) {
      throw bad_setting(std::string("suitability.") + key, "应为金额，如 5000000.00");
    }
  };
  s.thresholds.professional_assets = money("professional_assets");
  s.thresholds.professional_income = money("professional_income");
  s.thresholds.professional_experience_years = static_cast<int>(c.get_int("professional_experience_years"));
  s.thresholds.qualified_assets = money("qualified_assets");
  s.thresholds.qualified_income = money("qualified_income");
  return s;
}

SuitabilityBook book_of(const core::config::Section& c) {
  auto [questionnaire, document] = load_questionnaire(c.get_string("questionnaire"));
  return SuitabilityBook(std::move(questionnaire), std::move(document), settings_of(c));
}

class SuitabilityComponent final : public core::Component {
 public:
  explicit SuitabilityComponent(core::ComponentContext& ctx)
      : db_(ctx.database()),
        book_(book_of(ctx.config())),
        evidence_(core::sealing_keys(ctx), ctx.config().get_int("evidence_max_bytes"),
                  ctx.config().get_int("evidence_per_day")) {
    auto& r = ctx.public_router();
    const std::string base = "/api/suitability/v1";
    r.add(Method::kGet, base + "/questionnaire", [this](Request&, RequestContext&) -> Reply {
      const auto& q = book_.questionnaire();
      co_return Response::json(
          200, core::json::serialize(QuestionnaireView{q.version, q.title, q.groups, book_.document_sha256()}));
    });

    // ---- the customer's own
    r.add(Method::kGet, base + "/me", [this](Request&, RequestContext& ctx) -> Reply {
      const auto customer = customer_of(ctx);
      const auto today = core::finance::business_today();
      auto out = co_await db_.read([&](core::storage::Tx& tx) { return book_.profile(tx, customer, today); });
      co_return Response::json(200, core::json::serialize(out));
    });
    r.add(Method::kPost, base + "/me/assessments", [this](Request& req, RequestContext& ctx) -> Reply {
      const auto customer = customer_of(ctx);
      const auto in = core::json::parse<AssessmentIn>(req.body);
      const auto now = core::finance::business_now();
      const auto who = actor(ctx);
      auto out = value_or_throw(
          co_await db_.write([&](core::storage::Tx& tx) { return book_.assess(tx, customer, in, now, who); }));
      ctx.log().info("suitability: assessment {} scored {} ({})", out.id, out.score, out.level);
      co_return Response::json(200, core::json::serialize(out));
    });
    r.add(Method::kGet, base + "/me/assessments", [this](Request&, RequestContext& ctx) -> Reply {
      const auto customer = customer_of(ctx);
      auto out = co_await db_.read([&](core::storage::Tx& tx) { return book_.assessments(tx, customer); });
      co_return Response::json(200, core::json::serialize(out));
    });
    r.add(Method::kGet, base + "/me/warnings/{id}", [this](Request&, RequestContext& ctx) -> Reply {
      const auto customer = customer_of(ctx);
      const auto id = path_param(ctx, "id");
      auto out =
          value_or_throw(co_await db_.read([&](core::storage::Tx& tx) { return book_.warning(tx, id, customer); }));
      co_return Response::json(200, core::json::serialize(out));
    });
    r.add(Method::kPost, base + "/me/warnings/{id}/signature", [this](Request& req, RequestContext& ctx) -> Reply {
      customer_of(ctx);
      const auto in = core::json::parse<SignIn>(req.body);
      const auto id = path_param(ctx, "id");
      const auto who = actor(ctx);
      const auto now_ms = core::unix_millis();
      auto out = value_or_throw(
          co_await db_.write([&](core::storage::Tx& tx) { return book_.sign(tx, id, in, who, now_ms); }));
      ctx.log().info("suitability: warning {} signed", out.id);
      co_return Response::json(200, core::json::serialize(out));
    });
    r.add(Method::kPost, base + "/me/evidence", [this](Request& req, RequestContext& ctx) -> Reply {
      const auto customer = customer_of(ctx);
      const auto in = core::json::parse<EvidenceIn>(req.body);
      const auto now_ms = core::unix_millis();
      const auto today = core::finance::business_today();
      const auto who = actor(ctx);
      auto out = value_or_throw(co_await db_.write([&](core::storage::Tx& tx) -> std::variant<EvidenceFile, core::Refusal> {
        auto added = evidence_.add(tx, customer, in.name, in.content_type, in.data, today, now_ms);
        if (auto* file = std::get_if<EvidenceFile>(&added))
          book_.audit(tx, who, "evidence.uploaded", file->id, fmt::format("{}（{}，{} 字节）", file->name, file->content_type, file->size),
                      now_ms, customer);
        return added;
      }));
      ctx.log().info("suitability: evidence {} uploaded ({} bytes)", out.id, out.size);
      co_return Response::json(200, core::json::serialize(out));
    });
    r.add(Method::kPost, base + "/me/applications", [this](Request& req, RequestContext& ctx) -> Reply {
      const auto customer = customer_of(ctx);
      const auto in = core::json::parse<ApplicationIn>(req.body);
      const auto now_ms = core::unix_millis();
      const auto who = actor(ctx);
      auto out = value_or_throw(co_await db_.write([&](core::storage::Tx& tx) -> Result<Application> {
        if (auto bad = evidence_.check_owned(tx, customer, in.evidence)) return *bad;
        return book_.apply(tx, customer, in, now_ms, who);
      }));
      ctx.log().info("suitability: {} application {} submitted", out.kind, out.id);
      co_return Response::json(200, core::json::serialize(out));
    });
    r.add(Method::kGet, base + "/me/applications", [this](Request&, RequestContext& ctx) -> Reply {
      const auto customer = customer_of(ctx);
      auto out = co_await db_.read([&](core::storage::Tx& tx) { return book_.applications_of(tx, customer); });
      co_return Response::json(200, core::json::serialize(out));
    });

    // ---- the selling services
    r.add(Method::kPost, base + "/match", [this](Request& req, RequestContext& ctx) -> Reply {
      kGuard.service(ctx);
      const auto in = core::json::parse<MatchIn>(req.body);
      if (auto bad = check_terms(in.product)) throw ApiError(bad->status, bad->code, bad->message);
      if (in.customer_id.empty()) throw ApiError(400, "SUIT_BAD_PARAM", "请指定客户");
      const auto today = core::finance::business_today();
      const auto now_ms = core::unix_millis();
      auto out = co_await db_.read([&](core::storage::Tx& tx) { return book_.match(tx, in, today, now_ms); });
      co_return Response::json(200, core::json::serialize(out));
    });
    r.add(Method::kPost, base + "/warnings", [this](Request& req, RequestContext& ctx) -> Reply {
      kGuard.service(ctx);
      const auto in = core::json::parse<WarningIn>(req.body);
      const auto today = core::finance::business_today();
      const auto now_ms = core::unix_millis();
      const std::string service = ctx.calling_service, trace = ctx.trace_id;
      auto out = value_or_throw(co_await db_.write(
          [&](core::storage::Tx& tx) { return book_.issue_warning(tx, in, service, today, now_ms, trace); }));
      ctx.log().info("suitability: warning {} issued for {} by {}", out.id, out.product_code, service);
      co_return Response::json(200, core::json::serialize(out));
    });
    r.add(Method::kGet, base + "/warnings/{id}", [this](Request&, RequestContext& ctx) -> Reply {
      kGuard.staff_or_service(ctx, "customers.read", "查看客户信息");
      const auto id = path_param(ctx, "id");
      const std::string any;
      // A staff member's read is audited under the customer the warning was issued to.
      if (ctx.caller.kind == core::http::CallerKind::kStaff && ctx.calling_service.empty()) {
        const auto who = actor(ctx);
        const auto now_ms = core::unix_millis();
        auto seen = value_or_throw(co_await db_.write([&](core::storage::Tx& tx) {
          auto w = book_.warning(tx, id, any);
          if (auto* found = std::get_if<Warning>(&w)) book_.warning_viewed(tx, who, *found, now_ms);
          return w;
        }));
        co_return Response::json(200, core::json::serialize(seen));
      }
      auto out = value_or_throw(co_await db_.read([&](core::storage::Tx& tx) { return book_.warning(tx, id, any); }));
      co_return Response::json(200, core::json::serialize(out));
    });
    r.add(Method::kGet, base + "/customers/{id}", [this](Request&, RequestContext& ctx) -> Reply {
      kGuard.staff_or_service(ctx, "customers.read", "查看客户信息");
      const auto customer = path_param(ctx, "id");
      const auto today = core::finance::business_today();
      // A staff member's read is audited (who looked at this customer); a service's is its own
      // business, audited where it acts.
      if (ctx.caller.kind == core::http::CallerKind::kStaff && ctx.calling_service.empty()) {
        const auto who = actor(ctx);
        const auto now_ms = core::unix_millis();
        auto seen = co_await db_.write([&](core::storage::Tx& tx) {
          book_.profile_viewed(tx, who, customer, now_ms);
          return book_.profile(tx, customer, today);
        });
        co_return Response::json(200, core::json::serialize(seen));
      }
      auto out = co_await db_.read([&](core::storage::Tx& tx) { return book_.profile(tx, customer, today); });
      co_return Response::json(200, core::json::serialize(out));
    });

    // ---- the audit trail (audit.read): staff's acts and customers' own, newest first
    r.add(Method::kGet, base + "/audit", [this](Request& req, RequestContext& ctx) -> Reply {
      kGuard.staff(ctx, "audit.read", "查看审计日志");
      const core::storage::AuditQuery query =
          value_or_throw(core::storage::audit_query([&req](const char* name) { return req.query_param(name); }, "SUIT"));
      auto out = value_or_throw(co_await db_.read([&](core::storage::Tx& tx) { return book_.audit_page(tx, query); }));
      co_return Response::json(200, core::json::serialize(out));
    });

    // ---- staff review of investor applications
    r.add(Method::kGet, base + "/applications", [this](Request& req, RequestContext& ctx) -> Reply {
      kGuard.staff_or_service(ctx, "reviews.approve", "审核业务申请");
      const auto state = req.query_param("state").value_or("pending");
      const auto cursor = req.query_param("cursor").value_or("");
      const auto limit = limit_param(req, "SUIT");
      auto out = value_or_throw(
          co_await db_.read([&](core::storage::Tx& tx) { return book_.applications(tx, state, cursor, limit); }));
      co_return Response::json(200, core::json::serialize(out));
    });
    // An uploaded file an application names, for its reviewer (audited; never cached).
    r.add(Method::kGet, base + "/applications/{id}/evidence/{evidence}",
          [this](Request&, RequestContext& ctx) -> Reply {
            kGuard.staff(ctx, "reviews.approve", "审核业务申请");
            const auto id = path_param(ctx, "id");
            const auto evidence = path_param(ctx, "evidence");
            const auto who = actor(ctx);
            const auto now_ms = core::unix_millis();
            auto file =
                co_await db_.write([&](core::storage::Tx& tx) -> std::optional<std::pair<EvidenceFile, std::string>> {
                  auto a = book_.application(tx, id);
                  if (!a || std::find(a->evidence.begin(), a->evidence.end(), evidence) == a->evidence.end())
                    return std::nullopt;
                  auto opened = evidence_.open(tx, a->customer_id, evidence);
                  if (opened) book_.evidence_viewed(tx, who, *a, evidence, now_ms);
                  return opened;
                });
            if (!file) throw ApiError(404, "SUIT_EVIDENCE_NOT_FOUND", "该申请没有这份证明材料");
            ctx.log().info("suitability: evidence {} of application {} viewed by {}", evidence, id, who.id);
            auto res = Response::text(200, std::move(file->second), file->first.content_type);
            res.headers.set("cache-control", "no-store");
            res.headers.set("x-content-type-options", "nosniff");
      res.headers.set("content-security-policy", "sandbox; default-src 'none'");
            const std::string& type = file->first.content_type;
      const char* extension = type == "application/pdf" ? ".pdf" : type == "image/png" ? ".png" : ".jpg";
      res.headers.set("content-disposition", "inline; filename=\"" + file->first.id + extension + "\"");
            co_return res;
          });
    r.add(Method::kPost, base + "/applications/{id}/decision", [this](Request& req, RequestContext& ctx) -> Reply {
      kGuard.staff(ctx, "reviews.approve", "审核业务申请");
      const auto in = core::json::parse<DecisionIn>(req.body);
      const auto id = path_param(ctx, "id");
      const auto who = actor(ctx);
      const auto today = core::finance::business_today();
      const auto now_ms = core::unix_millis();
      auto out = value_or_throw(
          co_await db_.write([&](core::storage::Tx& tx) { return book_.decide(tx, id, in, who, today, now_ms); }));
      ctx.log().info("suitability: application {} {} by {}", out.id, out.state, who.id);
      co_return Response::json(200, core::json::serialize(out));
    });
  }

 private:
  core::storage::Database& db_;
  SuitabilityBook book_;
  EvidenceStore evidence_;
};

}  // namespace

core::ComponentSpec spec() {
  using namespace core::config;
  core::ComponentSpec s;
  s.name = "suitability";
  s.description =
      "investor suitability: questionnaire, assessments, matching with the special risk warning, investor "
      "classification";
  s.dependencies = {"server", "discovery"};
  s.service = true;
  s.schema = {
      "suitability",
      {string("questionnaire", "").describe("questionnaire version to use; empty: the newest shipped"),
       integer("validity_months", 24)
           .range(1, 120)
           .describe("an assessment's validity (BUSINESS §1 [default] 24 months)"),
       string("bands", "20,40,60,80").describe("lowest scores of C2, C3, C4 and C5 on the 0–100 scale"),
       integer("max_assessments_per_day", 3).range(1, 100).describe("assessments a customer may take per day"),
       duration("warning_validity", std::chrono::milliseconds(24LL * 3600 * 1000))
           .range(60000, 30LL * 24 * 3600 * 1000)
           .describe("how long a signed special risk warning covers orders for its product"),
       integer("approval_validity_months", 24)
           .range(1, 120)
           .describe("validity of a professional / qualified investor approval"),
       string("professional_assets", "5000000.00").describe("professional investor: financial assets at least (RMB)"),
       string("professional_income", "500000.00")
           .describe("professional investor: or average annual income at least (RMB)"),
       integer("professional_experience_years", 2)
           .range(0, 50)
           .describe("professional investor: and years of investment experience"),
       string("qualified_assets", "3000000.00").describe("qualified investor: financial assets at least (RMB)"),
       string("qualified_income", "500000.00").describe("qualified investor: or average annual income at least (RMB)"),
       integer("evidence_max_bytes", 700 * 1024)
           .range(1024, 730 * 1024)
           .describe("largest evidence file a customer uploads for an investor application (sent as base64 in a JSON "
                     "body of at most 1 MiB, so 730 KiB at most; the H5 app shrinks photos first)"),
       integer("evidence_per_day", 20)
           .range(1, 1000)
           .describe("evidence files one customer may upload per business day (429 SUIT_TOO_MANY_EVIDENCE beyond)")},
      "investor suitability (适当性管理)"};
  s.migrations = &zt_suitability_migrations;
  s.openapi = &zt_suitability_openapi;
  s.make = [](core::ComponentContext& ctx) -> std::unique_ptr<core::Component> {
    return std::make_unique<SuitabilityComponent>(ctx);
  };
  return s;
}

}  // namespace zt::platform::suitability
