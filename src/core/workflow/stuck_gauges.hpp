#pragma once
// What operators alert on: a service's workflow items stuck past a bound, counted from its
// database every `every` by each instance (all count the same items: alert on max()):
//
//   <items>{kind}                        how many (zt_mall_stuck_orders{kind="placing"})
//   <oldest>{kind}                       seconds since the oldest began (0 when none)
//   <counted>                            1 while the last count succeeded, 0 when it failed (the
//                                        figures above are then the last good ones)
//
//   core::workflow::StuckGauges gauges{metrics, {...names, kinds...}, [&]() -> awaitable<StuckFigures> {…}};
//   gauges.start(runtime, 15s);   …   gauges.stop();
//
// Every kind named is exported, 0 when none is stuck, so an alert sees it fall back. The count is
// the service's (one database read, off the io threads); a scrape only copies the last figures.
// Suggested rules: max(<items>) > 0 for 15 minutes; min(<counted>) == 0 for 5 minutes.
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/net/periodic.hpp"

namespace zt::core::observe {
class Registry;
}
namespace zt::core::net {
class IoRuntime;
}

namespace zt::core::workflow {

struct StuckCount {
  std::int64_t count = 0;
  std::int64_t oldest_ms = 0;  // when the oldest began (unix ms), 0 when none
};
// By kind; a kind absent counts none.
using StuckFigures = std::map<std::string, StuckCount>;

class StuckGauges {
 public:
  struct Names {
    std::string items, items_help;    // "zt_mall_stuck_orders", "Orders stuck between mall and counter, by kind"
    std::string oldest, oldest_help;  // "zt_mall_stuck_oldest_age_seconds", …
    std::string counted, counted_help;
    std::vector<std::string> kinds;  // every kind exported
    std::string job;                 // the log's name of the count ("mall: stuck orders not counted")
  };
  using Count = std::function<boost::asio::awaitable<StuckFigures>()>;

  StuckGauges(observe::Registry& metrics, Names names, Count count);
  ~StuckGauges();
  StuckGauges(const StuckGauges&) = delete;
  StuckGauges& operator=(const StuckGauges&) = delete;

  // Counts now, then every `every`, until stop().
  void start(net::IoRuntime& runtime, std::chrono::milliseconds every);
  void stop();
  // One count now (what the job runs).
  boost::asio::awaitable<void> count();

 private:
  void collect();

  observe::Registry& metrics_;
  Names names_;
  Count count_;
  std::uint64_t collector_ = 0;
  std::mutex mutex_;
  StuckFigures last_;
  bool counted_ = false;
  net::Periodic job_;
};

}  // namespace zt::core::workflow
