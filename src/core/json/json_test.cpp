#include "core/json/json.hpp"

#include <gtest/gtest.h>

namespace zt::core::json {
namespace {

struct Item {
  std::string code;
  finance::Money amount;
  std::optional<int> quantity;
};
BOOST_DESCRIBE_STRUCT(Item, (), (code, amount, quantity))

struct Order {
  std::string customer;
  std::vector<Item> items;
  bool urgent = false;
};
BOOST_DESCRIBE_STRUCT(Order, (), (customer, items, urgent))

std::string error_of(std::string_view body) {
  try {
    parse<Order>(body);
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status(), 400);
    return e.code() + ": " + e.message();
  }
  return "no error";
}

TEST(Json, RoundTripsDescribedStructs) {
  Order o = parse<Order>(R"({"customer":"c1","items":[{"code":"F1","amount":"1000.50"}],"urgent":true})");
  EXPECT_EQ(o.items.at(0).amount.to_string(), "1000.50");
  EXPECT_FALSE(o.items.at(0).quantity);
  EXPECT_EQ(serialize(o), R"({"customer":"c1","items":[{"code":"F1","amount":"1000.50","quantity":null}],"urgent":true})");
}

TEST(Json, WrongMissingAndUnknownFieldsNameTheirPath) {
  EXPECT_EQ(error_of("{"), "INVALID_JSON: 请求体不是合法的 JSON");
  EXPECT_EQ(error_of("[]"), "INVALID_FIELD: 字段 (根) 应为对象");
  EXPECT_EQ(error_of(R"({"items":[],"urgent":true})"), "INVALID_FIELD: 字段 customer 缺失");
  EXPECT_EQ(error_of(R"({"customer":"c","items":[{"code":"a","amount":"1"},{"code":"b","amount":1.5}],"urgent":true})"),
            "INVALID_FIELD: 字段 items[1].amount 应为十进制字符串（如 \"1000.00\"）");
  EXPECT_EQ(error_of(R"({"customer":"c","items":[{"code":"a","amount":"1.005"}],"urgent":true})"),
            "INVALID_FIELD: 字段 items[0].amount 应为最多2位小数的十进制字符串");
  EXPECT_EQ(error_of(R"({"customer":"c","items":[{"code":"a","amount":"1","quantity":99999999999}],"urgent":true})"),
            "INVALID_FIELD: 字段 items[0].quantity 超出取值范围");
  EXPECT_EQ(error_of(R"({"customer":"c","items":[],"urgent":"yes"})"), "INVALID_FIELD: 字段 urgent 应为布尔值");
  EXPECT_EQ(error_of(R"({"customer":"c","items":[],"urgent":true,"admin":true})"),
            "INVALID_FIELD: 字段 admin 不是可识别的字段");
}

TEST(Json, DeepNestingIsRefusedNotACrash) {
  std::string deep(10000, '[');
  EXPECT_THROW(parse_value(deep), ApiError);
}

}  // namespace
}  // namespace zt::core::json
