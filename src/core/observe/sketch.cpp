#include "core/observe/sketch.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "core/util/varint.hpp"

namespace zt::core::observe {

namespace {

constexpr double kGamma = (1.0 + LatencySketch::kRelativeAccuracy) / (1.0 - LatencySketch::kRelativeAccuracy);
// Computed on first use (not at static initialisation: another file's static sketch may come first).
double log_gamma() {
  static const double value = std::log(kGamma);
  return value;
}
int top() {
  static const int value = static_cast<int>(std::ceil(std::log(LatencySketch::kHighestMicros) / log_gamma()));
  return value;
}
constexpr std::uint8_t kVersion = 1;
constexpr double kCeilingMicros = LatencySketch::kHighestMicros * 1000.0;  // what +inf and absurd values count as
constexpr std::uint64_t kMaxCount = 1ull << 53;                            // counts stay exact as doubles

void put_double(std::string& out, double d) {
  auto bits = std::bit_cast<std::uint64_t>(d);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
}

// Reads what encode() wrote; every read fails (false) rather than runs past the end.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool varint(std::uint64_t& v) {
    const std::size_t from = at_;
    // Canonical only (no padding byte): encode never pads, so two encodings of one sketch are equal.
    return core::read_varint(in_, at_, v) && (at_ - from == 1 || in_[at_ - 1] != 0);
  }
  bool real(double& d) {
    if (in_.size() - at_ < 8) return false;
    std::uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(in_[at_++])) << (8 * i);
    d = std::bit_cast<double>(bits);
    return std::isfinite(d);
  }
  bool done() const { return at_ == in_.size(); }

 private:
  std::string_view in_;
  std::size_t at_ = 0;
};

}  // namespace

int LatencySketch::top_index() { return top(); }

int LatencySketch::index_of(double micros) {
  if (!(micros >= kLowestMicros)) return -1;  // the low bucket (NaN too, though add() drops it)
  if (micros >= kHighestMicros) return top();
  return std::clamp(static_cast<int>(std::ceil(std::log(micros) / log_gamma())), 0, top());
}

double LatencySketch::value_of(int index) { return 2.0 * std::exp(index * log_gamma()) / (kGamma + 1.0); }

void LatencySketch::add(double micros, std::uint64_t count) {
  if (count == 0 || std::isnan(micros)) return;
  micros = std::clamp(micros, 0.0, kCeilingMicros);  // +inf and absurd values: kept finite
  if (count_ == 0) {
    min_ = max_ = micros;
  } else {
    min_ = std::min(min_, micros);
    max_ = std::max(max_, micros);
  }
  count_ += count;
  sum_ += micros * static_cast<double>(count);
  if (micros < kLowestMicros)
    low_ += count;
  else if (micros > kHighestMicros)
    high_ += count;
  else
    bump(index_of(micros), count);
}

void LatencySketch::bump(int index, std::uint64_t count) {
  if (buckets_.empty()) {
    offset_ = index;
    buckets_.assign(1, 0);
  } else if (index < offset_) {
    buckets_.insert(buckets_.begin(), static_cast<std::size_t>(offset_ - index), 0);
    offset_ = index;
  } else if (index - offset_ >= static_cast<int>(buckets_.size())) {
    buckets_.resize(static_cast<std::size_t>(index - offset_ + 1), 0);
  }
  buckets_[static_cast<std::size_t>(index - offset_)] += count;
}

void LatencySketch::merge(const LatencySketch& other) {
  if (other.count_ == 0) return;
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  low_ += other.low_;
  high_ += other.high_;
  sum_ += other.sum_;
  // The other's buckets from its first to its last that holds any (so the range is the same as
  // adding them one by one would give), the range widened once, then added in one pass.
  std::size_t first = 0, end = other.buckets_.size();
  while (first < end && other.buckets_[first] == 0) ++first;
  while (end > first && other.buckets_[end - 1] == 0) --end;
  if (first == end) return;
  const int lo = other.offset_ + static_cast<int>(first), hi = other.offset_ + static_cast<int>(end) - 1;
  if (buckets_.empty()) {
    offset_ = lo;
    buckets_.assign(other.buckets_.begin() + static_cast<std::ptrdiff_t>(first),
                    other.buckets_.begin() + static_cast<std::ptrdiff_t>(end));
    return;
  }
  if (lo < offset_) {
    buckets_.insert(buckets_.begin(), static_cast<std::size_t>(offset_ - lo), 0);
    offset_ = lo;
  }
  if (hi - offset_ >= static_cast<int>(buckets_.size())) buckets_.resize(static_cast<std::size_t>(hi - offset_ + 1), 0);
  for (std::size_t k = first; k < end; ++k)
    buckets_[static_cast<std::size_t>(other.offset_ + static_cast<int>(k) - offset_)] += other.buckets_[k];
}

