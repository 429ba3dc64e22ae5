// The gateway serves the built web bundles: the H5 app at /, the console at /console, with
// caching headers, gzip for clients that take it, the single-page-app fallback, and nothing
// outside the bundle however the path is spelled.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>

#include "harness/http.hpp"
#include "harness/platform.hpp"
#include "harness/process.hpp"
#include "harness/zhongtai.hpp"

namespace zt::test {
namespace {

std::string gunzip(const std::string& in) {
  z_stream z{};
  inflateInit2(&z, 15 + 16);
  std::string out(in.size() * 20 + 1024, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = inflate(&z, Z_FINISH);
  out.resize(z.total_out);
  inflateEnd(&z);
  return rc == Z_STREAM_END ? out : "<not gzip>";
}

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

class GatewayStatic : public ::testing::TestWithParam<Mode> {};

// The bundles come from the gateway's own disk in either layout; split, the APIs beside them are
// forwarded to other processes.
TEST_P(GatewayStatic, ServesBundlesWithCachingCompressionAndFallback) {
  TempDir root{"zt-static"};
  const std::string web = root.path() + "/web";
  const std::string h5_index = "<!doctype html><title>中台 H5</title>";
  std::string app_js = "console.log('h5');\n";
  while (app_js.size() < 20000) app_js += "export const x" + std::to_string(app_js.size()) + " = 1;\n";
  write(web + "/h5/dist/index.html", h5_index);
  write(web + "/h5/dist/assets/app.3f9a1c.js", app_js);
  write(web + "/h5/dist/logo.png", std::string("\x89PNG\r\n\x1a\n", 8) + std::string(3000, 'p'));
  write(web + "/console/dist/index.html", "<!doctype html><title>中台 控制台</title>");
  write(root.path() + "/secret.txt", "TOP-SECRET");
  ASSERT_EQ(::symlink((root.path() + "/secret.txt").c_str(), (web + "/h5/dist/leak.txt").c_str()), 0);

  Platform p(GetParam(), {{"ZT_GATEWAY__STATIC_ROOT", web}});
  const int port = p.port();

  auto index = http_get(port, "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, h5_index);
  EXPECT_EQ(index.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_EQ(index.headers["cache-control"], "no-cache") << "the entry page is always revalidated";
  ASSERT_FALSE(index.headers["etag"].empty());
  auto again = http_request(port, "GET", "/", "", {{"if-none-match", index.headers["etag"]}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());

  auto js = http_request(port, "GET", "/assets/app.3f9a1c.js", "", {{"accept-encoding", "gzip, deflate, br"}});
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.headers["content-encoding"], "gzip");
  EXPECT_EQ(js.headers["vary"], "Accept-Encoding");
  EXPECT_EQ(js.headers["cache-control"], "public, max-age=31536000, immutable") << "hashed build output";
  EXPECT_LT(js.body.size(), app_js.size());
  EXPECT_EQ(gunzip(js.body), app_js);
  auto plain = http_get(port, "/assets/app.3f9a1c.js");
  EXPECT_EQ(plain.headers.count("content-encoding"), 0u) << "no gzip unless asked for";
  EXPECT_EQ(plain.body, app_js);
  auto refused_gzip = http_request(port, "GET", "/assets/app.3f9a1c.js", "", {{"accept-encoding", "gzip;q=0"}});
  EXPECT_EQ(refused_gzip.body, app_js);
  auto png = http_request(port, "GET", "/logo.png", "", {{"accept-encoding", "gzip"}});
  EXPECT_EQ(png.headers["content-type"], "image/png");
  EXPECT_EQ(png.headers.count("content-encoding"), 0u) << "images are not compressed again";

  // Single-page app routes fall back to the app's index; missing files do not.
  EXPECT_EQ(http_get(port, "/orders/20261125-0001").body, h5_index);
  EXPECT_NE(http_get(port, "/console/staff/roles").body.find("控制台"), std::string::npos);
  EXPECT_NE(http_get(port, "/console").body.find("控制台"), std::string::npos);
  auto missing = http_get(port, "/assets/missing.js");
  EXPECT_EQ(missing.status, 404);
  EXPECT_NE(missing.body.find("\"code\":\"NOT_FOUND\""), std::string::npos) << missing.body;

  // Nothing outside the bundle, however it is asked for: a path in any spelling but the one
  // canonical one is refused before anything reads it; a symlink out of the bundle is not there.
  for (const char* path : {"/../secret.txt", "/%2e%2e/secret.txt", "/assets/..%2f..%2f..%2fsecret.txt",
                           "/console/../../secret.txt", "/..%5c..%5csecret.txt", "/%2e%2e%2f%2e%2e%2fsecret.txt",
                           "/assets/%00.js", "//secret.txt", "/assets/./app.js"}) {
    auto r = http_get(port, path);
    EXPECT_EQ(r.status, 400) << path << ": " << r.body;
    EXPECT_NE(r.body.find("\"code\":\"PATH_NOT_CANONICAL\""), std::string::npos) << path << ": " << r.body;
    EXPECT_EQ(r.body.find("TOP-SECRET"), std::string::npos) << path;
  }
  auto leak = http_get(port, "/leak.txt");
  EXPECT_EQ(leak.status, 404) << leak.body;
  EXPECT_EQ(leak.body.find("TOP-SECRET"), std::string::npos);

  // APIs still go to their services; other methods are not for files.
  EXPECT_EQ(http_get(port, "/api/system/v1/ping").status, 200);
  auto post = http_request(port, "POST", "/index.html", "{}");
  EXPECT_EQ(post.status, 404) << "files are for GET and HEAD: " << post.body;
  EXPECT_NE(post.body.find("\"code\":\"NOT_FOUND\""), std::string::npos) << post.body;

  // A rebuilt bundle is served within a second, without a restart.
  write(web + "/h5/dist/index.html", "<!doctype html><title>v2</title>");
  EXPECT_TRUE(eventually([&] { return http_get(port, "/").body.find("v2") != std::string::npos; }, std::chrono::seconds(5)));
}

INSTANTIATE_TEST_SUITE_P(BothModes, GatewayStatic, ::testing::Values(Mode::kAll, Mode::kSplit), mode_name);

}  // namespace
}  // namespace zt::test
