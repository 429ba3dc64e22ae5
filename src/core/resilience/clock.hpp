#pragma once
// Time for the resilience library, in nanoseconds. Production uses the steady clock; tests use a
// fake clock they advance by hand, so every rule is tested deterministically.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace zt::core::resilience {

using Nanos = std::int64_t;
inline constexpr Nanos kMilli = 1'000'000;
inline constexpr Nanos kSecond = 1'000'000'000;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Nanos now() const = 0;
};

class SteadyClock final : public Clock {
 public:
  Nanos now() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  static SteadyClock& instance() {
    static SteadyClock c;
    return c;
  }
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(Nanos start = 1'000 * kSecond) : now_(start) {}
  Nanos now() const override { return now_.load(std::memory_order_relaxed); }
  void advance(Nanos d) { now_.fetch_add(d, std::memory_order_relaxed); }
  void set(Nanos t) { now_.store(t, std::memory_order_relaxed); }

 private:
  std::atomic<Nanos> now_;
};

}  // namespace zt::core::resilience
