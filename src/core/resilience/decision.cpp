#include "core/resilience/decision.hpp"

namespace zt::core::resilience {

const char* refusal_code(Refusal r) {
  switch (r) {
    case Refusal::kNone: return "OK";
    case Refusal::kFlow: return "FLOW_LIMITED";
    case Refusal::kHotParam: return "FLOW_LIMITED";
    case Refusal::kCircuitOpen: return "CIRCUIT_OPEN";
    case Refusal::kSystem: return "SYSTEM_OVERLOADED";
    case Refusal::kBulkhead: return "BULKHEAD_FULL";
  }
  return "FLOW_LIMITED";
}

const char* refusal_message(Refusal r) {
  switch (r) {
    case Refusal::kNone: return "";
    case Refusal::kFlow:
    case Refusal::kHotParam: return "当前访问人数较多，请稍后再试";
    case Refusal::kCircuitOpen: return "服务暂时不可用，请稍后再试";
    case Refusal::kSystem: return "系统繁忙，请稍后再试";
    case Refusal::kBulkhead: return "服务繁忙，请稍后再试";
  }
  return "系统繁忙，请稍后再试";
}

int refusal_http_status(Refusal r) { return r == Refusal::kFlow || r == Refusal::kHotParam ? 429 : 503; }

}  // namespace zt::core::resilience
