#pragma once
#include "core/app/component.hpp"

namespace zt::platform::calendar {

// The calendar platform service (BUSINESS §9): the trading calendar as an API, and staff edits
// of a year's closures published to the config center and pushed live to every process
// (core/finance/live_calendar.hpp).
core::ComponentSpec spec();

}  // namespace zt::platform::calendar
