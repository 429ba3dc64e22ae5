#include "platform/counter/domain/sandbox_counter.hpp"

#include <fmt/format.h>

#include <regex>

#include "core/finance/business_clock.hpp"
#include "core/finance/calendar.hpp"
#include "core/finance/identity.hpp"
#include "core/storage/idempotency.hpp"

namespace zt::platform::counter {

namespace {

using core::finance::Decimal;
using core::storage::once;
const core::storage::RequestLog kRequests{"counter_requests", "COUNTER"};
using core::finance::RoundingMode;

constexpr const char* kIdContext = "counter_customers.id_number";
constexpr const char* kMobileContext = "counter_customers.mobile";
constexpr const char* kCardContext = "counter_bank_bindings.card";

Money money(std::int64_t units) { return Money::from_units(units); }
Shares shares(std::int64_t units) { return Shares::from_units(units); }

std::string yuan(std::int64_t units) { return money(units).to_string(); }

bool valid_date(const std::string& s) {
  try {
    core::finance::parse_date(s);
    return true;
  } catch (const core::finance::CalendarError&) {
    return false;
  }
}
Refusal bad_date(const std::string& what) { return Refusal{400, "COUNTER_BAD_DATE", fmt::format("{}应为有效日期（YYYY-MM-DD）", what)}; }

std::size_t utf8_length(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xc0) != 0x80; }));
}

bool no_controls(const std::string& s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

std::string mask_card(const std::string& card) { return card.substr(0, 4) + " **** **** " + card.substr(card.size() - 4); }

Refusal no_account(const std::string& fund_account) {
  return Refusal{404, "COUNTER_ACCOUNT_NOT_FOUND", fmt::format("资金账号 {} 不存在", fund_account)};
}

bool fund_account_exists(core::storage::Tx& tx, const std::string& fa) {
  return !tx.query("SELECT 1 FROM counter_fund_accounts WHERE fund_account = ?", {fa}).empty();
}

Balance balance_of(const Ledger& ledger, core::storage::Tx& tx, const std::string& fa) {
  const auto units = ledger.balances_of(tx, {Ledger::cash(fa), Ledger::frozen(fa)}, kCny);
  return Balance{fa, money(units[0]), money(units[1]), money(units[0] + units[1])};
}

constexpr const char* kOrderColumns =
    "order_id, fund_account, product, side, amount_units, shares_units, trade_date, state, nav_units, fee_units, settled_amount_units, "
    "settled_shares_units, confirmed_date";

Order order_from(const core::storage::Row& r) {
  Order o;
  o.order_id = r.string(0);
  o.fund_account = r.string(1);
  o.product = r.string(2);
  o.side = r.string(3);
  o.amount = money(r.int64(4));
  o.shares = shares(r.int64(5));
  o.trade_date = r.string(6);
  o.state = r.string(7);
  if (!r.is_null(8)) o.nav = Nav::from_units(r.int64(8)).to_string();
  if (!r.is_null(9)) o.fee = money(r.int64(9));
  if (!r.is_null(10)) o.settled_amount = money(r.int64(10));
  if (!r.is_null(11)) o.settled_shares = shares(r.int64(11));
  if (!r.is_null(12)) o.confirmed_date = r.string(12);
  return o;
}

// A price in its own scale: 0.01 for stocks, 0.0001 (NAV) for funds.
int price_scale(const std::string& kind) { return kind == "fund" ? Nav::kScale : Money::kScale; }

// quantity (0.01) × price, half-up to the cent.
std::int64_t value_of(std::int64_t quantity_units, std::int64_t price_units, const std::string& kind) {
  return Decimal::from_units(quantity_units, Shares::kScale)
      .multiply(Decimal::from_units(price_units, price_scale(kind)), Money::kScale, RoundingMode::kHalfUp)
      .units();
}

Customer customer_from(const core::storage::Row& r) {
  Customer c{r.string(0), r.string(1), r.string(2), r.string(3), r.string(4), r.string(5), std::nullopt};
  if (!r.is_null(6)) c.first_trade_date = r.string(6);
  return c;
}
constexpr const char* kCustomerSelect =
    "SELECT c.customer_no, c.name, c.id_number_masked, c.mobile_masked, c.branch, f.fund_account, c.first_trade_date "
    "FROM counter_customers c JOIN counter_fund_accounts f ON f.customer_no = c.customer_no ";

}  // namespace

// ---------------------------------------------------------------- customers and accounts

Result<Customer> SandboxCounter::open_customer(core::storage::Tx& tx, const OpenCustomer& r, std::int64_t now_ms) const {
  return once<Customer>(tx, kRequests, r.request_id, "open_customer", r, now_ms, [&]() -> Result<Customer> {
    const auto n = utf8_length(r.name);
    if (n < 1 || n > 32 || !no_controls(r.name)) return Refusal{400, "COUNTER_NAME_INVALID", "姓名应为1至32个字"};
    // The date in Asia/Shanghai (a UTC date is still yesterday until 08:00 there).
    const auto today = core::finance::business_time(std::chrono::system_clock::time_point(std::chrono::milliseconds(now_ms))).date;
    const auto id = core::finance::check_resident_id(r.id_number, today);
    if (!id.ok) return Refusal{400, "COUNTER_ID_INVALID", id.reason};
    if (!core::finance::is_valid_mobile(r.mobile)) return Refusal{400, "COUNTER_MOBILE_INVALID", "手机号码格式不正确"};
    const auto b = utf8_length(r.branch);
    if (b < 1 || b > 32 || !no_controls(r.branch)) return Refusal{400, "COUNTER_BRANCH_INVALID", "营业部应为1至32个字"};
    const std::string id_hash = keys_.keyed_hash(id.normalized, kIdContext);
    auto existing = tx.query("SELECT customer_no FROM counter_customers WHERE id_number_hash = ?", {id_hash});
    if (!existing.empty())
      return Refusal{409, "COUNTER_CUSTOMER_EXISTS", fmt::format("该证件号码已开立客户号 {}", existing.at(0).string(0))};
    const std::string customer_no = fmt::format("88{:08d}", Ledger::next(tx, "customer"));
    const std::string fund_account = fmt::format("66{:08d}", Ledger::next(tx, "fund_account"));
    tx.exec("INSERT INTO counter_customers (customer_no, name, id_number_sealed, id_number_hash, id_number_masked, mobile_sealed, mobile_masked, "
            "branch, first_trade_date, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)",
            {customer_no, r.name, keys_.seal(id.normalized, kIdContext), id_hash, core::finance::mask_resident_id(id.normalized),
             keys_.seal(r.mobile, kMobileContext), core::finance::mask_mobile(r.mobile), r.branch, now_ms});
    tx.exec("INSERT INTO counter_fund_accounts (fund_account, customer_no, currency, status, created_at_ms) VALUES (?, ?, 'CNY', 'normal', ?)",
            {fund_account, customer_no, now_ms});
    return *customer(tx, customer_no);
  });
}

