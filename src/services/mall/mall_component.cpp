// The mall's wiring: settings, clients of the services it calls, its store, its use cases
// (app/), its routes (handlers/) and the confirmation job.
#include "services/mall/mall_component.hpp"

#include <optional>

#include "core/discovery/discovery.hpp"
#include "core/net/runtime.hpp"
#include "core/workflow/stuck_gauges.hpp"
#include "services/mall/app/catalogue.hpp"
#include "services/mall/app/confirmation.hpp"
#include "services/mall/app/demo_feed.hpp"
#include "services/mall/app/orders.hpp"
#include "services/mall/app/reconciliation.hpp"
#include "services/mall/app/settings.hpp"
#include "services/mall/app/stuck_desk.hpp"
#include "services/mall/handlers/mall_handlers.hpp"

std::span<const zt::core::EmbeddedFile> zt_mall_migrations();
std::span<const zt::core::EmbeddedFile> zt_mall_openapi();

namespace zt::services::mall {

namespace {

class MallComponent final : public core::Component {
 public:
  explicit MallComponent(core::ComponentContext& ctx)
      : settings_(settings_of(ctx.config(), ctx.full_config().section("node").get_string("name"))),
        runtime_(ctx.runtime()),
        calls_(ctx.get<core::discovery::Discovery>("discovery").client()),
        counter_(calls_, "mall"),
        auth_(calls_, "mall"),
        suitability_(calls_, "mall"),
        store_(settings_.rules),
        catalogue_(ctx.database(), store_, counter_, suitability_, settings_.read_cache),
        orders_(ctx.database(), store_, catalogue_, Orders::Clients{counter_, auth_, suitability_}, settings_.cutoff),
        corrections_(ctx.database(), store_, counter_, catalogue_),
        confirmation_(ctx.database(), store_, counter_, orders_, catalogue_, corrections_, settings_.confirmation),
        reconciliation_(ctx.database(), store_, counter_),
        desk_(ctx.database(), store_, orders_, settings_.desk),
        stuck_(ctx.metrics(), StuckDesk::gauges(), [this] { return desk_.count(); }) {
    if (settings_.demo_products && ctx.full_config().section("node").get_bool("sandbox"))
      demo_.emplace(ctx.database(), store_, catalogue_, settings_.confirmation.instance);
    add_mall_routes(ctx.public_router(), MallApp{catalogue_, orders_, confirmation_, reconciliation_, desk_, corrections_});
  }

  void start() override {
    confirmation_.start(runtime_);
    stuck_.start(runtime_, settings_.stuck_refresh);
    if (demo_) demo_->start(runtime_, settings_.demo_interval);
  }
  void stop() override {
    confirmation_.stop();
    stuck_.stop();
    if (demo_) demo_->stop();
  }

 private:
  const MallSettings settings_;
  core::net::IoRuntime& runtime_;
  core::discovery::ServiceClient& calls_;
  platform::counter::CounterClient counter_;
  auth::AuthClient auth_;
  platform::suitability::SuitabilityClient suitability_;
  MallStore store_;
  Catalogue catalogue_;
  Orders orders_;
  NavCorrections corrections_;
  Confirmation confirmation_;
  Reconciliation reconciliation_;
  StuckDesk desk_;
  core::workflow::StuckGauges stuck_;
  std::optional<DemoFeed> demo_;  // sandbox mode with mall.demo_products
};

}  // namespace

core::ComponentSpec spec() {
  using namespace core::config;
  core::ComponentSpec s;
  s.name = "mall";
  s.description =
      "the financial mall: products and NAVs, subscriptions and redemptions through the counter, T+n confirmation";
  s.dependencies = {"server", "discovery"};
  s.service = true;
  s.schema = {
      "mall",
      {string("cutoff", "15:00")
           .describe("orders before this time on a trading day take that day's NAV (Asia/Shanghai)"),
       duration("confirm_interval", std::chrono::milliseconds(60000))
           .range(1000, 3600000)
           .describe("how often the confirmation job runs"),
       duration("redrive_after", std::chrono::milliseconds(5000))
           .range(0, 600000)
           .describe("an order the counter has not answered is sent again (same request id) by the next confirmation "
                     "run once it was last tried this long ago"),
       duration("lease", std::chrono::milliseconds(60000))
           .range(1000, 600000)
           .describe("how long the confirmation lease holds without renewal (renewed every third of it): an "
                     "instance that dies in the middle of a run holds the others back this long at most"),
       duration("stuck_after", std::chrono::milliseconds(600000))
           .range(0, 86400000)
           .describe("an order whose outcome at the counter is still unknown this long counts as stuck "
                     "(zt_mall_stuck_orders{kind=\"placing\"}) and is listed for staff to resolve"),
       duration("stuck_refresh", std::chrono::milliseconds(15000))
           .range(100, 600000)
           .describe("how often the stuck orders are counted for the metrics (zt_mall_stuck_orders)"),
       integer("confirm_attempts", 5)
           .range(1, 100)
           .describe("a confirmation the counter refuses is worked out again under a new request id this many times "
                     "by itself; then it waits for staff (zt_mall_stuck_orders{kind=\"confirmation_refused\"})"),
       integer("expire_after_days", 10)
           .range(1, 250)
           .describe("an order whose NAV has not come this many trading days after its confirmation date is "
                     "cancelled at the counter (its cash or shares released) and marked expired"),
       duration("read_cache", std::chrono::milliseconds(1000))
           .range(0, 60000)
           .describe("how long an instance reuses a catalogue page or a customer's risk level for display (0: never); "
                     "orders always read afresh"),
       integer("income_certificate_max_holders", 200)
           .range(1, 10000)
           .describe("holders per income certificate issue at most"),
       string("income_certificate_min_protected", "50000.00")
           .describe("least first purchase of a principal-protected income certificate"),
       string("income_certificate_min_unprotected", "1000000.00")
           .describe("least first purchase of a non-protected income certificate"),
       string("qualified_min_purchase", "1000000.00").describe("least first purchase of a private fund or trust"),
       boolean("demo_products", true)
           .describe("sandbox mode only: seed one demo product of each category on first start (【演示】, once) and "
                     "publish their NAVs each trading day at 20:00 (docs/sandbox.md)"),
       duration("demo_interval", std::chrono::milliseconds(60000))
           .range(1000, 3600000)
           .describe("how often the sandbox's demo feed looks for a NAV due")},
      "the financial mall (金融商城)"};
  s.migrations = &zt_mall_migrations;
  s.openapi = &zt_mall_openapi;
  s.make = [](core::ComponentContext& ctx) -> std::unique_ptr<core::Component> {
    return std::make_unique<MallComponent>(ctx);
  };
  return s;
}

}  // namespace zt::services::mall
