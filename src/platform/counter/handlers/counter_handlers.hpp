#pragma once
// The counter service's HTTP API (openapi.yaml beside the component): mutations for the
// platform's services only, queries for services and staff with customers.read, and the
// sandbox's administration for staff with sandbox.manage.
#include <functional>
#include <memory>

#include "core/finance/calendar.hpp"
#include "platform/counter/provider.hpp"
#include "platform/counter/sandbox_provider.hpp"

namespace zt::core::http {
class Router;
}

namespace zt::platform::counter {

struct LookupCustomer {
  std::string id_number;
};
BOOST_DESCRIBE_STRUCT(LookupCustomer, (), (id_number))

struct CounterApiDeps {
  CounterProvider& provider;
  SandboxProvider* sandbox = nullptr;  // the administration routes exist only in sandbox mode
  std::function<std::shared_ptr<const core::finance::TradingCalendar>()> calendar;
};

void add_counter_routes(core::http::Router& router, CounterApiDeps deps);

}  // namespace zt::platform::counter
