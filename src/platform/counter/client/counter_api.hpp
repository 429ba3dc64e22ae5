#pragma once
// The counter's wire types (counter_api.hpp: what the counter takes and answers, JSON through
// Boost.Describe; amounts are decimal strings: cash and shares 2 dp, prices 2 dp, NAVs 4 dp). The
// same types serve the sandbox ledger, the HTTP adapter to a real counter, the counter service's
// handlers and its callers (counter_client.hpp): a caller never copies them.
#include <boost/describe.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/finance/decimal.hpp"

namespace zt::platform::counter {

using core::finance::Money;
using core::finance::Nav;
using core::finance::Shares;

// ---- customers and accounts
struct OpenCustomer {
  std::string request_id;
  std::string name;
  std::string id_number;  // GB 11643
  std::string mobile;
  std::string branch;
};
BOOST_DESCRIBE_STRUCT(OpenCustomer, (), (request_id, name, id_number, mobile, branch))

struct Customer {
  std::string customer_no;
  std::string name;
  std::string id_number;  // masked
  std::string mobile;     // masked
  std::string branch;
  std::string fund_account;
  std::optional<std::string> first_trade_date;
};
BOOST_DESCRIBE_STRUCT(Customer, (), (customer_no, name, id_number, mobile, branch, fund_account, first_trade_date))

struct OpenStockAccount {
  std::string request_id;
  std::string customer_no;
  std::string market;                     // SH, SZ, BJ
  std::optional<std::string> account_no;  // as 中登 assigned it; the sandbox makes one when absent
  std::string opened_date;
};
BOOST_DESCRIBE_STRUCT(OpenStockAccount, (), (request_id, customer_no, market, account_no, opened_date))

struct StockAccount {
  std::string account_no;
  std::string customer_no;
  std::string market;
  std::string status;
  std::string opened_date;
};
BOOST_DESCRIBE_STRUCT(StockAccount, (), (account_no, customer_no, market, status, opened_date))

struct BindBank {
  std::string request_id;
  std::string fund_account;
  std::string bank_code;
  std::string card_no;
};
BOOST_DESCRIBE_STRUCT(BindBank, (), (request_id, fund_account, bank_code, card_no))

struct BankBinding {
  std::string fund_account;
  std::string bank_code;
  std::string card_no;  // masked
};
BOOST_DESCRIBE_STRUCT(BankBinding, (), (fund_account, bank_code, card_no))

// ---- cash
struct Transfer {
  std::string request_id;
  std::string fund_account;
  std::string direction;  // in: bank -> securities account; out: the reverse
  Money amount;
  std::string business_date;
};
BOOST_DESCRIBE_STRUCT(Transfer, (), (request_id, fund_account, direction, amount, business_date))

struct Balance {
  std::string fund_account;
  Money cash;       // available
  Money frozen;
  Money total;      // cash + frozen
};
BOOST_DESCRIBE_STRUCT(Balance, (), (fund_account, cash, frozen, total))

struct Movement {
  std::int64_t seq = 0;
  Balance balance;
};
BOOST_DESCRIBE_STRUCT(Movement, (), (seq, balance))

// ---- instruments and positions
struct Instrument {
  std::string code;
  std::string name;
  std::string kind;    // stock | fund
  std::string market;  // SH, SZ, BJ for stocks; OF for funds
  std::string price;   // last price (2 dp) or NAV (4 dp)
  std::string price_date;
};
BOOST_DESCRIBE_STRUCT(Instrument, (), (code, name, kind, market, price, price_date))

// A fund's NAV for a date corrected (净值更正) by its TA: from the value the counter holds to the
// right one. Confirmations from then on must use `to`; orders already confirmed at `from` stay as
// they are (the seller adjusts them by hand). Done once per request id: sent again it answers as
// the first time, so a late copy never undoes a later correction.
struct CorrectNav {
  std::string request_id;
  std::string code;
  std::string date;
  Nav from;
  Nav to;
};
BOOST_DESCRIBE_STRUCT(CorrectNav, (), (request_id, code, date, from, to))

struct Position {
  std::string code;
  std::string kind;
  Shares quantity;  // held, frozen included
  Shares frozen;    // held back by pending redemptions or sales
  std::string price;
  Money market_value;
};
BOOST_DESCRIBE_STRUCT(Position, (), (code, kind, quantity, frozen, price, market_value))

struct Lot {
  std::string confirmed_date;
  Shares shares;
  Shares remaining;
};
BOOST_DESCRIBE_STRUCT(Lot, (), (confirmed_date, shares, remaining))

// ---- fund orders
struct PlaceOrder {
  std::string request_id;
  std::string fund_account;
  std::string product;
  std::string side;                // subscribe | redeem
  std::optional<Money> amount;     // subscribe
  std::optional<Shares> shares;    // redeem
  std::string trade_date;          // T, the NAV date the caller worked out
};
BOOST_DESCRIBE_STRUCT(PlaceOrder, (), (request_id, fund_account, product, side, amount, shares, trade_date))

struct CancelOrder {
  std::string request_id;
  std::string order_id;
};
BOOST_DESCRIBE_STRUCT(CancelOrder, (), (request_id, order_id))

// T+1 confirmation at T's NAV with the fee the product's schedule gives (the caller computes it
// by BUSINESS §5; the counter checks it and settles).
struct ConfirmOrder {
  std::string request_id;
  std::string order_id;
  Nav nav;
  Money fee;
  std::string confirmed_date;
  std::optional<bool> truncate_shares;  // true: the product rounds shares down instead of half-up
};
BOOST_DESCRIBE_STRUCT(ConfirmOrder, (), (request_id, order_id, nav, fee, confirmed_date, truncate_shares))

struct Order {
  std::string order_id;
  std::string fund_account;
  std::string product;
  std::string side;
  Money amount;   // subscribe: cash frozen
  Shares shares;  // redeem: shares frozen
  std::string trade_date;
  std::string state;  // pending | cancelled | confirmed
  std::optional<std::string> nav;
  std::optional<Money> fee;
  std::optional<Money> settled_amount;   // subscribe: net invested; redeem: net paid out
  std::optional<Shares> settled_shares;  // subscribe: shares issued; redeem: shares redeemed
  std::optional<std::string> confirmed_date;
};
BOOST_DESCRIBE_STRUCT(Order, (), (order_id, fund_account, product, side, amount, shares, trade_date, state, nav, fee, settled_amount,
                                  settled_shares, confirmed_date))

// ---- what became of a request id (POST /requests/{id}/void): what the counter did under it, or —
// when it never saw it — the id recorded as void, so the request is refused should it still arrive.
struct RequestFate {
  std::string request_id;
  std::string operation;  // place_order, cancel_order … ; "void" when it was never seen
  std::string outcome;    // done | refused | void
  std::optional<std::string> answer;  // done: the answer as JSON (an Order for the order operations)
  std::optional<int> status;          // refused: the refusal
  std::optional<std::string> code;
  std::optional<std::string> message;
};
BOOST_DESCRIBE_STRUCT(RequestFate, (), (request_id, operation, outcome, answer, status, code, message))

// ---- the sandbox's ready customer: fund account, SH and SZ accounts, a bank card, cash
struct DemoRequest {
  std::string request_id;
  std::string name;
  std::string id_number;
  std::string mobile;
  std::optional<Money> cash;
};
BOOST_DESCRIBE_STRUCT(DemoRequest, (), (request_id, name, id_number, mobile, cash))
struct Demo {
  Customer customer;
  std::vector<StockAccount> stock_accounts;
  BankBinding bank;
  Balance balance;
};
BOOST_DESCRIBE_STRUCT(Demo, (), (customer, stock_accounts, bank, balance))

// ---- simulated trading, prices, end of day (sandbox)
struct SimulateTrade {
  std::string request_id;
  std::string fund_account;
  std::string code;
  std::string side;  // buy | sell
  Shares quantity;
  std::optional<Money> price;  // default: the instrument's last price
  std::string trade_date;
};
BOOST_DESCRIBE_STRUCT(SimulateTrade, (), (request_id, fund_account, code, side, quantity, price, trade_date))

struct Trade {
  std::string trade_id;
  std::string fund_account;
  std::string code;
  std::string side;
  Shares quantity;
  Money price;
  Money amount;
  std::string trade_date;
};
BOOST_DESCRIBE_STRUCT(Trade, (), (trade_id, fund_account, code, side, quantity, price, amount, trade_date))

struct Snapshot {
  std::string fund_account;
  std::string date;
  Money cash;
  Money frozen;
  Money market_value;
  Money total;
};
BOOST_DESCRIBE_STRUCT(Snapshot, (), (fund_account, date, cash, frozen, market_value, total))

}  // namespace zt::platform::counter
