#pragma once
// Access tokens for functional tests, shaped as the auth service issues them (src/services/auth).
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace zt::test {

inline std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// iss, aud, sub, typ, sid, iat and a 10-minute exp: what the gateway accepts by default.
inline boost::json::object token_claims(const std::string& sub, const std::string& typ = "customer") {
  return {{"iss", "zhongtai"}, {"aud", "zhongtai-api"}, {"sub", sub},           {"typ", typ},
          {"sid", "sess-" + sub}, {"iat", now_s()},     {"exp", now_s() + 600}, {"jti", sub + "-1"}};
}

}  // namespace zt::test
