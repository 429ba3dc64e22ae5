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

#include "common/open_loop.hpp"
#include "core/http/identity.hpp"
#include "harness/http.hpp"

using Clock = std::chrono::steady_clock;

namespace {

const std::string kIdentityPath = "/api/identity/v1/verifications";
const std::string kIdentityBody = R"({"name": "张三", "id_number": "11010519491231002X"})";

// Signed as the service that checks identities (account opening), with a key from the deployment's
// master, for this one call (a fresh nonce each time).
std::string signed_identity(const std::string& secret) {
  static const auto keys = zt::core::http::ServiceKeys::derive(secret, {"opening"}, {"identity"});
  zt::core::http::CallIdentity id;
  id.from = "opening";
  id.to = "identity";
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return zt::core::http::sign_call(id, "POST", kIdentityPath, kIdentityBody, keys, now);
}

std::string request(const std::string& method, const std::string& path, const std::string& body, const std::string& extra_headers) {
  return zt::bench::raw_request(method, path, body, extra_headers);
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

  // The measured stream.
  const std::string ping = request("GET", path, "", "");
  auto result = zt::bench::open_loop(port, rate, seconds, connections, [&](long) { return zt::bench::Planned{"ping", ping, 200}; });
  std::vector<double> latencies_ms;
  for (const auto& s : result.samples) latencies_ms.push_back(s.ms);
  const long sent_n = result.sent, ok_n = result.ok, errors_n = result.errors;
  stop = true;
  for (auto& t : crowd) t.join();

  std::sort(latencies_ms.begin(), latencies_ms.end());
  auto pct = [&](double p) { return zt::bench::percentile(latencies_ms, p); };
  std::printf("{\"rate\":%.0f,\"sent\":%ld,\"ok\":%ld,\"errors\":%ld,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,"
              "\"slow\":{\"connections\":%d,\"calls\":%ld,\"ok\":%ld,\"busy\":%ld,\"other\":%ld}}\n",
              rate, sent_n, ok_n, errors_n, pct(0.5), pct(0.9), pct(0.99), latencies_ms.empty() ? 0.0 : latencies_ms.back(),
              slow_connections, slow_calls.load(), slow_ok.load(), slow_busy.load(), slow_other.load());
  return 0;
}
