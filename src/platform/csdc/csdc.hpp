#pragma once
// 中登 (CSDC) 一码通: an investor's A-share accounts per market and first trade date; opening a
// new account (新开) and linking an existing one to this broker (下挂). [rule] At most 3 A-share
// accounts per market per person: the fourth is refused, with linking offered instead.
// Providers: the vendor over HTTP, or the sandbox — persisted in this service's tables, seeded
// with the sandbox population's existing accounts (docs/sandbox.md).
#include <boost/asio/awaitable.hpp>
#include <boost/describe.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/app/component.hpp"
#include "platform/vendor_kit/vendor_api.hpp"

namespace zt::platform::csdc {

struct AccountQuery {
  std::string name;
  std::string id_number;
};
BOOST_DESCRIBE_STRUCT(AccountQuery, (), (name, id_number))

struct Account {
  std::string market;  // SH | SZ
  std::string account_no;
  std::string status;  // normal
  std::string broker;  // the broker it is designated to
  bool linked = false;  // to this broker
  std::string opened_date;
};
BOOST_DESCRIBE_STRUCT(Account, (), (market, account_no, status, broker, linked, opened_date))

struct Accounts {
  std::vector<Account> accounts;
  std::optional<std::string> first_trade_date;
};
BOOST_DESCRIBE_STRUCT(Accounts, (), (accounts, first_trade_date))

struct OpenAccount {
  std::string request_id;
  std::string name;
  std::string id_number;
  std::string market;
  std::string opened_date;
};
BOOST_DESCRIBE_STRUCT(OpenAccount, (), (request_id, name, id_number, market, opened_date))

struct LinkAccount {
  std::string request_id;
  std::string id_number;
  std::string account_no;
};
BOOST_DESCRIBE_STRUCT(LinkAccount, (), (request_id, id_number, account_no))

class CsdcProvider {
 public:
  virtual ~CsdcProvider() = default;
  virtual boost::asio::awaitable<vendor_kit::Result<Accounts>> accounts(AccountQuery q, const core::http::RequestContext* ctx) = 0;
  virtual boost::asio::awaitable<vendor_kit::Result<Account>> open(OpenAccount r, const core::http::RequestContext* ctx) = 0;
  virtual boost::asio::awaitable<vendor_kit::Result<Account>> link(LinkAccount r, const core::http::RequestContext* ctx) = 0;
};

inline constexpr int kMaxAccountsPerMarket = 3;  // [rule] 中登: at most 3 A-share accounts per market

core::ComponentSpec spec();

}  // namespace zt::platform::csdc
