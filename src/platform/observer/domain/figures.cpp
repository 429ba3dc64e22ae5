#include "platform/observer/domain/figures.hpp"

#include <charconv>
#include <cmath>

namespace zt::platform::observer {

namespace {

// Milliseconds to the nanosecond, from microseconds (so 0.1 ms keeps its 1 %).
double ms(double micros) { return std::round(micros * 1000.0) / 1e6; }

std::optional<std::int64_t> integer(const std::string& text) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

boost::json::object figures_json(const core::observe::Figures& f, std::int64_t minutes, double apdex_threshold_micros) {
  const auto& l = f.latency;
  const double calls = static_cast<double>(f.calls);
  return {{"calls", f.calls},
          {"cpm", minutes > 0 ? std::round(calls / static_cast<double>(minutes) * 100) / 100 : 0.0},
          {"errors", f.errors},
          {"error_rate", std::round(f.error_rate() * 1e6) / 1e6},
          {"sla", f.calls ? std::round((1.0 - f.error_rate()) * 1e6) / 1e6 : 1.0},
          {"avg_ms", ms(l.mean())},
          {"p50_ms", ms(l.quantile(0.50))},
          {"p75_ms", ms(l.quantile(0.75))},
          {"p90_ms", ms(l.quantile(0.90))},
          {"p95_ms", ms(l.quantile(0.95))},
          {"p99_ms", ms(l.quantile(0.99))},
          {"max_ms", ms(l.max())},
          {"apdex", std::round(core::observe::apdex(l, apdex_threshold_micros) * 1e4) / 1e4}};
}

std::optional<Range> range_of(const std::optional<std::string>& from_ms, const std::optional<std::string>& to_ms,
                              std::int64_t now_ms, std::int64_t max_span_ms) {
  Range r;
  r.to_ms = now_ms;
  if (to_ms) {
    const auto v = integer(*to_ms);
    if (!v) return std::nullopt;
    r.to_ms = *v;
  }
  r.from_ms = r.to_ms - 30 * 60'000;
  if (from_ms) {
    const auto v = integer(*from_ms);
    if (!v) return std::nullopt;
    r.from_ms = *v;
  }
  // Not before the epoch, not past a day from now (nothing is kept from further ahead).
  if (r.from_ms < 0 || r.from_ms >= r.to_ms || r.to_ms - r.from_ms > max_span_ms || r.to_ms > now_ms + 86'400'000)
    return std::nullopt;
  r.from_minute = floor_div(r.from_ms, 60'000);
  r.to_minute = floor_div(r.to_ms + 59'999, 60'000);  // the minute holding `to` (none more when it starts one)
  return r;
}

}  // namespace zt::platform::observer
