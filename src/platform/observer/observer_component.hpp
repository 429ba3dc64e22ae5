#pragma once
// The observer platform service (issue 19, the SkyWalking role): takes the spans every process
// exports and shows them.
//   POST /api/observer/v1/traces             services only: an OTLP/HTTP traces body (protobuf or
//                                            JSON); 429 with Retry-After when busy
//   GET  /api/observer/v1/traces/{trace_id}  staff (governance.read): one trace, every span
//
// And the span export (span_export_spec): wherever discovery runs, the process's tracer hands its
// batches to the observer by name (unless tracing.endpoint sends them elsewhere).
#include "core/app/component.hpp"

namespace zt::platform::observer {

core::ComponentSpec spec();
core::ComponentSpec span_export_spec(std::string version);

}  // namespace zt::platform::observer
