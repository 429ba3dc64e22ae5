#include "core/util/gzip.hpp"

#include <gtest/gtest.h>

#include <random>

namespace zt::core {
namespace {

TEST(Gzip, RoundTripsAndRefusesWhatIsNotOneWholeMember) {
  std::mt19937 rng(7);
  std::string text;
  for (int i = 0; i < 200'000; ++i) text.push_back(static_cast<char>('a' + rng() % 4));
  const std::string packed = gzip(text);
  ASSERT_FALSE(packed.empty());
  EXPECT_LT(packed.size(), text.size() / 2);
  std::string out;
  ASSERT_EQ(gunzip(packed, text.size(), out), Gunzip::kOk);
  EXPECT_EQ(out, text);
  ASSERT_EQ(gunzip(gzip(""), 10, out), Gunzip::kOk);
  EXPECT_EQ(out, "");
  // Cut anywhere, corrupted, followed by more bytes, not gzip at all: invalid.
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{10}, packed.size() / 2, packed.size() - 1})
    EXPECT_EQ(gunzip(packed.substr(0, n), text.size(), out), Gunzip::kInvalid) << n;
  std::string corrupt = packed;
  corrupt[corrupt.size() / 2] ^= 0x55;
  EXPECT_NE(gunzip(corrupt, text.size(), out), Gunzip::kOk);
  EXPECT_EQ(gunzip(packed + "x", text.size(), out), Gunzip::kInvalid);
  EXPECT_EQ(gunzip("plain text, not compressed", 100, out), Gunzip::kInvalid);
}

TEST(Gzip, ABombIsRefusedAtTheBoundWithoutInflatingTheRest) {
  const std::string zeros(64u << 20, '\0');  // 64 MiB of zeros packs into about 64 KiB
  const std::string bomb = gzip(zeros);
  ASSERT_LT(bomb.size(), 100'000u);
  std::string out;
  EXPECT_EQ(gunzip(bomb, 1u << 20, out), Gunzip::kTooLarge);
  EXPECT_LE(out.size(), (1u << 20) + 1) << "held no more than the bound and a byte";
  EXPECT_EQ(gunzip(bomb, zeros.size() - 1, out), Gunzip::kTooLarge);
  EXPECT_EQ(gunzip(bomb, zeros.size(), out), Gunzip::kOk);
  EXPECT_EQ(out.size(), zeros.size());
}

}  // namespace
}  // namespace zt::core
