#pragma once
// The system service: liveness of the public path (/api/system/v1/ping), what this node runs
// (/api/system/v1/info) and its start/stop history (/api/system/v1/events, cursor-paged).
#include "core/app/component.hpp"

namespace zt::platform::system {

core::ComponentSpec spec(std::string version);

}  // namespace zt::platform::system
