#pragma once
// Fixed-point decimal arithmetic for money, shares, NAVs and rates (DESIGN §3: money is never a float).
//
// A Decimal is an int64 count of 10^-scale units. Every operation that could lose digits takes an
// explicit RoundingMode; every operation that could overflow throws DecimalError instead of
// wrapping. Parsing is strict: optional '-', digits, optional '.' and digits — no exponent, no
// spaces, no '+', no digits beyond the requested scale unless a rounding mode is given.
#include <compare>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace zt::core::finance {

enum class RoundingMode {
  kHalfUp,    // 0.005 -> 0.01, -0.005 -> -0.01 (away from zero on ties)
  kHalfEven,  // banker's rounding: 0.005 -> 0.00, 0.015 -> 0.02
  kDown,      // truncate toward zero
  kUp,        // away from zero
  kFloor,     // toward negative infinity
  kCeiling,   // toward positive infinity
  kUnnecessary,  // throws DecimalError if any digit would be lost
};

class DecimalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Decimal {
 public:
  static constexpr int kMaxScale = 18;

  constexpr Decimal() = default;
  // From a count of minor units: Decimal::from_units(12345, 2) is 123.45.
  static Decimal from_units(std::int64_t units, int scale);
  static Decimal from_integer(std::int64_t value, int scale = 0);

  // Strict parse. With no rounding mode, more fractional digits than `scale` is an error.
  static Decimal parse(std::string_view text, int scale,
                       std::optional<RoundingMode> rounding = std::nullopt);
  // Parse keeping the scale written in the text (at most kMaxScale).
  static Decimal parse(std::string_view text);
  static std::optional<Decimal> try_parse(std::string_view text, int scale);

  std::int64_t units() const { return units_; }
  int scale() const { return scale_; }
  bool is_zero() const { return units_ == 0; }
  bool is_negative() const { return units_ < 0; }
  int sign() const { return units_ > 0 ? 1 : (units_ < 0 ? -1 : 0); }

  // Plain decimal string with exactly scale() fractional digits: "-12.50".
  std::string to_string() const;

  Decimal rescale(int scale, RoundingMode mode = RoundingMode::kUnnecessary) const;

  // Sum and difference at the larger scale of the two operands; exact.
  Decimal operator+(const Decimal& o) const;
  Decimal operator-(const Decimal& o) const;
  Decimal operator-() const;
  Decimal& operator+=(const Decimal& o) { return *this = *this + o; }
  Decimal& operator-=(const Decimal& o) { return *this = *this - o; }

  // Product and quotient rounded to the given scale.
  Decimal multiply(const Decimal& o, int scale, RoundingMode mode) const;
  Decimal divide(const Decimal& o, int scale, RoundingMode mode) const;

  std::strong_ordering operator<=>(const Decimal& o) const;
  bool operator==(const Decimal& o) const { return (*this <=> o) == std::strong_ordering::equal; }

 private:
  constexpr Decimal(std::int64_t units, int scale) : units_(units), scale_(scale) {}
  std::int64_t units_ = 0;
  int scale_ = 0;
};

// A decimal whose scale is part of its type, for amounts that must not mix scales by accident:
// Money (2 dp), Shares (2 dp), Nav (4 dp), Rate (6 dp). Converting between them is explicit.
template <int Scale, class Tag>
class Fixed {
 public:
  static_assert(Scale >= 0 && Scale <= Decimal::kMaxScale);
  static constexpr int kScale = Scale;

  Fixed() = default;
  explicit Fixed(const Decimal& d) : value_(d.rescale(Scale)) {}
  static Fixed from_units(std::int64_t units) { return Fixed(Decimal::from_units(units, Scale)); }
  static Fixed parse(std::string_view text) { return Fixed(Decimal::parse(text, Scale)); }
  static Fixed rounded(const Decimal& d, RoundingMode mode) { return Fixed(d.rescale(Scale, mode)); }

  std::int64_t units() const { return value_.units(); }
  const Decimal& decimal() const { return value_; }
  std::string to_string() const { return value_.to_string(); }
  bool is_zero() const { return value_.is_zero(); }
  bool is_negative() const { return value_.is_negative(); }

  Fixed operator+(const Fixed& o) const { return Fixed(value_ + o.value_); }
  Fixed operator-(const Fixed& o) const { return Fixed(value_ - o.value_); }
  Fixed& operator+=(const Fixed& o) { return *this = *this + o; }
  Fixed& operator-=(const Fixed& o) { return *this = *this - o; }
  auto operator<=>(const Fixed& o) const { return value_ <=> o.value_; }
  bool operator==(const Fixed& o) const { return value_ == o.value_; }

 private:
  Decimal value_ = Decimal::from_units(0, Scale);
};

struct MoneyTag {};
struct SharesTag {};
struct NavTag {};
struct RateTag {};
using Money = Fixed<2, MoneyTag>;    // RMB, 0.01
using Shares = Fixed<2, SharesTag>;  // fund shares, 0.01
using Nav = Fixed<4, NavTag>;        // net asset value per share, 0.0001
using Rate = Fixed<6, RateTag>;      // fee and interest rates, 0.000001

}  // namespace zt::core::finance
