// Cluster-wide limits against a real redis-server: two processes share one limit; with Redis
// gone, the configured fail mode and fallback limit decide.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "harness/process.hpp"
#include "harness/servers.hpp"

namespace zt::test {
namespace {

long admitted_of(const std::string& json) {
  std::smatch m;
  if (!std::regex_search(json, m, std::regex(R"("admitted":(\d+))"))) return -1;
  return std::stol(m[1]);
}

TEST(ClusterLimit, TwoProcessesShareOneLimitWithinOnePercent) {
  RedisServer redis;
  TempDir dir;
  const std::vector<std::string> args{ZT_DRIVER, std::to_string(redis.port()), "10", "1000", "10", "open"};
  Process a({args, {}, dir.path() + "/a.txt", "", ""});
  Process b({args, {}, dir.path() + "/b.txt", "", ""});
  ASSERT_EQ(a.wait_exit(std::chrono::seconds(60)), 0) << a.log_text();
  ASSERT_EQ(b.wait_exit(std::chrono::seconds(60)), 0) << b.log_text();
  const long total = admitted_of(a.log_text()) + admitted_of(b.log_text());
  // 1000/s for 10 s plus the burst of 10; the two runs start a few ms apart.
  EXPECT_GE(total, 9900) << a.log_text() << b.log_text();
  EXPECT_LE(total, 10100) << a.log_text() << b.log_text();
  EXPECT_GT(admitted_of(a.log_text()), 0);
  EXPECT_GT(admitted_of(b.log_text()), 0);
}

TEST(ClusterLimit, RedisDownFollowsTheFailModeAndFallback) {
  const int dead = free_port();  // nothing listens here
  auto closed = run({ZT_DRIVER, std::to_string(dead), "2", "1000", "10", "closed"});
  EXPECT_EQ(admitted_of(closed.output), 0) << closed.output;
  auto open = run({ZT_DRIVER, std::to_string(dead), "2", "1000", "10", "open"});
  EXPECT_GT(admitted_of(open.output), 5000) << "fail-open admits everything: " << open.output;
  auto fallback = run({ZT_DRIVER, std::to_string(dead), "2", "1000", "10", "closed", "100"});
  const long f = admitted_of(fallback.output);
  // The local limit: 100/s for 2 s plus its burst of 20 at most (a connect attempt per second may
  // add a little time); far from fail-open, and not fail-closed either.
  EXPECT_LE(f, 225) << fallback.output;
  EXPECT_GE(f, 150) << fallback.output;
}

}  // namespace
}  // namespace zt::test
