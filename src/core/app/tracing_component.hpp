#pragma once
// The tracing component (issue 19): configures the process's tracer (core/observe/tracer.hpp) —
// sampling, the queue, batches — and counts what becomes of the spans
// (zt_spans_total{result=recorded|not_sampled|dropped|exported}).
//
// Where spans go: with `tracing.endpoint` set, to that OTLP/HTTP traces URL (an OpenTelemetry
// Collector, Jaeger, Tempo, SkyWalking's OTLP receiver) from here; with it empty, to the
// platform's observer service, by name through discovery (the observer's span export component,
// which runs wherever discovery does). `tracing.enabled: false` records nothing.
//
// The process's resource figures (core/observe/resources.hpp) go the same way as OTLP metrics,
// every `tracing.resources_interval`.
#include "core/app/component.hpp"
#include "core/observe/resources.hpp"

namespace zt::core {

ComponentSpec tracing_spec(std::string version);

// This process's resource figures now: /proc, each io thread's CPU time, the blocking pool's queue.
observe::ResourceReading read_resources(net::IoRuntime& runtime);
// The figures to send now, from `meter`'s next reading; none after the first reading, which only
// primes the rates (and is taken before discovery may have named this instance).
std::optional<std::vector<observe::Metric>> resources_to_send(observe::ResourceMeter& meter, net::IoRuntime& runtime);

// The services whose instances show this process's resources: those it runs, else the one that
// names the process (the gateway, or "zhongtai").
std::vector<std::string> resource_services(ComponentContext& ctx);

}  // namespace zt::core
