// bench/mall's fixed-rate load: an open-loop stream (common/open_loop.hpp) drawn from a request
// mix, reported overall and per kind. The mix file has one request per line, tab-separated:
//   <weight> <label> <METHOD> <path> <headers: "name: value|name: value", or -> <body, or ->
// "{KEY}" in a header becomes a fresh key per request (Idempotency-Key). Prints one JSON line:
//   {"rate":…, "sent":…, "ok":…, "errors":…, "all":{"p50_ms":…,…}, "by_label":{"list":{…},…}}
//
// Usage: mall_driver <port> <rate/s> <seconds> <connections> <mix-file>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/open_loop.hpp"

namespace {

struct Line {
  std::string label, method, path, headers, body;
  int weight = 0;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) out.push_back(cur);
  return out;
}

std::string stats(std::vector<double> v, long ok, long errors) {
  std::sort(v.begin(), v.end());
  using zt::bench::percentile;
  char buf[400];
  std::snprintf(buf, sizeof buf,
                "{\"count\":%zu,\"ok\":%ld,\"errors\":%ld,\"p50_ms\":%.3f,\"p75_ms\":%.3f,\"p90_ms\":%.3f,\"p95_ms\":%.3f,\"p99_ms\":%.3f,"
                "\"max_ms\":%.3f}",
                v.size(), ok, errors, percentile(v, 0.5), percentile(v, 0.75), percentile(v, 0.9), percentile(v, 0.95), percentile(v, 0.99),
                v.empty() ? 0.0 : v.back());
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: %s port rate seconds connections mix-file\n", argv[0]);
    return 2;
  }
  const int port = std::stoi(argv[1]);
  const double rate = std::stod(argv[2]);
  const int seconds = std::stoi(argv[3]);
  const int connections = std::stoi(argv[4]);
  std::vector<Line> mix;
  std::ifstream f(argv[5]);
  for (std::string text; std::getline(f, text);) {
    if (text.empty() || text[0] == '#') continue;
    auto cells = split(text, '\t');
    if (cells.size() != 6) {
      std::fprintf(stderr, "mix line needs 6 tab-separated cells: %s\n", text.c_str());
      return 2;
    }
    std::string headers;
    if (cells[4] != "-")
      for (const auto& h : split(cells[4], '|')) headers += h + "\r\n";
    mix.push_back({cells[1], cells[2], cells[3], headers, cells[5] == "-" ? "" : cells[5], std::stoi(cells[0])});
  }
  int total = 0;
  for (const auto& l : mix) total += l.weight;
  if (total <= 0) {
    std::fprintf(stderr, "empty mix\n");
    return 2;
  }
  const std::string run = std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  auto result = zt::bench::open_loop(port, rate, seconds, connections, [&](long seq) {
    // A spread-out but repeatable choice: a multiplicative hash of the sequence number.
    int pick = static_cast<int>((static_cast<unsigned long long>(seq) * 2654435761ULL >> 7) % static_cast<unsigned long long>(total));
    const Line* l = &mix.front();
    for (const auto& line : mix) {
      if (pick < line.weight) {
        l = &line;
        break;
      }
      pick -= line.weight;
    }
    std::string headers = l->headers;
    if (auto at = headers.find("{KEY}"); at != std::string::npos) headers.replace(at, 5, "mb" + run + "-" + std::to_string(seq));
    return zt::bench::Planned{l->label, zt::bench::raw_request(l->method, l->path, l->body, headers), 200};
  });
  std::map<std::string, std::vector<double>> by;
  std::map<std::string, std::pair<long, long>> counts;
  std::vector<double> all;
  for (const auto& s : result.samples) {
    by[s.label].push_back(s.ms);
    all.push_back(s.ms);
    (s.ok ? counts[s.label].first : counts[s.label].second)++;
  }
  std::string labels;
  for (const auto& [label, v] : by)
    labels += (labels.empty() ? "" : ",") + ("\"" + label + "\":" + stats(v, counts[label].first, counts[label].second));
  std::printf("{\"rate\":%.0f,\"sent\":%ld,\"ok\":%ld,\"errors\":%ld,\"all\":%s,\"by_label\":{%s}}\n", rate, result.sent, result.ok, result.errors,
              stats(all, result.ok, result.errors).c_str(), labels.c_str());
  return 0;
}
