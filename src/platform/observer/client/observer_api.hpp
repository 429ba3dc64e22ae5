#pragma once
// The observer service's wire types, shared by its handlers and its callers (observer_client.hpp).
// Spans and log records travel as OTLP/HTTP bodies (core/observe/otlp.hpp).

namespace zt::platform::observer {

// An export (spans or log records) the observer took. It answers as OTLP/HTTP does: an empty
// Export{Trace,Logs}ServiceResponse in the request's encoding (no partial rejections: a batch it
// cannot read is refused whole).
struct ExportTaken {};

}  // namespace zt::platform::observer
