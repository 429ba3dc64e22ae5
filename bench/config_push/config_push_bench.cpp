// Change-to-applied latency of a config push to N subscribers.
//
//   config_push_bench registry <host:port> [subscribers] [changes]
//       N subscribers follow one config item through the discovery client's own registry API
//       (long-poll listen, then fetch, exactly as a service does) while the item is published
//       `changes` times; latency = publish sent -> subscriber holds the new content.
//   config_push_bench etcd <endpoints> [subscribers] [changes]
//       The peer: N raw etcd watchers on one key while it is put `changes` times;
//       latency = put sent -> watcher has the event.
//
// Prints one JSON line: {"mode":..., "subscribers":N, "changes":M, "samples":S, "p50_ms":..,
// "p90_ms":.., "p99_ms":.., "max_ms":.., "lost":L}. `lost` counts (subscriber, change) pairs never
// seen within 5 s — a subscriber may skip an intermediate version when two land within one poll,
// which the listen protocol allows; the script reports it.
#include <boost/asio/awaitable.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <boost/json.hpp>

#include <condition_variable>
#include <future>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/discovery/http_registry.hpp"
#include "core/http/identity.hpp"
#include "core/util/time.hpp"
#include "core/discovery/registry_api.hpp"
#include "core/http/client.hpp"
#include "core/net/blocking.hpp"
#include "core/net/notifier.hpp"
#include "core/net/runtime.hpp"
#include "core/net/etcd.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace zt::core;

// Arrival times per change, shared by every subscriber.
class Tally {
 public:
  Tally(int subscribers, int changes)
      : changes_(changes), sent_(static_cast<std::size_t>(changes + 1)),
        seen_(static_cast<std::size_t>(subscribers), std::vector<Clock::time_point>(static_cast<std::size_t>(changes + 1))),
        latest_(static_cast<std::size_t>(subscribers), 0) {}

  void sent(int seq) {
    std::lock_guard lock(m_);
    sent_[static_cast<std::size_t>(seq)] = Clock::now();
  }
  void arrived(int subscriber, int seq) {
    const auto now = Clock::now();
    std::lock_guard lock(m_);
    if (seq < 1 || seq > changes_) return;
    auto& slot = seen_[static_cast<std::size_t>(subscriber)][static_cast<std::size_t>(seq)];
    if (slot == Clock::time_point{}) slot = now;
    latest_[static_cast<std::size_t>(subscriber)] = std::max(latest_[static_cast<std::size_t>(subscriber)], seq);
    cv_.notify_all();
  }
  // Waits until every subscriber has `seq` (or a later one), up to `timeout`.
  bool wait_all(int seq, std::chrono::milliseconds timeout) {
    std::unique_lock lock(m_);
    return cv_.wait_for(lock, timeout, [&] {
      return std::all_of(latest_.begin(), latest_.end(), [&](int l) { return l >= seq; });
    });
  }
  void report(const std::string& mode) {
    std::lock_guard lock(m_);
    std::vector<double> ms;
    int lost = 0;
    for (const auto& sub : seen_)
      for (int seq = 1; seq <= changes_; ++seq) {
        const auto at = sub[static_cast<std::size_t>(seq)];
        if (at == Clock::time_point{}) {
          ++lost;
          continue;
        }
        ms.push_back(std::chrono::duration<double, std::milli>(at - sent_[static_cast<std::size_t>(seq)]).count());
      }
    std::sort(ms.begin(), ms.end());
    auto pct = [&](double p) {
      if (ms.empty()) return 0.0;
      return ms[std::min(ms.size() - 1, static_cast<std::size_t>(p * static_cast<double>(ms.size())))];
    };
    std::cout << fmt::format(
                     "{{\"mode\":\"{}\",\"subscribers\":{},\"changes\":{},\"samples\":{},\"p50_ms\":{:.2f},"
                     "\"p90_ms\":{:.2f},\"p99_ms\":{:.2f},\"max_ms\":{:.2f},\"lost\":{}}}",
                     mode, seen_.size(), changes_, ms.size(), pct(0.50), pct(0.90), pct(0.99),
                     ms.empty() ? 0.0 : ms.back(), lost)
              << std::endl;
  }

 private:
  int changes_;
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<Clock::time_point> sent_;
  std::vector<std::vector<Clock::time_point>> seen_;
  std::vector<int> latest_;
};

int seq_of(const std::string& content) {
  auto at = content.find("seq: ");
  return at == std::string::npos ? 0 : std::atoi(content.c_str() + at + 5);
}

std::string content_of(int seq) { return fmt::format("bench:\n  seq: {}\n  pad: \"{}\"\n", seq, std::string(200, 'x')); }

void pause_between_changes(std::mt19937& rng) {
  std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(20, 60)(rng)));
}

