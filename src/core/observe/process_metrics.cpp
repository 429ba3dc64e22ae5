#include "core/observe/process_metrics.hpp"

#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <vector>

namespace zt::core::observe {

namespace {

// The boot time (seconds since the epoch) from /proc/stat's btime line; read once (it does not
// change).
std::optional<double> read_boot_time() {
  std::ifstream in("/proc/stat");
  std::string key;
  while (in >> key) {
    if (key == "btime") {
      double v = 0;
      if (in >> v) return v;
      return std::nullopt;
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return std::nullopt;
}

std::optional<double> boot_time() {
  static const std::optional<double> once = read_boot_time();
  return once;
}

}  // namespace

std::optional<ProcessFigures> read_process_figures() {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // "pid (comm) state …": the command may hold spaces and parentheses; the fields start after the
  // last ')'.
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 1));
  std::vector<std::string> f;  // f[0] is field 3 (state)
  for (std::string x; fields >> x;) f.push_back(x);
  if (f.size() < 22) return std::nullopt;
  const auto field = [&](int n) { return f[static_cast<std::size_t>(n - 3)]; };
  const long ticks = ::sysconf(_SC_CLK_TCK), page = ::sysconf(_SC_PAGESIZE);
  if (ticks <= 0 || page <= 0) return std::nullopt;
  ProcessFigures p;
  try {
    p.cpu_seconds = static_cast<double>(std::stoull(field(14)) + std::stoull(field(15))) / static_cast<double>(ticks);
    p.threads = std::stoull(field(20));
    const double started_after_boot = static_cast<double>(std::stoull(field(22))) / static_cast<double>(ticks);
    p.virtual_bytes = std::stoull(field(23));
    p.resident_bytes = std::stoull(field(24)) * static_cast<std::uint64_t>(page);
    if (const auto boot = boot_time()) p.start_time_seconds = *boot + started_after_boot;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator("/proc/self/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++p.open_fds;
  if (p.open_fds > 0) --p.open_fds;  // the directory's own descriptor, open while it is read
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) p.max_fds = limit.rlim_cur;
  return p;
}

std::string process_metrics_text() {
  const auto p = read_process_figures();
  if (!p) return {};
  std::string out;
  const auto one = [&](const char* name, const char* type, const char* help, const std::string& value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
  };
  one("process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds",
      fmt::format("{:.2f}", p->cpu_seconds));
  one("process_resident_memory_bytes", "gauge", "Resident memory size in bytes", std::to_string(p->resident_bytes));
  one("process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes", std::to_string(p->virtual_bytes));
  one("process_open_fds", "gauge", "Open file descriptors", std::to_string(p->open_fds));
  one("process_max_fds", "gauge", "The limit of open file descriptors", std::to_string(p->max_fds));
  one("process_threads", "gauge", "Threads of the process", std::to_string(p->threads));
  one("process_start_time_seconds", "gauge", "When the process started, in seconds since the Unix epoch",
      fmt::format("{:.2f}", p->start_time_seconds));
  return out;
}

}  // namespace zt::core::observe
