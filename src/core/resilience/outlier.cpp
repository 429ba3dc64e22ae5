#include "core/resilience/outlier.hpp"

#include <algorithm>
#include <cmath>

namespace zt::core::resilience {

OutlierDetector::OutlierDetector(OutlierOptions options) : options_(options) {}

std::size_t OutlierDetector::ejected_locked(Nanos now) const {
  std::size_t n = 0;
  for (const auto& [id, s] : states_)
    if (s.ejected_until > now) ++n;
  return n;
}

bool OutlierDetector::record(const std::string& id, bool failure, Nanos now, std::size_t pool_size) {
  std::lock_guard lock(mutex_);
  auto& s = states_[id];
  if (!failure) {
    s.consecutive = 0;
    // A long healthy stretch after the last ejection forgives the earlier ones.
    if (s.times_ejected > 0 && s.ejected_until + options_.max_ejection < now) s.times_ejected = 0;
    return false;
  }
  if (s.ejected_until > now) return false;  // already out (a call that started before the ejection)
  if (++s.consecutive < options_.consecutive_failures) return false;
  const std::size_t allowed = static_cast<std::size_t>(std::floor(options_.max_ejected_share * static_cast<double>(pool_size)));
  const std::size_t out = ejected_locked(now);
  if (out + 1 > allowed || out + 1 >= pool_size) return false;  // keep the pool serving
  const Nanos span = std::min(options_.max_ejection, options_.base_ejection * (s.times_ejected + 1));
  s.ejected_until = now + span;
  s.times_ejected += 1;
  s.consecutive = 0;
  return true;
}

bool OutlierDetector::ejected(const std::string& id, Nanos now) const {
  std::lock_guard lock(mutex_);
  auto it = states_.find(id);
  return it != states_.end() && it->second.ejected_until > now;
}

std::size_t OutlierDetector::ejected_count(Nanos now) const {
  std::lock_guard lock(mutex_);
  return ejected_locked(now);
}

int OutlierDetector::times_ejected(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = states_.find(id);
  return it == states_.end() ? 0 : it->second.times_ejected;
}

RetryBudget::RetryBudget(double ratio, double min_per_second)
    : per_call_(std::llround(std::max(0.0, ratio) * 1000)),
      per_second_(std::llround(std::max(0.0, min_per_second) * 1000)),
      cap_(std::max<std::int64_t>(1000, per_second_ * 10)),
      balance_(cap_) {}

void RetryBudget::refill(Nanos now) {
  if (last_ == 0) last_ = now;
  if (now > last_) {
    // Only the time that earned whole thousandths is consumed, so slow floors still accrue.
    const Nanos ms = (now - last_) / kMilli;
    const std::int64_t add = per_second_ * ms / 1000;
    if (add > 0) {
      balance_ = std::min(cap_, balance_ + add);
      last_ += std::max<Nanos>(1, add * 1000 / per_second_) * kMilli;
    }
    if (balance_ >= cap_) last_ = now;  // a full balance does not bank time
  }
}

void RetryBudget::on_call(Nanos now) {
  std::lock_guard lock(mutex_);
  refill(now);
  balance_ = std::min(cap_, balance_ + per_call_);
}

bool RetryBudget::try_retry(Nanos now) {
  std::lock_guard lock(mutex_);
  refill(now);
  if (balance_ < 1000) return false;
  balance_ -= 1000;
  return true;
}

}  // namespace zt::core::resilience
