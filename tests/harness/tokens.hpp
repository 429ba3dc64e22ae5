#pragma once
// Access tokens for functional tests, shaped as the auth service issues them (src/services/auth).
//
// Every test process's gateway also trusts the harness's own HS256 key (written beside its data by
// the Zhongtai harness unless a test brings its own key file, which then includes it), so a test
// can act as a staff member — publish config through the gateway, read the registry — without
// enrolling one first. Tests of staff sign-in itself use the real auth service.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/crypto/jwt.hpp"
#include "core/http/identity.hpp"
#include "core/util/digest.hpp"

namespace zt::test {

inline std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// iss, aud, sub, typ, sid, iat and a 10-minute exp: what the gateway accepts by default.
inline boost::json::object token_claims(const std::string& sub, const std::string& typ = "customer") {
  return {{"iss", "zhongtai"}, {"aud", "zhongtai-api"}, {"sub", sub},           {"typ", typ},
          {"sid", "sess-" + sub}, {"iat", now_s()},     {"exp", now_s() + 600}, {"jti", sub + "-1"}};
}

inline const core::crypto::Jwk& harness_staff_key() {
  static const core::crypto::Jwk key = core::crypto::Jwk::from_json(
      {{"kty", "oct"}, {"kid", "zt-harness-staff"}, {"alg", "HS256"}, {"k", core::base64url_encode("zhongtai functional tests: staff key 32")}});
  return key;
}

// A key file for gateway.jwt_keys_file: the harness key and any others.
inline std::string keys_file_json(const std::vector<boost::json::object>& others = {}) {
  boost::json::array keys{harness_staff_key().private_json()};
  for (const auto& k : others) keys.emplace_back(k);
  return boost::json::serialize(boost::json::object{{"keys", keys}});
}

// A staff token from the harness key, with these permissions (default: the registry's).
inline std::string staff_token(const std::vector<std::string>& permissions = {"governance.read", "governance.write"}) {
  auto claims = token_claims("S-harness", "staff");
  boost::json::array perms;
  for (const auto& p : permissions) perms.emplace_back(p);
  claims["perms"] = perms;
  claims["roles"] = boost::json::array{"operations"};
  return core::crypto::jwt_sign(harness_staff_key(), claims);
}

inline std::map<std::string, std::string> staff_headers() { return {{"authorization", "Bearer " + staff_token()}}; }

// Staff who run the sandbox (sandbox.manage): they read its SMS outbox, seed its counter.
inline std::map<std::string, std::string> sandbox_staff_headers() {
  return {{"authorization", "Bearer " + staff_token({"sandbox.manage"})}};
}

// A customer's access token from the harness key (the gateway accepts it like the auth service's).
inline std::string customer_token(const std::string& customer_id) { return core::crypto::jwt_sign(harness_staff_key(), token_claims(customer_id)); }
inline std::map<std::string, std::string> customer_headers(const std::string& customer_id) {
  return {{"authorization", "Bearer " + customer_token(customer_id)}};
}

// The service a path belongs to: "/api/<service>/…".
inline std::string service_of(const std::string& target) {
  const std::string prefix = "/api/";
  if (target.rfind(prefix, 0) != 0) return "";
  const auto end = target.find('/', prefix.size());
  return target.substr(prefix.size(), end == std::string::npos ? std::string::npos : end - prefix.size());
}

inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// x-zt-identity for one call (core/http/identity.hpp), signed with the pair key of `id.from` and
// the service the target belongs to, derived from the deployment master (node.internal_secret).
inline std::map<std::string, std::string> signed_call(core::http::CallIdentity id, const std::string& method,
                                                      const std::string& target, const std::string& master,
                                                      const std::string& body = "") {
  if (id.to.empty()) id.to = service_of(target);
  const auto keys = core::http::ServiceKeys::derive(master, {id.from}, {id.to});
  return {{"x-zt-identity", core::http::sign_call(id, method, target, body, keys, now_ms())}};
}

// A call from one of the platform's services, acting for nobody.
inline std::map<std::string, std::string> service_headers(const std::string& service, const std::string& method,
                                                          const std::string& target, const std::string& master,
                                                          const std::string& body = "") {
  core::http::CallIdentity id;
  id.from = service;
  return signed_call(id, method, target, master, body);
}

// A call from one of the platform's services acting for a customer.
inline std::map<std::string, std::string> acting_headers(const std::string& service, const std::string& customer_id,
                                                         const std::string& method, const std::string& target,
                                                         const std::string& master, const std::string& body = "") {
  core::http::CallIdentity id;
  id.from = service;
  id.caller.kind = core::http::CallerKind::kCustomer;
  id.caller.subject = customer_id;
  id.caller.session = "sess-" + customer_id;
  return signed_call(id, method, target, master, body);
}

// What a gateway forwards for an outside caller (a staff member with these permissions, say).
inline std::map<std::string, std::string> edge_headers(const core::http::Caller& caller, const std::string& method,
                                                       const std::string& target, const std::string& master,
                                                       const std::string& body = "", const std::string& address = "127.0.0.1") {
  core::http::CallIdentity id;
  id.from = "gateway";
  id.edge = true;
  id.caller = caller;
  id.address = address;
  return signed_call(id, method, target, master, body);
}

}  // namespace zt::test