Result<StockAccount> SandboxCounter::open_stock_account(core::storage::Tx& tx, const OpenStockAccount& r, std::int64_t now_ms) const {
  return once<StockAccount>(tx, kRequests, r.request_id, "open_stock_account", r, now_ms, [&]() -> Result<StockAccount> {
    if (r.market != "SH" && r.market != "SZ" && r.market != "BJ")
      return Refusal{400, "COUNTER_MARKET_INVALID", "市场应为 SH（上海）、SZ（深圳）或 BJ（北京）"};
    if (!valid_date(r.opened_date)) return bad_date("开户日期");
    if (tx.query("SELECT 1 FROM counter_customers WHERE customer_no = ?", {r.customer_no}).empty())
      return Refusal{404, "COUNTER_CUSTOMER_NOT_FOUND", fmt::format("客户号 {} 不存在", r.customer_no)};
    std::string account_no;
    if (r.account_no) {
      static const std::regex sh("[A-Z][0-9]{9}"), other("[0-9]{10}");
      if (!std::regex_match(*r.account_no, r.market == "SH" ? sh : other))
        return Refusal{400, "COUNTER_STOCK_ACCOUNT_INVALID", r.market == "SH" ? "上海证券账户应为1位字母加9位数字" : "证券账户应为10位数字"};
      account_no = *r.account_no;
      if (!tx.query("SELECT 1 FROM counter_stock_accounts WHERE account_no = ?", {account_no}).empty())
        return Refusal{409, "COUNTER_STOCK_ACCOUNT_EXISTS", fmt::format("证券账户 {} 已登记", account_no)};
    } else {
      // The sandbox's own numbers: A + 9 digits in Shanghai, 0… in Shenzhen, 8… in Beijing.
      const auto n = Ledger::next(tx, "stock_account");
      account_no = r.market == "SH" ? fmt::format("A{:09d}", n) : fmt::format("{}{:09d}", r.market == "SZ" ? '0' : '8', n);
    }
    tx.exec("INSERT INTO counter_stock_accounts (account_no, customer_no, market, status, opened_date) VALUES (?, ?, ?, 'normal', ?)",
            {account_no, r.customer_no, r.market, r.opened_date});
    return StockAccount{account_no, r.customer_no, r.market, "normal", r.opened_date};
  });
}

Result<BankBinding> SandboxCounter::bind_bank(core::storage::Tx& tx, const BindBank& r, std::int64_t now_ms) const {
  return once<BankBinding>(tx, kRequests, r.request_id, "bind_bank", r, now_ms, [&]() -> Result<BankBinding> {
    if (!fund_account_exists(tx, r.fund_account)) return no_account(r.fund_account);
    static const std::regex bank("[A-Z0-9]{2,10}"), card("[0-9]{12,19}");
    if (!std::regex_match(r.bank_code, bank)) return Refusal{400, "COUNTER_BANK_INVALID", "银行代码应为2至10位大写字母或数字"};
    if (!std::regex_match(r.card_no, card)) return Refusal{400, "COUNTER_CARD_INVALID", "银行卡号应为12至19位数字"};
    if (!tx.query("SELECT 1 FROM counter_bank_bindings WHERE fund_account = ?", {r.fund_account}).empty())
      return Refusal{409, "COUNTER_BANK_BOUND", "该资金账号已绑定存管银行，请先解绑"};
    tx.exec("INSERT INTO counter_bank_bindings (fund_account, bank_code, card_sealed, card_masked, bound_at_ms) VALUES (?, ?, ?, ?, ?)",
            {r.fund_account, r.bank_code, keys_.seal(r.card_no, kCardContext), mask_card(r.card_no), now_ms});
    return BankBinding{r.fund_account, r.bank_code, mask_card(r.card_no)};
  });
}

// ---------------------------------------------------------------- cash

