#include "core/net/periodic.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <exception>

#include "core/net/runtime.hpp"
#include "core/net/slot_executor.hpp"
#include "core/observe/log.hpp"
#include "core/observe/tracer.hpp"

namespace zt::core::net {

void Periodic::start(IoRuntime& runtime, std::chrono::milliseconds every, First first, Step step) {
  step_ = std::move(step);
  // The coroutine holds `this` only: the job outlives it (stop() before destruction, as every
  // component's background loop). On an executor with a slot (a traced job's run is the parent of
  // what it calls).
  auto loop = [this, every, first]() -> boost::asio::awaitable<void> {
    bool wait_first = first == First::kAfterPeriod;
    while (!stopping_.load()) {
      if (wait_first) {
        co_await signal_.wait(signal_.generation(), every);
        if (stopping_.load()) break;
      }
      wait_first = true;
      std::string failed;
      try {
        co_await traced_step();
      } catch (const std::exception& e) {
        failed = e.what();  // no co_await in a catch (g++ 12): logged below
      }
      if (!failed.empty()) log::warn("{}: {}", name_, failed);
    }
  };
  if (job_.empty()) {
    runtime.spawn(0, std::move(loop));
    return;
  }
  boost::asio::co_spawn(work_executor(runtime.context(0).get_executor(), std::make_shared<WorkSlot>()), std::move(loop),
                        [name = name_](std::exception_ptr ep) {
                          if (!ep) return;
                          try {
                            std::rethrow_exception(ep);
                          } catch (const std::exception& e) {
                            log::error("{}: the job ended: {}", name, e.what());
                          }
                        });
}

boost::asio::awaitable<void> Periodic::traced_step() {
  WorkSlot* slot = nullptr;
  if (!job_.empty() && observe::tracer().recording()) slot = co_await current_work_slot();
  if (!slot) {
    co_await step_();
    co_return;
  }
  const observe::TraceContext trace = observe::new_root_trace();
  const SpanParentScope scope(slot, observe::SpanOrigin{trace, service_});
  const auto began = std::chrono::steady_clock::now();
  const std::uint64_t start = observe::unix_nanos();
  std::exception_ptr error;
  try {
    co_await step_();
  } catch (...) {
    error = std::current_exception();
  }
  // The length by the monotonic clock (a wall clock stepped back mid-run makes no negative span).
  const auto took = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - began);
  const std::uint64_t end = start + static_cast<std::uint64_t>(took.count());
  auto& tracer = observe::tracer();
  if (tracer.wanted(trace.flags, error != nullptr, took)) {
    try {
      observe::Span span;
      span.trace_id = trace.trace_id;
      span.span_id = trace.span_id;
      span.trace_flags = trace.flags;
      span.name = "job " + job_;
      span.kind = observe::SpanKind::kInternal;
      span.start_unix_nano = start;
      span.end_unix_nano = end;
      span.attributes.push_back({"zt.job", job_});
      if (error) {
        span.status = observe::SpanStatus::kError;
        span.status_message = "the run failed";
      }
      tracer.record(service_, std::move(span));
    } catch (...) {
      // Recording a span never changes how a run ended.
    }
  }
  if (error) std::rethrow_exception(error);
}

void Periodic::stop() {
  stopping_ = true;
  signal_.notify_all();
}

}  // namespace zt::core::net
