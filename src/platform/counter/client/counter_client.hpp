#pragma once
// The counter as the platform's services call it (a typed client, core/discovery/api_client.hpp):
// the counter's own wire types (counter_api.hpp), its paths in one place, and each call's outcome
// — the counter's answer, its refusal for good, or Unknown (send the same request again, or look
// the order up; never treat it as failed).
//
//   CounterClient counter(discovery.client(), "mall");
//   auto placed = co_await counter.place_order(request, &ctx);
//   if (auto* order = std::get_if<counter::Order>(&placed)) …
//
// Mutations are service-only at the counter and idempotent by request id.
#include <string>
#include <vector>

#include "core/discovery/api_client.hpp"
#include "platform/counter/client/counter_api.hpp"

namespace zt::platform::counter {

using core::discovery::Outcome;
using core::discovery::Unknown;

class CounterClient : core::discovery::ApiClient {
 public:
  CounterClient(core::discovery::ServiceClient& client, std::string as)
      : ApiClient(client, "counter", "COUNTER", std::move(as)) {}

  // ---- money and shares
  boost::asio::awaitable<Outcome<Order>> place_order(const PlaceOrder& r, const core::http::RequestContext* ctx) const;
  boost::asio::awaitable<Outcome<Order>> cancel_order(const CancelOrder& r, const core::http::RequestContext* ctx) const;
  // Sends a confirmation exactly as the caller recorded it before its first send
  // (confirm_request(r)), so every attempt is byte-identical.
  boost::asio::awaitable<Outcome<Order>> confirm_order(const std::string& order_id, const std::string& recorded,
                                                       const core::http::RequestContext* ctx) const;
  static std::string confirm_request(const ConfirmOrder& r);
  // What the counter did under a request id; when it never saw it, the id is voided so that the
  // request is refused should it still arrive.
  boost::asio::awaitable<Outcome<RequestFate>> void_request(const std::string& request_id,
                                                            const core::http::RequestContext* ctx) const;
  // A fund product the caller sells, with its latest NAV (the same values again change nothing).
  boost::asio::awaitable<Outcome<Instrument>> register_fund(const Instrument& i,
                                                            const core::http::RequestContext* ctx) const;
  // A NAV corrected from `from` to `to`: the request as the caller records it before the first
  // send, then sent (again) as recorded; sending it again changes nothing.
  static std::string correction_request(const CorrectNav& c);
  boost::asio::awaitable<Outcome<CorrectNav>> correct_nav(const std::string& code, const std::string& date,
                                                          const std::string& recorded,
                                                          const core::http::RequestContext* ctx) const;
  // The sandbox's ready customer (sandbox mode only).
  boost::asio::awaitable<Outcome<Demo>> open_demo_customer(const DemoRequest& r,
                                                           const core::http::RequestContext* ctx) const;

  // ---- reads
  boost::asio::awaitable<Outcome<Order>> order(const std::string& order_id, const core::http::RequestContext* ctx) const;
  boost::asio::awaitable<Outcome<std::vector<Position>>> positions(const std::string& fund_account,
                                                                   const core::http::RequestContext* ctx) const;
  boost::asio::awaitable<Outcome<std::vector<Lot>>> lots(const std::string& fund_account, const std::string& product,
                                                         const core::http::RequestContext* ctx) const;
  boost::asio::awaitable<Outcome<Balance>> balance(const std::string& fund_account,
                                                   const core::http::RequestContext* ctx) const;
  // Every pending fund order (reconciliation).
  boost::asio::awaitable<Outcome<std::vector<Order>>> pending_orders(const core::http::RequestContext* ctx) const;
};

}  // namespace zt::platform::counter
