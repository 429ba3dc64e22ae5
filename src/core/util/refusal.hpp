#pragma once
// A business rule's "no": HTTP status, stable code, Chinese message. Domain classes return it as
// a value (std::variant<T, Refusal>) so a refusal commits what must be kept (an audit row, an
// idempotency record) instead of unwinding the transaction; handlers turn it into the error shape.
#include <string>

namespace zt::core {

struct Refusal {
  int status = 400;
  std::string code;
  std::string message;
};

}  // namespace zt::core
