#include "core/resilience/system.hpp"

#include <cstdio>

namespace zt::core::resilience {

SystemReadings HostSampler::read(Nanos now) {
  const Nanos last = last_.load(std::memory_order_relaxed);
  if ((last < 0 || now - last >= kSecond) && !busy_.test_and_set(std::memory_order_acquire)) {
    if (FILE* f = std::fopen("/proc/stat", "r")) {
      unsigned long long user = 0, nice = 0, sys = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
      if (std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &sys, &idle, &iowait, &irq,
                      &softirq, &steal) >= 4) {
        const unsigned long long idle_all = idle + iowait;
        const unsigned long long total = user + nice + sys + idle_all + irq + softirq + steal;
        if (prev_total_ != 0 && total > prev_total_)
          cpu_.store(1.0 - static_cast<double>(idle_all - prev_idle_) / static_cast<double>(total - prev_total_));
        prev_total_ = total;
        prev_idle_ = idle_all;
      }
      std::fclose(f);
    }
    if (FILE* f = std::fopen("/proc/loadavg", "r")) {
      double load1 = 0;
      if (std::fscanf(f, "%lf", &load1) == 1) load_.store(load1);
      std::fclose(f);
    }
    last_.store(now, std::memory_order_relaxed);
    busy_.clear(std::memory_order_release);
  }
  return {cpu_.load(std::memory_order_relaxed), load_.load(std::memory_order_relaxed)};
}

SystemGuard::SystemGuard(Readings readings) : readings_(std::move(readings)) {
  if (!readings_) readings_ = [this](Nanos now) { return sampler_.read(now); };
}

double SystemGuard::avg_rt_ms(Nanos now) const {
  const std::int64_t done = second_.sum(Metric::kSuccess, now) + second_.sum(Metric::kFailure, now);
  if (done == 0) return 0;
  return static_cast<double>(second_.sum(Metric::kRtSumMicros, now)) / 1000.0 / static_cast<double>(done);
}

double SystemGuard::capacity(Nanos now) const {
  const std::int64_t best = ten_.max_bucket(Metric::kSuccess, now);  // successes in the best second
  const std::int64_t min_rt_us = ten_.min_rt_micros(now);
  if (min_rt_us < 0) return 0;
  return static_cast<double>(best) * static_cast<double>(min_rt_us) / 1e6;
}

Decision SystemGuard::check(const SystemRule& rule, Nanos now) {
  const char* violated = nullptr;
  const std::int64_t conc = concurrency();
  if (rule.max_qps && qps(now) + 1 > *rule.max_qps) violated = "qps";
  else if (rule.max_concurrency && conc + 1 > *rule.max_concurrency) violated = "concurrency";
  else if (rule.max_avg_rt && avg_rt_ms(now) * kMilli > static_cast<double>(*rule.max_avg_rt)) violated = "rt";
  else if (rule.max_cpu || rule.max_load) {
    SystemReadings r = readings_(now);
    const bool hot = (rule.max_cpu && r.cpu > *rule.max_cpu) || (rule.max_load && r.load > *rule.max_load);
    if (hot && conc > 1 && static_cast<double>(conc) > capacity(now)) violated = "bbr";
  }
  if (!violated) return Decision::admit();
  if (rule.shadow) {
    Decision d = Decision::admit();
    d.shadow_hit = true;
    d.rule = &rule.id;
    return d;
  }
  return Decision::refuse(Refusal::kSystem, &rule.id);
}

void SystemGuard::on_enter(Nanos now) {
  concurrency_.fetch_add(1, std::memory_order_relaxed);
  second_.add(Metric::kPass, 1, now);
}

void SystemGuard::on_exit(Nanos rt, bool failed, Nanos now) {
  concurrency_.fetch_sub(1, std::memory_order_relaxed);
  const Metric m = failed ? Metric::kFailure : Metric::kSuccess;
  second_.add(m, 1, now);
  second_.add_rt(rt, now);
  ten_.add(m, 1, now);
  ten_.add_rt(rt, now);
}

}  // namespace zt::core::resilience
