#include "core/app/resilience_component.hpp"

#include <fmt/format.h>

#include <filesystem>

#include "core/config/dynamic.hpp"
#include "core/http/error.hpp"
#include "core/http/router.hpp"
#include "core/observe/log.hpp"
#include "core/resilience/middleware.hpp"
#include "core/util/files.hpp"

namespace zt::core::resilience {

namespace {


std::string problems_message(const RuleError& e) { return config::describe_problems("限流熔断规则无效：", e.problems()); }

// Pushed rules that do not parse are refused before they reach the snapshot: the last good stay.
const config::DynamicKey<std::string> kRules{"resilience.rules", "", [](const std::string& text) -> std::optional<std::string> {
                                               if (text.empty()) return std::nullopt;
                                               try {
                                                 parse_rules(text);
                                               } catch (const RuleError& e) {
                                                 return problems_message(e);
                                               }
                                               return std::nullopt;
                                             }};

}  // namespace

ResilienceComponent::ResilienceComponent(ComponentContext& ctx)
    : engine_(std::make_unique<Engine>(&ctx.metrics())), inbound_(inbound_middleware(*engine_)) {
  if (std::string host = ctx.config().get_string("redis_host"); !host.empty()) {
    net::RedisOptions ro;
    ro.host = host;
    ro.port = static_cast<std::uint16_t>(ctx.config().get_int("redis_port"));
    ro.password = ctx.config().get_string("redis_password");
    ro.command_timeout = ctx.config().get_duration("redis_timeout");
    engine_->set_redis(std::make_shared<net::RedisClient>(ro));
  }
  const auto& node = ctx.full_config().section("node");
  rules_path_ = (std::filesystem::path(node.get_string("data_dir")) / "resilience" / "rules.yaml").string();
  std::string initial = ctx.config().get_string("rules_file");
  if (std::filesystem::exists(rules_path_)) {
    replace_rules(read_text_file(rules_path_).value_or(""), rules_path_);  // what was last applied survives restarts
  } else if (!initial.empty()) {
    if (!std::filesystem::exists(initial))
      throw std::runtime_error(fmt::format("resilience.rules_file {} does not exist", initial));
    replace_rules(read_text_file(initial).value_or(""), initial);
  }
  if (std::string pushed = kRules.get(); !pushed.empty()) replace_rules(pushed, "dynamic resilience.rules");
  subscription_ = config::DynamicSettings::global().subscribe(kRules.name(), [this](const auto&) {
    try {
      replace_rules(kRules.get(), "dynamic resilience.rules");
    } catch (const std::exception& e) {
      log::error("refused pushed resilience rules, the previous rules stay: {}", e.what());
    }
  });

  auto& admin = ctx.admin_router();
  admin.add(http::Method::kGet, "/resilience/rules",
            [this](http::Request&, http::RequestContext&) -> boost::asio::awaitable<http::Response> {
              co_return http::Response::text(200, serialize_rules(engine_->rules()), "application/yaml; charset=utf-8");
            });
  admin.add(http::Method::kPut, "/resilience/rules",
            [this](http::Request& req, http::RequestContext& rctx) -> boost::asio::awaitable<http::Response> {
              try {
                replace_rules(req.body, "admin API");
              } catch (const RuleError& e) {
                throw http::ApiError(400, "RESILIENCE_RULES_INVALID", problems_message(e));
              }
              rctx.log().info("resilience rules replaced through the admin API");
              co_return http::Response::text(200, serialize_rules(engine_->rules()), "application/yaml; charset=utf-8");
            });
}

ResilienceComponent::~ResilienceComponent() { config::DynamicSettings::global().unsubscribe(subscription_); }

void ResilienceComponent::replace_rules(const std::string& text, const std::string& origin) {
  std::lock_guard lock(mutex_);
  RuleSet rules = parse_rules(text);  // throws before anything changes
  const std::string canonical = serialize_rules(rules);
  engine_->apply(std::move(rules));  // throws (nothing changes) when cluster rules lack Redis
  write_file_atomically(rules_path_, canonical);
  log::info("resilience rules applied from {}", origin);
}

ComponentSpec resilience_spec() {
  ComponentSpec spec;
  spec.name = "resilience";
  spec.description = "flow control, circuit breaking, keyed limits and bulkheads (rules live, persisted)";
  spec.dependencies = {"admin"};
  spec.schema = {"resilience",
                 {config::string("rules_file", "").describe("rules applied on first start, before any are persisted"),
                  config::string("redis_host", "").describe("Redis for cluster-wide limits (IP address); empty: none"),
                  config::integer("redis_port", 6379).range(1, 65535),
                  config::string("redis_password", ""),
                  config::duration("redis_timeout", std::chrono::milliseconds(50)).range(1, 10000)},
                 "flow control and circuit breaking"};
  spec.make = [](ComponentContext& ctx) -> std::unique_ptr<Component> {
    return std::make_unique<ResilienceComponent>(ctx);
  };
  return spec;
}

}  // namespace zt::core::resilience
