#pragma once
// Idempotency of the counter's mutations: one effect per request id. The first answer — success
// or refusal — is kept with a fingerprint of the parameters; a replay returns it unchanged, and
// the same id with other parameters is refused. Runs inside the caller's transaction, so the
// record and the effect commit together.
#include <cctype>
#include <cstdint>
#include <string>
#include <variant>

#include "core/json/json.hpp"
#include "core/storage/database.hpp"
#include "core/util/digest.hpp"
#include "core/util/refusal.hpp"

namespace zt::platform::counter {

using core::Refusal;

inline Refusal bad_request_id() {
  return Refusal{400, "COUNTER_REQUEST_ID_INVALID", "请求编号应为1至64位字母、数字或 - _ . :"};
}

inline bool valid_request_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (unsigned char c : id)
    if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':')) return false;
  return true;
}

// `fingerprint_of` is the request as JSON; `op` performs it and answers T or a refusal.
template <class T, class Request, class Op>
std::variant<T, Refusal> once(core::storage::Tx& tx, const std::string& request_id, const std::string& operation, const Request& request,
                              std::int64_t now_ms, Op&& op) {
  if (!valid_request_id(request_id)) return bad_request_id();
  const std::string fingerprint = core::sha256_hex(operation + "\n" + core::json::serialize(request));
  auto seen = tx.query("SELECT operation, fingerprint, result FROM counter_requests WHERE request_id = ?", {request_id});
  if (!seen.empty()) {
    if (seen.at(0).string(0) != operation || seen.at(0).string(1) != fingerprint)
      return Refusal{422, "COUNTER_REQUEST_REUSED", "请求编号已用于另一笔不同的业务，请使用新的请求编号"};
    auto kept = boost::json::parse(seen.at(0).string(2)).as_object();
    if (kept.contains("ok")) return core::json::parse<T>(boost::json::serialize(kept.at("ok")));
    return Refusal{static_cast<int>(kept.at("status").as_int64()), std::string(kept.at("code").as_string()),
                   std::string(kept.at("message").as_string())};
  }
  // Claimed first: a concurrent writer with the same id waits here, then fails on the key and
  // runs again to find this answer.
  tx.exec("INSERT INTO counter_requests (request_id, operation, fingerprint, result, created_at_ms) VALUES (?, ?, ?, '', ?)",
          {request_id, operation, fingerprint, now_ms});
  std::variant<T, Refusal> out = op();
  boost::json::object kept;
  if (auto* ok = std::get_if<T>(&out)) {
    kept["ok"] = boost::json::parse(core::json::serialize(*ok));
  } else {
    const auto& r = std::get<Refusal>(out);
    kept["status"] = r.status;
    kept["code"] = r.code;
    kept["message"] = r.message;
  }
  tx.exec("UPDATE counter_requests SET result = ? WHERE request_id = ?", {boost::json::serialize(kept), request_id});
  return out;
}

}  // namespace zt::platform::counter
