// Cluster-wide limits against a real redis-server: two processes share one limit; with Redis
// gone, the configured fail mode and fallback limit decide.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "harness/process.hpp"
#include "harness/servers.hpp"

namespace zt::test {
namespace {

long long number_of(const std::string& json, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(json, m, std::regex("\"" + name + "\":(\\d+)"))) return -1;
  return std::stoll(m[1]);
}
long admitted_of(const std::string& json) { return static_cast<long>(number_of(json, "admitted")); }

TEST(ClusterLimit, TwoProcessesShareOneLimitWithinOnePercent) {
  RedisServer redis;
  TempDir dir;
  const std::vector<std::string> args{ZT_DRIVER, std::to_string(redis.port()), "10", "1000", "10", "open"};
  Process a({args, {}, dir.path() + "/a.txt", "", ""});
  Process b({args, {}, dir.path() + "/b.txt", "", ""});
  ASSERT_EQ(a.wait_exit(std::chrono::seconds(60)), 0) << a.log_text();
  ASSERT_EQ(b.wait_exit(std::chrono::seconds(60)), 0) << b.log_text();
  const long total = admitted_of(a.log_text()) + admitted_of(b.log_text());
  // 1000/s over the span the two runs together took tokens in (10 s and the few ms, or on a busy
  // machine the few hundred ms, between their starts) plus the burst of 10; within 1 %.
  const auto span_ms = std::max(number_of(a.log_text(), "end_ms"), number_of(b.log_text(), "end_ms")) -
                       std::min(number_of(a.log_text(), "start_ms"), number_of(b.log_text(), "start_ms"));
  ASSERT_GE(span_ms, 10000) << a.log_text() << b.log_text();
  const double allowed = 1000.0 * static_cast<double>(span_ms) / 1000.0 + 10;
  EXPECT_GE(total, 9900) << a.log_text() << b.log_text();
  EXPECT_LE(static_cast<double>(total), allowed * 1.01) << "span " << span_ms << " ms: " << a.log_text() << b.log_text();
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
