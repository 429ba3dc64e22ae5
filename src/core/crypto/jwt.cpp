#include "core/crypto/jwt.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <vector>

#include "core/util/digest.hpp"

namespace zt::core::crypto {

namespace {

constexpr std::size_t kMaxToken = 8192;
constexpr std::size_t kMinHmacBytes = 32;
constexpr int kMinRsaBits = 2048;

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct CtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct BldFree {
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct SigFree {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

std::string member(const boost::json::object& o, std::string_view name, bool required = true) {
  auto it = o.find(name);
  if (it == o.end()) {
    if (required) throw JwkError("JWK member '" + std::string(name) + "' is missing");
    return {};
  }
  if (!it->value().is_string()) throw JwkError("JWK member '" + std::string(name) + "' is not a string");
  return std::string(it->value().get_string());
}

std::string decoded(const boost::json::object& o, std::string_view name, bool required = true) {
  const auto text = member(o, name, required);
  if (text.empty()) {
    if (required) throw JwkError("JWK member '" + std::string(name) + "' is empty");
    return {};
  }
  auto raw = base64url_decode(text);
  if (!raw) throw JwkError("JWK member '" + std::string(name) + "' is not base64url");
  return *raw;
}

BnPtr bn_from(std::string_view raw) {
  BnPtr bn(BN_bin2bn(bytes(raw), static_cast<int>(raw.size()), nullptr));
  if (!bn) throw JwkError("out of memory");
  return bn;
}

// A BIGNUM parameter of a key as big-endian bytes, left-padded to `pad` when given.
std::string bn_param(const EVP_PKEY* pkey, const char* name, int pad = 0) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(pkey, name, &raw) != 1) throw JwkError(std::string("key has no ") + name);
  BnPtr bn(raw);
  const int len = pad > 0 ? pad : BN_num_bytes(bn.get());
  std::string out(static_cast<std::size_t>(len), '\0');
  if (pad > 0) {
    if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()), pad) != pad) throw JwkError("key parameter too long");
  } else {
    BN_bn2bin(bn.get(), reinterpret_cast<unsigned char*>(out.data()));
  }
  return out;
}

PkeyPtr from_params(const char* type, OSSL_PARAM_BLD* bld, bool with_private) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(bld));
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* out = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &out, with_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
    throw JwkError(std::string("invalid ") + type + " key");
  PkeyPtr key(out);
  // The point must be on the curve, the RSA numbers consistent: check before trusting them.
  std::unique_ptr<EVP_PKEY_CTX, CtxFree> check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) throw JwkError(std::string("invalid ") + type + " public key");
  return key;
}

PkeyPtr read_ec(const boost::json::object& o, bool& has_private) {
  if (member(o, "crv") != "P-256") throw JwkError("EC keys must be on curve P-256");
  const auto x = decoded(o, "x"), y = decoded(o, "y");
  if (x.size() != 32 || y.size() != 32) throw JwkError("P-256 coordinates must be 32 bytes");
  const auto d = decoded(o, "d", false);
  has_private = !d.empty();
  const std::string point = std::string(1, '\x04') + x + y;
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  BnPtr priv;
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
    throw JwkError("out of memory");
  if (has_private) {
    if (d.size() != 32) throw JwkError("P-256 private key must be 32 bytes");
    priv = bn_from(d);
    if (OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv.get()) != 1) throw JwkError("out of memory");
  }
  return from_params("EC", bld.get(), has_private);
}

PkeyPtr read_rsa(const boost::json::object& o, bool& has_private) {
  const auto n = decoded(o, "n"), e = decoded(o, "e");
  const auto d = decoded(o, "d", false);
  has_private = !d.empty();
  std::unique_ptr<OSSL_PARAM_BLD, BldFree> bld(OSSL_PARAM_BLD_new());
  if (!bld) throw JwkError("out of memory");
  std::vector<BnPtr> keep;
  const auto push = [&](const char* name, std::string_view raw) {
    keep.push_back(bn_from(raw));
    if (OSSL_PARAM_BLD_push_BN(bld.get(), name, keep.back().get()) != 1) throw JwkError("out of memory");
  };
  push(OSSL_PKEY_PARAM_RSA_N, n);
  push(OSSL_PKEY_PARAM_RSA_E, e);
  if (BN_num_bits(keep.front().get()) < kMinRsaBits) throw JwkError("RSA keys must have at least 2048 bits");
  if (has_private) {
    push(OSSL_PKEY_PARAM_RSA_D, d);
    push(OSSL_PKEY_PARAM_RSA_FACTOR1, decoded(o, "p"));
    push(OSSL_PKEY_PARAM_RSA_FACTOR2, decoded(o, "q"));
    push(OSSL_PKEY_PARAM_RSA_EXPONENT1, decoded(o, "dp"));
    push(OSSL_PKEY_PARAM_RSA_EXPONENT2, decoded(o, "dq"));
    push(OSSL_PKEY_PARAM_RSA_COEFFICIENT1, decoded(o, "qi"));
  }
  return from_params("RSA", bld.get(), has_private);
}