int run_registry(const std::string& address, int subscribers, int changes) {
  // Everything the coroutines touch outlives the runtime, which drains them when destroyed.
  // The registry serves only our services' signed calls: subscribers sign as a service would,
  // the publisher as the gateway forwarding a staff member (keys from the bench's master).
  const char* master_env = std::getenv("ZT_BENCH_MASTER");
  const std::string master = master_env ? master_env : "";
  auto api = discovery::make_http_registry({discovery::parse_address(address)},
                                           std::make_shared<const http::ServiceKeys>(http::ServiceKeys::derive(master, {"mall"}, {"registry"})));
  const auto gateway_keys = http::ServiceKeys::derive(master, {"gateway"}, {"registry"});
  const discovery::ConfigKey key{"bench", "push", "item.yaml"};
  Tally tally(subscribers, changes);
  std::atomic<bool> stop{false};
  std::atomic<int> listening{0};
  http::HttpClient client;
  net::IoRuntime runtime(2);
  runtime.start();
  for (int s = 0; s < subscribers; ++s) {
    runtime.spawn(static_cast<std::size_t>(s) % runtime.size(), [&, s]() -> boost::asio::awaitable<void> {
      std::string md5;
      bool counted = false;
      while (!stop.load()) {
        discovery::ConfigWatch w{key.namespace_id, key.group, key.data_id, md5};
        std::vector<discovery::ConfigWatch> watches{w};
        if (!counted) {
          counted = true;
          ++listening;
        }
        std::vector<discovery::ConfigKey> changed;
        bool failed = false;
        try {
          changed = co_await api->listen(watches, "", std::chrono::milliseconds(5000));
        } catch (const std::exception& e) {
          std::cerr << "listen failed: " << e.what() << "\n";
          failed = true;
        }
        if (failed) {
          co_await net::sleep_for(std::chrono::milliseconds(100));
          continue;
        }
        if (changed.empty()) continue;
        auto item = co_await api->get_config(key, "");
        if (!item) continue;
        md5 = item->md5;
        tally.arrived(s, seq_of(item->content));
      }
    });
  }
  auto addr = discovery::parse_address(address);
  http::Upstream up{addr.host, addr.port};
  auto publish = [&](int seq) {
    http::Request req;
    req.method = http::Method::kPut;
    req.target = "/api/registry/v1/configs/bench/push/item.yaml";
    req.headers.set("content-type", "application/json");
    req.body = fmt::format(R"({{"content": {}, "format": "yaml", "author": "bench", "comment": ""}})",
                           boost::json::serialize(boost::json::value(content_of(seq))));
    http::CallIdentity staff;
    staff.from = "gateway";
    staff.to = "registry";
    staff.edge = true;
    staff.caller = {http::CallerKind::kStaff, "S-bench", {"operations"}, "bench", {"governance.read", "governance.write"}};
    req.headers.set(http::kIdentityHeader, http::sign_call(staff, "PUT", req.target, req.body, gateway_keys, unix_millis()));
    std::promise<int> done;
    auto fut = done.get_future();
    runtime.spawn(0, [&]() -> boost::asio::awaitable<void> {
      try {
        auto res = co_await client.send(up, req);
        done.set_value(res.status);
      } catch (const std::exception& e) {
        std::cerr << "publish failed: " << e.what() << "\n";
        done.set_value(0);
      }
    });
    return fut.get();
  };
  if (publish(0) != 200) {  // the item exists; subscribers then hold its MD5
    stop = true;
    runtime.stop();
    return 1;
  }
  while (listening.load() < subscribers) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::mt19937 rng(7);
  for (int seq = 1; seq <= changes; ++seq) {
    tally.sent(seq);
    if (publish(seq) != 200) {
      stop = true;
      runtime.stop();
      return 1;
    }
    tally.wait_all(seq, std::chrono::seconds(5));
    pause_between_changes(rng);
  }
  stop = true;
  tally.report("registry");
  runtime.stop();
  return 0;
}

int run_etcd(const std::string& endpoints, int subscribers, int changes) {
  std::vector<std::string> list;
  for (std::size_t at = 0; at <= endpoints.size();) {
    auto comma = endpoints.find(',', at);
    if (comma == std::string::npos) comma = endpoints.size();
    list.push_back(endpoints.substr(at, comma - at));
    at = comma + 1;
  }
  net::etcd::ClientOptions options;
  options.endpoints = list;
  net::etcd::Client writer(options);
  const std::string key = "/bench/push/item";
  const auto start = writer.put(key, content_of(0)) + 1;
  Tally tally(subscribers, changes);
  std::atomic<bool> stop{false};
  std::vector<std::thread> watchers;
  for (int s = 0; s < subscribers; ++s) {
    watchers.emplace_back([&, s] {
      net::etcd::Client c(options);
      try {
        c.watch(key, start, [&](const std::vector<net::etcd::WatchEvent>& events, std::int64_t) {
          for (const auto& e : events) tally.arrived(s, seq_of(e.kv.value));
        }, stop);
      } catch (const std::exception& e) {
        std::cerr << "watch failed: " << e.what() << "\n";
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::mt19937 rng(7);
  for (int seq = 1; seq <= changes; ++seq) {
    tally.sent(seq);
    writer.put(key, content_of(seq));
    tally.wait_all(seq, std::chrono::seconds(5));
    pause_between_changes(rng);
  }
  stop = true;
  for (auto& t : watchers) t.join();
  tally.report("etcd-watch");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: config_push_bench registry|etcd <address> [subscribers] [changes]\n";
    return 2;
  }
  const std::string mode = argv[1];
  const int subscribers = argc > 3 ? std::atoi(argv[3]) : 50;
  const int changes = argc > 4 ? std::atoi(argv[4]) : 40;
  try {
    if (mode == "registry") return run_registry(argv[2], subscribers, changes);
    if (mode == "etcd") return run_etcd(argv[2], subscribers, changes);
  } catch (const std::exception& e) {
    std::cerr << "config_push_bench: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "unknown mode " << mode << "\n";
  return 2;
}