double LatencySketch::quantile(double q) const {
  if (count_ == 0) return 0.0;
  if (!(q > 0.0)) return min_;  // NaN too
  if (q >= 1.0) return max_;
  // ⌈q·n⌉, where a product that is a whole number in decimal (0.99 × 100) may come out a hair
  // above it in binary: pulled back by a relative 1e-12 first.
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_) * (1.0 - 1e-12))));
  std::uint64_t seen = low_;
  if (rank <= seen) return min_;
  for (std::size_t k = 0; k < buckets_.size(); ++k) {
    seen += buckets_[k];
    if (seen < rank) continue;
    // The true value lies in [min, max]: clamping only brings the estimate nearer.
    return std::clamp(value_of(offset_ + static_cast<int>(k)), min_, max_);
  }
  return max_;  // beyond an hour (high_): the largest seen
}

std::uint64_t LatencySketch::count_at_most(double micros) const {
  if (count_ == 0 || std::isnan(micros) || micros < min_) return 0;
  if (micros >= max_) return count_;
  std::uint64_t n = low_;
  if (micros < kLowestMicros) return n;
  const int last = index_of(micros);
  for (std::size_t k = 0; k < buckets_.size() && offset_ + static_cast<int>(k) <= last; ++k) n += buckets_[k];
  return n;  // high_ only when micros ≥ max_ (above)
}

std::string LatencySketch::encode() const {
  std::string out;
  out.reserve(40 + 4 * buckets_.size());
  out.push_back(static_cast<char>(kVersion));
  core::append_varint(out, count_);
  core::append_varint(out, low_);
  core::append_varint(out, high_);
  put_double(out, sum_);
  put_double(out, min());
  put_double(out, max());
  const auto filled =
      static_cast<std::uint64_t>(std::count_if(buckets_.begin(), buckets_.end(), [](auto c) { return c != 0; }));
  core::append_varint(out, filled);
  int previous = -1;
  for (std::size_t k = 0; k < buckets_.size(); ++k) {
    if (!buckets_[k]) continue;
    const int index = offset_ + static_cast<int>(k);
    core::append_varint(out, static_cast<std::uint64_t>(index - previous));  // ≥ 1
    core::append_varint(out, buckets_[k]);
    previous = index;
  }
  return out;
}

std::optional<LatencySketch> LatencySketch::decode(std::string_view bytes) {
  if (bytes.empty() || static_cast<std::uint8_t>(bytes[0]) != kVersion) return std::nullopt;
  Reader in(bytes.substr(1));
  LatencySketch s;
  std::uint64_t count = 0, low = 0, high = 0, filled = 0;
  double sum = 0, min = 0, max = 0;
  if (!in.varint(count) || !in.varint(low) || !in.varint(high) || !in.real(sum) || !in.real(min) || !in.real(max) ||
      !in.varint(filled))
    return std::nullopt;
  if (count > kMaxCount || filled > static_cast<std::uint64_t>(top()) + 1) return std::nullopt;
  std::uint64_t total = 0;
  int previous = -1;
  for (std::uint64_t f = 0; f < filled; ++f) {
    std::uint64_t step = 0, c = 0;
    if (!in.varint(step) || !in.varint(c) || step == 0 || c == 0) return std::nullopt;
    if (step > static_cast<std::uint64_t>(top() - previous)) return std::nullopt;  // past the top bucket
    if (c > kMaxCount - total) return std::nullopt;
    previous += static_cast<int>(step);
    total += c;
    s.bump(previous, c);
  }
  // Every count in one place: the low, the buckets, the high.
  if (!in.done() || low > kMaxCount - total || high > kMaxCount - total - low || total + low + high != count)
    return std::nullopt;
  if (count == 0) {
    if (sum != 0 || min != 0 || max != 0) return std::nullopt;
    return s;
  }
  // The exact figures agree with the counts: the min in the lowest place holding any, the max in
  // the highest, the sum between n·min and n·max, one duration its own min, max and sum.
  if (min < 0 || min > max || max > kCeilingMicros) return std::nullopt;
  const double n = static_cast<double>(count);
  if (sum < min * n * (1 - 1e-9) || sum > max * n * (1 + 1e-9)) return std::nullopt;
  if (count == 1 && (min != max || sum != min)) return std::nullopt;
  if ((low > 0) != (min < kLowestMicros) || (high > 0) != (max > kHighestMicros)) return std::nullopt;
  if (high == 0 && (filled == 0 ? max >= kLowestMicros : index_of(max) != previous)) return std::nullopt;
  if (low == 0 && (filled == 0 ? min <= kHighestMicros : index_of(min) != s.offset_)) return std::nullopt;
  s.count_ = count;
  s.low_ = low;
  s.high_ = high;
  s.sum_ = sum;
  s.min_ = min;
  s.max_ = max;
  return s;
}

bool LatencySketch::operator==(const LatencySketch& other) const {
  return count_ == other.count_ && low_ == other.low_ && high_ == other.high_ && sum_ == other.sum_ &&
         min() == other.min() && max() == other.max() &&
         (buckets_.empty() ? other.buckets_.empty() : (offset_ == other.offset_ && buckets_ == other.buckets_));
}

double apdex(const LatencySketch& sketch, double threshold_micros) {
  if (sketch.empty()) return 1.0;
  const auto satisfied = sketch.count_at_most(threshold_micros);
  const auto tolerating = sketch.count_at_most(4 * threshold_micros) - satisfied;
  return (static_cast<double>(satisfied) + static_cast<double>(tolerating) / 2.0) / static_cast<double>(sketch.count());
}

}  // namespace zt::core::observe
