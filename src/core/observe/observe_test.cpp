#include <gtest/gtest.h>

#include "core/observe/log.hpp"
#include "core/observe/metrics.hpp"
#include "core/observe/trace.hpp"

#include <algorithm>

namespace zt::core::observe {
namespace {

TEST(TraceContext, ParsesValidTraceparentAndStartsAChildSpan) {
  auto t = TraceContext::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(t->parent_span_id_hex(), "00f067aa0ba902b7");
  EXPECT_NE(t->span_id_hex(), "00f067aa0ba902b7");
  std::string out = t->traceparent();
  EXPECT_EQ(out.substr(0, 36), "00-4bf92f3577b34da6a3ce929d0e0e4736-");
  EXPECT_EQ(out.substr(36, 16), t->span_id_hex());
  EXPECT_EQ(out.substr(52), "-01");
}

TEST(TraceContext, RefusesMalformedOrZeroIds) {
  for (const char* bad : {"", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
                          "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                          "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                          "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
                          "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}) {
    EXPECT_FALSE(TraceContext::parse(bad)) << bad;
  }
  EXPECT_TRUE(TraceContext::parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future"));
}

TEST(TraceContext, GeneratedIdsAreDistinct) {
  auto a = TraceContext::generate(), b = TraceContext::generate();
  EXPECT_NE(a.trace_id_hex(), b.trace_id_hex());
  EXPECT_EQ(a.child().trace_id_hex(), a.trace_id_hex());
  EXPECT_EQ(a.child().parent_span_id_hex(), a.span_id_hex());
}

TEST(Metrics, RendersPrometheusText) {
  Registry r;
  r.counter("zt_things_total", "Things", {{"kind", "a\"b"}}).inc(3);
  r.gauge("zt_level", "Level").set(-2);
  auto& h = r.histogram("zt_latency_seconds", "Latency", {{"route", "/x"}});
  h.observe_seconds(0.0004);
  h.observe_seconds(0.003);
  h.observe_seconds(20);
  std::string text = r.render();
  EXPECT_NE(text.find("# TYPE zt_things_total counter\nzt_things_total{kind=\"a\\\"b\"} 3\n"), std::string::npos) << text;
  EXPECT_NE(text.find("zt_level -2\n"), std::string::npos);
  EXPECT_NE(text.find("zt_latency_seconds_bucket{route=\"/x\",le=\"0.0005\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("zt_latency_seconds_bucket{route=\"/x\",le=\"0.005\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("zt_latency_seconds_bucket{route=\"/x\",le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("zt_latency_seconds_count{route=\"/x\"} 3\n"), std::string::npos);
  EXPECT_THROW(r.gauge("zt_things_total", "x"), std::logic_error);
  EXPECT_EQ(&r.counter("zt_things_total", "Things", {{"kind", "a\"b"}}), &r.counter("zt_things_total", "", {{"kind", "a\"b"}}));
}

TEST(Log, EscapesJson) {
  std::string out;
  log::append_json_escaped(out, "a\"b\\c\nd\x01");
  EXPECT_EQ(out, "a\\\"b\\\\c\\nd\\u0001");
}

}  // namespace
}  // namespace zt::core::observe

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace zt::core::log {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(LogTap, SeesEveryLineWrittenWithItsTraceAndNeverItsOwnLines) {
  struct Seen {
    Level level;
    std::string message, trace_id, span_id, service;
  };
  std::vector<Seen> seen;
  set_tap([&](const Record& r) {
    seen.push_back({r.level, std::string(r.message), std::string(r.trace.trace_id), std::string(r.trace.span_id),
                    std::string(r.trace.service)});
    EXPECT_GT(r.unix_nanos, 1'700'000'000'000'000'000ull);
    warn("from inside the tap");  // written, but not handed to the tap again
  });
  info("plain {}", 1);
  debug("below the level: not written, not tapped");
  traced({"0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", "mall"}).error("in a request");
  set_tap(nullptr);
  info("after the tap is gone");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].message, "plain 1");
  EXPECT_EQ(seen[0].level, Level::kInfo);
  EXPECT_EQ(seen[0].trace_id, "");
  EXPECT_EQ(seen[1].level, Level::kError);
  EXPECT_EQ(seen[1].trace_id, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(seen[1].span_id, "b7ad6b7169203331");
  EXPECT_EQ(seen[1].service, "mall");
}

TEST(LineWriter, WritesEveryLineFromManyThreadsInWholeLines) {
  std::string path = "/tmp/zt-linewriter-" + std::to_string(::getpid()) + ".log";
  {
    LineWriter w(path);
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; ++t)
      ts.emplace_back([&w, t] {
        for (int i = 0; i < 1000; ++i) w.write("{\"t\":" + std::to_string(t) + ",\"i\":" + std::to_string(i) + "}");
      });
    for (auto& t : ts) t.join();
    w.flush();
    std::string text = slurp(path);
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4000);
    EXPECT_NE(text.find("{\"t\":3,\"i\":999}\n"), std::string::npos);
    w.write("last");
  }
  EXPECT_NE(slurp(path).find("last\n"), std::string::npos) << "the destructor writes what is left";
  ::unlink(path.c_str());
}

TEST(LineWriter, MakesItsFolderAndAnUnopenablePathIsAClearError) {
  char dir_template[] = "/tmp/zt-linewriter-XXXXXX";
  const std::string dir = ::mkdtemp(dir_template);
  // A folder that does not exist yet is made (a fresh data directory).
  {
    LineWriter w(dir + "/data/logs/x.log");
    w.write("first");
  }
  EXPECT_EQ(slurp(dir + "/data/logs/x.log"), "first\n");
  // Under a file, no folder can be made: a clear error naming the path.
  const std::string file = dir + "/plain";
  { std::ofstream(file) << "x"; }
  try {
    LineWriter w(file + "/x.log");
    ADD_FAILURE() << "opened a log under a regular file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot open log file " + file + "/x.log"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace zt::core::log
