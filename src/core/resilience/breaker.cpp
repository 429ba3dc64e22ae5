#include "core/resilience/breaker.hpp"

#include <stdexcept>

namespace zt::core::resilience {

const char* breaker_state_name(BreakerState s) {
  switch (s) {
    case BreakerState::kClosed: return "closed";
    case BreakerState::kOpen: return "open";
    case BreakerState::kHalfOpen: return "half_open";
  }
  return "closed";
}

CircuitBreaker::CircuitBreaker(BreakerRule rule, Listener listener)
    : rule_(std::move(rule)), listener_(std::move(listener)), window_(1, rule_.stat_interval > 0 ? rule_.stat_interval : kSecond) {
  if (rule_.probes < 1) throw std::invalid_argument("probes must be at least 1");
  if (rule_.recovery <= 0) throw std::invalid_argument("recovery must be positive");
}

bool CircuitBreaker::bad(Nanos rt, bool error) const {
  return rule_.strategy == BreakerStrategy::kSlowRatio ? rt > rule_.max_rt : error;
}

void CircuitBreaker::transition(BreakerState to, Nanos now) {
  BreakerState from = state_.load(std::memory_order_relaxed);
  if (from == to) return;
  if (to == BreakerState::kOpen) opened_at_ = now;
  if (to == BreakerState::kHalfOpen) {
    half_open_at_ = now;
    probes_issued_ = 0;
    probes_succeeded_ = 0;
  }
  if (to == BreakerState::kClosed) {
    // Start counting afresh: the failures that opened the breaker are history.
    window_.reset();
  }
  state_.store(to, std::memory_order_release);
  if (listener_) listener_(rule_, from, to, now);
}

Permit CircuitBreaker::try_pass(Nanos now) {
  if (state_.load(std::memory_order_acquire) == BreakerState::kClosed) return {true, false};
  std::lock_guard lock(mutex_);
  switch (state_.load(std::memory_order_relaxed)) {
    case BreakerState::kClosed:
      return {true, false};
    case BreakerState::kOpen:
      if (now - opened_at_ < rule_.recovery) return {false, false};
      transition(BreakerState::kHalfOpen, now);
      [[fallthrough]];
    case BreakerState::kHalfOpen:
      if (now - half_open_at_ >= rule_.recovery) {
        // Probes went out and did not all come back: treat as failed, open again.
        transition(BreakerState::kOpen, now);
        return {false, false};
      }
      if (probes_issued_ >= rule_.probes) return {false, false};
      ++probes_issued_;
      return {true, true};
  }
  return {false, false};
}

void CircuitBreaker::on_complete(const Permit& permit, Nanos rt, bool error, Nanos now) {
  if (!permit.pass) return;
  if (permit.probe) {
    std::lock_guard lock(mutex_);
    if (state_.load(std::memory_order_relaxed) != BreakerState::kHalfOpen) return;  // a stale probe
    if (bad(rt, error)) {
      transition(BreakerState::kOpen, now);
    } else if (++probes_succeeded_ >= rule_.probes) {
      transition(BreakerState::kClosed, now);
    }
    return;
  }
  if (state_.load(std::memory_order_acquire) != BreakerState::kClosed) return;
  window_.add(Metric::kPass, 1, now);
  if (bad(rt, error)) window_.add(Metric::kFailure, 1, now);
  check_threshold(now);
}

void CircuitBreaker::check_threshold(Nanos now) {
  const std::int64_t total = window_.sum(Metric::kPass, now);
  if (total < rule_.min_requests) return;
  const std::int64_t bad_calls = window_.sum(Metric::kFailure, now);
  bool open = false;
  if (rule_.strategy == BreakerStrategy::kErrorCount) {
    open = static_cast<double>(bad_calls) > rule_.threshold;
  } else {
    const double ratio = static_cast<double>(bad_calls) / static_cast<double>(total);
    open = ratio > rule_.threshold || (ratio == 1.0 && rule_.threshold >= 1.0);
  }
  if (!open || rule_.shadow) return;
  std::lock_guard lock(mutex_);
  if (state_.load(std::memory_order_relaxed) == BreakerState::kClosed) transition(BreakerState::kOpen, now);
}

}  // namespace zt::core::resilience
