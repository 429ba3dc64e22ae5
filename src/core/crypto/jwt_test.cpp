#include "core/crypto/jwt.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "core/util/digest.hpp"

namespace zt::core::crypto {
namespace {

const JwtAlg kAll[] = {JwtAlg::kES256, JwtAlg::kRS256, JwtAlg::kEdDSA, JwtAlg::kHS256};

boost::json::object claims() { return {{"sub", "c-1"}, {"exp", 2000000000}}; }

// A token with the given header and payload JSON and signature bytes (for hostile cases).
std::string forge(const std::string& header, const std::string& payload, const std::string& sig) {
  return base64url_encode(header) + "." + base64url_encode(payload) + "." + base64url_encode(sig);
}

TEST(Base64Url, RoundTripsEveryLengthAndRefusesOtherEncodings) {
  std::string data;
  for (int i = 0; i < 70; ++i) {
    auto enc = base64url_encode(data);
    EXPECT_EQ(enc.find_first_of("+/="), std::string::npos);
    auto dec = base64url_decode(enc);
    ASSERT_TRUE(dec) << i;
    EXPECT_EQ(*dec, data);
    data += static_cast<char>(i * 37 + 250);
  }
  EXPECT_FALSE(base64url_decode("YQ==")) << "padding";
  EXPECT_FALSE(base64url_decode("a+b/")) << "standard alphabet";
  EXPECT_FALSE(base64url_decode("Y")) << "impossible length";
  EXPECT_FALSE(base64url_decode("YR")) << "non-zero unused bits: a second spelling of \"a\"";
  EXPECT_EQ(*base64url_decode("YQ"), "a");
  EXPECT_FALSE(base64url_decode("YQ Q")) << "whitespace";
}

TEST(Jwk, EveryAlgorithmSignsAndVerifiesThroughItsJsonForms) {
  for (auto alg : kAll) {
    SCOPED_TRACE(alg_name(alg));
    const auto key = Jwk::generate(alg, "k1");
    const std::string token = jwt_sign(key, claims());
    auto parsed = jwt_parse(token);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->alg, alg_name(alg));
    EXPECT_EQ(parsed->kid, "k1");
    EXPECT_EQ(parsed->claims.at("sub").as_string(), "c-1");
    EXPECT_TRUE(key.verify(parsed->signing_input, parsed->signature));
    if (alg == JwtAlg::kES256) {
      EXPECT_EQ(parsed->signature.size(), 64u) << "JWS r||s, not DER";
    }

    // What a JWKS publishes verifies; the private form signs again.
    const auto verifier = alg == JwtAlg::kHS256 ? Jwk::from_json(key.private_json()) : Jwk::from_json(key.public_json());
    EXPECT_EQ(verifier.alg(), alg);
    EXPECT_TRUE(verifier.verify(parsed->signing_input, parsed->signature));
    if (alg != JwtAlg::kHS256) {
      EXPECT_FALSE(verifier.has_private());
      EXPECT_THROW(verifier.sign("x"), JwkError);
      EXPECT_FALSE(verifier.public_json().contains("d")) << "no private member leaks into the public form";
    }
    const auto restored = Jwk::from_json(key.private_json());
    auto again = jwt_parse(jwt_sign(restored, claims()));
    ASSERT_TRUE(again);
    EXPECT_TRUE(key.verify(again->signing_input, again->signature));

    // A changed payload or a signature by another key of the same kind does not verify.
    std::string tampered = std::string(parsed->signing_input).substr(0, parsed->signing_input.find('.') + 1) +
                           base64url_encode(R"({"sub":"c-2","exp":2000000000})");
    EXPECT_FALSE(key.verify(tampered, parsed->signature));
    const auto other = Jwk::generate(alg, "k1");
    EXPECT_FALSE(other.verify(parsed->signing_input, parsed->signature));
    EXPECT_FALSE(key.verify(parsed->signing_input, "")) << "empty signature";
    EXPECT_FALSE(key.verify(parsed->signing_input, parsed->signature.substr(1))) << "short signature";
  }
}

TEST(Jwk, SymmetricKeysHaveNoPublicForm) {
  EXPECT_THROW(Jwk::generate(JwtAlg::kHS256, "h").public_json(), JwkError);
  EXPECT_THROW(Jwk::generate(JwtAlg::kHS256, "h").public_pem(), JwkError);
}

TEST(Jwk, WritesPublicKeysAsPem) {
  for (auto alg : {JwtAlg::kES256, JwtAlg::kRS256, JwtAlg::kEdDSA}) {
    const auto pem = Jwk::generate(alg, "k").public_pem();
    EXPECT_TRUE(pem.starts_with("-----BEGIN PUBLIC KEY-----\n")) << pem;
    EXPECT_TRUE(pem.ends_with("-----END PUBLIC KEY-----\n")) << pem;
  }
}

TEST(Jwk, RefusesKeysThatDoNotHold) {
  auto ec = Jwk::generate(JwtAlg::kES256, "e").public_json();
  auto with = [](boost::json::object o, const char* k, boost::json::value v) {
    o[k] = std::move(v);
    return o;
  };
  EXPECT_THROW(Jwk::from_json(with(ec, "alg", "RS256")), JwkError) << "alg contradicts kty";
  EXPECT_THROW(Jwk::from_json(with(ec, "alg", "none")), JwkError);
  EXPECT_THROW(Jwk::from_json(with(ec, "crv", "P-384")), JwkError);
  EXPECT_THROW(Jwk::from_json(with(ec, "use", "enc")), JwkError);
  // A point off the curve: y changed.
  auto y = *base64url_decode(std::string(ec.at("y").as_string()));
  y[31] = static_cast<char>(y[31] ^ 1);
  EXPECT_THROW(Jwk::from_json(with(ec, "y", boost::json::string(base64url_encode(y)))), JwkError);
  EXPECT_THROW(Jwk::from_json(with(ec, "x", "not base64!")), JwkError);
  auto no_x = ec;
  no_x.erase("x");
  EXPECT_THROW(Jwk::from_json(no_x), JwkError);

  auto rsa = Jwk::generate(JwtAlg::kRS256, "r").public_json();
  auto n = *base64url_decode(std::string(rsa.at("n").as_string()));
  EXPECT_THROW(Jwk::from_json(with(rsa, "n", boost::json::string(base64url_encode(n.substr(0, 128))))), JwkError)
      << "1024-bit modulus";
  EXPECT_THROW(Jwk::from_json(with(rsa, "kty", "RSA-PSS")), JwkError);

  boost::json::object short_secret{{"kty", "oct"}, {"k", base64url_encode(std::string(16, 'k'))}, {"kid", "h"}};
  EXPECT_THROW(Jwk::from_json(short_secret), JwkError) << "HS256 needs 32 bytes";
  auto okp = Jwk::generate(JwtAlg::kEdDSA, "o").private_json();
  auto x = *base64url_decode(std::string(okp.at("x").as_string()));
  x[0] = static_cast<char>(x[0] ^ 1);
  EXPECT_THROW(Jwk::from_json(with(okp, "x", boost::json::string(base64url_encode(x)))), JwkError)
      << "public half not derived from the private one";
}

TEST(JwtParse, RefusesEverythingButThreeWellFormedParts) {
  const std::string h = R"({"alg":"ES256","kid":"k"})", p = R"({"sub":"x"})";
  EXPECT_TRUE(jwt_parse(forge(h, p, "sig")));
  EXPECT_FALSE(jwt_parse(base64url_encode(h) + "." + base64url_encode(p))) << "two parts";
  EXPECT_FALSE(jwt_parse(forge(h, p, "sig") + ".x")) << "four parts";
  EXPECT_FALSE(jwt_parse(forge("[1]", p, "sig"))) << "header not an object";
  EXPECT_FALSE(jwt_parse(forge(R"({"kid":"k"})", p, "sig"))) << "no alg";
  EXPECT_FALSE(jwt_parse(forge(R"({"alg":1})", p, "sig")));
  EXPECT_FALSE(jwt_parse(forge(R"({"alg":"ES256","kid":5})", p, "sig")));
  EXPECT_FALSE(jwt_parse(forge(R"({"alg":"ES256","crit":["exp"]})", p, "sig"))) << "crit extensions";
  EXPECT_FALSE(jwt_parse(forge(h, "\"text\"", "sig"))) << "payload not an object";
  EXPECT_FALSE(jwt_parse(forge(h, "{not json", "sig")));
  EXPECT_FALSE(jwt_parse(base64url_encode(h) + "=." + base64url_encode(p) + ".c2ln")) << "padding";
  EXPECT_FALSE(jwt_parse(forge(h, std::string(9000, ' ') + p, "sig"))) << "oversized";
  EXPECT_FALSE(jwt_parse(""));
  EXPECT_FALSE(jwt_parse(".."));
}

}  // namespace
}  // namespace zt::core::crypto
