#include "gateway/filters/static_files/static_files.hpp"

#include <gtest/gtest.h>

namespace zt::gateway::filters {
namespace {

TEST(StaticFiles, RelativePathsNeverLeaveTheMount) {
  EXPECT_EQ(*StaticFiles::relative_path("/", "/"), "");
  EXPECT_EQ(*StaticFiles::relative_path("/assets/app.1a2b.js", "/"), "assets/app.1a2b.js");
  EXPECT_EQ(*StaticFiles::relative_path("/console", "/console"), "");
  EXPECT_EQ(*StaticFiles::relative_path("/console/staff/list", "/console"), "staff/list");
  EXPECT_EQ(*StaticFiles::relative_path("/a//b/", "/"), "a/b/") << "empty segments collapse";
  EXPECT_EQ(*StaticFiles::relative_path("/%E4%B8%AD.txt", "/"), "中.txt");
  for (const char* hostile : {"/../etc/passwd", "/a/../../x", "/%2e%2e/secret", "/assets/..%2f..%2fsecret", "/./x",
                              "/a/%2E%2E/b", "/a%00.js", "/a%5c..%5cb", "/a\\b", "/%zz", "/%2", "/%"})
    EXPECT_FALSE(StaticFiles::relative_path(hostile, "/")) << hostile;
  EXPECT_FALSE(StaticFiles::relative_path("/console/../secret", "/console"));
}

}  // namespace
}  // namespace zt::gateway::filters
