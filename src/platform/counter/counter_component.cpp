#include "platform/counter/counter_component.hpp"

#include "core/app/keys.hpp"
#include "core/finance/live_calendar.hpp"
#include "core/http/router.hpp"
#include "core/observe/log.hpp"
#include "core/storage/database.hpp"
#include "platform/counter/handlers/counter_handlers.hpp"
#include "platform/counter/sandbox_provider.hpp"

std::span<const zt::core::EmbeddedFile> zt_counter_migrations();
std::span<const zt::core::EmbeddedFile> zt_counter_openapi();

namespace zt::platform::counter {

namespace {

class CounterComponent final : public core::Component {
 public:
  explicit CounterComponent(core::ComponentContext& ctx)
      : provider_name_(ctx.config().get_string("provider")),
        sandbox_(std::make_unique<SandboxProvider>(ctx.database(), core::sealing_keys(ctx))) {
    add_counter_routes(ctx.public_router(), CounterApiDeps{*sandbox_, sandbox_.get(), [] { return core::finance::trading_calendar(); }});
  }
  void start() override { core::log::info("counter: provider {}", provider_name_); }
  void stop() override {}

 private:
  std::string provider_name_;
  std::unique_ptr<SandboxProvider> sandbox_;
};

}  // namespace

core::ComponentSpec spec() {
  using namespace core::config;
  core::ComponentSpec s;
  s.name = "counter";
  s.description = "the counter (柜台): customers, accounts, cash and holdings, fund orders (sandbox: a double-entry ledger)";
  s.dependencies = {"server", "discovery"};
  s.service = true;
  s.schema = {"counter",
              {string("provider", "sandbox").choices({"sandbox"}).describe("sandbox keeps a real ledger in this service's tables")},
              "the counter (柜台)"};
  s.migrations = &zt_counter_migrations;
  s.openapi = &zt_counter_openapi;
  s.make = [](core::ComponentContext& ctx) -> std::unique_ptr<core::Component> { return std::make_unique<CounterComponent>(ctx); };
  return s;
}

}  // namespace zt::platform::counter
