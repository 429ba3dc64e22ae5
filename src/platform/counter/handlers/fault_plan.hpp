#pragma once
// Faults a tester arms on the sandbox counter, to see what its callers do when the counter
// misbehaves at a given step (sandbox mode only; staff with sandbox.manage):
//
//   POST /api/counter/v1/sandbox/faults
//   {"operation": "confirm_order", "faults": ["lose_answer", "not_found"]}
//
// Each later call of that operation (place_order, cancel_order, confirm_order) takes the next fault
// in the list, in order, until none is left; arming an operation again replaces its list (an empty
// list clears it). The faults:
//
//   lose_answer  the operation is done and committed, and its answer is replaced by 502
//                UPSTREAM_ERROR — as when the connection drops after the counter's commit;
//   unavailable  nothing is done: 503 SERVICE_UNAVAILABLE (an instance going down);
//   not_found    nothing is done: 404 NOT_FOUND (a restarting instance without its routes yet);
//   refuse       nothing is done: 409 COUNTER_SANDBOX_REFUSED, the counter's own refusal (a rule
//                the caller's request breaks there) — for a request id the counter has not
//                answered yet; one it has (a caller's re-send) gets its first answer, as a real
//                counter would give it;
//   stall        the operation is done and committed, and its answer is held back for
//                kStallFor (4 s, below a caller's 5 s timeout) — the window in which a caller can
//                die between the counter's commit and its own write;
//   hang         the same, held back for kHangFor (8 s): the caller's call times out after the
//                counter's commit.
//
// Armed faults live in the counter process's memory (a restart clears them) and are the same for
// every caller.
#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace zt::platform::counter {

enum class Fault { kLoseAnswer, kUnavailable, kNotFound, kRefuse, kStall, kHang };

inline constexpr std::chrono::milliseconds kStallFor{4000};
inline constexpr std::chrono::milliseconds kHangFor{8000};

inline std::optional<Fault> fault_named(const std::string& name) {
  if (name == "lose_answer") return Fault::kLoseAnswer;
  if (name == "unavailable") return Fault::kUnavailable;
  if (name == "not_found") return Fault::kNotFound;
  if (name == "refuse") return Fault::kRefuse;
  if (name == "stall") return Fault::kStall;
  if (name == "hang") return Fault::kHang;
  return std::nullopt;
}

inline bool faultable_operation(const std::string& op) {
  return op == "place_order" || op == "cancel_order" || op == "confirm_order";
}

class FaultPlan {
 public:
  void arm(const std::string& operation, std::vector<Fault> faults) {
    std::lock_guard lock(mutex_);
    plans_[operation] = std::deque<Fault>(faults.begin(), faults.end());
  }
  // The fault this call of `operation` meets, if any (taken off the list).
  std::optional<Fault> next(const std::string& operation) {
    std::lock_guard lock(mutex_);
    auto it = plans_.find(operation);
    if (it == plans_.end() || it->second.empty()) return std::nullopt;
    const Fault f = it->second.front();
    it->second.pop_front();
    return f;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::deque<Fault>> plans_;
};

}  // namespace zt::platform::counter
