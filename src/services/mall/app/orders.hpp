#pragma once
// The mall's orders (use cases, BUSINESS §1 and §5): a customer's subscription or redemption is
// checked (terms, sale window on T, minimums, suitability with its signed warning), recorded as
// placing before it is sent, then placed at the counter under a request id made from the order,
// so every attempt sends the same bytes. The counter's answer decides: pending when it took the
// order, failed only when it refused it for good, left placing when the outcome is unknown (the
// confirmation job sends it again). Cancels and confirmations follow the same rule, and where the
// counter's state moved without the mall hearing of it, the mall looks the order up and follows.
#include <boost/asio/awaitable.hpp>

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/finance/business_clock.hpp"
#include "platform/counter/client/counter_client.hpp"
#include "platform/suitability/client/suitability_client.hpp"
#include "services/auth/client/auth_client.hpp"
#include "services/mall/app/catalogue.hpp"
#include "services/mall/store/mall_store.hpp"

namespace zt::services::mall {

// An order as the customer is answered: `known` when the counter's answer is (200), else the
// order is still placing (202).
struct Placed {
  OrderView view;
  bool known = true;
};

// An unanswered call as the order's history shows it: "504 GATEWAY_TIMEOUT", "0 无应答".
std::string unanswered(const platform::counter::Unknown& u);

class Orders {
 public:
  struct Clients {
    const platform::counter::CounterClient& counter;
    const auth::AuthClient& auth;
    const platform::suitability::SuitabilityClient& suitability;
  };
  // cutoff: seconds into the day (Asia/Shanghai) before which an order trades that day.
  Orders(core::storage::Database& db, const MallStore& store, Catalogue& catalogue, Clients clients, int cutoff)
      : db_(db), store_(store), catalogue_(catalogue), clients_(clients), cutoff_(cutoff) {}

  // ---- customers
  boost::asio::awaitable<SuitabilityCheck> suitability(const std::string& customer, const std::string& code,
                                                       const core::http::RequestContext& ctx);
  // The special risk warning for a product above the customer's level, to read and sign.
  boost::asio::awaitable<platform::suitability::Warning> risk_warning(const std::string& customer,
                                                                      const std::string& code,
                                                                      const core::http::RequestContext& ctx);
  // idempotency_key: the customer's Idempotency-Key; a replay answers the first order (and
  // finishes placing it if that was interrupted).
  boost::asio::awaitable<Placed> place(const std::string& customer, const std::string& idempotency_key,
                                       const OrderIn& in, const core::http::RequestContext& ctx);
  boost::asio::awaitable<OrderPage> mine(const std::string& customer, const std::string& cursor, std::int64_t limit);
  boost::asio::awaitable<OrderView> one(const std::string& customer, const std::string& order_id);
  boost::asio::awaitable<OrderView> cancel(const std::string& customer, const std::string& order_id,
                                           const core::http::RequestContext& ctx);
  boost::asio::awaitable<Holdings> holdings(const std::string& customer, const core::http::RequestContext& ctx);

  // ---- staff
  // Staff's search. One customer's orders (the customer filter) are personal data: the first
  // page's read is audited (orders.viewed) under that customer.
  boost::asio::awaitable<OrderPage> search(const OrderFilter& filter, const Actor& who);

  // ---- the confirmation job's steps
  // Places a recorded order at the counter (again).
  boost::asio::awaitable<Placed> drive(const OrderRecord& o, const core::http::RequestContext* ctx);
  // Whether an order still placing is past its trade date's cut-off: sending it then would trade at
  // a NAV already known, so it is settled instead (settle_late).
  bool too_late(const OrderRecord& o, const core::finance::BusinessTime& now) const;
  // An order still placing past its cut-off: the counter is asked what it did under the order's
  // request id — placed it (pending here too), refused it (failed, with that refusal), or never saw
  // it (voided there, so a copy still on its way is refused; failed here, nothing frozen). False
  // when the counter could not be asked (tried again on the next run).
  boost::asio::awaitable<bool> settle_late(const OrderRecord& o, const core::http::RequestContext* ctx);
  // The same question asked for staff giving up on an order still placing (any time): what the
  // counter never saw is voided there and failed here with MALL_ORDER_VOIDED and the customer's
  // reason; what it placed is pending; what it refused, failed. False when it could not be asked.
  boost::asio::awaitable<bool> void_placing(const OrderRecord& o, const std::string& staff,
                                            const core::http::RequestContext* ctx);
  // Brings a pending order in line with the counter's (confirmed there: settled here with the
  // counter's figures; cancelled there: cancelled here). True when the order changed.
  boost::asio::awaitable<bool> adopt(const OrderRecord& o, const platform::counter::Order& there);
  // Looks the order up at the counter and adopts what it says (the counter refused a cancel or a
  // confirmation as no longer pending). True when the order changed.
  boost::asio::awaitable<bool> reconcile(const OrderRecord& o, const core::http::RequestContext* ctx);
  // An order that can never confirm (its NAV never came): cancelled at the counter, which releases
  // its cash or shares, and marked expired with the reason the customer reads. True when it
  // expired; false when the outcome is unknown (tried again on the next run) or the counter had
  // settled it otherwise (followed).
  // `message` is what the customer reads; `actor` ("mall" or a staff id) goes in the order's history.
  boost::asio::awaitable<bool> expire(const OrderRecord& o, const std::string& message, const std::string& actor,
                                      const core::http::RequestContext* ctx);

  // Pending, and before the cut-off of its trade date.
  bool cancellable(const std::string& state, const std::string& trade_date,
                   const core::finance::BusinessTime& now) const;

 private:
  boost::asio::awaitable<Placed> replay(const OrderRecord& o, const std::string& fingerprint,
                                        const core::http::RequestContext& ctx);
  // The customer's fund account (bound once, so cached once known).
  boost::asio::awaitable<std::string> fund_account(const std::string& customer, const core::http::RequestContext& ctx);
  boost::asio::awaitable<platform::suitability::MatchOut> match(const std::string& customer, const ProductTerms& t,
                                                               const std::optional<std::string>& warning,
                                                               const core::http::RequestContext& ctx);
  // The same, its arguments its own (started early, while the order's first read runs).
  boost::asio::awaitable<platform::suitability::MatchOut> ask_match(std::string customer,
                                                                   platform::suitability::ProductTerms terms,
                                                                   std::optional<std::string> warning,
                                                                   const core::http::RequestContext* ctx);
  OrderView view(const OrderRecord& o) const;
  // settle_late and void_placing: the counter's fate of the order's request id decides; `voided`
  // is the code and message the order fails with when the counter never saw it.
  boost::asio::awaitable<bool> settle(const OrderRecord& o, const std::string& actor,
                                      const std::pair<std::string, std::string>& voided,
                                      const core::http::RequestContext* ctx);

  core::storage::Database& db_;
  const MallStore& store_;
  Catalogue& catalogue_;
  Clients clients_;
  int cutoff_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::string> accounts_;
  // The terms a product's match was last asked with (an early match is used only if they still hold).
  std::unordered_map<std::string, platform::suitability::ProductTerms> match_terms_;
};

}  // namespace zt::services::mall
