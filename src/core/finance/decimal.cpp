#include "core/finance/decimal.hpp"

#include <fmt/format.h>

#include <limits>

namespace zt::core::finance {
namespace {

using i128 = __int128;
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

i128 pow10(int n) {
  i128 p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

void check_scale(int scale) {
  if (scale < 0 || scale > Decimal::kMaxScale)
    throw DecimalError(fmt::format("decimal scale {} is outside 0..{}", scale, Decimal::kMaxScale));
}

std::int64_t narrow(i128 v) {
  if (v > kMax || v < kMin) throw DecimalError("decimal overflow");
  return static_cast<std::int64_t>(v);
}

// Divides n by d (d > 0) and rounds the quotient by mode.
i128 div_round(i128 n, i128 d, RoundingMode mode) {
  i128 q = n / d;
  i128 r = n % d;
  if (r == 0) return q;
  const bool negative = n < 0;
  const i128 abs_r2 = (r < 0 ? -r : r) * 2;
  bool away = false;  // move one unit away from zero
  switch (mode) {
    case RoundingMode::kUnnecessary:
      throw DecimalError("rounding needed but not allowed");
    case RoundingMode::kDown:
      away = false;
      break;
    case RoundingMode::kUp:
      away = true;
      break;
    case RoundingMode::kFloor:
      away = negative;
      break;
    case RoundingMode::kCeiling:
      away = !negative;
      break;
    case RoundingMode::kHalfUp:
      away = abs_r2 >= d;
      break;
    case RoundingMode::kHalfEven:
      away = abs_r2 > d || (abs_r2 == d && (q % 2 != 0));
      break;
  }
  if (away) q += negative ? -1 : 1;
  return q;
}

}  // namespace

Decimal Decimal::from_units(std::int64_t units, int scale) {
  check_scale(scale);
  return Decimal(units, scale);
}

Decimal Decimal::from_integer(std::int64_t value, int scale) {
  check_scale(scale);
  return Decimal(narrow(static_cast<i128>(value) * pow10(scale)), scale);
}

Decimal Decimal::parse(std::string_view text) {
  auto dot = text.find('.');
  int scale = dot == std::string_view::npos ? 0 : static_cast<int>(text.size() - dot - 1);
  if (scale > kMaxScale)
    throw DecimalError(fmt::format("decimal has more than {} fractional digits", kMaxScale));
  return parse(text, scale);
}

Decimal Decimal::parse(std::string_view text, int scale, std::optional<RoundingMode> rounding) {
  check_scale(scale);
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && s.front() == '-') {
    negative = true;
    s.remove_prefix(1);
  }
  auto dot = s.find('.');
  std::string_view int_part = s.substr(0, dot);
  std::string_view frac_part = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  auto all_digits = [](std::string_view p) {
    for (char c : p)
      if (c < '0' || c > '9') return false;
    return true;
  };
  if (int_part.empty() || !all_digits(int_part) || !all_digits(frac_part) ||
      (dot != std::string_view::npos && frac_part.empty()))
    throw DecimalError(fmt::format("'{}' is not a plain decimal number", text));

  // Accumulate in 128 bits and stop as soon as the scaled value leaves int64: a 30-digit input
  // fails here long before the accumulator itself could overflow.
  i128 units = 0;
  auto push = [&](int digit) {
    units = units * 10 + digit;
    if (units > kMax) throw DecimalError(fmt::format("'{}' is too large", text));
  };
  for (char c : int_part) push(c - '0');
  const int kept = std::min<int>(static_cast<int>(frac_part.size()), scale);
  for (int i = 0; i < kept; ++i) push(frac_part[i] - '0');
  for (int i = kept; i < scale; ++i) push(0);
  if (static_cast<int>(frac_part.size()) > scale) {
    std::string_view extra = frac_part.substr(scale);
    bool nonzero = extra.find_first_not_of('0') != std::string_view::npos;
    if (nonzero) {
      if (!rounding)
        throw DecimalError(fmt::format("'{}' has more than {} decimal places", text, scale));
      // Round using the extra digits (at most 18 are significant for the decision).
      std::string_view digits = extra.substr(0, std::min<std::size_t>(extra.size(), 18));
      i128 rem = 0;
      for (char c : digits) rem = rem * 10 + (c - '0');
      bool beyond = extra.size() > digits.size() &&
                    extra.substr(digits.size()).find_first_not_of('0') != std::string_view::npos;
      i128 d = pow10(static_cast<int>(digits.size()));
      // Represent as (units * d + rem + tiny) / d with sign, and round.
      i128 n = units * d + rem;
      if (beyond) n = n * 10 + 1, d *= 10;  // a non-zero tail pushes exact ties off the tie
      units = div_round(negative ? -n : n, d, *rounding);
      if (negative) units = -units;
    }
  }
  i128 signed_units = negative ? -units : units;
  return Decimal(narrow(signed_units), scale);
}

std::optional<Decimal> Decimal::try_parse(std::string_view text, int scale) {
  try {
    return parse(text, scale);
  } catch (const DecimalError&) {
    return std::nullopt;
  }
}

std::string Decimal::to_string() const {
  i128 u = units_;
  bool negative = u < 0;
  if (negative) u = -u;
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  } while (u > 0);
  if (scale_ > 0) {
    if (static_cast<int>(digits.size()) <= scale_)
      digits.insert(0, static_cast<std::size_t>(scale_ - static_cast<int>(digits.size()) + 1), '0');
    digits.insert(digits.size() - static_cast<std::size_t>(scale_), 1, '.');
  }
  if (negative) digits.insert(0, 1, '-');
  return digits;
}

