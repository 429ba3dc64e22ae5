// bench/observer's load: OTLP trace exports into one observer, as the platform's processes send
// them — protobuf batches of spans (traces of eight spans: a gateway server span, its client span,
// the service's server span, calls and their answers), signed as a platform service — from
// `connections` keep-alive connections in a closed loop for `seconds`. Every span is new (ids from
// a counter), so each is stored, none is a repeat. A busy answer (429) is counted and the batch is
// sent again after the second it asks. Prints one JSON line:
//   {"seconds":…, "batches":…, "spans":…, "spans_per_s":…, "busy":…, "errors":…, "p50_ms":…, "p99_ms":…}
//
// Usage: observer_driver <port> <internal-secret> <seconds> <connections> <spans-per-batch>
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/open_loop.hpp"
#include "core/http/identity.hpp"
#include "core/observe/otlp.hpp"
#include "harness/http.hpp"

using Clock = std::chrono::steady_clock;

namespace {

const std::string kPath = "/api/observer/v1/traces";

std::string batch(std::uint64_t& next_id, int spans) {
  using namespace zt::core::observe;
  static const char* kNames[] = {"GET /api/mall/v1/holdings", "GET mall", "GET /api/mall/v1/holdings",
                                 "GET counter", "GET /api/counter/v1/accounts/{fund_account}/balance",
                                 "GET counter", "GET /api/counter/v1/accounts/{fund_account}/positions",
                                 "POST vendor:identity"};
  std::vector<Span> out(static_cast<std::size_t>(spans));
  const std::uint64_t now = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  std::array<std::uint8_t, 8> parent{};
  for (int i = 0; i < spans; ++i) {
    auto& s = out[static_cast<std::size_t>(i)];
    const std::uint64_t id = ++next_id, trace = id / 8 + 1;
    for (int b = 0; b < 8; ++b) {
      s.trace_id[static_cast<std::size_t>(8 + b)] = static_cast<std::uint8_t>(trace >> (8 * b));
      s.trace_id[0] = 0x7a;
      s.span_id[static_cast<std::size_t>(b)] = static_cast<std::uint8_t>(id >> (8 * b));
    }
    const int at = i % 8;
    if (at > 0) s.parent_span_id = parent;
    parent = s.span_id;
    s.name = kNames[at];
    s.kind = at % 2 == 0 ? SpanKind::kServer : SpanKind::kClient;
    s.start_unix_nano = now - 5'000'000 + static_cast<std::uint64_t>(at) * 100'000;
    s.end_unix_nano = s.start_unix_nano + 200'000 + (id % 97) * 20'000;
    s.attributes = {{"http.request.method", std::string("GET")},
                    {"http.route", std::string(kNames[at])},
                    {"http.response.status_code", std::int64_t{200}},
                    {"zt.request_id", std::to_string(id)}};
    if (s.kind == SpanKind::kClient) s.attributes.push_back({"peer.service", std::string(at == 1 ? "mall" : "counter")});
  }
  SpanSource source{"mall", "bench-1", {}, "zhongtai", "bench"};
  return otlp_traces_protobuf(source, out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s port secret seconds connections spans-per-batch\n", argv[0]);
    return 2;
  }
  const int port = std::stoi(argv[1]);
  const std::string secret = argv[2];
  const int seconds = std::stoi(argv[3]), connections = std::stoi(argv[4]), spans = std::stoi(argv[5]);
  const auto keys = zt::core::http::ServiceKeys::derive(secret, {"mall"}, {"observer"});
  std::atomic<bool> stop{false};
  std::atomic<long> batches{0}, busy{0}, errors{0};
  std::mutex mutex;
  std::vector<double> latencies_ms;
  std::vector<std::thread> threads;
  const auto started = Clock::now();
  for (int c = 0; c < connections; ++c)
    threads.emplace_back([&, c] {
      std::uint64_t next_id = static_cast<std::uint64_t>(c) << 40;  // each connection its own ids
      std::vector<double> mine;
      while (!stop.load()) {
        try {
          zt::test::RawConnection conn("127.0.0.1", port);
          while (!stop.load()) {
            const std::string body = batch(next_id, spans);
            zt::core::http::CallIdentity id;
            id.from = "mall";
            id.to = "observer";
            const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
            const std::string request = "POST " + kPath + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                                        "Content-Type: application/x-protobuf\r\nContent-Length: " +
                                        std::to_string(body.size()) + "\r\nx-zt-identity: " +
                                        zt::core::http::sign_call(id, "POST", kPath, body, keys, now) + "\r\n\r\n" +
                                        body;
            const auto sent = Clock::now();
            if (!conn.send(request)) break;
            auto r = conn.read_response(std::chrono::seconds(30));
            if (!r) break;
            if (r->status == 200) {
              ++batches;
              mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
            } else if (r->status == 429) {
              ++busy;
              std::this_thread::sleep_for(std::chrono::milliseconds(200));
            } else {
              ++errors;
            }
            if (r->closed) break;
          }
        } catch (const std::exception&) {
          ++errors;
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      }
      std::lock_guard lock(mutex);
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
    });
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  const double took = std::chrono::duration<double>(Clock::now() - started).count();
  std::sort(latencies_ms.begin(), latencies_ms.end());
  const long stored = batches.load() * spans;
  std::printf("{\"seconds\":%.1f,\"batches\":%ld,\"spans\":%ld,\"spans_per_s\":%.0f,\"busy\":%ld,\"errors\":%ld,"
              "\"p50_ms\":%.2f,\"p99_ms\":%.2f}\n",
              took, batches.load(), stored, static_cast<double>(stored) / took, busy.load(), errors.load(),
              zt::bench::percentile(latencies_ms, 0.5), zt::bench::percentile(latencies_ms, 0.99));
  return 0;
}
