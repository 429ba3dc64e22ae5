// A latency sketch (对数分桶延迟草图): durations counted in logarithmic buckets, so that every
// quantile read from it is within 1 % of the true value however many durations went in, from a
// microsecond to an hour; two sketches add up to the sketch of both streams (instances, minutes,
// hours merge exactly); a few hundred bytes to keep or send. The observer's percentiles, averages
// and Apdex per service, endpoint and edge come from it (issue 19). SkyWalking's 10 ms linear
// buckets, by contrast, show p50 = 0 for anything faster than 10 ms.
//
// Bucket i holds the durations in (γ^(i-1), γ^i] microseconds, γ = (1 + α) / (1 − α), α = 1 %;
// it reports 2γ^i / (γ + 1), which is within α of every duration in it. Durations below 1 µs
// (and negative ones) share one bucket reported as the smallest duration seen; durations above
// an hour share another, reported as the largest seen. Min, max and sum are kept exactly. Counts
// stay below 2^53 (a decoded sketch claiming more is refused; merging sketches whose counts add
// up past it is the caller's to avoid — a trillion calls a minute).
//
// Not synchronised: one writer at a time (a recorder keeps one per thread or behind its lock).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace zt::core::observe {

class LatencySketch {
 public:
  static constexpr double kRelativeAccuracy = 0.01;
  static constexpr double kLowestMicros = 1.0;                  // below: one bucket, reported as the min seen
  static constexpr double kHighestMicros = 3600.0 * 1'000'000;  // above: the top bucket, reported as the max seen

  // Adds `count` durations of `micros` each. NaN is ignored; negative counts as 0; +inf as the top.
  void add(double micros, std::uint64_t count = 1);
  // Adds every duration of `other` (exactly: the result is the sketch of both streams).
  void merge(const LatencySketch& other);

  std::uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  double sum() const { return sum_; }  // microseconds, exact up to double rounding
  double min() const { return count_ ? min_ : 0.0; }
  double max() const { return count_ ? max_ : 0.0; }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }

  // The duration at rank ⌈q·n⌉ (nearest rank; q = 0 gives the min, q = 1 the max), within 1 %
  // of the true one for durations from 1 µs to an hour; 0 when empty. q outside [0, 1] is clamped.
  double quantile(double q) const;
  // How many durations are at most `micros`, to the bucket: the count may include durations up to
  // one bucket (2 %) above `micros`, never leaves out one at or below it.
  std::uint64_t count_at_most(double micros) const;

  // Compact bytes (version, exact figures, then the non-empty buckets as varints).
  std::string encode() const;
  // nullopt for anything encode() could not have made: a short or long input, another version,
  // padded varints, a bucket out of range, counts that overflow or disagree, a min, max or sum
  // that the counts contradict.
  static std::optional<LatencySketch> decode(std::string_view bytes);

  bool operator==(const LatencySketch& other) const;

  // The bucket a duration falls in, and the duration a bucket reports (exposed for tests).
  static int index_of(double micros);
  static double value_of(int index);
  static int top_index();

 private:
  void bump(int index, std::uint64_t count);

  std::uint64_t count_ = 0;
  std::uint64_t low_ = 0;   // durations below kLowestMicros
  std::uint64_t high_ = 0;  // durations above kHighestMicros
  double sum_ = 0.0;
  double min_ = 0.0;
  double max_ = 0.0;
  int offset_ = 0;                      // index of buckets_[0]
  std::vector<std::uint64_t> buckets_;  // dense from offset_, grown as durations arrive
};

// Apdex with threshold T: (satisfied + tolerating / 2) / n, satisfied at most T, tolerating at
// most 4T (to count_at_most's bucket); 1.0 when empty (no one was kept waiting).
double apdex(const LatencySketch& sketch, double threshold_micros);

}  // namespace zt::core::observe
