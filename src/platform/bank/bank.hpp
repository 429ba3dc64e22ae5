#pragma once
// The depository banks (三方存管): bank-card verification (四要素: name, ID number, card,
// mobile) and confirmation of transfers between card and securities account. Providers: the
// bank over HTTP, or the sandbox (docs/sandbox.md):
//   - a card must pass the Luhn check; its first six digits name the bank (622202 ICBC,
//     621700 CCB, 622848 ABC, 621483 CMB, 621661 BOC), other banks are not supported;
//   - a sandbox-population card matches its holder's name, ID number and mobile only; any other
//     card matches unless the mobile ends in 8;
//   - a transfer is confirmed with a bank serial, once per request id, unless it exceeds the
//     single-transfer limit (5,000,000.00 by default) — then refused and kept as refused.
#include <boost/asio/awaitable.hpp>
#include <boost/describe.hpp>

#include <memory>
#include <string>

#include "core/app/component.hpp"
#include "core/finance/decimal.hpp"
#include "platform/vendor_kit/vendor_api.hpp"

namespace zt::platform::bank {

struct CardQuery {
  std::string name;
  std::string id_number;
  std::string card_no;
  std::string mobile;
};
BOOST_DESCRIBE_STRUCT(CardQuery, (), (name, id_number, card_no, mobile))

struct CardCheck {
  std::string result;  // match | mismatch
  std::string message;
  std::string bank_code;
  std::string bank_name;
};
BOOST_DESCRIBE_STRUCT(CardCheck, (), (result, message, bank_code, bank_name))

struct TransferRequest {
  std::string request_id;
  std::string bank_code;
  std::string card_no;
  std::string direction;  // in: card -> securities account; out: the reverse
  core::finance::Money amount;
};
BOOST_DESCRIBE_STRUCT(TransferRequest, (), (request_id, bank_code, card_no, direction, amount))

struct TransferReceipt {
  std::string status;  // confirmed | refused
  std::string bank_serial;
  std::string message;
};
BOOST_DESCRIBE_STRUCT(TransferReceipt, (), (status, bank_serial, message))

class BankProvider {
 public:
  virtual ~BankProvider() = default;
  virtual boost::asio::awaitable<vendor_kit::Result<CardCheck>> verify_card(CardQuery q, const core::http::RequestContext* ctx) = 0;
  virtual boost::asio::awaitable<vendor_kit::Result<TransferReceipt>> confirm_transfer(TransferRequest r, const core::http::RequestContext* ctx) = 0;
};

bool luhn_valid(const std::string& card_no);
// The bank a card belongs to by its first six digits: {code, name}, or empty.
std::pair<std::string, std::string> bank_of(const std::string& card_no);

core::ComponentSpec spec();

}  // namespace zt::platform::bank
