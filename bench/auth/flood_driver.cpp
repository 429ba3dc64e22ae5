// bench/auth's flood case: an unrelated route measured open-loop at a fixed rate, alone or beside
// an open-loop flood of password sign-ins (each a different number and client address, so no
// per-number or per-address limit stops them before the argon2id hash). Prints one JSON line.
//
// Usage: flood_driver <port> <path> <rate/s> <seconds> <connections> [<flood rate/s> <flood connections>]
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "common/open_loop.hpp"

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: %s port path rate seconds connections [flood-rate flood-connections]\n", argv[0]);
    return 2;
  }
  const int port = std::stoi(argv[1]);
  const std::string path = argv[2];
  const double rate = std::stod(argv[3]);
  const int seconds = std::stoi(argv[4]);
  const int connections = std::stoi(argv[5]);
  const double flood_rate = argc > 7 ? std::stod(argv[6]) : 0;
  const int flood_connections = argc > 7 ? std::stoi(argv[7]) : 0;

  // The flood: password sign-ins for numbers nobody has (each still spends one hash: unknown
  // numbers answer like wrong passwords), from a different address each.
  std::map<int, long> flood_statuses;
  std::thread flood;
  if (flood_rate > 0) {
    flood = std::thread([&] {
      // Numbers not used by an earlier run (each run starts elsewhere): a number tried in every
      // round would reach its password lock and be refused without a hash.
      const long offset = static_cast<long>(std::time(nullptr) % 9000) * 10000;
      auto result = zt::bench::open_loop(port, flood_rate, seconds + 2, flood_connections, [offset](long seq) {
        const std::string mobile = "137" + std::to_string(10000000 + (offset + seq) % 90000000);
        const std::string body = R"({"mobile":")" + mobile + R"(","password":"Flood2026x","device":"flood"})";
        const std::string address = "x-forwarded-for: 10." + std::to_string((seq >> 16) & 255) + "." + std::to_string((seq >> 8) & 255) +
                                    "." + std::to_string(seq & 255) + "\r\n";
        return zt::bench::Planned{"flood", zt::bench::raw_request("POST", "/api/auth/v1/sessions/password", body, address), 401};
      });
      for (const auto& s : result.samples) flood_statuses[s.ok ? 401 : 0]++;
    });
    std::this_thread::sleep_for(std::chrono::seconds(1));  // the flood under way first
  }

  const std::string get = zt::bench::raw_request("GET", path, "", "");
  auto result = zt::bench::open_loop(port, rate, seconds, connections, [&](long) { return zt::bench::Planned{"route", get, 200}; });
  if (flood.joinable()) flood.join();
  std::vector<double> ms;
  for (const auto& s : result.samples) ms.push_back(s.ms);
  std::sort(ms.begin(), ms.end());
  auto pct = [&](double p) { return zt::bench::percentile(ms, p); };
  std::printf("{\"rate\":%.0f,\"sent\":%ld,\"ok\":%ld,\"errors\":%ld,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,"
              "\"flood\":{\"rate\":%.0f,\"refused_as_wrong\":%ld,\"other\":%ld}}\n",
              rate, result.sent, result.ok, result.errors, pct(0.5), pct(0.9), pct(0.99), ms.empty() ? 0.0 : ms.back(), flood_rate,
              flood_statuses[401], flood_statuses[0]);
  return 0;
}