Result<Movement> SandboxCounter::transfer(core::storage::Tx& tx, const Transfer& r, std::int64_t now_ms) const {
  return once<Movement>(tx, kRequests, r.request_id, "transfer", r, now_ms, [&]() -> Result<Movement> {
    if (r.direction != "in" && r.direction != "out") return Refusal{400, "COUNTER_DIRECTION_INVALID", "转账方向应为 in（银行转证券）或 out（证券转银行）"};
    if (r.amount.units() <= 0) return Refusal{400, "COUNTER_AMOUNT_INVALID", "转账金额应大于0"};
    if (!valid_date(r.business_date)) return bad_date("业务日期");
    if (!fund_account_exists(tx, r.fund_account)) return no_account(r.fund_account);
    auto bank = bank_binding(tx, r.fund_account);
    if (!bank) return Refusal{409, "COUNTER_BANK_NOT_BOUND", "该资金账号尚未绑定存管银行"};
    const std::string cash = Ledger::cash(r.fund_account), bank_account = "bank:" + bank->bank_code;
    if (r.direction == "out") {
      const auto available = ledger_.balance(tx, cash, kCny);
      if (available < r.amount.units())
        return Refusal{409, "COUNTER_INSUFFICIENT_CASH", fmt::format("可用资金不足：可用{}元，转出{}元", yuan(available), r.amount.to_string())};
    }
    const bool in = r.direction == "in";
    Entry e{r.request_id, in ? "deposit" : "withdrawal", r.fund_account,
            fmt::format("{} {}元（{}）", in ? "银行转证券" : "证券转银行", r.amount.to_string(), bank->bank_code), r.business_date,
            {{std::string(kCny), in ? bank_account : cash, in ? cash : bank_account, r.amount.units()}}};
    const auto seq = ledger_.post(tx, e, now_ms);
    return Movement{seq, balance_of(ledger_, tx, r.fund_account)};
  });
}

// ---------------------------------------------------------------- fund orders

Result<Order> SandboxCounter::place_order(core::storage::Tx& tx, const PlaceOrder& r, std::int64_t now_ms) const {
  const bool subscription = r.side == "subscribe";
  // The account, the product and what the order takes from, asked with the claim.
  std::vector<core::storage::Statement> reads{
      {"SELECT 1 FROM counter_fund_accounts WHERE fund_account = ?", {r.fund_account}},
      {"SELECT kind FROM counter_instruments WHERE code = ?", {r.product}},
      {"SELECT units FROM counter_balances WHERE account = ? AND asset = ?",
       {subscription ? Ledger::cash(r.fund_account) : Ledger::position(r.fund_account), subscription ? std::string(kCny) : r.product}}};
  return once<Order>(tx, kRequests, r.request_id, "place_order", r, now_ms, std::move(reads),
                     [&](std::vector<core::storage::Rows>&& found) -> Result<Order> {
    if (!valid_date(r.trade_date)) return bad_date("交易日期");
    if (found[0].empty()) return no_account(r.fund_account);
    if (found[1].empty() || found[1].at(0).string(0) != "fund")
      return Refusal{404, "COUNTER_PRODUCT_NOT_FOUND", fmt::format("基金产品 {} 不存在", r.product)};
    const std::int64_t available = found[2].empty() ? 0 : found[2].at(0).int64(0);
    if (subscription) return subscribe(tx, r, available, now_ms);
    if (r.side == "redeem") return redeem(tx, r, available, now_ms);
    return Refusal{400, "COUNTER_SIDE_INVALID", "委托方向应为 subscribe（申购）或 redeem（赎回）"};
  });
}

// A new order as placed: pending, nothing settled.
Order SandboxCounter::placed(const std::string& order_id, const PlaceOrder& r) {
  Order o;
  o.order_id = order_id;
  o.fund_account = r.fund_account;
  o.product = r.product;
  o.side = r.side;
  o.amount = r.amount.value_or(money(0));
  o.shares = r.shares.value_or(shares(0));
  o.trade_date = r.trade_date;
  o.state = "pending";
  return o;
}

Result<Order> SandboxCounter::subscribe(core::storage::Tx& tx, const PlaceOrder& r, std::int64_t available, std::int64_t now_ms) const {
  if (!r.amount || r.amount->units() <= 0 || r.shares) return Refusal{400, "COUNTER_AMOUNT_INVALID", "申购应填写大于0的金额，不填份额"};
  if (available < r.amount->units())
    return Refusal{409, "COUNTER_INSUFFICIENT_CASH", fmt::format("可用资金不足：可用{}元，申购{}元", yuan(available), r.amount->to_string())};
  const std::string order_id = fmt::format("FO{:012d}", Ledger::next(tx, "order"));
  ledger_.post(tx,
               Entry{r.request_id, "subscribe", r.fund_account, fmt::format("申购{} 冻结{}元（{}）", r.product, r.amount->to_string(), order_id),
                     r.trade_date, {{std::string(kCny), Ledger::cash(r.fund_account), Ledger::frozen(r.fund_account), r.amount->units()}}},
               now_ms);
  tx.defer("INSERT INTO counter_orders (order_id, request_id, fund_account, product, side, amount_units, shares_units, trade_date, state, "
           "created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, 'subscribe', ?, 0, ?, 'pending', ?, ?)",
           {order_id, r.request_id, r.fund_account, r.product, r.amount->units(), r.trade_date, now_ms, now_ms});
  return placed(order_id, r);
}

Result<Order> SandboxCounter::redeem(core::storage::Tx& tx, const PlaceOrder& r, std::int64_t available, std::int64_t now_ms) const {
  if (!r.shares || r.shares->units() <= 0 || r.amount) return Refusal{400, "COUNTER_SHARES_INVALID", "赎回应填写大于0的份额，不填金额"};
  if (available < r.shares->units())
    return Refusal{409, "COUNTER_INSUFFICIENT_SHARES", fmt::format("可用份额不足：可用{}份，赎回{}份", shares(available).to_string(), r.shares->to_string())};
  const std::string order_id = fmt::format("FO{:012d}", Ledger::next(tx, "order"));
  ledger_.post(tx,
               Entry{r.request_id, "redeem", r.fund_account, fmt::format("赎回{} 冻结{}份（{}）", r.product, r.shares->to_string(), order_id),
                     r.trade_date, {{r.product, Ledger::position(r.fund_account), Ledger::position_frozen(r.fund_account), r.shares->units()}}},
               now_ms);
  tx.defer("INSERT INTO counter_orders (order_id, request_id, fund_account, product, side, amount_units, shares_units, trade_date, state, "
           "created_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, 'redeem', 0, ?, ?, 'pending', ?, ?)",
           {order_id, r.request_id, r.fund_account, r.product, r.shares->units(), r.trade_date, now_ms, now_ms});
  return placed(order_id, r);
}