PkeyPtr read_okp(const boost::json::object& o, bool& has_private) {
  if (member(o, "crv") != "Ed25519") throw JwkError("OKP keys must be Ed25519");
  const auto x = decoded(o, "x");
  const auto d = decoded(o, "d", false);
  if (x.size() != 32) throw JwkError("Ed25519 public keys are 32 bytes");
  has_private = !d.empty();
  if (has_private) {
    if (d.size() != 32) throw JwkError("Ed25519 private keys are 32 bytes");
    PkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, bytes(d), d.size()));
    if (!key) throw JwkError("invalid Ed25519 key");
    // The public half must be the one derived from d.
    std::string derived(32, '\0');
    std::size_t len = derived.size();
    if (EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(derived.data()), &len) != 1 || derived != x)
      throw JwkError("Ed25519 public key does not match the private key");
    return key;
  }
  PkeyPtr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes(x), x.size()));
  if (!key) throw JwkError("invalid Ed25519 key");
  return key;
}

std::string raw_key(const EVP_PKEY* pkey, bool priv) {
  std::string out(32, '\0');
  std::size_t len = out.size();
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  const int ok = priv ? EVP_PKEY_get_raw_private_key(pkey, p, &len) : EVP_PKEY_get_raw_public_key(pkey, p, &len);
  if (ok != 1 || len != 32) throw JwkError("cannot export Ed25519 key");
  return out;
}

// ES256 signatures are r||s in JWS and DER in OpenSSL.
std::string der_to_jws(std::string_view der) {
  const unsigned char* p = bytes(der);
  std::unique_ptr<ECDSA_SIG, SigFree> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) throw JwkError("bad ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string out(64, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(r, o, 32) != 32 || BN_bn2binpad(s, o + 32, 32) != 32) throw JwkError("bad ECDSA signature");
  return out;
}

std::optional<std::string> jws_to_der(std::string_view jws) {
  if (jws.size() != 64) return std::nullopt;
  std::unique_ptr<ECDSA_SIG, SigFree> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes(jws), 32, nullptr);
  BIGNUM* s = BN_bin2bn(bytes(jws) + 32, 32, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

std::optional<std::string> hmac_sha256(std::string_view key, std::string_view data) {
  std::string out(32, '\0');
  std::size_t len = 0;
  if (!EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(), bytes(data), data.size(),
                 reinterpret_cast<unsigned char*>(out.data()), out.size(), &len) ||
      len != 32)
    return std::nullopt;
  return out;
}

JwtAlg implied_alg(const std::string& kty) {
  if (kty == "EC") return JwtAlg::kES256;
  if (kty == "RSA") return JwtAlg::kRS256;
  if (kty == "OKP") return JwtAlg::kEdDSA;
  if (kty == "oct") return JwtAlg::kHS256;
  throw JwkError("unsupported key type '" + kty + "'");
}

}  // namespace

struct Jwk::Material {
  PkeyPtr pkey;        // EC, RSA, Ed25519
  std::string secret;  // HS256
};

const char* alg_name(JwtAlg alg) {
  switch (alg) {
    case JwtAlg::kES256: return "ES256";
    case JwtAlg::kRS256: return "RS256";
    case JwtAlg::kEdDSA: return "EdDSA";
    case JwtAlg::kHS256: return "HS256";
  }
  return "?";
}

std::optional<JwtAlg> alg_from_name(std::string_view name) {
  for (auto a : {JwtAlg::kES256, JwtAlg::kRS256, JwtAlg::kEdDSA, JwtAlg::kHS256})
    if (name == alg_name(a)) return a;
  return std::nullopt;
}

Jwk::Jwk(std::string kid, JwtAlg alg, std::shared_ptr<const Material> m, bool has_private)
    : kid_(std::move(kid)), alg_(alg), m_(std::move(m)), has_private_(has_private) {}

