#pragma once
// The notify platform service: SMS and e-mail for every other service.
//   POST /api/notify/v1/messages   services only (in-process or signed identity): render a template
//                                  and send it through the provider
//   GET  /api/notify/v1/outbox     the sandbox outbox, newest first (sandbox provider only)
#include <string>

#include "core/app/component.hpp"

namespace zt::platform::notify {

core::ComponentSpec spec();

}  // namespace zt::platform::notify
