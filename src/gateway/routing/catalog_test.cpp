#include "gateway/routing/catalog.hpp"

#include <gtest/gtest.h>

#include <span>

#include "core/http/error.hpp"
#include "core/http/pipeline.hpp"
#include "core/util/embedded.hpp"
#include "gateway/filters/access/access.hpp"

#define ZT_OPENAPI(name) std::span<const zt::core::EmbeddedFile> zt_##name##_openapi();
ZT_OPENAPI(gateway)
ZT_OPENAPI(system)
ZT_OPENAPI(registry)
ZT_OPENAPI(notify)
ZT_OPENAPI(calendar)
ZT_OPENAPI(counter)
ZT_OPENAPI(suitability)
ZT_OPENAPI(identity)
ZT_OPENAPI(phone)
ZT_OPENAPI(csdc)
ZT_OPENAPI(bank)
ZT_OPENAPI(face)
ZT_OPENAPI(auth)
ZT_OPENAPI(mall)
#undef ZT_OPENAPI

namespace zt::gateway {
namespace {

using core::http::CallerKind;
using core::http::EdgeAccess;
using core::http::Method;

const std::vector<std::pair<std::string, std::span<const core::EmbeddedFile> (*)()>>& shipped() {
  static const std::vector<std::pair<std::string, std::span<const core::EmbeddedFile> (*)()>> docs{
      {"gateway", zt_gateway_openapi}, {"system", zt_system_openapi},     {"registry", zt_registry_openapi},
      {"notify", zt_notify_openapi},   {"calendar", zt_calendar_openapi}, {"counter", zt_counter_openapi},
      {"suitability", zt_suitability_openapi}, {"identity", zt_identity_openapi}, {"phone", zt_phone_openapi},
      {"csdc", zt_csdc_openapi},       {"bank", zt_bank_openapi},         {"face", zt_face_openapi},
      {"auth", zt_auth_openapi},       {"mall", zt_mall_openapi}};
  return docs;
}

TEST(Declarations, EveryShippedServiceDeclaresWhoMayCallEachOperation) {
  for (const auto& [service, doc] : shipped()) {
    SCOPED_TRACE(service);
    const auto d = core::http::read_declarations(service, doc().front().content);
    EXPECT_FALSE(d.code_prefix.empty());
    EXPECT_FALSE(d.operations.empty());
    for (const auto& op : d.operations) {
      EXPECT_EQ(service_of_path(op.path_template), service) << op.path_template << ": a service's paths are under /api/<service>/";
      if (op.access == EdgeAccess::kService) {
        EXPECT_FALSE(op.callers.empty()) << op.path_template;
      }
      if (op.money_moving) {
        EXPECT_NE(op.access, EdgeAccess::kAnonymous) << op.path_template << ": money moves for a known caller";
      }
    }
  }
}

TEST(Declarations, AServiceOnlyOperationIsNeverRoutedForOutsideClients) {
  ServiceCatalog catalog;
  for (const auto& [service, doc] : shipped()) catalog.add({core::http::read_declarations(service, doc().front().content), nullptr});
  const auto* counter = catalog.by_path("/api/counter/v1/orders");
  ASSERT_NE(counter, nullptr);
  const auto* place = counter->declarations.find(Method::kPost, "/api/counter/v1/orders");
  ASSERT_NE(place, nullptr);
  EXPECT_EQ(place->access, EdgeAccess::kService);
  const core::http::Caller staff{CallerKind::kStaff, "S1", {"admin"}, "s", {"sandbox.manage", "customers.read"}};
  auto refused = filters::check_declared_access(*place, counter->declarations.code_prefix, staff);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status(), 403);
  EXPECT_EQ(refused->code(), "COUNTER_SERVICE_ONLY");

