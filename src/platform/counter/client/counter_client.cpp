#include "platform/counter/client/counter_client.hpp"

#include "core/json/json.hpp"

namespace zt::platform::counter {

namespace {

const std::string kBase = "/api/counter/v1", kNoBody;

struct PositionItems {
  std::vector<Position> items;
};
BOOST_DESCRIBE_STRUCT(PositionItems, (), (items))
struct LotItems {
  std::vector<Lot> items;
};
BOOST_DESCRIBE_STRUCT(LotItems, (), (items))
struct OrderItems {
  std::vector<Order> items;
};
BOOST_DESCRIBE_STRUCT(OrderItems, (), (items))

}  // namespace

using core::http::Method;
using core::http::RequestContext;

boost::asio::awaitable<Outcome<Order>> CounterClient::place_order(const PlaceOrder& r, const RequestContext* ctx) const {
  const std::string target = kBase + "/orders", body = core::json::serialize(r);
  auto reply = co_await send(Method::kPost, target, body, ctx);
  co_return outcome<Order>(reply);
}

boost::asio::awaitable<Outcome<Order>> CounterClient::cancel_order(const CancelOrder& r, const RequestContext* ctx) const {
  const std::string target = kBase + "/orders/" + segment(r.order_id) + "/cancel", body = core::json::serialize(r);
  auto reply = co_await send(Method::kPost, target, body, ctx);
  co_return outcome<Order>(reply);
}

boost::asio::awaitable<Outcome<RequestFate>> CounterClient::void_request(const std::string& request_id,
                                                                         const RequestContext* ctx) const {
  const std::string target = kBase + "/requests/" + segment(request_id) + "/void";
  auto reply = co_await send(Method::kPost, target, kNoBody, ctx);
  co_return outcome<RequestFate>(reply);
}

std::string CounterClient::confirm_request(const ConfirmOrder& r) { return core::json::serialize(r); }

boost::asio::awaitable<Outcome<Order>> CounterClient::confirm_order(const std::string& order_id,
                                                                    const std::string& recorded,
                                                                    const RequestContext* ctx) const {
  const std::string target = kBase + "/orders/" + segment(order_id) + "/confirm";
  auto reply = co_await send(Method::kPost, target, recorded, ctx);
  co_return outcome<Order>(reply);
}

boost::asio::awaitable<Outcome<Instrument>> CounterClient::register_fund(const Instrument& i,
                                                                         const RequestContext* ctx) const {
  const std::string target = kBase + "/products/" + segment(i.code), body = core::json::serialize(i);
  auto reply = co_await send(Method::kPut, target, body, ctx);
  co_return outcome<Instrument>(reply);
}

std::string CounterClient::correction_request(const CorrectNav& c) { return core::json::serialize(c); }

boost::asio::awaitable<Outcome<CorrectNav>> CounterClient::correct_nav(const std::string& code, const std::string& date,
                                                                      const std::string& recorded,
                                                                      const RequestContext* ctx) const {
  const std::string target = kBase + "/products/" + segment(code) + "/navs/" + segment(date) + "/correction";
  auto reply = co_await send(Method::kPost, target, recorded, ctx);
  co_return outcome<CorrectNav>(reply);
}

boost::asio::awaitable<Outcome<Demo>> CounterClient::open_demo_customer(const DemoRequest& r,
                                                                        const RequestContext* ctx) const {
  const std::string target = kBase + "/sandbox/demo-customers", body = core::json::serialize(r);
  auto reply = co_await send(Method::kPost, target, body, ctx);
  co_return outcome<Demo>(reply);
}

boost::asio::awaitable<Outcome<Order>> CounterClient::order(const std::string& order_id, const RequestContext* ctx) const {
  const std::string target = kBase + "/orders/" + segment(order_id);
  auto reply = co_await send(Method::kGet, target, kNoBody, ctx);
  co_return outcome<Order>(reply);
}

boost::asio::awaitable<Outcome<std::vector<Position>>> CounterClient::positions(const std::string& fund_account,
                                                                                const RequestContext* ctx) const {
  const std::string target = kBase + "/accounts/" + segment(fund_account) + "/positions";
  auto reply = co_await send(Method::kGet, target, kNoBody, ctx);
  co_return outcome<std::vector<Position>>(reply, [](const std::string& b) { return core::json::parse<PositionItems>(b).items; });
}

boost::asio::awaitable<Outcome<std::vector<Lot>>> CounterClient::lots(const std::string& fund_account,
                                                                      const std::string& product,
                                                                      const RequestContext* ctx) const {
  const std::string target = kBase + "/accounts/" + segment(fund_account) + "/lots?product=" + segment(product);
  auto reply = co_await send(Method::kGet, target, kNoBody, ctx);
  co_return outcome<std::vector<Lot>>(reply, [](const std::string& b) { return core::json::parse<LotItems>(b).items; });
}

boost::asio::awaitable<Outcome<Balance>> CounterClient::balance(const std::string& fund_account,
                                                                const RequestContext* ctx) const {
  const std::string target = kBase + "/accounts/" + segment(fund_account) + "/balance";
  auto reply = co_await send(Method::kGet, target, kNoBody, ctx);
  co_return outcome<Balance>(reply);
}

boost::asio::awaitable<Outcome<std::vector<Order>>> CounterClient::pending_orders(const RequestContext* ctx) const {
  const std::string target = kBase + "/orders?state=pending";
  auto reply = co_await send(Method::kGet, target, kNoBody, ctx);
  co_return outcome<std::vector<Order>>(reply, [](const std::string& b) { return core::json::parse<OrderItems>(b).items; });
}

}  // namespace zt::platform::counter
