#pragma once
// The spans the process's tracer exports while a collector lives (the tracer records only while an
// exporter is set): a test makes calls for a traced request, then takes what they recorded.
#include <mutex>
#include <utility>
#include <vector>

#include "core/observe/tracer.hpp"

namespace zt::test {

class SpanCollector {
 public:
  SpanCollector() {
    core::observe::tracer().set_export([this](std::vector<core::observe::RecordedSpan>&& batch) {
      std::lock_guard lock(mutex_);
      for (auto& s : batch) spans_.push_back(std::move(s));
      return true;
    });
  }
  ~SpanCollector() { core::observe::tracer().set_export(nullptr); }
  SpanCollector(const SpanCollector&) = delete;
  SpanCollector& operator=(const SpanCollector&) = delete;

  // What was recorded so far, in order (the tracer's queue handed over first); recording goes on.
  std::vector<core::observe::RecordedSpan> take() {
    core::observe::tracer().flush();
    std::lock_guard lock(mutex_);
    return std::exchange(spans_, {});
  }

 private:
  std::mutex mutex_;
  std::vector<core::observe::RecordedSpan> spans_;
};

}  // namespace zt::test
