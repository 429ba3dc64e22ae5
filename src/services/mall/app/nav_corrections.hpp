#pragma once
// NAV corrections (净值更正, issue 28 item 1): a NAV entered wrong, corrected by staff with
// navs.correct and a reason, both values kept. For a product the counter knows, the correction is
// recorded with its exact counter request before the first send (core's rule for calls that change
// what money is settled at) and re-sent as recorded until the counter answers; while it is on its
// way the NAV stays as it was and that date's orders wait. Applied, the date's pending orders
// confirm at the corrected NAV; those already confirmed at the old one are listed for staff to
// adjust by hand — never changed here. Refused by the counter, nothing changed.
#include <boost/asio/awaitable.hpp>
#include <set>
#include <string>
#include <utility>

#include "platform/counter/client/counter_client.hpp"
#include "services/mall/app/catalogue.hpp"
#include "services/mall/store/nav_correction_store.hpp"

namespace zt::core::http {
struct RequestContext;
}

namespace zt::services::mall {

class NavCorrections {
 public:
  NavCorrections(core::storage::Database& db, const MallStore& store, const platform::counter::CounterClient& counter,
                 Catalogue& catalogue)
      : db_(db), store_(store), corrections_(store), counter_(counter), catalogue_(catalogue) {}

  // Staff with navs.correct: 400 MALL_NAV_INVALID / MALL_REASON_REQUIRED, 404
  // MALL_PRODUCT_NOT_FOUND / MALL_NAV_NOT_FOUND, 409 MALL_NAV_UNCHANGED / MALL_NAV_CORRECTING /
  // MALL_NAV_CHANGED; the counter's refusal as 409 MALL_NAV_CORRECTION_REFUSED (nothing changed).
  // An unanswered counter leaves it sending (202 at the edge): the confirmation job sends it again.
  boost::asio::awaitable<NavCorrectionView> correct(const std::string& code, const std::string& date,
                                                    const NavCorrectionIn& in, const Actor& who,
                                                    const core::http::RequestContext* ctx);
  // The newest first (of one product when `code` is given), each with its date's orders as they
  // stand now; the orders' customers only for staff who may read orders.
  boost::asio::awaitable<NavCorrectionPage> list(const std::string& code, std::int64_t limit, bool with_customers);

  // The job, before it confirms: corrections on its way, least recently sent first (at most 20 a
  // run); each is then sent again as recorded (send) while the job still holds its lease.
  boost::asio::awaitable<std::vector<NavCorrectionRecord>> on_their_way();
  // Sends a recorded correction and ends it with the counter's answer; without one it stays on its
  // way and goes behind the others.
  boost::asio::awaitable<void> send(const NavCorrectionRecord& c, const core::http::RequestContext* ctx);

 private:
  NavCorrectionView view(core::storage::Tx& tx, const NavCorrectionRecord& c, bool with_customers) const;

  core::storage::Database& db_;
  const MallStore& store_;
  NavCorrectionStore corrections_;
  const platform::counter::CounterClient& counter_;
  Catalogue& catalogue_;
};

}  // namespace zt::services::mall
