#pragma once
// The mall's HTTP API (openapi.yaml beside the component): the catalogue for anyone, orders and
// holdings for signed-in customers, products, NAVs, orders and the confirmation run for staff.
// Handlers read the request, guard it and answer; the use cases are in app/.
namespace zt::core::http {
class Router;
}

namespace zt::services::mall {

class Catalogue;
class Orders;
class Confirmation;
class Reconciliation;
class StuckDesk;
class NavCorrections;

struct MallApp {
  Catalogue& catalogue;
  Orders& orders;
  Confirmation& confirmation;
  const Reconciliation& reconciliation;
  StuckDesk& stuck;
  NavCorrections& corrections;
};

void add_mall_routes(core::http::Router& router, MallApp app);

}  // namespace zt::services::mall
