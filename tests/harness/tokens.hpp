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

// A call from one of the platform's services (x-zt-identity signed with the deployment's
// node.internal_secret), for exactly this method and path.
inline std::map<std::string, std::string> service_headers(const std::string& service, const std::string& method, const std::string& path,
                                                          const std::string& secret) {
  core::http::ForwardedIdentity id;
  id.service = service;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const auto query = path.find('?');
  return {{"x-zt-identity", core::http::sign_identity(id, method, path.substr(0, query), secret, now)}};
}

// A customer's access token from the harness key (the gateway accepts it like the auth service's).
inline std::string customer_token(const std::string& customer_id) { return core::crypto::jwt_sign(harness_staff_key(), token_claims(customer_id)); }
inline std::map<std::string, std::string> customer_headers(const std::string& customer_id) {
  return {{"authorization", "Bearer " + customer_token(customer_id)}};
}

// A call from one of the platform's services acting for a customer (as the gateway forwards it).
inline std::map<std::string, std::string> acting_headers(const std::string& service, const std::string& customer_id, const std::string& method,
                                                         const std::string& path, const std::string& secret) {
  core::http::ForwardedIdentity id;
  id.service = service;
  id.caller.kind = core::http::CallerKind::kCustomer;
  id.caller.subject = customer_id;
  id.caller.session = "sess-" + customer_id;
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const auto query = path.find('?');
  return {{"x-zt-identity", core::http::sign_identity(id, method, path.substr(0, query), secret, now)}};
}

}  // namespace zt::test
