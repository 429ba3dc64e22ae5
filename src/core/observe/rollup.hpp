// Per-minute service metrics from spans (issue 19): what the observer computes from what it
// receives, before it stores it. For each minute (by the span's end):
//   - service, instance and endpoint figures from the server spans (the calls a service answered);
//   - edge figures from the client spans (the calls a service made: to another service, a
//     database, a vendor);
// each as calls, errors and a LatencySketch — so calls per minute, error rate, average,
// p50/p75/p90/p95/p99 and Apdex are read from them, and rows of two instances or two minutes merge
// exactly (a late span's minute is simply merged again by whoever stores it).
//
// Cardinality is bounded, never by a customer id: an endpoint is a span's `http.route` (after its
// `http.request.method` when it has one; else its
// name — our instrumentation names server spans by route template), and past max_endpoints distinct
// endpoints in a service (max_peers edges, max_instances instances, max_services services) further
// names are folded into "(other)" and counted (SkyWalking's memory blow-ups came from raw URLs as
// endpoint names). A name holds its place while it is seen: one unseen for longer than the window
// gives it up. Names are cut at 256 bytes, and past max_series live series in all minutes a new
// series is not opened (its span counted as dropped).
//
// Not synchronised: one writer (the observer's ingest strand).
#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <string>

#include "core/observe/otlp.hpp"
#include "core/observe/sketch.hpp"

namespace zt::core::observe {

enum class SeriesScope : int { kService = 0, kInstance = 1, kEndpoint = 2, kEdge = 3 };

struct SeriesKey {
  SeriesScope scope = SeriesScope::kService;
  std::string service;
  std::string name;  // the instance id, the endpoint, the edge's peer; empty for the service itself
  auto operator<=>(const SeriesKey&) const = default;
};

struct Figures {
  std::uint64_t calls = 0;
  std::uint64_t errors = 0;
  LatencySketch latency;  // microseconds

  void merge(const Figures& other);
  double error_rate() const { return calls ? static_cast<double>(errors) / static_cast<double>(calls) : 0.0; }
};

using MinuteSeries = std::map<SeriesKey, Figures>;

struct RollupLimits {
  std::size_t max_endpoints = 200;  // per service
  std::size_t max_peers = 100;      // edges per service
  std::size_t max_instances = 200;  // per service
  std::size_t max_services = 500;
  // Spans ending further from now than this are not counted (a sender's wrong clock must not
  // open minutes nobody will ever take): late by up to an hour, early by up to five minutes.
  std::int64_t minutes_back = 60;
  std::int64_t minutes_ahead = 5;
  std::size_t max_series = 200'000;
};

class MinuteRollup {
 public:
  static constexpr const char* kOther = "(other)";

  explicit MinuteRollup(RollupLimits limits = {}) : limits_(limits) {}

  // Counts the batch's server and client spans (internal, producer and consumer spans are not
  // calls) ending within the window around `now_minute`; returns how many were counted.
  std::size_t add(const SpanBatch& batch, std::int64_t now_minute);
  // Takes out every minute before `minute` (minutes since the Unix epoch, UTC).
  std::map<std::int64_t, MinuteSeries> take_before(std::int64_t minute);
  // A copy of the minutes in [from, to) not taken yet, whose series pass `wanted` (the open
  // minutes a live query adds to what is stored).
  template <class Wanted>
  std::map<std::int64_t, MinuteSeries> peek(std::int64_t from, std::int64_t to, Wanted wanted) const {
    std::map<std::int64_t, MinuteSeries> out;
    for (auto it = minutes_.lower_bound(from); it != minutes_.end() && it->first < to; ++it)
      for (const auto& [key, figures] : it->second)
        if (wanted(key)) out[it->first].emplace(key, figures);
    return out;
  }
  // Names folded into "(other)" so far; spans left out for ending outside the window; series not
  // opened past max_series.
  std::uint64_t folded() const { return folded_; }
  std::uint64_t out_of_window() const { return out_of_window_; }
  std::uint64_t dropped() const { return dropped_; }

  // A call that failed: an error status, or an HTTP status of 500 or more on a server span.
  static bool failed(const Span& span);
  // The edge's peer of a client span: peer.service, else db.system, else server.address.
  static std::string peer_of(const Span& span);
  static std::string endpoint_of(const Span& span);

 private:
  using Known = std::map<std::string, std::int64_t>;  // name → the last minute it was seen
  // `name` (cut at 256 bytes) if it is among `known` or there is room for it (then it is added),
  // else "(other)"; seen in `minute`.
  std::string bounded(Known& known, const std::string& name, std::size_t cap, std::int64_t minute);
  void count(MinuteSeries& series, SeriesKey key, const Figures& one);

  RollupLimits limits_;
  std::map<std::int64_t, MinuteSeries> minutes_;
  std::size_t live_series_ = 0;
  Known services_;
  std::map<std::string, Known> endpoints_, peers_, instances_;
  std::uint64_t folded_ = 0;
  std::uint64_t out_of_window_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace zt::core::observe