Result<Order> SandboxCounter::cancel_order(core::storage::Tx& tx, const CancelOrder& r, std::int64_t now_ms) const {
  return once<Order>(tx, kRequests, r.request_id, "cancel_order", r, now_ms, [&]() -> Result<Order> {
    auto o = order(tx, r.order_id);
    if (!o) return Refusal{404, "COUNTER_ORDER_NOT_FOUND", fmt::format("委托 {} 不存在", r.order_id)};
    // The state moves first: of two cancellations (or a cancellation and a confirmation) only one
    // finds the order pending.
    if (tx.exec("UPDATE counter_orders SET state = 'cancelled', updated_at_ms = ? WHERE order_id = ? AND state = 'pending'", {now_ms, r.order_id}) == 0)
      return Refusal{409, "COUNTER_ORDER_NOT_PENDING", fmt::format("委托 {} 已{}，不能撤销", r.order_id, o->state == "cancelled" ? "撤销" : "确认")};
    const bool sub = o->side == "subscribe";
    ledger_.post(tx,
                 Entry{r.request_id, "cancel", o->fund_account,
                       sub ? fmt::format("撤销申购{} 解冻{}元（{}）", o->product, o->amount.to_string(), o->order_id)
                           : fmt::format("撤销赎回{} 解冻{}份（{}）", o->product, o->shares.to_string(), o->order_id),
                       o->trade_date,
                       {sub ? Posting{std::string(kCny), Ledger::frozen(o->fund_account), Ledger::cash(o->fund_account), o->amount.units()}
                            : Posting{o->product, Ledger::position_frozen(o->fund_account), Ledger::position(o->fund_account), o->shares.units()}}},
                 now_ms);
    return *order(tx, r.order_id);
  });
}

bool SandboxCounter::answered(core::storage::Tx& tx, const std::string& request_id) const {
  return !tx.query("SELECT 1 FROM counter_requests WHERE request_id = ?", {request_id}).empty();
}

Result<RequestFate> SandboxCounter::void_request(core::storage::Tx& tx, const std::string& request_id,
                                                 std::int64_t now_ms) const {
  if (!core::storage::valid_request_id(request_id)) return core::storage::bad_request_id("COUNTER");
  // Claimed as void unless the request got here first (a request still on its way then meets the
  // void record under its id and is refused as reused; PostgreSQL: the insert waits for a
  // concurrent claim of the same id and then does nothing).
  tx.exec("INSERT INTO counter_requests (request_id, operation, fingerprint, result, created_at_ms) VALUES (?, 'void', '', "
          "'{}', ?) ON CONFLICT (request_id) DO NOTHING",
          {request_id, now_ms});
  const auto row = tx.query("SELECT operation, result FROM counter_requests WHERE request_id = ?", {request_id}).at(0);
  RequestFate f;
  f.request_id = request_id;
  f.operation = row.string(0);
  if (f.operation == "void") {
    f.outcome = "void";
    return f;
  }
  const auto kept = boost::json::parse(row.string(1)).as_object();
  if (kept.contains("ok")) {
    f.outcome = "done";
    f.answer = boost::json::serialize(kept.at("ok"));
  } else {
    f.outcome = "refused";
    f.status = static_cast<int>(kept.at("status").as_int64());
    f.code = std::string(kept.at("code").as_string());
    f.message = std::string(kept.at("message").as_string());
  }
  return f;
}

