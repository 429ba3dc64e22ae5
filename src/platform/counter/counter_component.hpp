#pragma once
#include "core/app/component.hpp"

namespace zt::platform::counter {

// The counter platform service (柜台): `counter.provider` sandbox (the ledger in this service's
// tables) — the only provider so far.
core::ComponentSpec spec();

}  // namespace zt::platform::counter
