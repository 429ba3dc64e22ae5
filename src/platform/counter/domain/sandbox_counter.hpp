#pragma once
// The sandbox counter (柜台): what a broker's counter keeps — customers, fund accounts, stock
// accounts, bank bindings (三方存管), cash and holdings, fund orders, trades, end-of-day asset
// snapshots — as a real ledger (ledger.hpp) in the counter service's own tables. Framework-free:
// each call runs inside one transaction the caller opens; mutations are idempotent by request id
// (requests.hpp) and answer a value or a Refusal in Chinese.
//
// Rules it keeps, whatever the caller does:
//   - available cash, frozen cash and holdings never go below zero;
//   - a subscription freezes its amount; confirmation spends exactly the frozen amount (net to
//     the fund, fee to the fee account) and issues net / NAV shares (0.01, half-up unless the
//     product truncates); cancellation releases it;
//   - a redemption freezes its shares; confirmation pays shares × NAV − fee and consumes the
//     oldest lots first (their confirmation dates give the holding days);
//   - one NAV per product and date: a confirmation at another NAV for a known date is refused.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/crypto/seal.hpp"
#include "core/storage/database.hpp"
#include "core/util/refusal.hpp"
#include "platform/counter/domain/ledger.hpp"
#include "platform/counter/client/counter_api.hpp"

namespace zt::platform::counter {

using core::Refusal;

template <class T>
using Result = std::variant<T, Refusal>;

struct Page {
  std::vector<Order> items;
  std::optional<std::string> next_cursor;
};

class SandboxCounter {
 public:
  explicit SandboxCounter(const core::crypto::KeyRing& keys) : keys_(keys) {}

  // ---- mutations (idempotent by request id)
  Result<Customer> open_customer(core::storage::Tx& tx, const OpenCustomer& r, std::int64_t now_ms) const;
  Result<StockAccount> open_stock_account(core::storage::Tx& tx, const OpenStockAccount& r, std::int64_t now_ms) const;
  Result<BankBinding> bind_bank(core::storage::Tx& tx, const BindBank& r, std::int64_t now_ms) const;
  Result<Movement> transfer(core::storage::Tx& tx, const Transfer& r, std::int64_t now_ms) const;
  Result<Order> place_order(core::storage::Tx& tx, const PlaceOrder& r, std::int64_t now_ms) const;
  Result<Order> cancel_order(core::storage::Tx& tx, const CancelOrder& r, std::int64_t now_ms) const;
  Result<Order> confirm_order(core::storage::Tx& tx, const ConfirmOrder& r, std::int64_t now_ms) const;
  Result<Trade> simulate_trade(core::storage::Tx& tx, const SimulateTrade& r, std::int64_t now_ms) const;
  // What was done under a request id, or the id recorded as void when it was never seen.
  Result<RequestFate> void_request(core::storage::Tx& tx, const std::string& request_id, std::int64_t now_ms) const;
  // Whether anything was answered (or voided) under a request id.
  bool answered(core::storage::Tx& tx, const std::string& request_id) const;

  // ---- sandbox administration: instruments and prices, end of day, history
  Result<Instrument> put_instrument(core::storage::Tx& tx, const Instrument& i) const;
  Result<CorrectNav> correct_nav(core::storage::Tx& tx, const CorrectNav& c, std::int64_t now_ms) const;
  // Snapshots every fund account's cash, frozen cash and market value for `date` (again: replaced).
  Result<std::int64_t> end_of_day(core::storage::Tx& tx, const std::string& date) const;
  Result<Customer> set_first_trade_date(core::storage::Tx& tx, const std::string& customer_no, const std::string& date) const;

  // ---- queries
  std::optional<Customer> customer(core::storage::Tx& tx, const std::string& customer_no) const;
  std::optional<Customer> customer_by_id_number(core::storage::Tx& tx, const std::string& id_number) const;
  std::optional<Customer> customer_of(core::storage::Tx& tx, const std::string& fund_account) const;
  std::vector<StockAccount> stock_accounts(core::storage::Tx& tx, const std::string& customer_no) const;
  std::optional<BankBinding> bank_binding(core::storage::Tx& tx, const std::string& fund_account) const;
  std::optional<Balance> balance(core::storage::Tx& tx, const std::string& fund_account) const;
  std::vector<Position> positions(core::storage::Tx& tx, const std::string& fund_account) const;
  std::vector<Lot> lots(core::storage::Tx& tx, const std::string& fund_account, const std::string& product) const;
  std::optional<Instrument> instrument(core::storage::Tx& tx, const std::string& code) const;
  std::vector<Instrument> instruments(core::storage::Tx& tx) const;
  std::optional<Order> order(core::storage::Tx& tx, const std::string& order_id) const;
  // Newest first; cursor: the order id the previous page ended with.
  Page orders(core::storage::Tx& tx, const std::string& fund_account, const std::string& cursor, std::int64_t limit) const;
  std::vector<Order> pending_orders(core::storage::Tx& tx, const std::string& trade_date_up_to) const;
  std::vector<Trade> trades(core::storage::Tx& tx, const std::string& fund_account, const std::string& from, const std::string& to) const;
  std::vector<Snapshot> snapshots(core::storage::Tx& tx, const std::string& fund_account, const std::vector<std::string>& dates) const;

  const Ledger& ledger() const { return ledger_; }

 private:
  // `available`: the cash (subscription) or the shares (redemption) the order takes from.
  Result<Order> subscribe(core::storage::Tx& tx, const PlaceOrder& r, std::int64_t available, std::int64_t now_ms) const;
  Result<Order> redeem(core::storage::Tx& tx, const PlaceOrder& r, std::int64_t available, std::int64_t now_ms) const;
  static Order placed(const std::string& order_id, const PlaceOrder& r);

  const core::crypto::KeyRing& keys_;
  Ledger ledger_;
};

}  // namespace zt::platform::counter