Result<Order> SandboxCounter::confirm_order(core::storage::Tx& tx, const ConfirmOrder& r, std::int64_t now_ms) const {
  return once<Order>(tx, kRequests, r.request_id, "confirm_order", r, now_ms, [&]() -> Result<Order> {
    if (!valid_date(r.confirmed_date)) return bad_date("确认日期");
    if (r.nav.units() <= 0) return Refusal{400, "COUNTER_NAV_INVALID", "净值应大于0"};
    if (r.fee.is_negative()) return Refusal{400, "COUNTER_FEE_INVALID", "手续费不能为负"};
    auto o = order(tx, r.order_id);
    if (!o) return Refusal{404, "COUNTER_ORDER_NOT_FOUND", fmt::format("委托 {} 不存在", r.order_id)};
    if (o->state != "pending") return Refusal{409, "COUNTER_ORDER_NOT_PENDING", fmt::format("委托 {} 已{}，不能确认", r.order_id, o->state == "cancelled" ? "撤销" : "确认")};
    if (r.confirmed_date < o->trade_date) return Refusal{400, "COUNTER_BAD_DATE", "确认日期不能早于交易日期"};
    // The NAV row is touched, not only read: a correction of it (correct_nav) waits for this
    // confirmation or this one sees the corrected value — never both at the old one.
    tx.exec("UPDATE counter_navs SET nav_units = nav_units WHERE code = ? AND nav_date = ?", {o->product, o->trade_date});
    auto known = tx.query("SELECT nav_units FROM counter_navs WHERE code = ? AND nav_date = ?", {o->product, o->trade_date});
    if (!known.empty() && known.at(0).int64(0) != r.nav.units())
      return Refusal{409, "COUNTER_NAV_MISMATCH", fmt::format("{} 在 {} 的净值为 {}，与确认净值 {} 不符", o->product, o->trade_date,
                                                               Nav::from_units(known.at(0).int64(0)).to_string(), r.nav.to_string())};
    const std::string fa = o->fund_account, product = o->product;
    std::int64_t settled_amount = 0, settled_shares = 0;
    std::vector<Posting> postings;
    if (o->side == "subscribe") {
      if (r.fee.units() >= o->amount.units()) return Refusal{400, "COUNTER_FEE_INVALID", "手续费应小于申购金额"};
      settled_amount = o->amount.units() - r.fee.units();  // net: the frozen amount less the fee, to the cent
      settled_shares = Decimal::from_units(settled_amount, Money::kScale)
                           .divide(r.nav.decimal(), Shares::kScale, r.truncate_shares.value_or(false) ? RoundingMode::kDown : RoundingMode::kHalfUp)
                           .units();
      if (settled_shares <= 0) return Refusal{400, "COUNTER_SHARES_INVALID", "确认份额为0，请检查净值与手续费"};
      postings.push_back({std::string(kCny), Ledger::frozen(fa), "ta:" + product, settled_amount});
      if (r.fee.units() > 0) postings.push_back({std::string(kCny), Ledger::frozen(fa), "fee:" + product, r.fee.units()});
      postings.push_back({product, "issuer:" + product, Ledger::position(fa), settled_shares});
      tx.exec("INSERT INTO counter_lots (lot_id, fund_account, product, confirmed_date, shares_units, remaining_units) VALUES (?, ?, ?, ?, ?, ?)",
              {fmt::format("L{:012d}", Ledger::next(tx, "lot")), fa, product, r.confirmed_date, settled_shares, settled_shares});
    } else {
      settled_shares = o->shares.units();
      const auto gross = value_of(settled_shares, r.nav.units(), "fund");
      if (r.fee.units() > gross) return Refusal{400, "COUNTER_FEE_INVALID", "手续费不能超过赎回金额"};
      settled_amount = gross - r.fee.units();
      postings.push_back({product, Ledger::position_frozen(fa), "issuer:" + product, settled_shares});
      if (settled_amount > 0) postings.push_back({std::string(kCny), "ta:" + product, Ledger::cash(fa), settled_amount});
      // The redemption fee is kept from the gross the TA pays out and goes to the product's fee
      // account, as a subscription's does.
      if (r.fee.units() > 0) postings.push_back({std::string(kCny), "ta:" + product, "fee:" + product, r.fee.units()});
      // First in, first out.
      std::int64_t left = settled_shares;
      for (const auto& lot : tx.query("SELECT lot_id, remaining_units FROM counter_lots WHERE fund_account = ? AND product = ? AND remaining_units > 0 "
                                      "ORDER BY confirmed_date, lot_id",
                                      {fa, product})) {
        if (left == 0) break;
        const auto take = std::min(left, lot.int64(1));
        tx.exec("UPDATE counter_lots SET remaining_units = remaining_units - ? WHERE lot_id = ?", {take, lot.string(0)});
        left -= take;
      }
      if (left != 0) throw std::logic_error("lots do not cover the redeemed shares");
    }
    if (tx.exec("UPDATE counter_orders SET state = 'confirmed', nav_units = ?, fee_units = ?, settled_amount_units = ?, settled_shares_units = ?, "
                "confirmed_date = ?, updated_at_ms = ? WHERE order_id = ? AND state = 'pending'",
                {r.nav.units(), r.fee.units(), settled_amount, settled_shares, r.confirmed_date, now_ms, r.order_id}) == 0)
      throw LedgerConflict("order " + r.order_id + " changed state meanwhile");
    if (known.empty()) tx.exec("INSERT INTO counter_navs (code, nav_date, nav_units) VALUES (?, ?, ?)", {product, o->trade_date, r.nav.units()});
    ledger_.post(tx,
                 Entry{r.request_id, "confirm", fa,
                       o->side == "subscribe"
                           ? fmt::format("申购{}确认：净值{} 手续费{}元 份额{}（{}）", product, r.nav.to_string(), r.fee.to_string(),
                                         shares(settled_shares).to_string(), o->order_id)
                           : fmt::format("赎回{}确认：净值{} 手续费{}元 到账{}元（{}）", product, r.nav.to_string(), r.fee.to_string(),
                                         yuan(settled_amount), o->order_id),
                       r.confirmed_date, postings},
                 now_ms);
    return *order(tx, r.order_id);
  });
}

// ---------------------------------------------------------------- simulated trades

