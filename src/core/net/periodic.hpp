#pragma once
// A background job on the io runtime — a confirmation run, a count for the metrics, a sweep:
//   Periodic job_{"mall: confirmation"};
//   job_.start(runtime, 60s, Periodic::First::kAfterPeriod, [this]() -> awaitable<void> { co_await run(); });
//   job_.stop();   // in the component's stop(): the wait ends at once, a step in progress finishes
// A step that throws is logged under the job's name and the schedule goes on; steps never overlap
// (the next wait starts when a step ends). What must run on one instance at a time takes a lease
// inside its step.
#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <functional>
#include <string>

#include "core/net/notifier.hpp"

namespace zt::core::net {

class IoRuntime;

class Periodic {
 public:
  enum class First { kNow, kAfterPeriod };
  using Step = std::function<boost::asio::awaitable<void>()>;

  explicit Periodic(std::string name) : name_(std::move(name)) {}
  Periodic(const Periodic&) = delete;
  Periodic& operator=(const Periodic&) = delete;

  // Before start(): each step is a span of its own — the root of a trace ("job <job>", under
  // `service`), sampled as new traces are, kept when it fails or is slow — and what the step calls
  // (a transaction, a service) is its child.
  void trace_as(std::string service, std::string job) {
    service_ = std::move(service);
    job_ = std::move(job);
  }
  // Once per job; `step` runs on io thread 0.
  void start(IoRuntime& runtime, std::chrono::milliseconds every, First first, Step step);
  void stop();
  bool stopping() const { return stopping_.load(); }

 private:
  boost::asio::awaitable<void> traced_step();
  std::string name_;
  std::string service_, job_;
  Step step_;
  std::atomic<bool> stopping_{false};
  Notifier signal_;
};

}  // namespace zt::core::net