Jwk Jwk::generate(JwtAlg alg, std::string kid) {
  auto m = std::make_shared<Material>();
  switch (alg) {
    case JwtAlg::kES256: m->pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); break;
    case JwtAlg::kRS256: m->pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(kMinRsaBits))); break;
    case JwtAlg::kEdDSA: m->pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")); break;
    case JwtAlg::kHS256:
      m->secret.resize(kMinHmacBytes);
      if (RAND_bytes(reinterpret_cast<unsigned char*>(m->secret.data()), static_cast<int>(m->secret.size())) != 1)
        throw JwkError("no randomness");
      return Jwk(std::move(kid), alg, std::move(m), true);
  }
  if (!m->pkey) throw JwkError(std::string("cannot generate a key for ") + alg_name(alg));
  return Jwk(std::move(kid), alg, std::move(m), true);
}

Jwk Jwk::from_json(const boost::json::object& o) {
  const auto kty = member(o, "kty");
  const JwtAlg implied = implied_alg(kty);
  JwtAlg alg = implied;
  if (auto named = member(o, "alg", false); !named.empty()) {
    auto a = alg_from_name(named);
    if (!a) throw JwkError("unsupported algorithm '" + named + "'");
    if (*a != implied) throw JwkError("algorithm " + named + " does not fit key type " + kty);
    alg = *a;
  }
  if (auto use = member(o, "use", false); !use.empty() && use != "sig") throw JwkError("key is not for signatures");
  auto kid = member(o, "kid", false);
  if (kid.size() > 128) throw JwkError("kid longer than 128 characters");
  auto m = std::make_shared<Material>();
  bool has_private = false;
  switch (alg) {
    case JwtAlg::kES256: m->pkey = read_ec(o, has_private); break;
    case JwtAlg::kRS256: m->pkey = read_rsa(o, has_private); break;
    case JwtAlg::kEdDSA: m->pkey = read_okp(o, has_private); break;
    case JwtAlg::kHS256:
      m->secret = decoded(o, "k");
      if (m->secret.size() < kMinHmacBytes) throw JwkError("HS256 secrets must be at least 32 bytes");
      has_private = true;
      break;
  }
  return Jwk(std::move(kid), alg, std::move(m), has_private);
}

boost::json::object Jwk::public_json() const {
  boost::json::object o;
  const EVP_PKEY* k = m_->pkey.get();
  switch (alg_) {
    case JwtAlg::kES256:
      o["kty"] = "EC";
      o["crv"] = "P-256";
      o["x"] = base64url_encode(bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, 32));
      o["y"] = base64url_encode(bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, 32));
      break;
    case JwtAlg::kRS256:
      o["kty"] = "RSA";
      o["n"] = base64url_encode(bn_param(k, OSSL_PKEY_PARAM_RSA_N));
      o["e"] = base64url_encode(bn_param(k, OSSL_PKEY_PARAM_RSA_E));
      break;
    case JwtAlg::kEdDSA:
      o["kty"] = "OKP";
      o["crv"] = "Ed25519";
      o["x"] = base64url_encode(raw_key(k, false));
      break;
    case JwtAlg::kHS256: throw JwkError("a symmetric key has no public half");
  }
  o["kid"] = kid_;
  o["alg"] = alg_name(alg_);
  o["use"] = "sig";
  return o;
}

std::string Jwk::public_pem() const {
  if (alg_ == JwtAlg::kHS256) throw JwkError("a symmetric key has no public half");
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), m_->pkey.get()) != 1) throw JwkError("cannot write PEM");
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

boost::json::object Jwk::private_json() const {
  if (!has_private_) throw JwkError("not a private key");
  if (alg_ == JwtAlg::kHS256) {
    return boost::json::object{{"kty", "oct"}, {"k", base64url_encode(m_->secret)}, {"kid", kid_}, {"alg", "HS256"}, {"use", "sig"}};
  }
  auto o = public_json();
  const EVP_PKEY* k = m_->pkey.get();
  switch (alg_) {
    case JwtAlg::kES256: o["d"] = base64url_encode(bn_param(k, OSSL_PKEY_PARAM_PRIV_KEY, 32)); break;
    case JwtAlg::kRS256:
      o["d"] = base64url_encode(bn_param(k, OSSL_PKEY_PARAM_RSA_D));
      o["p"] = base64url_encode(bn_param(k, OSSL_PKEY_PARAM_RSA_FACTOR1));
      o["q"] = base64url_encode(bn_param(k, OSSL_PKEY_PARAM_RSA_FACTOR2));
      o["dp"] = base64url_encode(bn_param(k, OSSL_PKEY_PARAM_RSA_EXPONENT1));
      o["dq"] = base64url_encode(bn_param(k, OSSL_PKEY_PARAM_RSA_EXPONENT2));
      o["qi"] = base64url_encode(bn_param(k, OSSL_PKEY_PARAM_RSA_COEFFICIENT1));
      break;
    case JwtAlg::kEdDSA: o["d"] = base64url_encode(raw_key(k, true)); break;
    case JwtAlg::kHS256: break;
  }
  return o;
}

