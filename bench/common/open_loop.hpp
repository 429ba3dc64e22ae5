#pragma once
// An open-loop request stream at a fixed rate over keep-alive connections, for the benchmarks:
// connection k sends the requests due at start + (k + n·connections)/rate, and each latency is
// measured from when its request was due — a stall cannot hide itself (no coordinated omission).
// `next(seq)` gives the raw HTTP/1.1 request and a label to report it under.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "harness/http.hpp"

namespace zt::bench {

using Clock = std::chrono::steady_clock;

struct Planned {
  std::string label;
  std::string raw;  // the whole request
  int expect = 200;
};

struct Sample {
  std::string label;
  double ms = 0;
  bool ok = false;
};

struct OpenLoopResult {
  long sent = 0, ok = 0, errors = 0;
  std::vector<Sample> samples;
};

inline std::string raw_request(const std::string& method, const std::string& path, const std::string& body, const std::string& extra_headers) {
  std::string r = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers;
  if (!body.empty()) r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  return r + "\r\n" + body;
}

inline OpenLoopResult open_loop(int port, double rate, int seconds, int connections, const std::function<Planned(long)>& next) {
  std::mutex mutex;
  OpenLoopResult out;
  std::atomic<long> sent{0}, ok{0}, errors{0}, seq{0};
  const auto start = Clock::now() + std::chrono::milliseconds(100);
  const auto end = start + std::chrono::seconds(seconds);
  const auto interval = std::chrono::duration<double>(1.0 / rate);
  std::vector<std::thread> workers;
  for (int k = 0; k < connections; ++k)
    workers.emplace_back([&, k] {
      std::vector<Sample> mine;
      std::unique_ptr<zt::test::RawConnection> c;
      for (long n = 0;; ++n) {
        const auto due = start + std::chrono::duration_cast<Clock::duration>(interval * (k + n * connections));
        if (due >= end) break;
        const Planned p = next(seq++);
        std::this_thread::sleep_until(due);
        ++sent;
        bool good = false;
        try {
          if (!c) c = std::make_unique<zt::test::RawConnection>("127.0.0.1", port);
          std::optional<zt::test::HttpResponse> r;
          if (c->send(p.raw)) r = c->read_response(std::chrono::seconds(10));
          good = r && r->status == p.expect;
          if (!r || r->closed) c.reset();
        } catch (const std::exception&) {
          c.reset();
        }
        (good ? ok : errors)++;
        mine.push_back({p.label, std::chrono::duration<double, std::milli>(Clock::now() - due).count(), good});
      }
      std::lock_guard lock(mutex);
      out.samples.insert(out.samples.end(), mine.begin(), mine.end());
    });
  for (auto& w : workers) w.join();
  out.sent = sent;
  out.ok = ok;
  out.errors = errors;
  return out;
}

// The p-th fraction of sorted values (0 when none).
inline double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0.0;
  return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(p * static_cast<double>(sorted.size())))];
}

}  // namespace zt::bench
