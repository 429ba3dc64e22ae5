#pragma once
// Structured logs: one JSON object per line with time, level, target, trace_id, span_id, msg.
// Formatting happens in the caller; writing can be asynchronous (file sinks), so a slow disk never
// stalls an io thread.
#include <fmt/format.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace zt::core::log {

enum class Level { kDebug, kInfo, kWarn, kError };

struct Options {
  Level level = Level::kInfo;
  bool json = true;         // false: human-readable text for a terminal
  std::string target = "";  // the process's target list, e.g. "all"
  std::string file;         // empty: stderr
};

void init(const Options& options);
Level parse_level(std::string_view name);  // throws std::invalid_argument
bool enabled(Level level);

// Trace fields to stamp on a line; empty strings are omitted. `service`: the service the line is
// about, when known (a request's), for the observer's log search.
struct Trace {
  std::string_view trace_id;
  std::string_view span_id;
  std::string_view service;
};

void write(Level level, std::string_view message, const Trace& trace = {});

// A line as it is written, handed to the tap (issue 19: log records to the observer over OTLP).
struct Record {
  Level level;
  std::string_view message;
  const Trace& trace;
  std::uint64_t unix_nanos;
};
// Called for every line written (after the level check), on the writing thread; it must not block
// and must not write log lines itself. Null removes it; replacing waits for calls under way.
using Tap = std::function<void(const Record&)>;
void set_tap(Tap tap);

// Escapes a string for inclusion inside a JSON string literal.
void append_json_escaped(std::string& out, std::string_view s);

template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kDebug)) write(Level::kDebug, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kInfo)) write(Level::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kWarn)) write(Level::kWarn, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kError)) write(Level::kError, fmt::format(f, std::forward<Args>(args)...));
}

// A line stamped with a trace: log::traced(trace).warn("...").
class Traced {
 public:
  explicit Traced(Trace t) : t_(t) {}
  template <class... Args>
  void info(fmt::format_string<Args...> f, Args&&... args) const {
    if (enabled(Level::kInfo)) write(Level::kInfo, fmt::format(f, std::forward<Args>(args)...), t_);
  }
  template <class... Args>
  void warn(fmt::format_string<Args...> f, Args&&... args) const {
    if (enabled(Level::kWarn)) write(Level::kWarn, fmt::format(f, std::forward<Args>(args)...), t_);
  }
  template <class... Args>
  void error(fmt::format_string<Args...> f, Args&&... args) const {
    if (enabled(Level::kError)) write(Level::kError, fmt::format(f, std::forward<Args>(args)...), t_);
  }

 private:
  Trace t_;
};
inline Traced traced(Trace t) { return Traced(t); }

// A line-oriented file (or stdout) writer that writes on a background thread: the access log.
class LineWriter {
 public:
  explicit LineWriter(const std::string& path);  // "-" means stdout
  ~LineWriter();
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;
  void write(std::string line);  // never blocks on I/O
  void flush();

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace zt::core::log
