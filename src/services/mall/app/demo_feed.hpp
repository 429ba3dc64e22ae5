#pragma once
// The sandbox's demo products (演示产品), so a new user can buy something before any staff work:
// on a sandbox's first start the mall is given one product of each category (three public funds
// of rising risk), named 【演示】 and issued by 沙箱演示…, with NAVs for the 20 trading days up to
// the latest published one, and put on sale — once per product (mall_demo: recorded before it is
// made; a product staff later halt stays halted, a product of that code made by anyone else is
// never touched). Then the feed plays the fund companies' NAV publication: the NAV of a trading
// day T is published once the business clock (sandbox.clock included) passes T 20:00 Asia/Shanghai, every
// day missed caught up in order, each by the walk of domain/demo_nav.hpp — so an order placed
// today is confirmed T+n by the confirmation job with no one entering a NAV. Only in sandbox mode
// (node.sandbox) with mall.demo_products; one instance at a time (the lease "demo_feed"). Every
// product and NAV goes through the catalogue's use cases (counter registration, audit as
// "sandbox"). One product's trouble never holds back the others.
#include <atomic>
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

  // At once, then every `every`, until stop().
  void start(core::net::IoRuntime& runtime, std::chrono::milliseconds every);
  void stop();

  // One round at `now`: each demo product made and put on sale when not yet, then the NAVs due.
  // Returns the NAVs published; nothing when another instance holds the lease.
  boost::asio::awaitable<int> round(core::finance::BusinessTime now);

 private:
  // The latest trading day whose NAV is out at `now`; none when the calendar does not cover it
  // (warned once a day).
  std::optional<core::finance::Date> latest_published(const core::finance::BusinessTime& now);
  // The n-th trading day before `last`, or the first the calendar covers when that is later.
  static core::finance::Date days_before(core::finance::Date last, int n);
  // One demo product: taken up, made, priced and put on sale once; then its NAVs due.
  boost::asio::awaitable<int> tend(const std::string& code, core::finance::Date last);
  // The NAVs of `code` from the trading day after its latest NAV (20 trading days back when it has
  // none) through `last`, in order, renewing the lease as it goes; returns how many were published.
  boost::asio::awaitable<int> publish_navs(const std::string& code, core::finance::Date last);

  core::storage::Database& db_;
  const MallStore& store_;
  Catalogue& catalogue_;
  const core::workflow::Leases leases_{"mall_leases"};
  core::workflow::JobLease lease_;
  core::net::Periodic job_{"mall: demo products round failed"};
  std::atomic<std::int64_t> warned_day_{0};  // the business day the calendar warning was last logged
  bool lost_ = false;                        // this round lost the lease (rounds never overlap)
};

}  // namespace zt::services::mall
