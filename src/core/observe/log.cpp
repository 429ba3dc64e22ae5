#include "core/observe/log.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <mutex>

namespace zt::core::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<bool> g_json{true};
std::mutex g_mutex;
std::shared_ptr<spdlog::logger> g_logger;  // guarded by g_mutex for replacement only
std::string g_target;

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

std::string timestamp() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
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
    line += timestamp();
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
    line += ",\"msg\":\"";
    append_json_escaped(line, message);
    line += "\"}";
  } else {
    line = fmt::format("{} {:5} {}{}", timestamp(), level_name(level), message,
                       trace.trace_id.empty() ? std::string() : fmt::format(" trace_id={}", trace.trace_id));
  }
  logger()->log(spdlog::level::info, line);
}

struct LineWriter::Impl {
  std::shared_ptr<spdlog::logger> logger;
};

LineWriter::LineWriter(const std::string& path) : impl_(new Impl) {
  static std::once_flag pool_once;
  std::call_once(pool_once, [] { spdlog::init_thread_pool(65536, 1); });
  std::shared_ptr<spdlog::sinks::sink> sink;
  if (path == "-") {
    sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
  } else {
    sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path);
  }
  // Overrun the oldest queued line rather than block a request thread when the disk stalls.
  impl_->logger = std::make_shared<spdlog::async_logger>("access", sink, spdlog::thread_pool(),
                                                         spdlog::async_overflow_policy::overrun_oldest);
  impl_->logger->set_pattern("%v");
}

LineWriter::~LineWriter() {
  impl_->logger->flush();
  delete impl_;
}

void LineWriter::write(std::string line) { impl_->logger->log(spdlog::level::info, line); }

void LineWriter::flush() { impl_->logger->flush(); }

}  // namespace zt::core::log
