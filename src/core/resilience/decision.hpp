#pragma once
// The outcome of a resilience check: pass, pass after waiting (queueing), or refuse — with the
// rule that decided and a stable code, so callers can tell the customer why (DESIGN §3).
#include <string>

#include "core/resilience/clock.hpp"

namespace zt::core::resilience {

enum class Refusal { kNone, kFlow, kHotParam, kCircuitOpen, kSystem, kBulkhead };

struct Decision {
  bool pass = true;
  Nanos wait = 0;              // queueing: proceed after this long
  Refusal refusal = Refusal::kNone;
  const std::string* rule = nullptr;  // id of the rule that refused (or would have, in shadow)
  bool shadow_hit = false;            // a shadow rule would have refused; nothing was refused
  Nanos retry_after = 0;              // a hint for Retry-After when refused

  static Decision admit() { return {}; }
  static Decision refuse(Refusal r, const std::string* rule_id, Nanos retry_after = kSecond) {
    return Decision{false, 0, r, rule_id, false, retry_after};
  }
};

// Stable error codes and Chinese messages for refusals; HTTP status 429 for flow limits and 503
// for breakers, system protection and bulkheads.
const char* refusal_code(Refusal r);
const char* refusal_message(Refusal r);
int refusal_http_status(Refusal r);

}  // namespace zt::core::resilience
