#pragma once
// W3C Trace Context (traceparent): parse, propagate, generate.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zt::core::observe {

struct TraceContext {
  std::array<std::uint8_t, 16> trace_id{};
  std::array<std::uint8_t, 8> span_id{};         // this hop's span
  std::array<std::uint8_t, 8> parent_span_id{};  // the caller's span, zero at a root
  std::uint8_t flags = 0x01;                     // sampled

  // A new root trace with random ids.
  static TraceContext generate();
  // Parses "00-<32 hex>-<16 hex>-<2 hex>"; nullopt when malformed or when an id is all zeros.
  static std::optional<TraceContext> parse(std::string_view traceparent);
  // The context for work done on behalf of this one: same trace, new span, this span as parent.
  TraceContext child() const;

  std::string trace_id_hex() const;
  std::string span_id_hex() const;
  std::string parent_span_id_hex() const;
  std::string traceparent() const;  // for outgoing calls: carries this span as the parent
};

// The work a coroutine does now, as the parent of the spans of what it calls (a storage
// transaction, a Redis command, a service call from a job): the span of the request it serves or
// of the job's run, and the service that span is recorded under. Put in the coroutine's slot by the
// tracing middleware (or a traced job) for the work's length, as a value: what reads it keeps a
// copy, never a pointer into a frame that may end first (core/net/work_executor.hpp).
struct SpanOrigin {
  TraceContext trace;
  std::string service;
};

// 16 random hex characters, for request ids.
std::string random_hex_id(std::size_t bytes = 8);

}  // namespace zt::core::observe
