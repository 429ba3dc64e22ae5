#include "core/observe/log.hpp"

#include <fcntl.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <shared_mutex>
#include <thread>

#include "core/util/time.hpp"

namespace zt::core::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<bool> g_json{true};
std::mutex g_mutex;
std::shared_ptr<spdlog::logger> g_logger;  // guarded by g_mutex for replacement only
std::string g_target;
// The tap: read under a shared lock by every writer, replaced under the exclusive one (so a tap
// being removed is not called after set_tap returns). A thread already in the tap does not call
// it again (a tap that logs through a path it did not foresee cannot recurse).
std::shared_mutex g_tap_mutex;
Tap g_tap;
std::atomic<bool> g_has_tap{false};
thread_local bool t_in_tap = false;

std::shared_ptr<spdlog::logger> logger() {
  std::lock_guard lock(g_mutex);
  if (!g_logger) {
    g_logger = std::make_shared<spdlog::logger>("zt", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    g_logger->set_pattern("%v");
    g_logger->set_level(spdlog::level::trace);
  }
  return g_logger;
}

constexpr std::string_view level_name(Level l) {
  switch (l) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

}  // namespace

void append_json_escaped(std::string& out, std::string_view s) {
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
}

Level parse_level(std::string_view name) {
  if (name == "debug") return Level::kDebug;
  if (name == "info") return Level::kInfo;
  if (name == "warn") return Level::kWarn;
  if (name == "error") return Level::kError;
  throw std::invalid_argument("log level must be one of debug, info, warn, error");
}

void init(const Options& o) {
  g_level = static_cast<int>(o.level);
  g_json = o.json;
  std::shared_ptr<spdlog::sinks::sink> sink;
  if (o.file.empty()) {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  } else {
    sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(o.file);
  }
  auto l = std::make_shared<spdlog::logger>("zt", sink);
  l->set_pattern("%v");
  l->set_level(spdlog::level::trace);
  l->flush_on(spdlog::level::trace);
  std::lock_guard lock(g_mutex);
  g_logger = std::move(l);
  g_target = o.target;
}

bool enabled(Level level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

void write(Level level, std::string_view message, const Trace& trace) {
  std::string line;
  line.reserve(96 + message.size());
  std::string target;
  {
    std::lock_guard lock(g_mutex);
    target = g_target;
  }
  if (g_json.load(std::memory_order_relaxed)) {
    line += "{\"time\":\"";
    line += core::utc_timestamp();
    line += "\",\"level\":\"";
    line += level_name(level);
    line += "\",\"target\":\"";
    append_json_escaped(line, target);
    line += '"';
    if (!trace.trace_id.empty()) {
      line += ",\"trace_id\":\"";
      append_json_escaped(line, trace.trace_id);
      line += '"';
    }
    if (!trace.span_id.empty()) {
      line += ",\"span_id\":\"";
      append_json_escaped(line, trace.span_id);
      line += '"';
    }
    line += ",\"message\":\"";
    append_json_escaped(line, message);
    line += "\"}";
  } else {
    line = fmt::format("{} {:5} {}{}", core::utc_timestamp(), level_name(level), message,
                       trace.trace_id.empty() ? std::string() : fmt::format(" trace_id={}", trace.trace_id));
  }
  logger()->log(spdlog::level::info, line);
  if (g_has_tap.load(std::memory_order_relaxed) && !t_in_tap) {
    std::shared_lock lock(g_tap_mutex);
    if (g_tap) {
      struct InTap {
        InTap() { t_in_tap = true; }
        ~InTap() { t_in_tap = false; }
      } in_tap;
      const auto now = std::chrono::system_clock::now().time_since_epoch();
      try {
        g_tap(Record{level, message, trace,
                     static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(now).count())});
      } catch (const std::exception&) {  // the line is written; only its copy for export is lost
      }
    }
  }
}

void set_tap(Tap tap) {
  std::unique_lock lock(g_tap_mutex);
  g_has_tap.store(static_cast<bool>(tap), std::memory_order_relaxed);
  g_tap = std::move(tap);
}

// The access log sits on the request path of every request: appending a line must not cost a
// system call. Lines go into an in-memory buffer under a mutex (uncontended in the common case);
// a background thread swaps the buffer out every 50 ms, or sooner when it grows past 256 KiB, and
// writes it with one write(2). A per-line condition-variable signal (as in spdlog's async logger)
// costs a futex call per request, which the HTTP benchmark showed to dominate. When the disk
// stalls and the buffer reaches 16 MiB, new lines are dropped and counted rather than blocking.
struct LineWriter::Impl {
  static constexpr std::size_t kWakeAt = 256 * 1024;
  static constexpr std::size_t kDropAt = 16 * 1024 * 1024;

  int fd = -1;
  bool owns_fd = false;
  std::mutex mutex;
  std::condition_variable cv;
  std::string buffer;
  bool stopping = false;
  bool flush_requested = false;
  std::uint64_t flushed_generation = 0;
  std::uint64_t dropped = 0;
  std::thread thread;

  void write_all(const std::string& data) {
    std::size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::write(fd, data.data() + off, data.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        return;  // the disk refused; the lines are lost, the service goes on
      }
      off += static_cast<std::size_t>(n);
    }
  }

  void run() {
    std::string out;
    std::unique_lock lock(mutex);
    for (;;) {
      cv.wait_for(lock, std::chrono::milliseconds(50),
                  [&] { return stopping || flush_requested || buffer.size() >= kWakeAt; });
      out.swap(buffer);
      std::uint64_t dropped_now = std::exchange(dropped, 0);
      bool stop = stopping;
      bool was_flush = std::exchange(flush_requested, false);
      lock.unlock();
      if (dropped_now > 0)
        out += fmt::format("{{\"dropped_lines\":{}}}\n", dropped_now);
      if (!out.empty()) write_all(out);
      out.clear();
      lock.lock();
      if (was_flush) {
        ++flushed_generation;
        cv.notify_all();
      }
      if (stop && buffer.empty()) return;
    }
  }
};

