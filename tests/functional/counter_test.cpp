// The counter service on the real binary. Split (the counter alone): the platform's services open
// customers and accounts, bind banks, move cash, place, cancel and confirm fund orders — every
// mutation idempotent by request id, every refusal in Chinese with nothing moved; outside callers
// are refused. Through the gateway (one process): staff with sandbox.manage seed a demo customer,
// move prices, simulate trades and run end of day; the 20-day average follows the calendar.
#include <gtest/gtest.h>

#include "harness/http.hpp"
#include "harness/zhongtai.hpp"

namespace zt::test {
namespace {

const std::string kSecret = "counter-suite-secret-0123456789ab";

class CounterSplit : public ::testing::Test {
 protected:
  HttpResponse call(const std::string& method, const std::string& path, const std::string& body = "") {
    return http_request(z.port, method, path, body, service_headers("mall", method, path, kSecret, body));
  }
  // Staff with sandbox.manage, as a gateway forwards them.
  HttpResponse sandbox_put(const std::string& path, const std::string& body) {
    const core::http::Caller ops{core::http::CallerKind::kStaff, "S-ops", {"operations"}, "ses-ops", {"sandbox.manage"}};
    return http_request(z.port, "PUT", path, body, edge_headers(ops, "PUT", path, kSecret, body));
  }
  Zhongtai z{Env{{"ZT_NODE__INTERNAL_SECRET", kSecret}}, "counter"};
};

std::string field(const std::string& body, const std::string& name) { return json_field(body, name); }

TEST_F(CounterSplit, ServicesOpenAccountsMoveCashAndSettleFundOrdersOnce) {
  // Outside callers: nobody, and a forged identity.
  const std::string open = R"({"request_id": "open-1", "name": "张三", "id_number": "11010519491231002X", "mobile": "13800138000", "branch": "北京营业部"})";
  auto anonymous = http_request(z.port, "POST", "/api/counter/v1/customers", open);
  EXPECT_EQ(anonymous.status, 401) << "a process without a gateway serves only signed calls";
  EXPECT_EQ(field(anonymous.body, "code"), "INTERNAL_IDENTITY_REQUIRED");
  auto forwarded = http_request(z.port, "POST", "/api/counter/v1/customers", open,
                                edge_headers({}, "POST", "/api/counter/v1/customers", kSecret, open));
  EXPECT_EQ(forwarded.status, 403) << "what a gateway forwards for an outside client is never a service call";
  EXPECT_EQ(field(forwarded.body, "code"), "COUNTER_SERVICE_ONLY");
  auto forged = http_request(z.port, "POST", "/api/counter/v1/customers", open, {{"x-zt-identity", "v1.forged.00"}});
  EXPECT_EQ(forged.status, 401);
  EXPECT_EQ(field(forged.body, "code"), "INTERNAL_IDENTITY_INVALID");

  auto c = call("POST", "/api/counter/v1/customers", open);
  ASSERT_EQ(c.status, 200) << c.body;
  const std::string customer = field(c.body, "customer_no"), fa = field(c.body, "fund_account");
  EXPECT_EQ(field(c.body, "id_number"), "110105********002X");
  EXPECT_EQ(field(c.body, "mobile"), "138****8000");
  EXPECT_EQ(call("POST", "/api/counter/v1/customers", open).body, c.body) << "a replay answers the first answer";
  // Account opening finds a customer by ID number (in the body: a URL is kept by proxies and logs).
  const std::string lookup = "/api/counter/v1/customers/lookup";
  auto as_opening = [&](const std::string& body) {
    return http_request(z.port, "POST", lookup, body, service_headers("opening", "POST", lookup, kSecret, body));
  };
  auto found = as_opening(R"({"id_number": "11010519491231002x"})");
  ASSERT_EQ(found.status, 200) << found.body;
  EXPECT_EQ(field(found.body, "customer_no"), customer) << "the check letter in either case";
  EXPECT_EQ(found.body.find("11010519491231002X"), std::string::npos) << "the number comes back masked: " << found.body;
  EXPECT_EQ(as_opening(R"({"id_number": "110105198001010016"})").status, 404) << "nobody with that number";
  EXPECT_TRUE(refused(call("POST", lookup, R"({"id_number": "11010519491231002X"})"), 403, "CALLER_NOT_ALLOWED")) << "opening's lookup, not the mall's";
  auto again = call("POST", "/api/counter/v1/customers", R"({"request_id": "open-2", "name": "张三", "id_number": "11010519491231002x", "mobile": "13800138000", "branch": "北京营业部"})");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(field(again.body, "code"), "COUNTER_CUSTOMER_EXISTS");
  auto bad_id = call("POST", "/api/counter/v1/customers", R"({"request_id": "open-3", "name": "李四", "id_number": "110105194912310021", "mobile": "13800138001", "branch": "北京营业部"})");
  EXPECT_EQ(bad_id.status, 400);
  EXPECT_EQ(field(bad_id.body, "code"), "COUNTER_ID_INVALID");

  auto sh = call("POST", "/api/counter/v1/stock-accounts", R"({"request_id": "sh-1", "customer_no": ")" + customer + R"(", "market": "SH", "account_no": "A123456789", "opened_date": "2020-03-02"})");
  ASSERT_EQ(sh.status, 200) << sh.body;
  EXPECT_EQ(field(call("POST", "/api/counter/v1/stock-accounts", R"({"request_id": "sh-2", "customer_no": ")" + customer + R"(", "market": "SH", "account_no": "A123456789", "opened_date": "2020-03-02"})").body, "code"),
            "COUNTER_STOCK_ACCOUNT_EXISTS");
  EXPECT_NE(call("GET", "/api/counter/v1/customers/" + customer + "/stock-accounts").body.find("A123456789"), std::string::npos);

  // Cash needs a bank card; then in and out, never below zero.
  const std::string deposit = R"({"request_id": "in-1", "fund_account": ")" + fa + R"(", "direction": "in", "amount": "10000.00", "business_date": "2026-03-02"})";
  EXPECT_EQ(field(call("POST", "/api/counter/v1/transfers", deposit).body, "code"), "COUNTER_BANK_NOT_BOUND");
  ASSERT_EQ(call("POST", "/api/counter/v1/bank-bindings", R"({"request_id": "bank-1", "fund_account": ")" + fa + R"(", "bank_code": "ICBC", "card_no": "6222020200001234567"})").status, 200);
  EXPECT_EQ(field(call("GET", "/api/counter/v1/accounts/" + fa + "/bank-binding").body, "card_no"), "6222 **** **** 4567");
  // The refused deposit was kept as refused: the same id answers the same, a new id goes through.
  EXPECT_EQ(field(call("POST", "/api/counter/v1/transfers", deposit).body, "code"), "COUNTER_BANK_NOT_BOUND");
  auto in = call("POST", "/api/counter/v1/transfers", R"({"request_id": "in-2", "fund_account": ")" + fa + R"(", "direction": "in", "amount": "10000.00", "business_date": "2026-03-02"})");
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_EQ(field(in.body, "cash"), "10000.00");
  auto too_much = call("POST", "/api/counter/v1/transfers", R"({"request_id": "out-1", "fund_account": ")" + fa + R"(", "direction": "out", "amount": "10000.01", "business_date": "2026-03-02"})");
  EXPECT_EQ(too_much.status, 409);
  EXPECT_EQ(field(too_much.body, "message"), "可用资金不足：可用10000.00元，转出10000.01元");
  EXPECT_TRUE(refused(call("POST", "/api/counter/v1/transfers", R"({"request_id": "out-2", "fund_account": ")" + fa + R"(", "direction": "out", "amount": "12.3"})"), 400, "INVALID_FIELD", "字段 business_date 缺失"))
      << "checked against the OpenAPI document: no business date";

  // A fund order: the product must exist (staff add it in the sandbox; here a service cannot).
  const std::string sub = R"({"request_id": "sub-1", "fund_account": ")" + fa + R"(", "product": "F00001", "side": "subscribe", "amount": "4000.00", "trade_date": "2026-03-02"})";
  EXPECT_EQ(field(call("POST", "/api/counter/v1/orders", sub).body, "code"), "COUNTER_PRODUCT_NOT_FOUND");
  auto fund = sandbox_put("/api/counter/v1/sandbox/instruments/F00002", R"({"code": "F00002", "name": "沙箱稳健基金", "kind": "fund", "market": "OF", "price": "1.2500", "price_date": "2026-03-02"})");
  ASSERT_EQ(fund.status, 200) << fund.body;
  auto order = call("POST", "/api/counter/v1/orders", R"({"request_id": "sub-2", "fund_account": ")" + fa + R"(", "product": "F00002", "side": "subscribe", "amount": "4000.00", "trade_date": "2026-03-02"})");
  ASSERT_EQ(order.status, 200) << order.body;
  const std::string order_id = field(order.body, "order_id");
  EXPECT_EQ(field(order.body, "state"), "pending");
  auto bal = call("GET", "/api/counter/v1/accounts/" + fa + "/balance");
  EXPECT_EQ(field(bal.body, "cash"), "6000.00");
  EXPECT_EQ(field(bal.body, "frozen"), "4000.00");
  // Insufficient cash: refused, nothing frozen.
  auto broke = call("POST", "/api/counter/v1/orders", R"({"request_id": "sub-3", "fund_account": ")" + fa + R"(", "product": "F00002", "side": "subscribe", "amount": "6000.01", "trade_date": "2026-03-02"})");
  EXPECT_EQ(broke.status, 409);
  EXPECT_EQ(field(broke.body, "code"), "COUNTER_INSUFFICIENT_CASH");
  EXPECT_EQ(field(call("GET", "/api/counter/v1/accounts/" + fa + "/balance").body, "frozen"), "4000.00");
  // The same request id with another amount: refused.
  auto reused = call("POST", "/api/counter/v1/orders", R"({"request_id": "sub-2", "fund_account": ")" + fa + R"(", "product": "F00002", "side": "subscribe", "amount": "1.00", "trade_date": "2026-03-02"})");
  EXPECT_EQ(reused.status, 422);
  EXPECT_EQ(field(reused.body, "code"), "COUNTER_REQUEST_REUSED");

  // T+1 confirmation at the NAV published for T: 4000.00 with a 48.00 fee -> 3952.00 / 1.2500 = 3161.60 shares.
  const std::string confirm_path = "/api/counter/v1/orders/" + order_id + "/confirm";
  auto wrong_nav = call("POST", confirm_path, R"({"request_id": "conf-0", "order_id": ")" + order_id + R"(", "nav": "1.2600", "fee": "48.00", "confirmed_date": "2026-03-03"})");
  EXPECT_EQ(wrong_nav.status, 409);
  EXPECT_EQ(field(wrong_nav.body, "code"), "COUNTER_NAV_MISMATCH");
  auto confirmed = call("POST", confirm_path, R"({"request_id": "conf-1", "order_id": ")" + order_id + R"(", "nav": "1.2500", "fee": "48.00", "confirmed_date": "2026-03-03"})");
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  EXPECT_EQ(field(confirmed.body, "state"), "confirmed");
  EXPECT_EQ(field(confirmed.body, "settled_amount"), "3952.00");
  EXPECT_EQ(field(confirmed.body, "settled_shares"), "3161.60");
  EXPECT_EQ(call("POST", confirm_path, R"({"request_id": "conf-1", "order_id": ")" + order_id + R"(", "nav": "1.2500", "fee": "48.00", "confirmed_date": "2026-03-03"})").body,
            confirmed.body) << "a second confirmation run with the same id settles nothing more";
  auto twice = call("POST", confirm_path, R"({"request_id": "conf-2", "order_id": ")" + order_id + R"(", "nav": "1.2500", "fee": "48.00", "confirmed_date": "2026-03-03"})");
  EXPECT_EQ(twice.status, 409);
  EXPECT_EQ(field(twice.body, "code"), "COUNTER_ORDER_NOT_PENDING");
  bal = call("GET", "/api/counter/v1/accounts/" + fa + "/balance");
  EXPECT_EQ(field(bal.body, "cash"), "6000.00");
  EXPECT_EQ(field(bal.body, "frozen"), "0.00");
  auto pos = call("GET", "/api/counter/v1/accounts/" + fa + "/positions");
  EXPECT_EQ(field(pos.body, "quantity"), "3161.60") << pos.body;
  EXPECT_EQ(field(pos.body, "market_value"), "3952.00");
  EXPECT_NE(call("GET", "/api/counter/v1/accounts/" + fa + "/lots?product=F00002").body.find(R"("confirmed_date":"2026-03-03")"), std::string::npos);

  // Redeem some, cancel it (the shares come back), redeem again and confirm: 1000.00 × 1.3000 − 6.50.
  ASSERT_EQ(sandbox_put("/api/counter/v1/sandbox/instruments/F00002", R"({"code": "F00002", "name": "沙箱稳健基金", "kind": "fund", "market": "OF", "price": "1.3000", "price_date": "2026-03-04"})").status, 200);
  auto r1 = call("POST", "/api/counter/v1/orders", R"({"request_id": "red-1", "fund_account": ")" + fa + R"(", "product": "F00002", "side": "redeem", "shares": "1000.00", "trade_date": "2026-03-04"})");
  ASSERT_EQ(r1.status, 200) << r1.body;
  const std::string r1_id = field(r1.body, "order_id");
  EXPECT_EQ(field(call("GET", "/api/counter/v1/accounts/" + fa + "/positions").body, "frozen"), "1000.00");
  auto cancelled = call("POST", "/api/counter/v1/orders/" + r1_id + "/cancel", R"({"request_id": "can-1", "order_id": ")" + r1_id + R"("})");
  ASSERT_EQ(cancelled.status, 200) << cancelled.body;
  EXPECT_EQ(field(cancelled.body, "state"), "cancelled");
  EXPECT_EQ(field(call("POST", "/api/counter/v1/orders/" + r1_id + "/cancel", R"({"request_id": "can-2", "order_id": ")" + r1_id + R"("})").body, "code"),
            "COUNTER_ORDER_NOT_PENDING");
  EXPECT_EQ(field(call("GET", "/api/counter/v1/accounts/" + fa + "/positions").body, "frozen"), "0.00");
  auto too_many = call("POST", "/api/counter/v1/orders", R"({"request_id": "red-2", "fund_account": ")" + fa + R"(", "product": "F00002", "side": "redeem", "shares": "3161.61", "trade_date": "2026-03-04"})");
  EXPECT_EQ(field(too_many.body, "code"), "COUNTER_INSUFFICIENT_SHARES");
  auto r3 = call("POST", "/api/counter/v1/orders", R"({"request_id": "red-3", "fund_account": ")" + fa + R"(", "product": "F00002", "side": "redeem", "shares": "1000.00", "trade_date": "2026-03-04"})");
  const std::string r3_id = field(r3.body, "order_id");
  auto paid = call("POST", "/api/counter/v1/orders/" + r3_id + "/confirm", R"({"request_id": "conf-3", "order_id": ")" + r3_id + R"(", "nav": "1.3000", "fee": "6.50", "confirmed_date": "2026-03-05"})");
  ASSERT_EQ(paid.status, 200) << paid.body;
  EXPECT_EQ(field(paid.body, "settled_amount"), "1293.50");
  EXPECT_EQ(field(call("GET", "/api/counter/v1/accounts/" + fa + "/balance").body, "cash"), "7293.50");
  EXPECT_NE(call("GET", "/api/counter/v1/accounts/" + fa + "/lots?product=F00002").body.find(R"("remaining":"2161.60")"), std::string::npos);

  // The account's orders, newest first, paged by cursor.
  auto page1 = call("GET", "/api/counter/v1/accounts/" + fa + "/orders?limit=2");
  EXPECT_EQ(field(page1.body, "order_id"), r3_id);
  const std::string cursor = field(page1.body, "next_cursor");
  ASSERT_NE(cursor, "<none>");
  auto page2 = call("GET", "/api/counter/v1/accounts/" + fa + "/orders?limit=2&cursor=" + cursor);
  EXPECT_NE(page2.body.find(order_id), std::string::npos) << page2.body;
  EXPECT_EQ(json_field_if(page2.body, "next_cursor"), std::nullopt) << "the last page: " << page2.body;
}

TEST(Counter, StaffSeedTheSandboxThroughTheGatewayAndTheAverageFollowsTheCalendar) {
  Zhongtai z;
  auto as = [&](const std::vector<std::string>& perms, const std::string& method, const std::string& path, const std::string& body = "") {
    return http_request(z.port, method, path, body, {{"authorization", "Bearer " + staff_token(perms)}});
  };
  const std::vector<std::string> admin{"sandbox.manage", "customers.read"};
  const std::string demo = R"({"request_id": "demo-1", "name": "王五", "id_number": "110105198001010016", "mobile": "13900139000", "cash": "200000.00"})";
  EXPECT_TRUE(refused(http_request(z.port, "POST", "/api/counter/v1/sandbox/demo-customers", demo), 401, "GATEWAY_UNAUTHENTICATED"));
  EXPECT_EQ(as({"customers.read"}, "POST", "/api/counter/v1/sandbox/demo-customers", demo).status, 403);
  auto transfer = as(admin, "POST", "/api/counter/v1/transfers", "{}");
  EXPECT_EQ(transfer.status, 403) << "the counter's mutations are for services only, staff or not";
  EXPECT_EQ(field(transfer.body, "code"), "COUNTER_SERVICE_ONLY");
  auto made = as(admin, "POST", "/api/counter/v1/sandbox/demo-customers", demo);
  ASSERT_EQ(made.status, 200) << made.body;
  const std::string fa = field(made.body, "fund_account"), customer = field(made.body, "customer_no");
  EXPECT_EQ(field(made.body, "cash"), "200000.00");
  EXPECT_NE(made.body.find(R"("market":"SZ")"), std::string::npos);
  EXPECT_EQ(as(admin, "POST", "/api/counter/v1/sandbox/demo-customers", demo).body, made.body) << "a retry makes no second customer";

  // A stock at 100.00; buying 500 shares sets the first trade date; the price moves; end of day.
  ASSERT_EQ(as(admin, "PUT", "/api/counter/v1/sandbox/instruments/600519", R"({"code": "600519", "name": "沙箱茅台", "kind": "stock", "market": "SH", "price": "100.00", "price_date": "2026-03-02"})").status, 200);
  auto buy = as(admin, "POST", "/api/counter/v1/sandbox/trades", R"({"request_id": "buy-1", "fund_account": ")" + fa + R"(", "code": "600519", "side": "buy", "quantity": "500", "trade_date": "2026-03-02"})");
  ASSERT_EQ(buy.status, 200) << buy.body;
  EXPECT_EQ(field(buy.body, "amount"), "50000.00");
  EXPECT_EQ(field(as(admin, "GET", "/api/counter/v1/customers/" + customer).body, "first_trade_date"), "2026-03-02");
  auto oversell = as(admin, "POST", "/api/counter/v1/sandbox/trades", R"({"request_id": "sell-1", "fund_account": ")" + fa + R"(", "code": "600519", "side": "sell", "quantity": "600", "trade_date": "2026-03-02"})");
  EXPECT_EQ(oversell.status, 409);
  EXPECT_EQ(field(oversell.body, "message"), "可卖数量不足：持有500股，卖出600股");
  // End of day on each trading day of March 2–6 (cash 150,000 + 500 × price); the price rises to 120 on the 5th.
  for (const char* d : {"2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06"}) {
    if (std::string(d) == "2026-03-05") {
      ASSERT_EQ(as(admin, "PUT", "/api/counter/v1/sandbox/instruments/600519", R"({"code": "600519", "name": "沙箱茅台", "kind": "stock", "market": "SH", "price": "120.00", "price_date": "2026-03-05"})").status, 200);
    }
    auto eod = as(admin, "POST", "/api/counter/v1/sandbox/end-of-day", std::string(R"({"date": ")") + d + R"("})");
    ASSERT_EQ(eod.status, 200) << eod.body;
  }
  // The 5 trading days before Monday 2026-03-09: (200,000 × 3 + 210,000 × 2) / 5 = 204,000.00.
  auto avg = as(admin, "GET", "/api/counter/v1/accounts/" + fa + "/average-assets?before=2026-03-09&days=5");
  ASSERT_EQ(avg.status, 200) << avg.body;
  EXPECT_EQ(field(avg.body, "average"), "204000.00");
  EXPECT_NE(avg.body.find(R"("missing_days":[])"), std::string::npos);
  // Over 7 trading days, the two before March 2 have no record and count as zero — and say so.
  auto longer = as(admin, "GET", "/api/counter/v1/accounts/" + fa + "/average-assets?before=2026-03-09&days=7");
  EXPECT_EQ(field(longer.body, "average"), "145714.29") << longer.body;
  EXPECT_NE(longer.body.find(R"("missing_days":["2026-02-26","2026-02-27"])"), std::string::npos) << longer.body;
  EXPECT_EQ(as({"customers.read"}, "GET", "/api/counter/v1/accounts/" + fa + "/balance").status, 200) << "staff with customers.read may look";
  EXPECT_EQ(as({"audit.read"}, "GET", "/api/counter/v1/accounts/" + fa + "/balance").status, 403);

  // Staff seed cash as a bank transfer would, once per request id; the account at a glance shows it.
  const std::string seed = R"({"request_id": "seed-1", "fund_account": ")" + fa + R"(", "direction": "in", "amount": "10000.00", "business_date": "2026-03-09"})";
  EXPECT_TRUE(refused(as({"customers.read"}, "POST", "/api/counter/v1/sandbox/transfers", seed), 403, "GATEWAY_FORBIDDEN"));
  auto seeded = as(admin, "POST", "/api/counter/v1/sandbox/transfers", seed);
  ASSERT_EQ(seeded.status, 200) << seeded.body;
  EXPECT_EQ(as(admin, "POST", "/api/counter/v1/sandbox/transfers", seed).body, seeded.body) << "the same request id moves cash once";
  EXPECT_EQ(field(as(admin, "GET", "/api/counter/v1/accounts/" + fa + "/balance").body, "cash"), "160000.00");
  const std::string drain = R"({"request_id": "seed-2", "fund_account": ")" + fa + R"(", "direction": "out", "amount": "999999.00", "business_date": "2026-03-09"})";
  auto overdrawn = as(admin, "POST", "/api/counter/v1/sandbox/transfers", drain);
  EXPECT_EQ(overdrawn.status, 409) << overdrawn.body;
  EXPECT_EQ(field(overdrawn.body, "code"), "COUNTER_INSUFFICIENT_CASH");
  auto glance = as(admin, "GET", "/api/counter/v1/sandbox/accounts/" + fa);
  ASSERT_EQ(glance.status, 200) << glance.body;
  EXPECT_EQ(field(glance.body, "customer_no"), customer);
  EXPECT_EQ(field(glance.body, "cash"), "160000.00") << "the refused transfer took nothing";
  EXPECT_NE(glance.body.find(R"("code":"600519")"), std::string::npos) << "the holding: " << glance.body;
  EXPECT_TRUE(refused(as({"customers.read"}, "GET", "/api/counter/v1/sandbox/accounts/" + fa), 403, "GATEWAY_FORBIDDEN"));
  // A trading history from before: the first trade date staff set is the one 中登 fallbacks read.
  auto history = as(admin, "PUT", "/api/counter/v1/sandbox/customers/" + customer + "/first-trade-date", R"({"date": "2019-05-06"})");
  ASSERT_EQ(history.status, 200) << history.body;
  EXPECT_EQ(field(as(admin, "GET", "/api/counter/v1/customers/" + customer).body, "first_trade_date"), "2019-05-06");
}

}  // namespace
}  // namespace zt::test
