#include "core/observe/process_metrics.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <ctime>

namespace zt::core::observe {
namespace {

TEST(ProcessMetrics, ReadsThisProcesssOwnFiguresAndFollowsThem) {
  const auto before = read_process_figures();
  ASSERT_TRUE(before);
  EXPECT_GT(before->resident_bytes, 1u << 20);
  EXPECT_GE(before->virtual_bytes, before->resident_bytes);
  EXPECT_GE(before->threads, 1u);
  EXPECT_GT(before->max_fds, before->open_fds);
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_LE(before->start_time_seconds, now + 1);
  EXPECT_GT(before->start_time_seconds, now - 86400 * 30) << "started within the last month";
  // Ten more files open: ten more counted. CPU spent: counted.
  int fds[10];
  for (int& fd : fds) fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  volatile double sink = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  while (std::chrono::steady_clock::now() < until) sink = sink + 1.0;
  const auto after = read_process_figures();
  for (int fd : fds) ::close(fd);
  ASSERT_TRUE(after);
  EXPECT_GE(after->open_fds, before->open_fds + 10) << "other threads may open files meanwhile, never fewer";
  EXPECT_GT(after->cpu_seconds, before->cpu_seconds);
  const auto text = process_metrics_text();
  for (const auto* name : {"process_cpu_seconds_total ", "process_resident_memory_bytes ", "process_open_fds ",
                           "process_max_fds ", "process_threads ", "process_start_time_seconds "})
    EXPECT_NE(text.find(std::string("\n") + name), std::string::npos) << name;
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
}

}  // namespace
}  // namespace zt::core::observe