LineWriter::LineWriter(const std::string& path) : impl_(new Impl) {
  if (path == "-") {
    impl_->fd = 1;
  } else {
    // Its folder is made on first start (data/ beside a fresh config is empty).
    std::error_code made;
    if (const auto parent = std::filesystem::path(path).parent_path(); !parent.empty())
      std::filesystem::create_directories(parent, made);
    impl_->fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (impl_->fd < 0) {
      std::string err = std::strerror(errno);
      delete impl_;
      throw std::runtime_error(fmt::format("cannot open log file {}: {}", path, err));
    }
    impl_->owns_fd = true;
  }
  impl_->thread = std::thread([this] { impl_->run(); });
}

LineWriter::~LineWriter() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  impl_->thread.join();
  if (impl_->owns_fd) ::close(impl_->fd);
  delete impl_;
}

void LineWriter::write(std::string line) {
  bool wake = false;
  {
    std::lock_guard lock(impl_->mutex);
    if (impl_->buffer.size() >= Impl::kDropAt) {
      ++impl_->dropped;
      return;
    }
    impl_->buffer += line;
    impl_->buffer += '\n';
    wake = impl_->buffer.size() >= Impl::kWakeAt && impl_->buffer.size() - line.size() - 1 < Impl::kWakeAt;
  }
  if (wake) impl_->cv.notify_one();
}

void LineWriter::flush() {
  std::unique_lock lock(impl_->mutex);
  std::uint64_t target = impl_->flushed_generation + 1;
  impl_->flush_requested = true;
  impl_->cv.notify_all();
  impl_->cv.wait(lock, [&] { return impl_->flushed_generation >= target || impl_->stopping; });
}

}  // namespace zt::core::log