Decimal Decimal::rescale(int scale, RoundingMode mode) const {
  check_scale(scale);
  if (scale == scale_) return *this;
  if (scale > scale_) return Decimal(narrow(static_cast<i128>(units_) * pow10(scale - scale_)), scale);
  return Decimal(narrow(div_round(units_, pow10(scale_ - scale), mode)), scale);
}

Decimal Decimal::operator+(const Decimal& o) const {
  int s = std::max(scale_, o.scale_);
  i128 a = static_cast<i128>(units_) * pow10(s - scale_);
  i128 b = static_cast<i128>(o.units_) * pow10(s - o.scale_);
  return Decimal(narrow(a + b), s);
}

Decimal Decimal::operator-(const Decimal& o) const { return *this + (-o); }

Decimal Decimal::operator-() const {
  if (units_ == kMin) throw DecimalError("decimal overflow");
  return Decimal(-units_, scale_);
}

Decimal Decimal::multiply(const Decimal& o, int scale, RoundingMode mode) const {
  check_scale(scale);
  // units_*o.units_ has scale_ + o.scale_ (<= 36) digits of fraction; both factors < 2^63 so the
  // product fits in 127 bits.
  i128 p = static_cast<i128>(units_) * o.units_;
  int ps = scale_ + o.scale_;
  if (ps >= scale) {
    int drop = ps - scale;
    // Divide in two steps when drop > 36 cannot happen (max 36); pow10(36) < 2^127.
    return Decimal(narrow(div_round(p, pow10(drop), mode)), scale);
  }
  i128 f = pow10(scale - ps);
  if (p != 0 && (p > std::numeric_limits<i128>::max() / f || p < std::numeric_limits<i128>::min() / f))
    throw DecimalError("decimal overflow");
  return Decimal(narrow(p * f), scale);
}

Decimal Decimal::divide(const Decimal& o, int scale, RoundingMode mode) const {
  check_scale(scale);
  if (o.units_ == 0) throw DecimalError("division by zero");
  // result = (a / 10^sa) / (b / 10^sb) = a * 10^(sb - sa) / b; scaled to `scale`:
  // units = a * 10^(scale + sb - sa) / b.
  int e = scale + o.scale_ - scale_;
  i128 n = units_;
  i128 d = o.units_;
  if (e >= 0) {
    // a < 2^63 and 10^e <= 10^36 can overflow i128 only when e is large; guard it.
    i128 f = pow10(e);
    if (n != 0 && (n > std::numeric_limits<i128>::max() / f || n < std::numeric_limits<i128>::min() / f))
      throw DecimalError("decimal overflow");
    n *= f;
  } else {
    d *= pow10(-e);
  }
  if (d < 0) n = -n, d = -d;
  return Decimal(narrow(div_round(n, d, mode)), scale);
}

std::strong_ordering Decimal::operator<=>(const Decimal& o) const {
  int s = std::max(scale_, o.scale_);
  i128 a = static_cast<i128>(units_) * pow10(s - scale_);
  i128 b = static_cast<i128>(o.units_) * pow10(s - o.scale_);
  return a <=> b;
}

}  // namespace zt::core::finance