  // The mall's catalogue for anyone, its orders for customers (with a key), its admin for staff.
  const auto* mall = catalog.find("mall");
  ASSERT_NE(mall, nullptr);
  EXPECT_EQ(mall->declarations.find(Method::kGet, "/api/mall/v1/products")->access, EdgeAccess::kAnonymous);
  const auto* order = mall->declarations.find(Method::kPost, "/api/mall/v1/orders");
  ASSERT_NE(order, nullptr);
  EXPECT_TRUE(order->money_moving);
  auto anon = filters::check_declared_access(*order, "MALL", {});
  ASSERT_TRUE(anon);
  EXPECT_EQ(anon->code(), "GATEWAY_UNAUTHENTICATED");
  EXPECT_FALSE(filters::check_declared_access(*order, "MALL", {CallerKind::kCustomer, "C1", {}}));
  EXPECT_EQ(mall->declarations.methods_for("/api/mall/v1/orders"), "GET, POST");
  EXPECT_EQ(catalog.by_path("/api/nothing/v1/x"), nullptr);
  EXPECT_EQ(catalog.by_path("/apix/mall/v1"), nullptr);
  ASSERT_EQ(catalog.areas().size(), 1u);
  EXPECT_EQ(catalog.areas().front().service, "mall");
}

TEST(Declarations, ALiteralSegmentBeatsAParameter) {
  const auto d = core::http::read_declarations("x", R"(
info: {x-zt-code-prefix: X}
paths:
  /api/x/v1/items/{id}:
    get: {x-zt-access: customer}
  /api/x/v1/items/export:
    get: {x-zt-access: staff, x-zt-permission: items.export}
)");
  EXPECT_EQ(d.find(Method::kGet, "/api/x/v1/items/export")->access, EdgeAccess::kStaff);
  EXPECT_EQ(d.find(Method::kGet, "/api/x/v1/items/42")->access, EdgeAccess::kCustomer);
  EXPECT_EQ(d.find(Method::kGet, "/api/x/v1/items/"), nullptr) << "an empty parameter names nothing";
  EXPECT_EQ(d.find(Method::kPost, "/api/x/v1/items/42"), nullptr);
}

TEST(Declarations, AnUndeclaredOrMalformedOperationIsRefused) {
  EXPECT_THROW(core::http::read_declarations("x", "info: {x-zt-code-prefix: X}\npaths:\n  /api/x/v1/a:\n    get: {summary: s}\n"),
               core::http::DeclarationError)
      << "no access";
  EXPECT_THROW(core::http::read_declarations("x", "info: {x-zt-code-prefix: X}\npaths:\n  /api/x/v1/a:\n    post: {x-zt-access: service}\n"),
               core::http::DeclarationError)
      << "service-only without callers";
  EXPECT_THROW(core::http::read_declarations("x", "info: {x-zt-code-prefix: X}\npaths:\n  /api/x/v1/a:\n    get: {x-zt-access: anyone}\n"),
               core::http::DeclarationError);
  EXPECT_THROW(core::http::read_declarations("x", "paths:\n  /api/x/v1/a:\n    get: {x-zt-access: anonymous}\n"),
               core::http::DeclarationError)
      << "no code prefix";
  EXPECT_THROW(core::http::read_declarations(
                   "x", "info: {x-zt-code-prefix: X}\npaths:\n  /api/x/v1/a:\n    get: {x-zt-access: customer, x-zt-permission: p}\n"),
               core::http::DeclarationError)
      << "a permission is for staff operations";
}

TEST(Declarations, TheServiceRefusesCallersItsDeclarationDoesNotName) {
  const auto d = core::http::read_declarations("counter", R"(
info: {x-zt-code-prefix: COUNTER}
paths:
  /api/counter/v1/orders:
    post: {x-zt-access: service, x-zt-callers: [mall]}
  /api/counter/v1/customers/{id}:
    get: {x-zt-access: staff, x-zt-permission: customers.read}
  /api/counter/v1/quotes:
    get: {x-zt-access: customer}
  /api/counter/v1/calendar:
    get: {x-zt-access: anonymous}
)");
  const auto& place = *d.find(Method::kPost, "/api/counter/v1/orders");
  const auto& read = *d.find(Method::kGet, "/api/counter/v1/customers/7");
  const auto& quotes = *d.find(Method::kGet, "/api/counter/v1/quotes");
  const auto& calendar = *d.find(Method::kGet, "/api/counter/v1/calendar");
  auto refusal = [](const core::http::OperationDeclaration& op, core::http::RequestContext ctx) -> std::string {
    try {
      core::http::check_caller(op, "COUNTER", ctx);
    } catch (const core::http::ApiError& e) {
      return std::to_string(e.status()) + " " + e.code();
    }
    return "";
  };
  core::http::RequestContext mall;
  mall.calling_service = "mall";
  core::http::RequestContext auth;
  auth.calling_service = "auth";
  core::http::RequestContext edge;
  edge.edge = true;
  edge.caller = {CallerKind::kStaff, "S1", {}, "s", {"customers.read"}};
  EXPECT_EQ(refusal(place, mall), "");
  EXPECT_EQ(refusal(place, auth), "403 CALLER_NOT_ALLOWED");
  EXPECT_EQ(refusal(place, edge), "403 COUNTER_SERVICE_ONLY") << "the edge is never a service, staff or not";
  EXPECT_EQ(refusal(place, {}), "403 COUNTER_SERVICE_ONLY");
  EXPECT_EQ(refusal(read, auth), "403 CALLER_NOT_ALLOWED") << "a staff operation is for the services it names only";
  EXPECT_EQ(refusal(read, edge), "");
  EXPECT_EQ(refusal(quotes, auth), "403 CALLER_NOT_ALLOWED") << "a service not named cannot act for a customer";
  EXPECT_EQ(refusal(calendar, auth), "") << "anyone reads what is anonymous";
  core::http::RequestContext anonymous;
  EXPECT_EQ(refusal(quotes, anonymous), "401 GATEWAY_UNAUTHENTICATED") << "the service checks the declared access too";
  core::http::RequestContext customer_edge;
  customer_edge.edge = true;
  customer_edge.caller = {CallerKind::kCustomer, "C1", {}};
  EXPECT_EQ(refusal(read, customer_edge), "403 GATEWAY_FORBIDDEN");
  core::http::RequestContext staff_without;
  staff_without.edge = true;
  staff_without.caller = {CallerKind::kStaff, "S2", {}, "s", {"audit.read"}};
  EXPECT_EQ(refusal(read, staff_without), "403 GATEWAY_FORBIDDEN") << "without the declared permission";
  // A service acting for a customer on an anonymous operation acts for nobody.
  core::http::RequestContext posing = auth;
  posing.caller = {CallerKind::kCustomer, "C-victim", {}};
  core::http::check_caller(calendar, "COUNTER", posing);
  EXPECT_EQ(posing.caller.kind, CallerKind::kService);
  EXPECT_EQ(posing.caller.subject, "auth");
}

}  // namespace
}  // namespace zt::gateway
