// bench/bulkhead's load: an open-loop request stream at a fixed rate on one route (latency is
// measured from when each request was due, so a stall cannot hide itself), optionally beside a
// closed-loop crowd of slow calls to the identity service (signed as a platform service, as the
// business services would call it). Prints one JSON line:
//   {"rate":…, "sent":…, "ok":…, "errors":…, "p50_ms":…, "p90_ms":…, "p99_ms":…, "max_ms":…,
//    "slow":{"calls":…, "ok":…, "busy":…, "other":…}}
//
// Each crowd connection starts one identity call every 2 s whatever the vendor does, so a fast and
// a slow vendor see the same offered load and only their speed differs.
//
// Usage: bulkhead_driver <port> <path> <rate/s> <seconds> <connections> [<crowd-connections> <internal-secret>]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/http/identity.hpp"
#include "harness/http.hpp"

using Clock = std::chrono::steady_clock;

namespace {

const std::string kIdentityPath = "/api/identity/v1/verifications";
const std::string kIdentityBody = R"({"name": "张三", "id_number": "11010519491231002X"})";

std::string signed_identity(const std::string& secret) {
  zt::core::http::ForwardedIdentity id;
  id.service = "opening";
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return zt::core::http::sign_identity(id, "POST", kIdentityPath, secret, now);
}

std::string request(const std::string& method, const std::string& path, const std::string& body, const std::string& extra_headers) {
  std::string r = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers;
  if (!body.empty()) r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  return r + "\r\n" + body;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: %s port path rate seconds connections [slow-connections secret]\n", argv[0]);
    return 2;
  }
  const int port = std::stoi(argv[1]);
  const std::string path = argv[2];
  const double rate = std::stod(argv[3]);
  const int seconds = std::stoi(argv[4]);
  const int connections = std::stoi(argv[5]);
  const int slow_connections = argc > 7 ? std::stoi(argv[6]) : 0;
  const std::string secret = argc > 7 ? argv[7] : "";

  std::atomic<bool> stop{false};
  // The slow crowd: each connection keeps one identity call in flight.
  std::atomic<long> slow_calls{0}, slow_ok{0}, slow_busy{0}, slow_other{0};
  std::vector<std::thread> crowd;
  for (int i = 0; i < slow_connections; ++i)
    crowd.emplace_back([&, i] {
      // Spread over the 2-second period: a steady stream, not a burst every 2 s.
      std::this_thread::sleep_for(std::chrono::milliseconds(2000LL * i / slow_connections));
      while (!stop.load()) {
        try {
          zt::test::RawConnection c("127.0.0.1", port);
          while (!stop.load()) {
            const auto next = Clock::now() + std::chrono::seconds(2);
            // A signature is valid for a minute: a fresh one per call.
            if (!c.send(request("POST", kIdentityPath, kIdentityBody, "x-zt-identity: " + signed_identity(secret) + "\r\n"))) break;
            auto r = c.read_response(std::chrono::seconds(30));
            if (!r) break;
            ++slow_calls;
            if (r->status == 200) ++slow_ok;
            else if (r->status == 503) ++slow_busy;
            else ++slow_other;
            std::this_thread::sleep_until(next);
          }
        } catch (const std::exception&) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
      }
    });
  if (slow_connections > 0) std::this_thread::sleep_for(std::chrono::seconds(3));  // the crowd in place first

  // The measured stream: connection k sends the requests due at start + (k + n·connections)/rate.
  std::mutex mutex;
  std::vector<double> latencies_ms;
  std::atomic<long> sent{0}, ok{0}, errors{0};
  const auto start = Clock::now() + std::chrono::milliseconds(100);
  const auto end = start + std::chrono::seconds(seconds);
  const auto interval = std::chrono::duration<double>(1.0 / rate);
  std::vector<std::thread> workers;
  for (int k = 0; k < connections; ++k)
    workers.emplace_back([&, k] {
      std::vector<double> mine;
      std::unique_ptr<zt::test::RawConnection> c;
      for (long n = 0;; ++n) {
        const auto due = start + std::chrono::duration_cast<Clock::duration>(interval * (k + n * connections));
        if (due >= end) break;
        std::this_thread::sleep_until(due);
        ++sent;
        try {
          if (!c) c = std::make_unique<zt::test::RawConnection>("127.0.0.1", port);
          std::optional<zt::test::HttpResponse> r;
          if (c->send(request("GET", path, "", ""))) r = c->read_response(std::chrono::seconds(10));
          if (r && r->status == 200) ++ok;
          else ++errors;
          if (!r || r->closed) c.reset();
        } catch (const std::exception&) {
          ++errors;
          c.reset();
        }
        mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - due).count());
      }
      std::lock_guard lock(mutex);
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
    });
  for (auto& w : workers) w.join();
  stop = true;
  for (auto& t : crowd) t.join();

  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double p) {
    if (latencies_ms.empty()) return 0.0;
    return latencies_ms[std::min(latencies_ms.size() - 1, static_cast<std::size_t>(p * static_cast<double>(latencies_ms.size())))];
  };
  std::printf("{\"rate\":%.0f,\"sent\":%ld,\"ok\":%ld,\"errors\":%ld,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,"
              "\"slow\":{\"connections\":%d,\"calls\":%ld,\"ok\":%ld,\"busy\":%ld,\"other\":%ld}}\n",
              rate, sent.load(), ok.load(), errors.load(), pct(0.5), pct(0.9), pct(0.99), latencies_ms.empty() ? 0.0 : latencies_ms.back(),
              slow_connections, slow_calls.load(), slow_ok.load(), slow_busy.load(), slow_other.load());
  return 0;
}
