#include "core/resilience/flow.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <thread>

namespace zt::core::resilience {

namespace {

class RejectController final : public FlowController {
 public:
  explicit RejectController(const FlowRule& r) : rule_(r) {}
  Decision check(ResourceStats& stats, int acquire, Nanos now) override {
    double used = rule_.grade == FlowGrade::kQps ? static_cast<double>(stats.window.sum(Metric::kPass, now)) *
                                                       static_cast<double>(kSecond) /
                                                       static_cast<double>(stats.window.interval())
                                                 : static_cast<double>(stats.concurrency.load(std::memory_order_relaxed));
    if (used + acquire <= rule_.count) return Decision::admit();
    return Decision::refuse(Refusal::kFlow, &rule_.id);
  }

 private:
  const FlowRule& rule_;
};

// Sentinel's WarmUpController (Guava SmoothWarmingUp), per second. Stored tokens measure how
// cold the resource is: they fill at `count` per second while traffic is below count/cold_factor
// and are spent by passes. Above the warning level the admitted rate is
// 1 / (above * slope + 1 / count), which starts at count / cold_factor when the bucket is full.
class WarmUpController final : public FlowController {
 public:
  explicit WarmUpController(const FlowRule& r) : rule_(r) {
    if (r.cold_factor <= 1) throw std::invalid_argument("cold_factor must be greater than 1");
    const double count = r.count;
    warning_token_ = static_cast<double>(static_cast<std::int64_t>(r.warm_up_seconds * count) / (r.cold_factor - 1));
    max_token_ = warning_token_ + static_cast<double>(static_cast<std::int64_t>(2 * r.warm_up_seconds * count / (1.0 + r.cold_factor)));
    slope_ = (r.cold_factor - 1.0) / count / (max_token_ - warning_token_);
  }

  Decision check(ResourceStats& stats, int acquire, Nanos now) override {
    const double pass_qps = stats.window.rate(Metric::kPass, now);
    sync(now, static_cast<double>(stats.previous_second_pass(now)));
    double allowed = rule_.count;
    if (stored_ >= warning_token_) {
      const double above = stored_ - warning_token_;
      allowed = std::nextafter(1.0 / (above * slope_ + 1.0 / rule_.count), INFINITY);
    }
    if (pass_qps + acquire <= allowed) return Decision::admit();
    return Decision::refuse(Refusal::kFlow, &rule_.id);
  }

 private:
  void sync(Nanos now, double previous_qps) {
    const Nanos second = now - now % kSecond;
    if (second <= last_filled_) return;
    double value = stored_;
    const double elapsed = static_cast<double>(second - last_filled_) / static_cast<double>(kSecond);
    const double cold_qps = static_cast<double>(static_cast<std::int64_t>(rule_.count) / rule_.cold_factor);
    if (last_filled_ < 0) {
      value = max_token_;  // a resource never used is fully cold
    } else if (value < warning_token_ || (value > warning_token_ && previous_qps < cold_qps)) {
      value += elapsed * rule_.count;  // idle or light traffic cools the resource down again
    }
    value = std::min(value, max_token_);
    stored_ = std::max(0.0, value - previous_qps);
    last_filled_ = second;
  }

  const FlowRule& rule_;
  double warning_token_ = 0;
  double max_token_ = 0;
  double slope_ = 0;
  double stored_ = 0;
  Nanos last_filled_ = -1;
};

class QueueController final : public FlowController {
 public:
  explicit QueueController(const FlowRule& r) : rule_(r) {}
  Decision check(ResourceStats&, int acquire, Nanos now) override {
    if (rule_.count <= 0) return Decision::refuse(Refusal::kFlow, &rule_.id);
    const Nanos cost = static_cast<Nanos>(std::llround(acquire / rule_.count * static_cast<double>(kSecond)));
    if (latest_ + cost <= now) {
      latest_ = now;
      return Decision::admit();
    }
    const Nanos wait = latest_ + cost - now;
    if (wait > rule_.max_queueing) return Decision::refuse(Refusal::kFlow, &rule_.id, wait);
    latest_ += cost;
    Decision d = Decision::admit();
    d.wait = wait;
    return d;
  }

 private:
  const FlowRule& rule_;
  Nanos latest_ = INT64_MIN / 2;
};

}  // namespace

std::unique_ptr<FlowController> make_controller(const FlowRule& rule) {
  switch (rule.behavior) {
    case FlowBehavior::kReject: return std::make_unique<RejectController>(rule);
    case FlowBehavior::kWarmUp: return std::make_unique<WarmUpController>(rule);
    case FlowBehavior::kQueue: return std::make_unique<QueueController>(rule);
  }
  throw std::invalid_argument("unknown flow behaviour");
}

FlowResource::FlowResource(std::vector<FlowRule> rules, int buckets, Nanos interval)
    : rules_(std::move(rules)), stats_(buckets, interval) {
  for (const auto& r : rules_) controllers_.push_back(make_controller(r));
}

Decision FlowResource::enter(int acquire, Nanos now) {
  while (lock_.test_and_set(std::memory_order_acquire)) std::this_thread::yield();
  Decision result = Decision::admit();
  for (std::size_t i = 0; i < controllers_.size(); ++i) {
    Decision d = controllers_[i]->check(stats_, acquire, now);
    if (d.pass) {
      result.wait = std::max(result.wait, d.wait);
      continue;
    }
    if (rules_[i].shadow) {
      result.shadow_hit = true;
      result.rule = &rules_[i].id;
      shadow_blocks_.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    result = d;
    break;
  }
  if (result.pass) {
    stats_.window.add(Metric::kPass, acquire, now);
    stats_.count_second_pass(acquire, now);
    stats_.concurrency.fetch_add(acquire, std::memory_order_relaxed);
  } else {
    stats_.window.add(Metric::kBlock, acquire, now);
  }
  lock_.clear(std::memory_order_release);
  return result;
}

void FlowResource::exit(int acquire, Nanos rt, bool failed, Nanos now) {
  stats_.concurrency.fetch_sub(acquire, std::memory_order_relaxed);
  stats_.window.add(failed ? Metric::kFailure : Metric::kSuccess, acquire, now);
  stats_.window.add_rt(rt, now);
}

}  // namespace zt::core::resilience
