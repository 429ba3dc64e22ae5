#pragma once
// A domain answer (a value or a business rule's refusal, core/util/refusal.hpp) in a handler:
// the value, or the refusal thrown as the error shape.
#include <utility>
#include <variant>

#include "core/http/error.hpp"
#include "core/util/refusal.hpp"

namespace zt::core::http {

template <class T>
T value_or_throw(std::variant<T, core::Refusal>&& r) {
  if (auto* refusal = std::get_if<core::Refusal>(&r)) throw ApiError(refusal->status, refusal->code, refusal->message);
  return std::move(std::get<T>(r));
}

}  // namespace zt::core::http
