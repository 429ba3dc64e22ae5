#pragma once
// The observer service's wire types, shared by its handlers and its callers (observer_client.hpp).
// Spans travel as OTLP/HTTP bodies (core/observe/otlp.hpp).

namespace zt::platform::observer {

// An export the observer took. It answers as OTLP/HTTP does: an empty ExportTraceServiceResponse
// in the request's encoding (no partial rejections: a batch it cannot read is refused whole).
struct SpansTaken {};

}  // namespace zt::platform::observer
