#pragma once
// The resilience component: owns the engine, loads the persisted rules at start, accepts new rules
// from the admin API (PUT /resilience/rules) and from the dynamic setting `resilience.rules`
// (which the config center will push), validates them, applies them atomically and persists
// them under the data directory so a restart keeps them. It lives with the other built-in
// components in app/ (the runtime floor): core/resilience below knows no components.
#include <memory>
#include <mutex>
#include <string>

#include "core/app/component.hpp"
#include "core/resilience/engine.hpp"

namespace zt::core::http {
class Middleware;
}

namespace zt::core::resilience {

class ResilienceComponent final : public Component {
 public:
  explicit ResilienceComponent(ComponentContext& ctx);
  ~ResilienceComponent() override;

  Engine& engine() { return *engine_; }
  std::shared_ptr<http::Middleware> inbound() const { return inbound_; }
  // Validates, applies and persists; throws RuleError on invalid rules (nothing changes then).
  void replace_rules(const std::string& text, const std::string& origin);

 private:
  std::unique_ptr<Engine> engine_;
  std::shared_ptr<http::Middleware> inbound_;
  std::string rules_path_;
  std::mutex mutex_;  // serialises replace_rules
  std::uint64_t subscription_ = 0;
};

ComponentSpec resilience_spec();

}  // namespace zt::core::resilience
