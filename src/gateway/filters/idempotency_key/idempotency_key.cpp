#include "gateway/filters/idempotency_key/idempotency_key.hpp"

namespace zt::gateway::filters {

std::optional<core::http::ApiError> check_idempotency_key(bool money_moving, const core::http::Request& req) {
  if (!money_moving || req.method == core::http::Method::kGet || req.method == core::http::Method::kHead)
    return std::nullopt;
  auto key = req.headers.get("idempotency-key");
  auto bad = [] {
    return core::http::ApiError(400, "GATEWAY_IDEMPOTENCY_KEY_REQUIRED", "该操作需要 Idempotency-Key 请求头（8到128位字母、数字、- 或 _）");
  };
  if (!key || key->size() < 8 || key->size() > 128) return bad();
  for (char c : *key)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return bad();
  return std::nullopt;
}

}  // namespace zt::gateway::filters
