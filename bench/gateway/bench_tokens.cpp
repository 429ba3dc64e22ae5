// Keys and tokens for bench/gateway: one ES256 key written as a JWKS (for zhongtai) and as a PEM
// public key (for HAProxy's jwt_verify), and one token per customer, one per line.
//
//   bench_tokens <out-dir> <customers>
//     → out-dir/jwks.json, out-dir/key.pem, out-dir/tokens.txt
#include <boost/json/serialize.hpp>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "core/crypto/jwt.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: bench_tokens <out-dir> <customers>\n";
    return 2;
  }
  const std::string dir = argv[1];
  const int customers = std::atoi(argv[2]);
  using zt::core::crypto::Jwk;
  const auto key = Jwk::generate(zt::core::crypto::JwtAlg::kES256, "bench-es256");
  std::ofstream(dir + "/jwks.json") << boost::json::serialize(boost::json::object{{"keys", boost::json::array{key.public_json()}}});
  std::ofstream(dir + "/key.pem") << key.public_pem();
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::ofstream tokens(dir + "/tokens.txt");
  for (int i = 0; i < customers; ++i) {
    boost::json::object claims{{"iss", "zhongtai"},       {"aud", "zhongtai-api"}, {"sub", "C" + std::to_string(100000 + i)},
                               {"typ", "customer"},       {"sid", "s" + std::to_string(i)}, {"iat", now},
                               {"exp", now + 4 * 3600}};
    tokens << zt::core::crypto::jwt_sign(key, claims) << "\n";
  }
  return 0;
}
