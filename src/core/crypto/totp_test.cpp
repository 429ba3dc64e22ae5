#include "core/crypto/totp.hpp"

#include <gtest/gtest.h>

namespace zt::core::crypto {
namespace {

const std::string kRfcSecret = "12345678901234567890";  // RFC 6238 appendix B, SHA-1

TEST(Totp, MatchesTheRfc6238TestVectors) {
  EXPECT_EQ(totp_code(kRfcSecret, 59, 8), "94287082");
  EXPECT_EQ(totp_code(kRfcSecret, 1111111109, 8), "07081804");
  EXPECT_EQ(totp_code(kRfcSecret, 1111111111, 8), "14050471");
  EXPECT_EQ(totp_code(kRfcSecret, 1234567890, 8), "89005924");
  EXPECT_EQ(totp_code(kRfcSecret, 2000000000, 8), "69279037");
  EXPECT_EQ(totp_code(kRfcSecret, 20000000000, 8), "65353130");
  EXPECT_EQ(totp_code(kRfcSecret, 59), "287082");
}

TEST(Totp, MatchesTheRfc4226HotpVectors) {
  const char* expected[] = {"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"};
  for (int i = 0; i < 10; ++i) EXPECT_EQ(hotp(kRfcSecret, static_cast<std::uint64_t>(i)), expected[i]) << i;
  EXPECT_THROW(hotp(kRfcSecret, 0, 5), std::invalid_argument);
}

TEST(Totp, VerifyAcceptsOneStepOfDriftAndNamesTheStep) {
  const std::int64_t now = 1'800'000'015;
  const std::int64_t step = now / 30;
  EXPECT_EQ(totp_verify(kRfcSecret, totp_code(kRfcSecret, now), now), step);
  EXPECT_EQ(totp_verify(kRfcSecret, totp_code(kRfcSecret, now - 30), now), step - 1);
  EXPECT_EQ(totp_verify(kRfcSecret, totp_code(kRfcSecret, now + 30), now), step + 1);
  EXPECT_EQ(totp_verify(kRfcSecret, totp_code(kRfcSecret, now - 60), now), std::nullopt) << "two steps old";
  EXPECT_EQ(totp_verify(kRfcSecret, totp_code(kRfcSecret, now - 60), now, 2), step - 2);
  EXPECT_EQ(totp_verify(kRfcSecret, "12345", now), std::nullopt);
  EXPECT_EQ(totp_verify(kRfcSecret, "", now), std::nullopt);
  EXPECT_EQ(totp_verify("another secret", totp_code(kRfcSecret, now), now), std::nullopt);
}

TEST(Totp, Base32RoundTripsAndRefusesOtherLetters) {
  EXPECT_EQ(base32_encode("foobar"), "MZXW6YTBOI");  // RFC 4648 §10, without padding
  EXPECT_EQ(base32_encode("f"), "MY");
  EXPECT_EQ(base32_decode("MZXW6YTBOI======"), "foobar");
  EXPECT_EQ(base32_decode("mzxw6ytboi"), "foobar");
  EXPECT_EQ(base32_decode("MZXW1"), std::nullopt) << "1 is not in the alphabet";
  const std::string secret = totp_new_secret();
  EXPECT_EQ(secret.size(), 20u);
  EXPECT_EQ(base32_decode(base32_encode(secret)), secret);
  EXPECT_NE(totp_new_secret(), secret);
}

TEST(Totp, UriCarriesIssuerAccountAndSecret) {
  EXPECT_EQ(totp_uri("foobar", "中台 Zhongtai", "admin"),
            "otpauth://totp/%E4%B8%AD%E5%8F%B0%20Zhongtai:admin?secret=MZXW6YTBOI&issuer=%E4%B8%AD%E5%8F%B0%20Zhongtai"
            "&algorithm=SHA1&digits=6&period=30");
}

}  // namespace
}  // namespace zt::core::crypto
