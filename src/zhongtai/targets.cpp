// The target graph, in one readable list. Each entry is a target; `--target all` runs every one
// in one process; `--target system` runs it with its dependencies (server, admin).
#include "zhongtai/targets.hpp"

#include "core/app/listeners.hpp"
#include "core/discovery/discovery.hpp"
#include "core/app/resilience_component.hpp"
#include "core/app/tracing_component.hpp"
#include "gateway/gateway_component.hpp"
#include "platform/bank/bank.hpp"
#include "platform/calendar/calendar_component.hpp"
#include "platform/counter/counter_component.hpp"
#include "platform/csdc/csdc.hpp"
#include "platform/face/face.hpp"
#include "platform/identity/identity.hpp"
#include "platform/phone/phone.hpp"
#include "platform/notify/notify_component.hpp"
#include "platform/observer/observer_component.hpp"
#include "platform/registry/registry_component.hpp"
#include "platform/suitability/suitability_component.hpp"
#include "platform/system/system_component.hpp"
#include "services/auth/auth_component.hpp"
#include "services/mall/mall_component.hpp"
#include "zhongtai/version.hpp"

namespace zt {

std::vector<core::ComponentSpec> component_specs() {
  return {
      core::admin_listener_spec(),               // needs nothing
      core::resilience::resilience_spec(),       // needs admin
      core::tracing_spec(std::string(kVersion)),  // needs admin
      core::public_listener_spec(),              // needs admin, resilience, tracing
      core::discovery::discovery_spec(std::string(kVersion)),  // needs server; after registry when both run
      platform::registry::spec(),                    // needs server
      platform::observer::spec(),                    // needs server, discovery
      platform::observer::span_export_spec(std::string(kVersion)),  // wherever discovery runs: spans to the observer
      platform::system::spec(std::string(kVersion)),  // needs server
      platform::notify::spec(),                        // needs server
      platform::calendar::spec(),                      // needs server, discovery; publishes through the registry
      platform::counter::spec(),                       // needs server, discovery
      platform::suitability::spec(),                   // needs server, discovery
      platform::identity::spec(),                      // the vendor services: needs server, discovery
      platform::phone::spec(),
      platform::csdc::spec(),
      platform::bank::spec(),
      platform::face::spec(),
      services::auth::spec(),                          // needs server, discovery; calls notify
      services::mall::spec(),                          // needs server, discovery; calls auth, suitability, counter
      gateway::spec(),                                 // needs server, discovery; first on the public path
  };
}

}  // namespace zt
