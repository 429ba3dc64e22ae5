#include "core/observe/sketch.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace zt::core::observe {
namespace {

// The nearest-rank percentile of sorted values, rank ⌈permille·n / 1000⌉ in whole numbers.
double exact(const std::vector<double>& sorted, int permille) {
  const auto n = static_cast<std::uint64_t>(sorted.size());
  const std::uint64_t rank = std::max<std::uint64_t>(1, (permille * n + 999) / 1000);
  return sorted[rank - 1];
}

LatencySketch sketch_of(const std::vector<double>& values) {
  LatencySketch s;
  for (double v : values) s.add(v);
  return s;
}

// Every percentile of the table the observer shows, and the tails, within 1 % of the exact one.
void expect_within_one_percent(const std::vector<double>& values, const std::string& what) {
  auto sorted = values;
  std::sort(sorted.begin(), sorted.end());
  const auto s = sketch_of(values);
  ASSERT_EQ(s.count(), values.size());
  for (int permille : {1, 10, 100, 250, 500, 750, 900, 950, 990, 999}) {
    const double want = exact(sorted, permille), got = s.quantile(permille / 1000.0);
    EXPECT_LE(std::abs(got - want), want * LatencySketch::kRelativeAccuracy * (1 + 1e-9))
        << what << ": p" << permille / 10.0 << " exact " << want << " µs, sketch " << got;
  }
  EXPECT_EQ(s.quantile(0), sorted.front()) << what;
  EXPECT_EQ(s.quantile(1), sorted.back()) << what;
  EXPECT_EQ(s.min(), sorted.front());
  EXPECT_EQ(s.max(), sorted.back());
}

TEST(LatencySketch, PercentilesAreWithinOnePercentFromATenthOfAMillisecondToTenSeconds) {
  std::mt19937_64 rng(20261207);
  // Log-uniform over the whole range: every decade from 0.1 ms to 10 s equally represented.
  std::uniform_real_distribution<double> exponent(2.0, 7.0);
  std::vector<double> spread;
  for (int i = 0; i < 100'000; ++i) spread.push_back(std::pow(10.0, exponent(rng)));
  expect_within_one_percent(spread, "log-uniform 0.1 ms..10 s");
  // A service's usual shape: most calls near 2 ms, a long tail.
  std::lognormal_distribution<double> service(std::log(2000.0), 0.8);
  std::vector<double> tail;
  for (int i = 0; i < 50'000; ++i) tail.push_back(std::clamp(service(rng), 100.0, 1e7));
  expect_within_one_percent(tail, "log-normal around 2 ms");
  // Two populations (cache hits at 0.15 ms, database reads at 40 ms): a percentile between them.
  std::vector<double> two;
  std::normal_distribution<double> hit(150.0, 10.0), read(40'000.0, 5'000.0);
  for (int i = 0; i < 20'000; ++i) two.push_back(i % 10 < 7 ? std::max(100.0, hit(rng)) : std::max(100.0, read(rng)));
  expect_within_one_percent(two, "bimodal 0.15 ms / 40 ms");
  // The bucket edges themselves (γ^i, where rounding in the logarithm may put a value one bucket
  // up) and the doubles on either side of them, repeated.
  const double gamma = (1 + LatencySketch::kRelativeAccuracy) / (1 - LatencySketch::kRelativeAccuracy);
  std::vector<double> edges;
  for (int i = 0; i < 3000; ++i) {
    const double edge = std::pow(gamma, 470 + i % 11);  // about 11 ms
    edges.push_back(i % 3 == 0 ? edge : std::nextafter(edge, i % 3 == 1 ? 0.0 : 1e300));
  }
  expect_within_one_percent(edges, "values on bucket edges");
  // And a handful: the rank rule itself (⌈q·n⌉ of 100 values: p99 is the 99th, not the 100th).
  std::vector<double> hundred;
  for (int i = 1; i <= 100; ++i) hundred.push_back(i * 1000.0);
  expect_within_one_percent(hundred, "1..100 ms");
  const auto h = sketch_of(hundred);
  EXPECT_NEAR(h.quantile(0.99), 99'000.0, 990.0);
  EXPECT_NEAR(h.quantile(0.5), 50'000.0, 500.0);
  EXPECT_NEAR(h.quantile(0.07), 7'000.0, 70.0);  // 0.07 × 100 is 7.000000000000001 in binary: still rank 7
}

TEST(LatencySketch, BelowTenMillisecondsItDoesNotCollapseToZeroAsTenMillisecondBucketsDo) {
  LatencySketch s;
  for (int i = 0; i < 1000; ++i) s.add(300.0 + i);  // 0.3–1.3 ms
  EXPECT_GT(s.quantile(0.5), 790.0);
  EXPECT_LT(s.quantile(0.5), 810.0);
  EXPECT_NEAR(s.mean(), 799.5, 1e-9);
  EXPECT_DOUBLE_EQ(s.sum(), 799'500.0);
}

TEST(LatencySketch, MergingInstancesAndMinutesGivesTheSketchOfTheWholeStream) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int> micros(50, 20'000'000);
  LatencySketch whole, a, b, c, ab_then_c, c_then_ab;
  for (int i = 0; i < 30'000; ++i) {
    const double v = micros(rng);  // whole microseconds: the sums add up exactly in any order
    whole.add(v);
    (i % 3 == 0 ? a : i % 3 == 1 ? b : c).add(v);
  }
  ab_then_c.merge(a);
  ab_then_c.merge(b);
  ab_then_c.merge(c);
  c_then_ab.merge(c);
  c_then_ab.merge(b);
  c_then_ab.merge(a);
  EXPECT_TRUE(ab_then_c == whole);
  EXPECT_TRUE(c_then_ab == whole);
  for (double q : {0.5, 0.9, 0.99}) EXPECT_EQ(ab_then_c.quantile(q), whole.quantile(q));
  LatencySketch empty;
  ab_then_c.merge(empty);
  EXPECT_TRUE(ab_then_c == whole);
  empty.merge(whole);
  EXPECT_TRUE(empty == whole);
}

// Sketches of ranges apart (a fast endpoint, a slow one, one between), merged in every order:
// the merged range widens below and above, and is the whole stream's.
TEST(LatencySketch, MergingRangesApartWidensEitherWayToTheWholeStream) {
  LatencySketch whole, fast, slow, middle;
  for (int i = 0; i < 300; ++i) {
    const double f = 100 + i % 100, s = 1'000'000 + 3'000.0 * (i % 300), m = 5'000 + 7.0 * (i % 150);
    whole.add(f);
    whole.add(s);
    whole.add(m);
    fast.add(f);
    slow.add(s);
    middle.add(m);
  }
  const std::vector<std::vector<const LatencySketch*>> orders{
      {&fast, &slow, &middle}, {&slow, &middle, &fast}, {&middle, &fast, &slow}, {&slow, &fast, &middle}};
  for (const auto& order : orders) {
    LatencySketch merged;
    for (const auto* part : order) merged.merge(*part);
    EXPECT_TRUE(merged == whole);
    EXPECT_EQ(merged.quantile(0.5), whole.quantile(0.5));
  }
}

TEST(LatencySketch, EdgesOfTheRangeAndBadDurations) {
  LatencySketch s;
  EXPECT_EQ(s.quantile(0.5), 0.0);
  EXPECT_EQ(s.count_at_most(1e9), 0u);
  EXPECT_EQ(apdex(s, 500'000), 1.0);  // nobody waited
  s.add(std::nan(""));
  s.add(5.0, 0);
  EXPECT_TRUE(s.empty());
  s.add(-3.0);                                 // a clock stepping back: counted as 0
  s.add(0.4);                                  // below a microsecond: the low bucket, reported as the smallest seen
  s.add(2.0 * LatencySketch::kHighestMicros);  // beyond an hour: the top bucket, reported as the largest
  s.add(std::numeric_limits<double>::infinity());
  EXPECT_EQ(s.count(), 4u);
  EXPECT_EQ(s.min(), 0.0);
  EXPECT_EQ(s.quantile(0.25), 0.0);
  EXPECT_EQ(s.quantile(0.5), 0.0);  // rank 2: the low bucket holds two, reported as its min
  EXPECT_EQ(s.quantile(1.0), s.max());
  EXPECT_TRUE(std::isfinite(s.max()));
  EXPECT_TRUE(std::isfinite(s.sum()));
  EXPECT_EQ(s.quantile(0.75), s.max());  // beyond an hour: reported as the largest seen
  EXPECT_EQ(LatencySketch::index_of(LatencySketch::kHighestMicros * 10), LatencySketch::top_index());
  EXPECT_EQ(LatencySketch::index_of(0.5), -1);
  // q outside [0, 1] is clamped.
  EXPECT_EQ(s.quantile(-1), s.min());
  EXPECT_EQ(s.quantile(7), s.max());
}

TEST(LatencySketch, CountsAtMostAThresholdAndApdex) {
  LatencySketch s;
  std::vector<double> values;
  for (int i = 1; i <= 10'000; ++i) values.push_back(i * 100.0);  // 0.1 ms .. 1 s
  for (double v : values) s.add(v);
  for (double t : {500.0, 50'000.0, 250'000.0, 999'950.0}) {
    const auto exact =
        static_cast<std::uint64_t>(std::count_if(values.begin(), values.end(), [&](double v) { return v <= t; }));
    const auto within = static_cast<std::uint64_t>(
        std::count_if(values.begin(), values.end(), [&](double v) { return v > t && v <= t * 1.0203; }));
    EXPECT_GE(s.count_at_most(t), exact) << t;
    EXPECT_LE(s.count_at_most(t), exact + within) << t;
  }
  EXPECT_EQ(s.count_at_most(50.0), 0u);
  EXPECT_EQ(s.count_at_most(2e6), 10'000u);
  // T = 0.1 s: 1,000 satisfied, 3,000 tolerating (to 0.4 s), 6,000 frustrated → 0.25, to ~1 %.
  EXPECT_NEAR(apdex(s, 100'000), 0.25, 0.0051);
  LatencySketch fast;
  fast.add(1000.0, 50);
  EXPECT_EQ(apdex(fast, 500'000), 1.0);
  fast.add(3e6, 50);  // above 4T: frustrated
  EXPECT_EQ(apdex(fast, 500'000), 0.5);
}

TEST(LatencySketch, EncodesSmallAndDecodesToTheSameSketch) {
  std::mt19937_64 rng(3);
  std::lognormal_distribution<double> d(std::log(3000.0), 1.0);
  LatencySketch s;
  for (int i = 0; i < 100'000; ++i) s.add(d(rng));
  s.add(0.2);
  const auto bytes = s.encode();
  EXPECT_LT(bytes.size(), 2048u);  // a minute of an endpoint in about a kilobyte, whatever the calls
  const auto back = LatencySketch::decode(bytes);
  ASSERT_TRUE(back);
  EXPECT_TRUE(*back == s);
  EXPECT_EQ(back->quantile(0.99), s.quantile(0.99));
  const auto empty = LatencySketch::decode(LatencySketch{}.encode());
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  LatencySketch low;
  low.add(0.5, 3);
  ASSERT_TRUE(LatencySketch::decode(low.encode()));
  EXPECT_TRUE(*LatencySketch::decode(low.encode()) == low);
}

TEST(LatencySketch, RefusesBytesEncodeCouldNotHaveMade) {
  LatencySketch s;
  for (double v : {150.0, 2'000.0, 2'000.0, 45'000.0}) s.add(v);
  const std::string good = s.encode();
  ASSERT_TRUE(LatencySketch::decode(good));
  // Cut anywhere, or one byte too many.
  for (std::size_t n = 0; n < good.size(); ++n) EXPECT_FALSE(LatencySketch::decode(good.substr(0, n))) << n;
  EXPECT_FALSE(LatencySketch::decode(good + '\0'));
  // Another version.
  std::string v2 = good;
  v2[0] = 2;
  EXPECT_FALSE(LatencySketch::decode(v2));
  // Hand-made: version, count, low, high, sum, min, max, buckets (index steps and counts). Each
  // refusal below breaks one rule only: the same bytes with that one thing right are accepted.
  struct Made {
    std::uint64_t count, low, high;
    double sum, min, max;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> steps;
    bool pad = false;  // the count's varint padded with a zero byte
  };
  auto make = [](const Made& m) {
    std::string out(1, '\1');
    auto varint = [&](std::uint64_t v, bool pad = false) {
      while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
      }
      if (pad) {
        out.push_back(static_cast<char>(v | 0x80));
        out.push_back('\0');
      } else {
        out.push_back(static_cast<char>(v));
      }
    };
    auto real = [&](double d) {
      std::uint64_t bits;
      std::memcpy(&bits, &d, 8);
      for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
    };
    varint(m.count, m.pad);
    varint(m.low);
    varint(m.high);
    real(m.sum);
    real(m.min);
    real(m.max);
    varint(m.steps.size());
    for (auto [step, c] : m.steps) {
      varint(step);
      varint(c);
    }
    return out;
  };
  const int i2000 = LatencySketch::index_of(2000.0);
  const auto step = static_cast<std::uint64_t>(i2000 + 1);
  const double top2000 = LatencySketch::value_of(i2000);  // within bucket i2000, as 2000 is
  const double next = LatencySketch::value_of(i2000 + 1);
  LatencySketch two;
  two.add(2000.0, 2);
  const Made base{2, 0, 0, 4000.0, 2000.0, 2000.0, {{step, 2}}};
  ASSERT_EQ(make(base), two.encode());  // the hand-made encoder agrees with encode()
  auto with = [&](auto change) {
    Made m = base;
    change(m);
    return LatencySketch::decode(make(m));
  };
  EXPECT_FALSE(with([](Made& m) { m.pad = true; }));  // a padded varint
  EXPECT_FALSE(with([](Made& m) { m.count = 3; }));   // counts disagree
  // A step of 0 (a bucket sent twice), the counts and the max otherwise right.
  EXPECT_FALSE(with([&](Made& m) { m = {3, 0, 0, 6000.0, 2000.0, 2000.0, {{step, 2}, {0, 1}}}; }));
  EXPECT_TRUE(with([&](Made& m) { m = {3, 0, 0, 4000.0 + next, 2000.0, next, {{step, 2}, {1, 1}}}; }));
  // An empty bucket between two full ones.
  const double after = LatencySketch::value_of(i2000 + 2);
  EXPECT_FALSE(with([&](Made& m) { m = {3, 0, 0, 4000.0 + after, 2000.0, after, {{step, 2}, {1, 0}, {1, 1}}}; }));
  EXPECT_TRUE(with([&](Made& m) { m = {3, 0, 0, 4000.0 + after, 2000.0, after, {{step, 2}, {2, 1}}}; }));
  // A step past 2^32 that would wrap into a valid index as an int.
  EXPECT_FALSE(with([&](Made& m) { m.steps = {{(1ull << 32) + step, 2}}; }));
  EXPECT_FALSE(with([&](Made& m) { m.steps = {{static_cast<std::uint64_t>(LatencySketch::top_index() + 2), 2}}; }));
  // Min above max, both in the same bucket (so only that rule is broken).
  EXPECT_FALSE(with([&](Made& m) {
    m.min = top2000 - 0.5;
    m.max = top2000 - 1.0;
    m.sum = m.min + m.max;
  }));
  EXPECT_TRUE(with([&](Made& m) {
    m.min = top2000 - 1.0;
    m.max = top2000 - 0.5;
    m.sum = m.min + m.max;
  }));
  EXPECT_FALSE(with([](Made& m) { m.max = 9000.0; }));  // max not in the top bucket
  EXPECT_FALSE(with([](Made& m) { m.min = 0.5; }));     // a min below 1 µs, no low count
  EXPECT_FALSE(with([](Made& m) {
    m = {3, 1, 0, 4000.0, 2000.0, 2000.0, {{20, 2}}};
  }));                                                 // a low count, no min below 1 µs
  EXPECT_FALSE(with([](Made& m) { m.sum = -1.0; }));   // a negative sum
  EXPECT_FALSE(with([](Made& m) { m.sum = 0.0; }));    // a sum below n·min
  EXPECT_FALSE(with([](Made& m) { m.sum = 1e300; }));  // a sum above n·max
  EXPECT_FALSE(with([](Made& m) { m.sum = std::nan(""); }));
  EXPECT_FALSE(with([](Made& m) {
    m.high = 1;
    m.count = 3;
  }));                                                                // a high count, no max above an hour
  EXPECT_FALSE(with([](Made& m) { m = {0, 0, 0, 5.0, 0, 0, {}}; }));  // empty, yet a sum
  EXPECT_TRUE(with([](Made& m) { m = {0, 0, 0, 0, 0, 0, {}}; }));
  // Counts past 2^53.
  EXPECT_FALSE(with([&](Made& m) {
    m.count = (1ull << 53) + 1;
    m.steps = {{step, (1ull << 53) + 1}};
    m.sum = 2000.0 * static_cast<double>(m.count);
  }));
  // One duration: its own min, max and sum.
  EXPECT_FALSE(with([&](Made& m) { m = {1, 0, 0, 2000.0, 1990.0, 2000.0, {{step, 1}}}; }));
  EXPECT_TRUE(with([&](Made& m) { m = {1, 0, 0, 2000.0, 2000.0, 2000.0, {{step, 1}}}; }));
  // A varint running past 64 bits.
  std::string long_varint(1, '\1');
  long_varint.append(10, static_cast<char>(0xff));
  long_varint.push_back('\x01');
  EXPECT_FALSE(LatencySketch::decode(long_varint));
  // Beyond an hour: its own count, the max reported for it, and it round-trips.
  LatencySketch hours;
  hours.add(2000.0);
  hours.add(2.0 * LatencySketch::kHighestMicros);
  const auto back = LatencySketch::decode(hours.encode());
  ASSERT_TRUE(back);
  EXPECT_TRUE(*back == hours);
  EXPECT_EQ(back->quantile(1.0), 2.0 * LatencySketch::kHighestMicros);
  EXPECT_NEAR(back->quantile(0.5), 2000.0, 20.0);  // an hour's worth of top bucket no longer mixed in
}

}  // namespace
}  // namespace zt::core::observe