std::string Jwk::sign(std::string_view data) const {
  if (!has_private_) throw JwkError("cannot sign with a public key");
  if (alg_ == JwtAlg::kHS256) {
    auto mac = hmac_sha256(m_->secret, data);
    if (!mac) throw JwkError("HMAC failed");
    return *mac;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> md(EVP_MD_CTX_new());
  const EVP_MD* digest = alg_ == JwtAlg::kEdDSA ? nullptr : EVP_sha256();
  std::size_t len = 0;
  if (!md || EVP_DigestSignInit(md.get(), nullptr, digest, nullptr, m_->pkey.get()) != 1 ||
      EVP_DigestSign(md.get(), nullptr, &len, bytes(data), data.size()) != 1)
    throw JwkError("signing failed");
  std::string sig(len, '\0');
  if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, bytes(data), data.size()) != 1)
    throw JwkError("signing failed");
  sig.resize(len);
  return alg_ == JwtAlg::kES256 ? der_to_jws(sig) : sig;
}

bool Jwk::verify(std::string_view data, std::string_view signature) const {
  if (alg_ == JwtAlg::kHS256) {
    auto mac = hmac_sha256(m_->secret, data);
    return mac && signature.size() == mac->size() && CRYPTO_memcmp(mac->data(), signature.data(), mac->size()) == 0;
  }
  std::string der;
  if (alg_ == JwtAlg::kES256) {
    auto d = jws_to_der(signature);
    if (!d) return false;
    der = std::move(*d);
    signature = der;
  }
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> md(EVP_MD_CTX_new());
  const EVP_MD* digest = alg_ == JwtAlg::kEdDSA ? nullptr : EVP_sha256();
  return md && EVP_DigestVerifyInit(md.get(), nullptr, digest, nullptr, m_->pkey.get()) == 1 &&
         EVP_DigestVerify(md.get(), bytes(signature), signature.size(), bytes(data), data.size()) == 1;
}

std::string jwt_sign(const Jwk& key, const boost::json::object& claims) {
  boost::json::object header{{"alg", alg_name(key.alg())}, {"typ", "JWT"}};
  if (!key.kid().empty()) header["kid"] = key.kid();
  std::string input = base64url_encode(boost::json::serialize(header)) + "." + base64url_encode(boost::json::serialize(claims));
  const std::string sig = key.sign(input);
  return input + "." + base64url_encode(sig);
}

std::optional<ParsedJwt> jwt_parse(std::string_view token) {
  if (token.size() > kMaxToken) return std::nullopt;
  const auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return std::nullopt;
  const auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) return std::nullopt;
  auto header = base64url_decode(token.substr(0, dot1));
  auto payload = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto sig = base64url_decode(token.substr(dot2 + 1));
  if (!header || !payload || !sig) return std::nullopt;
  boost::system::error_code ec;
  auto h = boost::json::parse(*header, ec);
  if (ec || !h.is_object()) return std::nullopt;
  auto p = boost::json::parse(*payload, ec);
  if (ec || !p.is_object()) return std::nullopt;
  const auto& ho = h.get_object();
  auto alg = ho.find("alg");
  if (alg == ho.end() || !alg->value().is_string()) return std::nullopt;
  ParsedJwt out;
  out.alg = std::string(alg->value().get_string());
  if (auto kid = ho.find("kid"); kid != ho.end()) {
    if (!kid->value().is_string()) return std::nullopt;
    out.kid = std::string(kid->value().get_string());
  }
  // A header that asks for anything we would not honour (crit extensions) is refused.
  if (ho.contains("crit")) return std::nullopt;
  out.claims = std::move(p.get_object());
  out.signing_input = std::string(token.substr(0, dot2));
  out.signature = std::move(*sig);
  return out;
}

}  // namespace zt::core::crypto
