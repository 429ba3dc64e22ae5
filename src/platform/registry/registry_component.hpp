#pragma once
// The `registry` target (the Nacos role): service registry and config center over HTTP, and the
// same API in-process for the discovery client when it runs in this process.
#include "core/app/component.hpp"

namespace zt::platform::registry {

core::ComponentSpec spec();

}  // namespace zt::platform::registry
