#pragma once
// The two listeners every process has (DESIGN §2): the public HTTP listener and the admin
// listener (/metrics, /healthz, /readyz, /config), never exposed publicly.
#include "core/app/component.hpp"

namespace zt::core {

ComponentSpec admin_listener_spec();
ComponentSpec public_listener_spec();

}  // namespace zt::core
