#pragma once
// The mall's T+n confirmation (BUSINESS §5), run by a job every `interval` and by staff on demand.
// A run first sends again every order whose placement the counter has not answered and that was
// last tried `redrive_after` ago; then settles each pending order whose confirmation date has come
// and whose NAV for T is in (orders waiting for a late NAV never hold back the others), at that
// NAV and the fee of the terms it was placed under. The confirmation request is recorded before
// its first send and sent again as recorded until the counter answers; an order the counter no
// longer has pending is looked up and followed. An order whose NAV has not come `expire_after_days`
// trading days after its confirmation date is released at the counter and marked expired. One run
// at a time across instances: the job and the staff trigger both take the same lease.
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>

#include "core/net/periodic.hpp"
#include "core/workflow/lease.hpp"
#include "platform/counter/client/counter_client.hpp"
#include "services/mall/app/nav_corrections.hpp"
#include "services/mall/app/orders.hpp"
#include "services/mall/store/mall_store.hpp"

namespace zt::core::net {
class IoRuntime;
}

namespace zt::services::mall {

struct ConfirmationSettings {
  std::chrono::milliseconds interval{60000};
  std::chrono::milliseconds redrive_after{5000};
  int expire_after_days = 10;  // trading days after the confirmation date without a NAV
  std::string instance;  // this instance's name, for the lease
  // How long the lease holds without renewal (renewed every third of it as a run goes): an
  // instance that dies in the middle of a run holds the others back this long at most.
  std::chrono::milliseconds lease{60000};
  // A confirmation the counter refuses is worked out again this many times, then left for staff.
  int confirm_attempts = 5;
};

class Confirmation {
 public:
  Confirmation(core::storage::Database& db, const MallStore& store, const platform::counter::CounterClient& counter,
               Orders& orders, Catalogue& catalogue, NavCorrections& corrections, ConfirmationSettings settings)
      : db_(db),
        store_(store),
        counter_(counter),
        orders_(orders),
        catalogue_(catalogue),
        corrections_(corrections),
        settings_(std::move(settings)),
        lease_(db, leases_, "confirmation", settings_.instance, settings_.lease, "mall: confirmation") {}

  // A run now (staff): none when another run holds the lease (this instance's job, or another
  // instance's).
  boost::asio::awaitable<std::optional<ConfirmationRun>> run_now(const core::http::RequestContext& ctx);

  // The job, every interval, until stop().
  void start(core::net::IoRuntime& runtime);
  void stop();

 private:
  boost::asio::awaitable<ConfirmationRun> run(const core::http::RequestContext* ctx);
  // The job's run: under the lease, given back whatever happens.
  boost::asio::awaitable<void> scheduled_run();
  // The confirmation of a due order as the counter takes it, with the NAV it was worked out at;
  // none when it cannot be worked out now (the lots unreadable, a quote refused: logged).
  struct Worked {
    std::string request;
    Nav nav;
  };
  boost::asio::awaitable<std::optional<Worked>> confirmation_request(const OrderRecord& o,
                                                                          const core::http::RequestContext* ctx);
  // An attempt whose outcome is not known, noted in the order's history (it goes behind the others).
  boost::asio::awaitable<void> note_tried(const OrderRecord& o, const std::string& event, const std::string& detail);
  boost::asio::awaitable<void> refused_for_good(const OrderRecord& o, const std::string& request,
                                                const std::string& error);

  core::storage::Database& db_;
  const MallStore& store_;
  const platform::counter::CounterClient& counter_;
  Orders& orders_;
  Catalogue& catalogue_;
  NavCorrections& corrections_;
  ConfirmationSettings settings_;
  const core::workflow::Leases leases_{"mall_leases"};
  core::workflow::JobLease lease_;
  core::net::Periodic job_{"mall: confirmation run failed"};
};

}  // namespace zt::services::mall
