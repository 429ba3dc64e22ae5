#pragma once
// The request a blocking call runs for (issue 19), on the thread that runs it. The blocking pool
// (core::blocking) puts the awaiting coroutine's span parent here around the work it runs, and a
// blocking client — etcd's — reads it to record its call as a child span of that request. Null on
// any other thread, between pieces of work, and while nothing is traced.
//
// It points into the awaiting coroutine's frame, which is suspended until the work ends: read it
// only during the work, and copy what must outlive it.
#include "core/observe/trace.hpp"

namespace zt::core::observe {

// The parent of what the work running on this thread calls now, or null.
const SpanOrigin* blocking_span_parent() noexcept;

// Sets it for the scope's length (null clears it), then puts back what was there.
class BlockingParentScope {
 public:
  explicit BlockingParentScope(const SpanOrigin* parent) noexcept;
  ~BlockingParentScope();
  BlockingParentScope(const BlockingParentScope&) = delete;
  BlockingParentScope& operator=(const BlockingParentScope&) = delete;

 private:
  const SpanOrigin* previous_;
};

}  // namespace zt::core::observe
