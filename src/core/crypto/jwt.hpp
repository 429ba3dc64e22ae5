#pragma once
// JSON Web Keys (RFC 7517) and JSON Web Tokens (RFC 7519, compact JWS, RFC 7515) on OpenSSL 3.
//
// A key is pinned to one algorithm when it is made or read, and a signature is only ever checked
// with the key's own algorithm: a token's header cannot choose how it is verified, so `alg: none`
// and algorithm confusion (an HS256 token "signed" with an RSA public key) are refused by
// construction. Supported: ES256 (P-256), RS256 (RSA ≥ 2048 bits), EdDSA (Ed25519), HS256
// (a shared secret of at least 32 bytes).
//
//   auto key = Jwk::generate(JwtAlg::kES256, "2026-11");
//   std::string token = jwt_sign(key, claims);                 // header {alg, typ, kid}
//   auto parsed = jwt_parse(token);                            // structure only, nothing trusted
//   bool ok = parsed && key.verify(parsed->signing_input, parsed->signature);
#include <boost/json/object.hpp>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace zt::core::crypto {

enum class JwtAlg { kES256, kRS256, kEdDSA, kHS256 };

const char* alg_name(JwtAlg alg);
std::optional<JwtAlg> alg_from_name(std::string_view name);

class JwkError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Jwk {
 public:
  // A fresh key: P-256, RSA-2048, Ed25519, or 32 random bytes.
  static Jwk generate(JwtAlg alg, std::string kid);
  // Reads a JWK (public or private members). The algorithm is the `alg` member when present,
  // else the one its type implies (EC P-256 → ES256, RSA → RS256, OKP Ed25519 → EdDSA,
  // oct → HS256); a contradiction between them, an unsupported curve, a short RSA modulus or
  // HMAC secret throws JwkError.
  static Jwk from_json(const boost::json::object& jwk);

  const std::string& kid() const { return kid_; }
  JwtAlg alg() const { return alg_; }
  bool has_private() const { return has_private_; }
  bool symmetric() const { return alg_ == JwtAlg::kHS256; }

  // The public members (kty, crv/n/e/x/y, kid, alg, use) — what a JWKS publishes. A symmetric
  // key has no public half: this throws for HS256.
  boost::json::object public_json() const;
  // The public key as PEM (SubjectPublicKeyInfo), for tools that take keys that way (HAProxy's
  // jwt_verify, openssl). Throws for HS256.
  std::string public_pem() const;
  // Every member, private ones included (to store a signing key; encrypt it at rest).
  boost::json::object private_json() const;

  // The JWS signature of data (ES256: r||s, 64 bytes). Throws JwkError without a private half.
  std::string sign(std::string_view data) const;
  bool verify(std::string_view data, std::string_view signature) const;

 private:
  struct Material;
  Jwk(std::string kid, JwtAlg alg, std::shared_ptr<const Material> m, bool has_private);
  std::string kid_;
  JwtAlg alg_ = JwtAlg::kES256;
  std::shared_ptr<const Material> m_;  // immutable: one key is shared by every io thread
  bool has_private_ = false;
};

// header.payload.signature with header {"alg", "typ": "JWT", "kid"}.
std::string jwt_sign(const Jwk& key, const boost::json::object& claims);

// The parts of a compact JWS, decoded but not trusted.
struct ParsedJwt {
  std::string alg;  // as the header claims it
  std::string kid;
  boost::json::object claims;
  std::string signing_input;  // header.payload, as signed
  std::string signature;           // decoded bytes
};
// nullopt unless three base64url parts, a JSON-object header with a string alg, and a
// JSON-object payload. Tokens longer than 8 KiB are refused unread.
std::optional<ParsedJwt> jwt_parse(std::string_view token);

}  // namespace zt::core::crypto
