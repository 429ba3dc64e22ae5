#pragma once
// The sandbox counter as a provider: SandboxCounter's rules on the counter service's database,
// each call one transaction on the blocking pool. A transaction that lost a race (a guarded
// balance moved, or another call claimed the same request id first) runs again, and then finds
// the state — or the first answer — the winner left.
#include <memory>

#include "core/storage/database.hpp"
#include "platform/counter/provider.hpp"

namespace zt::platform::counter {

class SandboxProvider final : public CounterProvider {
 public:
  SandboxProvider(core::storage::Database& db, const core::crypto::KeyRing& keys) : db_(db), counter_(keys) {}
  std::string name() const override { return "sandbox"; }

  Async<Customer> open_customer(OpenCustomer r) override;
  Async<StockAccount> open_stock_account(OpenStockAccount r) override;
  Async<BankBinding> bind_bank(BindBank r) override;
  Async<Movement> transfer(Transfer r) override;
  Async<Order> place_order(PlaceOrder r) override;
  Async<Order> cancel_order(CancelOrder r) override;
  Async<Order> confirm_order(ConfirmOrder r) override;
  Async<RequestFate> void_request(std::string request_id) override;

  Async<Customer> customer(std::string customer_no) override;
  Async<Customer> customer_by_id_number(std::string id_number) override;
  Async<Customer> customer_of(std::string fund_account) override;
  Async<std::vector<StockAccount>> stock_accounts(std::string customer_no) override;
  Async<BankBinding> bank_binding(std::string fund_account) override;
  Async<Balance> balance(std::string fund_account) override;
  Async<std::vector<Position>> positions(std::string fund_account) override;
  Async<std::vector<Lot>> lots(std::string fund_account, std::string product) override;
  Async<Order> order(std::string order_id) override;
  Async<Page> orders(std::string fund_account, std::string cursor, std::int64_t limit) override;
  Async<std::vector<Order>> pending_orders(std::string trade_date_up_to) override;
  Async<std::vector<Trade>> trades(std::string fund_account, std::string from, std::string to) override;
  Async<AverageAssets> average_assets(std::string fund_account, std::vector<std::string> days) override;
  Async<std::vector<Instrument>> instruments() override;

  // Sandbox administration (staff with sandbox.manage).
  Async<Trade> simulate_trade(SimulateTrade r);
  Async<Instrument> put_instrument(Instrument i);
  Async<Instrument> register_fund(Instrument i) override;
  Async<CorrectNav> correct_nav(CorrectNav c) override;
  Async<std::int64_t> end_of_day(std::string date);
  Async<Customer> set_first_trade_date(std::string customer_no, std::string date);
  // Whether the counter answered (or voided) a request id: armed faults (handlers/fault_plan.hpp)
  // that refuse only refuse what the counter has not done.
  boost::asio::awaitable<bool> answered(std::string request_id);

  const SandboxCounter& rules() const { return counter_; }

 private:
  // A write that may lose a race: run again (a few times) before giving up.
  template <class F>
  auto write(F fn) -> boost::asio::awaitable<std::invoke_result_t<F&, core::storage::Tx&>>;

  core::storage::Database& db_;
  SandboxCounter counter_;
};

}  // namespace zt::platform::counter