Result<Trade> SandboxCounter::simulate_trade(core::storage::Tx& tx, const SimulateTrade& r, std::int64_t now_ms) const {
  return once<Trade>(tx, kRequests, r.request_id, "simulate_trade", r, now_ms, [&]() -> Result<Trade> {
    if (!valid_date(r.trade_date)) return bad_date("成交日期");
    if (!fund_account_exists(tx, r.fund_account)) return no_account(r.fund_account);
    auto stock = instrument(tx, r.code);
    if (!stock || stock->kind != "stock") return Refusal{404, "COUNTER_STOCK_NOT_FOUND", fmt::format("证券 {} 不存在", r.code)};
    if (r.side != "buy" && r.side != "sell") return Refusal{400, "COUNTER_SIDE_INVALID", "买卖方向应为 buy 或 sell"};
    if (r.quantity.units() <= 0 || r.quantity.units() % 100 != 0) return Refusal{400, "COUNTER_QUANTITY_INVALID", "成交数量应为正整数股"};
    const auto price = r.price ? r.price->units() : Money::parse(stock->price).units();
    if (price <= 0) return Refusal{400, "COUNTER_PRICE_INVALID", "成交价格应大于0"};
    const auto amount = value_of(r.quantity.units(), price, "stock");
    const std::string fa = r.fund_account, exchange = "exchange:" + stock->market;
    std::vector<Posting> postings;
    if (r.side == "buy") {
      const auto available = ledger_.balance(tx, Ledger::cash(fa), kCny);
      if (available < amount)
        return Refusal{409, "COUNTER_INSUFFICIENT_CASH", fmt::format("可用资金不足：可用{}元，买入需{}元", yuan(available), yuan(amount))};
      postings = {{std::string(kCny), Ledger::cash(fa), exchange, amount}, {r.code, exchange, Ledger::position(fa), r.quantity.units()}};
    } else {
      const auto held = ledger_.balance(tx, Ledger::position(fa), r.code);
      if (held < r.quantity.units())
        return Refusal{409, "COUNTER_INSUFFICIENT_SHARES", fmt::format("可卖数量不足：持有{}股，卖出{}股", held / 100, r.quantity.units() / 100)};
      postings = {{r.code, Ledger::position(fa), exchange, r.quantity.units()}, {std::string(kCny), exchange, Ledger::cash(fa), amount}};
    }
    const auto seq = ledger_.post(tx,
                                  Entry{r.request_id, "trade", fa,
                                        fmt::format("{}{} {}股 成交价{}元", r.side == "buy" ? "买入" : "卖出", r.code, r.quantity.units() / 100,
                                                    yuan(price)),
                                        r.trade_date, postings},
                                  now_ms);
    const std::string trade_id = fmt::format("T{:012d}", Ledger::next(tx, "trade"));
    tx.exec("INSERT INTO counter_trades (trade_id, seq, fund_account, code, side, quantity_units, price_units, amount_units, trade_date, created_at_ms) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {trade_id, seq, fa, r.code, r.side, r.quantity.units(), price, amount, r.trade_date, now_ms});
    // The first A-share trade starts the customer's trading experience (BUSINESS §2).
    tx.exec("UPDATE counter_customers SET first_trade_date = ? WHERE customer_no = (SELECT customer_no FROM counter_fund_accounts WHERE fund_account = ?) "
            "AND (first_trade_date IS NULL OR first_trade_date > ?)",
            {r.trade_date, fa, r.trade_date});
    return Trade{trade_id, fa, r.code, r.side, r.quantity, money(price), money(amount), r.trade_date};
  });
}

// ---------------------------------------------------------------- administration

Result<CorrectNav> SandboxCounter::correct_nav(core::storage::Tx& tx, const CorrectNav& c, std::int64_t now_ms) const {
  return once<CorrectNav>(tx, kRequests, c.request_id, "correct_nav", c, now_ms, [&]() -> Result<CorrectNav> {
    if (!valid_date(c.date)) return bad_date("净值日期");
    if (c.from.units() <= 0 || c.to.units() <= 0) return Refusal{400, "COUNTER_NAV_INVALID", "净值应大于0"};
    auto existing = instrument(tx, c.code);
    if (!existing || existing->kind != "fund")
      return Refusal{404, "COUNTER_PRODUCT_NOT_FOUND", fmt::format("基金产品 {} 不存在", c.code)};
    // One conditional write (a confirmation of that date holds the row while it runs).
    if (tx.exec("UPDATE counter_navs SET nav_units = ? WHERE code = ? AND nav_date = ? AND nav_units = ?",
                {c.to.units(), c.code, c.date, c.from.units()}) == 0) {
      auto known = tx.query("SELECT nav_units FROM counter_navs WHERE code = ? AND nav_date = ?", {c.code, c.date});
      if (known.empty()) {
        tx.exec("INSERT INTO counter_navs (code, nav_date, nav_units) VALUES (?, ?, ?)", {c.code, c.date, c.to.units()});
      } else if (known.at(0).int64(0) != c.to.units()) {
        return Refusal{409, "COUNTER_NAV_MISMATCH",
                       fmt::format("{} 在 {} 的净值为 {}，不是更正前的 {}", c.code, c.date,
                                   Nav::from_units(known.at(0).int64(0)).to_string(), c.from.to_string())};
      }
    }
    // The instrument's price follows when it is that date's (a later date's price stays).
    tx.exec("UPDATE counter_instruments SET price_units = ? WHERE code = ? AND price_date = ?", {c.to.units(), c.code, c.date});
    return c;
  });
}

Result<Instrument> SandboxCounter::put_instrument(core::storage::Tx& tx, const Instrument& i) const {
  static const std::regex code("[A-Z0-9]{4,12}");
  if (!std::regex_match(i.code, code)) return Refusal{400, "COUNTER_CODE_INVALID", "证券代码应为4至12位大写字母或数字"};
  if (i.kind != "stock" && i.kind != "fund") return Refusal{400, "COUNTER_KIND_INVALID", "品种应为 stock（股票）或 fund（基金）"};
  if (i.kind == "stock" && i.market != "SH" && i.market != "SZ" && i.market != "BJ")
    return Refusal{400, "COUNTER_MARKET_INVALID", "股票市场应为 SH、SZ 或 BJ"};
  if (i.kind == "fund" && i.market != "OF") return Refusal{400, "COUNTER_MARKET_INVALID", "基金的市场应为 OF（场外）"};
  const auto n = utf8_length(i.name);
  if (n < 1 || n > 32 || !no_controls(i.name)) return Refusal{400, "COUNTER_NAME_INVALID", "名称应为1至32个字"};
  if (!valid_date(i.price_date)) return bad_date("价格日期");
  auto price = Decimal::try_parse(i.price, price_scale(i.kind));
  if (!price || price->units() <= 0)
    return Refusal{400, "COUNTER_PRICE_INVALID", i.kind == "fund" ? "净值应为大于0、最多4位小数的数" : "价格应为大于0、最多2位小数的数"};
  auto existing = instrument(tx, i.code);
  if (existing && existing->kind != i.kind) return Refusal{409, "COUNTER_KIND_CHANGED", "已有证券不能改变品种"};
  // A published NAV stays as published: confirmations at that date use it. Checked before any
  // write, so a refusal leaves nothing half-done; the NAV's row held first (a correction of it
  // waits, or has been seen).
  if (i.kind == "fund")
    tx.exec("UPDATE counter_navs SET nav_units = nav_units WHERE code = ? AND nav_date = ?", {i.code, i.price_date});
  auto known = i.kind == "fund" ? tx.query("SELECT nav_units FROM counter_navs WHERE code = ? AND nav_date = ?", {i.code, i.price_date})
                                : core::storage::Rows();
  if (!known.empty() && known.at(0).int64(0) != price->units())
    return Refusal{409, "COUNTER_NAV_MISMATCH", fmt::format("{} 在 {} 已有净值 {}", i.code, i.price_date, Nav::from_units(known.at(0).int64(0)).to_string())};
  if (existing)
    tx.exec("UPDATE counter_instruments SET name = ?, market = ?, price_units = ?, price_date = ? WHERE code = ?",
            {i.name, i.market, price->units(), i.price_date, i.code});
  else
    tx.exec("INSERT INTO counter_instruments (code, name, kind, market, price_units, price_date) VALUES (?, ?, ?, ?, ?, ?)",
            {i.code, i.name, i.kind, i.market, price->units(), i.price_date});
  if (i.kind == "fund" && known.empty())
    tx.exec("INSERT INTO counter_navs (code, nav_date, nav_units) VALUES (?, ?, ?)", {i.code, i.price_date, price->units()});
  return *instrument(tx, i.code);
}

Result<std::int64_t> SandboxCounter::end_of_day(core::storage::Tx& tx, const std::string& date) const {
  if (!valid_date(date)) return bad_date("日终日期");
  std::map<std::string, std::pair<std::int64_t, std::string>> prices;
  for (const auto& r : tx.query("SELECT code, price_units, kind FROM counter_instruments")) prices[r.string(0)] = {r.int64(1), r.string(2)};
  std::map<std::string, Snapshot> by_account;
  for (const auto& r : tx.query("SELECT fund_account FROM counter_fund_accounts"))
    by_account[r.string(0)] = Snapshot{r.string(0), date, money(0), money(0), money(0), money(0)};
  for (const auto& r : tx.query("SELECT account, asset, units FROM counter_balances WHERE units <> 0 AND "
                                "(account LIKE 'cash:%' OR account LIKE 'frozen:%' OR account LIKE 'pos:%' OR account LIKE 'posfrozen:%')")) {
    const std::string account = r.string(0), asset = r.string(1);
    const auto colon = account.find(':');
    auto it = by_account.find(account.substr(colon + 1));
    if (it == by_account.end()) continue;
    const std::string kind = account.substr(0, colon);
    if (kind == "cash") it->second.cash += money(r.int64(2));
    else if (kind == "frozen") it->second.frozen += money(r.int64(2));
    else if (auto p = prices.find(asset); p != prices.end()) it->second.market_value += money(value_of(r.int64(2), p->second.first, p->second.second));
  }
  for (auto& [fa, s] : by_account) {
    s.total = s.cash + s.frozen + s.market_value;
    tx.exec("DELETE FROM counter_snapshots WHERE fund_account = ? AND snapshot_date = ?", {fa, date});
    tx.exec("INSERT INTO counter_snapshots (fund_account, snapshot_date, cash_units, frozen_units, market_value_units, total_units) VALUES (?, ?, ?, ?, ?, ?)",
            {fa, date, s.cash.units(), s.frozen.units(), s.market_value.units(), s.total.units()});
  }
  return static_cast<std::int64_t>(by_account.size());
}

Result<Customer> SandboxCounter::set_first_trade_date(core::storage::Tx& tx, const std::string& customer_no, const std::string& date) const {
  if (!valid_date(date)) return bad_date("首次交易日期");
  if (tx.exec("UPDATE counter_customers SET first_trade_date = ? WHERE customer_no = ?", {date, customer_no}) == 0)
    return Refusal{404, "COUNTER_CUSTOMER_NOT_FOUND", fmt::format("客户号 {} 不存在", customer_no)};
  return *customer(tx, customer_no);
}

// ---------------------------------------------------------------- queries

std::optional<Customer> SandboxCounter::customer(core::storage::Tx& tx, const std::string& customer_no) const {
  auto rows = tx.query(std::string(kCustomerSelect) + "WHERE c.customer_no = ? ORDER BY f.fund_account LIMIT 1", {customer_no});
  if (rows.empty()) return std::nullopt;
  return customer_from(rows.at(0));
}

std::optional<Customer> SandboxCounter::customer_by_id_number(core::storage::Tx& tx, const std::string& id_number) const {
  // As stored: the 18-character form with an upper-case X.
  const auto id = core::finance::check_resident_id(id_number, core::finance::business_time(std::chrono::system_clock::now()).date);
  if (!id.ok) return std::nullopt;
  auto rows = tx.query(std::string(kCustomerSelect) + "WHERE c.id_number_hash = ? ORDER BY f.fund_account LIMIT 1",
                       {keys_.keyed_hash(id.normalized, kIdContext)});
  if (rows.empty()) return std::nullopt;
  return customer_from(rows.at(0));
}

std::optional<Customer> SandboxCounter::customer_of(core::storage::Tx& tx, const std::string& fund_account) const {
  auto rows = tx.query(std::string(kCustomerSelect) + "WHERE f.fund_account = ?", {fund_account});
  if (rows.empty()) return std::nullopt;
  return customer_from(rows.at(0));
}

std::vector<StockAccount> SandboxCounter::stock_accounts(core::storage::Tx& tx, const std::string& customer_no) const {
  std::vector<StockAccount> out;
  for (const auto& r : tx.query("SELECT account_no, customer_no, market, status, opened_date FROM counter_stock_accounts WHERE customer_no = ? "
                                "ORDER BY market, account_no",
                                {customer_no}))
    out.push_back({r.string(0), r.string(1), r.string(2), r.string(3), r.string(4)});
  return out;
}

std::optional<BankBinding> SandboxCounter::bank_binding(core::storage::Tx& tx, const std::string& fund_account) const {
  auto rows = tx.query("SELECT fund_account, bank_code, card_masked FROM counter_bank_bindings WHERE fund_account = ?", {fund_account});
  if (rows.empty()) return std::nullopt;
  return BankBinding{rows.at(0).string(0), rows.at(0).string(1), rows.at(0).string(2)};
}

std::optional<Balance> SandboxCounter::balance(core::storage::Tx& tx, const std::string& fund_account) const {
  if (!fund_account_exists(tx, fund_account)) return std::nullopt;
  return balance_of(ledger_, tx, fund_account);
}

std::vector<Position> SandboxCounter::positions(core::storage::Tx& tx, const std::string& fund_account) const {
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> held;  // code -> (free, frozen)
  for (const auto& r : tx.query("SELECT account, asset, units FROM counter_balances WHERE account IN (?, ?) AND units <> 0",
                                {Ledger::position(fund_account), Ledger::position_frozen(fund_account)})) {
    auto& h = held[r.string(1)];
    (r.string(0).rfind("posfrozen:", 0) == 0 ? h.second : h.first) += r.int64(2);
  }
  std::vector<Position> out;
  for (const auto& [code, h] : held) {
    auto i = instrument(tx, code);
    if (!i) continue;
    const auto quantity = h.first + h.second;
    const auto price_units = Decimal::parse(i->price, price_scale(i->kind)).units();
    out.push_back({code, i->kind, shares(quantity), shares(h.second), i->price, money(value_of(quantity, price_units, i->kind))});
  }
  return out;
}

std::vector<Lot> SandboxCounter::lots(core::storage::Tx& tx, const std::string& fund_account, const std::string& product) const {
  std::vector<Lot> out;
  for (const auto& r : tx.query("SELECT confirmed_date, shares_units, remaining_units FROM counter_lots WHERE fund_account = ? AND product = ? "
                                "AND remaining_units > 0 ORDER BY confirmed_date, lot_id",
                                {fund_account, product}))
    out.push_back({r.string(0), shares(r.int64(1)), shares(r.int64(2))});
  return out;
}

std::optional<Instrument> SandboxCounter::instrument(core::storage::Tx& tx, const std::string& code) const {
  auto rows = tx.query("SELECT code, name, kind, market, price_units, price_date FROM counter_instruments WHERE code = ?", {code});
  if (rows.empty()) return std::nullopt;
  const auto& r = rows.at(0);
  return Instrument{r.string(0), r.string(1), r.string(2), r.string(3), Decimal::from_units(r.int64(4), price_scale(r.string(2))).to_string(),
                    r.string(5)};
}

std::vector<Instrument> SandboxCounter::instruments(core::storage::Tx& tx) const {
  std::vector<Instrument> out;
  for (const auto& r : tx.query("SELECT code, name, kind, market, price_units, price_date FROM counter_instruments ORDER BY kind, code"))
    out.push_back({r.string(0), r.string(1), r.string(2), r.string(3), Decimal::from_units(r.int64(4), price_scale(r.string(2))).to_string(),
                   r.string(5)});
  return out;
}

std::optional<Order> SandboxCounter::order(core::storage::Tx& tx, const std::string& order_id) const {
  auto rows = tx.query(fmt::format("SELECT {} FROM counter_orders WHERE order_id = ?", kOrderColumns), {order_id});
  if (rows.empty()) return std::nullopt;
  return order_from(rows.at(0));
}

Page SandboxCounter::orders(core::storage::Tx& tx, const std::string& fund_account, const std::string& cursor, std::int64_t limit) const {
  auto rows = tx.query(fmt::format("SELECT {} FROM counter_orders WHERE fund_account = ? AND order_id < ? ORDER BY order_id DESC LIMIT ?", kOrderColumns),
                       {fund_account, cursor.empty() ? std::string("~") : cursor, limit + 1});
  Page p;
  for (std::size_t i = 0; i < rows.size() && static_cast<std::int64_t>(i) < limit; ++i) p.items.push_back(order_from(rows.at(i)));
  if (static_cast<std::int64_t>(rows.size()) > limit) p.next_cursor = p.items.back().order_id;
  return p;
}

std::vector<Order> SandboxCounter::pending_orders(core::storage::Tx& tx, const std::string& trade_date_up_to) const {
  std::vector<Order> out;
  for (const auto& r : tx.query(fmt::format("SELECT {} FROM counter_orders WHERE state = 'pending' AND trade_date <= ? ORDER BY order_id", kOrderColumns),
                                {trade_date_up_to}))
    out.push_back(order_from(r));
  return out;
}

std::vector<Trade> SandboxCounter::trades(core::storage::Tx& tx, const std::string& fund_account, const std::string& from, const std::string& to) const {
  std::vector<Trade> out;
  for (const auto& r : tx.query("SELECT trade_id, fund_account, code, side, quantity_units, price_units, amount_units, trade_date FROM counter_trades "
                                "WHERE fund_account = ? AND trade_date >= ? AND trade_date <= ? ORDER BY trade_date, trade_id",
                                {fund_account, from, to}))
    out.push_back({r.string(0), r.string(1), r.string(2), r.string(3), shares(r.int64(4)), money(r.int64(5)), money(r.int64(6)), r.string(7)});
  return out;
}

std::vector<Snapshot> SandboxCounter::snapshots(core::storage::Tx& tx, const std::string& fund_account, const std::vector<std::string>& dates) const {
  std::vector<Snapshot> out;
  for (const auto& d : dates) {
    auto rows = tx.query("SELECT cash_units, frozen_units, market_value_units, total_units FROM counter_snapshots WHERE fund_account = ? AND snapshot_date = ?",
                         {fund_account, d});
    if (rows.empty()) continue;
    const auto& r = rows.at(0);
    out.push_back({fund_account, d, money(r.int64(0)), money(r.int64(1)), money(r.int64(2)), money(r.int64(3))});
  }
  return out;
}

}  // namespace zt::platform::counter
