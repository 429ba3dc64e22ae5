#pragma once
// The sandbox's demo products (演示产品), so a new user can buy something before any staff work:
// on a sandbox's first start the mall is given one product of each category (three public funds
// of rising risk), named 【演示】 and issued by 沙箱演示…, with NAVs for the 20 trading days up to
// the latest published one, and put on sale — once: products staff later halt or change are never
// put back. Then the feed plays the fund companies' NAV publication: the NAV of a trading day T is
// published once the business clock (sandbox.clock included) passes T 20:00 Asia/Shanghai, every
// day missed caught up in order, each by the walk of domain/demo_nav.hpp — so an order placed
// today is confirmed T+n by the confirmation job with no one entering a NAV. Only in sandbox mode
// (node.sandbox) with mall.demo_products; one instance at a time (the lease "demo_feed"). Every
// product and NAV goes through the catalogue's use cases (counter registration, audit as
// "sandbox").
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "core/finance/business_clock.hpp"
#include "core/net/periodic.hpp"
#include "core/workflow/lease.hpp"
#include "services/mall/app/catalogue.hpp"
#include "services/mall/store/mall_store.hpp"

namespace zt::core::net {
class IoRuntime;
}

namespace zt::services::mall {

class DemoFeed {
 public:
  DemoFeed(core::storage::Database& db, const MallStore& store, Catalogue& catalogue, std::string instance)
      : db_(db),
        store_(store),
        catalogue_(catalogue),
        lease_(db, leases_, "demo_feed", std::move(instance), std::chrono::seconds(60), "mall: demo products") {}

  // The codes of the demo products (DEMO01 …).
  static std::vector<std::string> codes();

  // At once, then every `every`, until stop().
  void start(core::net::IoRuntime& runtime, std::chrono::milliseconds every);
  void stop();

  // One round at `now`: the first seeding when not done yet, then the NAVs due. Returns the NAVs
  // published; nothing when another instance holds the lease.
  boost::asio::awaitable<int> round(core::finance::BusinessTime now);

 private:
  // The latest trading day whose NAV is out at `now`; none when the calendar does not cover it.
  static std::optional<core::finance::Date> latest_published(const core::finance::BusinessTime& now);
  boost::asio::awaitable<bool> seeded();
  boost::asio::awaitable<void> seed(core::finance::Date last);
  // The NAVs of `code` from the trading day after its latest NAV (or `first` when it has none)
  // through `last`, in order; returns how many were published.
  boost::asio::awaitable<int> publish_navs(const std::string& code, core::finance::Date first,
                                           core::finance::Date last);

  core::storage::Database& db_;
  const MallStore& store_;
  Catalogue& catalogue_;
  const core::workflow::Leases leases_{"mall_leases"};
  core::workflow::JobLease lease_;
  core::net::Periodic job_{"mall: demo products round failed"};
};

}  // namespace zt::services::mall
