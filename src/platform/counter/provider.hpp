#pragma once
// The counter (柜台) as the platform's services see it (DESIGN §6): one interface, picked by
// `counter.provider`. The sandbox (sandbox_provider.hpp) is a real ledger in the counter service's
// own tables; an adapter to a broker's counter implements the same calls.
#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <vector>

#include "platform/counter/domain/sandbox_counter.hpp"
#include "platform/counter/client/counter_api.hpp"

namespace zt::platform::counter {

template <class T>
using Async = boost::asio::awaitable<Result<T>>;

struct AverageAssets {
  std::string fund_account;
  std::vector<std::string> days;          // the trading days averaged over, oldest first
  Money average;                          // half-up to the cent
  std::vector<std::string> missing_days;  // no end-of-day record: counted as zero
};
BOOST_DESCRIBE_STRUCT(AverageAssets, (), (fund_account, days, average, missing_days))

class CounterProvider {
 public:
  virtual ~CounterProvider() = default;
  virtual std::string name() const = 0;

  virtual Async<Customer> open_customer(OpenCustomer r) = 0;
  virtual Async<StockAccount> open_stock_account(OpenStockAccount r) = 0;
  virtual Async<BankBinding> bind_bank(BindBank r) = 0;
  virtual Async<Movement> transfer(Transfer r) = 0;
  virtual Async<Order> place_order(PlaceOrder r) = 0;
  virtual Async<Order> cancel_order(CancelOrder r) = 0;
  virtual Async<Order> confirm_order(ConfirmOrder r) = 0;
  // What the counter did under a request id; when it never saw it, the id is recorded as void (a
  // copy of the request still on its way is then refused). A caller settles an outcome it never
  // heard this way once re-sending is no longer right (an order past its trade date's cut-off).
  virtual Async<RequestFate> void_request(std::string request_id) = 0;
  // A fund product the selling services offer, with a NAV: the sandbox lists it (kind fund,
  // market OF) and keeps the NAV for valuation and confirmation; a real counter's adapter checks
  // that its TA knows the product.
  virtual Async<Instrument> register_fund(Instrument i) = 0;
  // A NAV corrected: changed only from the value the caller names (a late copy of an earlier
  // correction changes nothing); a NAV the counter never held is taken as given.
  virtual Async<CorrectNav> correct_nav(CorrectNav c) = 0;

  virtual Async<Customer> customer(std::string customer_no) = 0;
  virtual Async<Customer> customer_by_id_number(std::string id_number) = 0;
  virtual Async<Customer> customer_of(std::string fund_account) = 0;
  virtual Async<std::vector<StockAccount>> stock_accounts(std::string customer_no) = 0;
  virtual Async<BankBinding> bank_binding(std::string fund_account) = 0;
  virtual Async<Balance> balance(std::string fund_account) = 0;
  virtual Async<std::vector<Position>> positions(std::string fund_account) = 0;
  virtual Async<std::vector<Lot>> lots(std::string fund_account, std::string product) = 0;
  virtual Async<Order> order(std::string order_id) = 0;
  virtual Async<Page> orders(std::string fund_account, std::string cursor, std::int64_t limit) = 0;
  virtual Async<std::vector<Order>> pending_orders(std::string trade_date_up_to) = 0;
  virtual Async<std::vector<Trade>> trades(std::string fund_account, std::string from, std::string to) = 0;
  // Daily assets (cash, frozen cash and market value at end of day) averaged over `days`.
  virtual Async<AverageAssets> average_assets(std::string fund_account, std::vector<std::string> days) = 0;
  virtual Async<std::vector<Instrument>> instruments() = 0;
};

}  // namespace zt::platform::counter
