#include "platform/registry/domain/config_format.hpp"

#include <gtest/gtest.h>

#include "core/util/digest.hpp"

namespace zt::platform::registry {
namespace {

TEST(ConfigFormat, SyntaxIsCheckedByFormatWithTheLineNamed) {
  EXPECT_FALSE(validate_content("yaml", "a: 1\nb: [1, 2]\n"));
  auto bad = validate_content("yaml", "a: 1\nb: [1, 2\n");
  ASSERT_TRUE(bad);
  EXPECT_NE(bad->find("YAML"), std::string::npos);
  EXPECT_NE(bad->find("行"), std::string::npos);
  EXPECT_FALSE(validate_content("json", R"({"a": [1, 2]})"));
  EXPECT_TRUE(validate_content("json", R"({"a": [1, 2})"));
  EXPECT_FALSE(validate_content("properties", "# c\na=1\nb : 2\n\n"));
  auto props = validate_content("properties", "a=1\njust words\n");
  ASSERT_TRUE(props);
  EXPECT_NE(props->find("第2行"), std::string::npos);
  EXPECT_FALSE(validate_content("text", "anything {"));
  EXPECT_TRUE(validate_content("xml", "<a/>"));
  EXPECT_TRUE(validate_content("text", std::string(kMaxConfigBytes + 1, 'x')));
}

TEST(ConfigFormat, KeysAreRestrictedToSafeNames) {
  EXPECT_FALSE(validate_key({"public", "zhongtai", "dynamic.yaml"}));
  EXPECT_TRUE(validate_key({"public", "", "x"}));
  EXPECT_TRUE(validate_key({"public", "g", "a/b"}));
  EXPECT_TRUE(validate_key({"pub lic", "g", "x"}));
}

TEST(ConfigFormat, Md5IsTheStandardDigest) {
  EXPECT_EQ(core::md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(core::md5_hex("abc"), "900150983cd24fb0d6963f7d28e17f72");
}

TEST(ConfigFormat, DiffMarksRemovedAddedAndKeptLines) {
  EXPECT_EQ(line_diff("a\nb\nc\n", "a\nB\nc\nd\n"), " a\n-b\n+B\n c\n+d\n");
  EXPECT_EQ(line_diff("", "x\n"), "+x\n");
  EXPECT_EQ(line_diff("same\n", "same\n"), " same\n");
}

}  // namespace
}  // namespace zt::platform::registry
