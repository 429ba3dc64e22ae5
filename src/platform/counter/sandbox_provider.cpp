#include "platform/counter/sandbox_provider.hpp"

#include <fmt/format.h>

#include "core/util/time.hpp"
#include "platform/vendor_kit/sandbox_faults.hpp"

namespace zt::platform::counter {

namespace {

// The counter's latency and failure knobs (counter.sandbox_faults), like every sandbox's: the
// reference platform's tail came from a slow counter.
const vendor_kit::SandboxFaults kFaults{"counter", "柜台"};

template <class T>
Result<T> found(std::optional<T> v, const char* code, std::string message) {
  if (v) return std::move(*v);
  return Refusal{404, code, std::move(message)};
}

}  // namespace

template <class F>
auto SandboxProvider::write(F fn) -> boost::asio::awaitable<std::invoke_result_t<F&, core::storage::Tx&>> {
  for (int attempt = 1;; ++attempt) {
    try {
      co_return co_await db_.write(fn);
    } catch (const LedgerConflict&) {
      if (attempt == 5) throw;
    } catch (const core::storage::StorageError& e) {
      // Two calls with one request id: the second fails on the key and, run again, finds the
      // first's answer.
      if (e.kind() != core::storage::StorageError::Kind::kUniqueViolation || attempt == 5) throw;
    }
  }
}

Async<Customer> SandboxProvider::open_customer(OpenCustomer r) {
  if (auto fault = co_await kFaults.inject()) co_return *fault;
  co_return co_await write([&](core::storage::Tx& tx) { return counter_.open_customer(tx, r, core::unix_millis()); });
}
Async<StockAccount> SandboxProvider::open_stock_account(OpenStockAccount r) {
  if (auto fault = co_await kFaults.inject()) co_return *fault;
  co_return co_await write([&](core::storage::Tx& tx) { return counter_.open_stock_account(tx, r, core::unix_millis()); });
}
Async<BankBinding> SandboxProvider::bind_bank(BindBank r) {
  if (auto fault = co_await kFaults.inject()) co_return *fault;
  co_return co_await write([&](core::storage::Tx& tx) { return counter_.bind_bank(tx, r, core::unix_millis()); });
}
Async<Movement> SandboxProvider::transfer(Transfer r) {
  if (auto fault = co_await kFaults.inject()) co_return *fault;
  co_return co_await write([&](core::storage::Tx& tx) { return counter_.transfer(tx, r, core::unix_millis()); });
}
Async<Order> SandboxProvider::place_order(PlaceOrder r) {
  if (auto fault = co_await kFaults.inject()) co_return *fault;
  co_return co_await write([&](core::storage::Tx& tx) { return counter_.place_order(tx, r, core::unix_millis()); });
}
Async<Order> SandboxProvider::cancel_order(CancelOrder r) {
  if (auto fault = co_await kFaults.inject()) co_return *fault;
  co_return co_await write([&](core::storage::Tx& tx) { return counter_.cancel_order(tx, r, core::unix_millis()); });
}
Async<RequestFate> SandboxProvider::void_request(std::string request_id) {
  co_return co_await write([&](core::storage::Tx& tx) { return counter_.void_request(tx, request_id, core::unix_millis()); });
}
boost::asio::awaitable<bool> SandboxProvider::answered(std::string request_id) {
  co_return co_await db_.read([&](core::storage::Tx& tx) { return counter_.answered(tx, request_id); });
}
Async<Order> SandboxProvider::confirm_order(ConfirmOrder r) {
  if (auto fault = co_await kFaults.inject()) co_return *fault;
  co_return co_await write([&](core::storage::Tx& tx) { return counter_.confirm_order(tx, r, core::unix_millis()); });
}
Async<Trade> SandboxProvider::simulate_trade(SimulateTrade r) {
  if (auto fault = co_await kFaults.inject()) co_return *fault;
  co_return co_await write([&](core::storage::Tx& tx) { return counter_.simulate_trade(tx, r, core::unix_millis()); });
}
Async<Instrument> SandboxProvider::put_instrument(Instrument i) {
  if (auto fault = co_await kFaults.inject()) co_return *fault;
  co_return co_await write([&](core::storage::Tx& tx) { return counter_.put_instrument(tx, i); });
}
Async<Instrument> SandboxProvider::register_fund(Instrument i) {
  i.kind = "fund";
  i.market = "OF";
  co_return co_await put_instrument(std::move(i));
}
Async<CorrectNav> SandboxProvider::correct_nav(CorrectNav c) {
  co_return co_await write([&](core::storage::Tx& tx) { return counter_.correct_nav(tx, c, core::unix_millis()); });
}
Async<std::int64_t> SandboxProvider::end_of_day(std::string date) {
  if (auto fault = co_await kFaults.inject()) co_return *fault;
  co_return co_await write([&](core::storage::Tx& tx) { return counter_.end_of_day(tx, date); });
}
Async<Customer> SandboxProvider::set_first_trade_date(std::string customer_no, std::string date) {
  if (auto fault = co_await kFaults.inject()) co_return *fault;
  co_return co_await write([&](core::storage::Tx& tx) { return counter_.set_first_trade_date(tx, customer_no, date); });
}

Async<Customer> SandboxProvider::customer(std::string customer_no) {
  if (auto fault = co_await kFaults.inject()) co_return *fault;
  auto c = co_await db_.read([&](core::storage::Tx& tx) { return counter_.customer(tx, customer_no); });
  co_return found(std::move(c), "COUNTER_CUSTOMER_NOT_FOUND", fmt::format("客户号 {} 不存在", customer_no));
}
Async<Customer> SandboxProvider::customer_by_id_number(std::string id_number) {
  if (auto fault = co_await kFaults.inject()) co_return *fault;
  auto c = co_await db_.read([&](core::storage::Tx& tx) { return counter_.customer_by_id_number(tx, id_number); });
  co_return found(std::move(c), "COUNTER_CUSTOMER_NOT_FOUND", "该证件号码没有客户");
}
Async<Customer> SandboxProvider::customer_of(std::string fund_account) {
  if (auto fault = co_await kFaults.inject()) co_return *fault;
  auto c = co_await db_.read([&](core::storage::Tx& tx) { return counter_.customer_of(tx, fund_account); });
  co_return found(std::move(c), "COUNTER_ACCOUNT_NOT_FOUND", fmt::format("资金账号 {} 不存在", fund_account));
}
Async<std::vector<StockAccount>> SandboxProvider::stock_accounts(std::string customer_no) {
  if (auto fault = co_await kFaults.inject()) co_return *fault;
  co_return co_await db_.read([&](core::storage::Tx& tx) { return counter_.stock_accounts(tx, customer_no); });
}
Async<BankBinding> SandboxProvider::bank_binding(std::string fund_account) {
  if (auto fault = co_await kFaults.inject()) co_return *fault;
  auto b = co_await db_.read([&](core::storage::Tx& tx) { return counter_.bank_binding(tx, fund_account); });
  co_return found(std::move(b), "COUNTER_BANK_NOT_BOUND", "该资金账号尚未绑定存管银行");
}
Async<Balance> SandboxProvider::balance(std::string fund_account) {
  if (auto fault = co_await kFaults.inject()) co_return *fault;
  auto b = co_await db_.read([&](core::storage::Tx& tx) { return counter_.balance(tx, fund_account); });
  co_return found(std::move(b), "COUNTER_ACCOUNT_NOT_FOUND", fmt::format("资金账号 {} 不存在", fund_account));
}
Async<std::vector<Position>> SandboxProvider::positions(std::string fund_account) {
  if (auto fault = co_await kFaults.inject()) co_return *fault;
  co_return co_await db_.read([&](core::storage::Tx& tx) { return counter_.positions(tx, fund_account); });
}
Async<std::vector<Lot>> SandboxProvider::lots(std::string fund_account, std::string product) {
  if (auto fault = co_await kFaults.inject()) co_return *fault;
  co_return co_await db_.read([&](core::storage::Tx& tx) { return counter_.lots(tx, fund_account, product); });
}
Async<Order> SandboxProvider::order(std::string order_id) {
  if (auto fault = co_await kFaults.inject()) co_return *fault;
  auto o = co_await db_.read([&](core::storage::Tx& tx) { return counter_.order(tx, order_id); });
  co_return found(std::move(o), "COUNTER_ORDER_NOT_FOUND", fmt::format("委托 {} 不存在", order_id));
}
Async<Page> SandboxProvider::orders(std::string fund_account, std::string cursor, std::int64_t limit) {
  if (auto fault = co_await kFaults.inject()) co_return *fault;
  co_return co_await db_.read([&](core::storage::Tx& tx) { return counter_.orders(tx, fund_account, cursor, limit); });
}
Async<std::vector<Order>> SandboxProvider::pending_orders(std::string trade_date_up_to) {
  if (auto fault = co_await kFaults.inject()) co_return *fault;
  co_return co_await db_.read([&](core::storage::Tx& tx) { return counter_.pending_orders(tx, trade_date_up_to); });
}
Async<std::vector<Trade>> SandboxProvider::trades(std::string fund_account, std::string from, std::string to) {
  if (auto fault = co_await kFaults.inject()) co_return *fault;
  co_return co_await db_.read([&](core::storage::Tx& tx) { return counter_.trades(tx, fund_account, from, to); });
}
Async<std::vector<Instrument>> SandboxProvider::instruments() {
  if (auto fault = co_await kFaults.inject()) co_return *fault;
  co_return co_await db_.read([&](core::storage::Tx& tx) { return counter_.instruments(tx); });
}

Async<AverageAssets> SandboxProvider::average_assets(std::string fund_account, std::vector<std::string> days) {
  if (auto fault = co_await kFaults.inject()) co_return *fault;
  if (days.empty()) co_return Refusal{400, "COUNTER_BAD_DAYS", "统计天数应大于0"};
  auto [exists, snaps] = co_await db_.read([&](core::storage::Tx& tx) {
    return std::make_pair(counter_.balance(tx, fund_account).has_value(), counter_.snapshots(tx, fund_account, days));
  });
  if (!exists) co_return Refusal{404, "COUNTER_ACCOUNT_NOT_FOUND", fmt::format("资金账号 {} 不存在", fund_account)};
  AverageAssets out{fund_account, days, Money(), {}};
  std::int64_t sum = 0;
  std::size_t k = 0;
  for (const auto& d : days) {
    if (k < snaps.size() && snaps[k].date == d) sum += snaps[k++].total.units();
    else out.missing_days.push_back(d);
  }
  out.average = Money::rounded(core::finance::Decimal::from_units(sum, 2).divide(core::finance::Decimal::from_integer(static_cast<std::int64_t>(days.size())), 2,
                                                                                     core::finance::RoundingMode::kHalfUp),
                               core::finance::RoundingMode::kHalfUp);
  co_return out;
}

}  // namespace zt::platform::counter
