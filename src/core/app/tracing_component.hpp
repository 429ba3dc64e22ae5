#pragma once
// The tracing component (issue 19): configures the process's tracer (core/observe/tracer.hpp) —
// sampling, the queue, batches — and counts what becomes of the spans
// (zt_spans_total{result=recorded|not_sampled|dropped|exported}).
//
// Where spans go: with `tracing.endpoint` set, to that OTLP/HTTP traces URL (an OpenTelemetry
// Collector, Jaeger, Tempo, SkyWalking's OTLP receiver) from here; with it empty, to the
// platform's observer service, by name through discovery (the observer's span export component,
// which runs wherever discovery does). `tracing.enabled: false` records nothing.
#include "core/app/component.hpp"

namespace zt::core {

ComponentSpec tracing_spec(std::string version);

}  // namespace zt::core
