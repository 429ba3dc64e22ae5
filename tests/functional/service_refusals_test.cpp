// Refusals the platform services make themselves, where through the gateway its own checks (the
// services' OpenAPI documents, the declared access) answer first: straight at split processes,
// signed as the deployment's gateway forwards a caller. Each refusal by its code and message, and
// what it leaves behind (nothing).
#include <gtest/gtest.h>

#include "harness/http.hpp"
#include "harness/zhongtai.hpp"

namespace zt::test {
namespace {

using namespace std::chrono_literals;

const std::string kSecret = "service-refusals-suite-0123456789";

class ServiceRefusals : public ::testing::Test {
 protected:
  HttpResponse as(const core::http::Caller& caller, const std::string& method, const std::string& target,
                  const std::string& body = "") {
    return forwarded(z.port, method, target, kSecret, body, caller);
  }
  HttpResponse as_service(const std::string& method, const std::string& target, const std::string& body = "") {
    return http_request(z.port, method, target, body, service_headers("mall", method, target, kSecret, body));
  }
  Zhongtai reg{Env{{"ZT_NODE__INTERNAL_SECRET", kSecret}}, "registry"};
  Zhongtai z{Env{{"ZT_NODE__INTERNAL_SECRET", kSecret}, {"ZT_DISCOVERY__REGISTRY", "127.0.0.1:" + std::to_string(reg.port)}},
             "system,notify,calendar,counter,auth,suitability,mall"};
};

TEST_F(ServiceRefusals, PagingParametersAreCheckedByTheServiceToo) {
  const auto ops = staff_caller({"sandbox.manage"});
  for (const char* limit : {"0", "101", "ten"})
    EXPECT_TRUE(refused(as(ops, "GET", std::string("/api/system/v1/events?limit=") + limit), 400, "SYSTEM_BAD_LIMIT",
                        "limit 应为 1 到 100 之间的整数"))
        << limit;
  for (const char* cursor : {"abc", "-5", "12x"})
    EXPECT_TRUE(refused(as(ops, "GET", std::string("/api/system/v1/events?cursor=") + cursor), 400, "SYSTEM_BAD_CURSOR", "分页游标无效"))
        << cursor;
  auto events = as(ops, "GET", "/api/system/v1/events?limit=5");
  EXPECT_EQ(events.status, 200) << "a good page still answers: " << events.body;

  EXPECT_TRUE(refused(as(ops, "GET", "/api/notify/v1/outbox?limit=0"), 400, "NOTIFY_BAD_PARAM", "limit 应为 1 到 100 之间的整数"));
  EXPECT_TRUE(refused(as(ops, "GET", "/api/notify/v1/outbox?cursor=abc"), 400, "NOTIFY_BAD_PARAM", "分页游标无效"));
  EXPECT_EQ(as(ops, "GET", "/api/notify/v1/outbox?limit=1").status, 200);
}

// The audit trails share one query (core/storage/audit_trail.hpp): each service refuses what the
// gateway's declared integers would have stopped, in its own code, and answers a good query.
TEST_F(ServiceRefusals, EveryAuditTrailChecksItsQueryItself) {
  const auto auditor = staff_caller({"audit.read"});
  for (const auto& [path, prefix] : std::vector<std::pair<std::string, std::string>>{
           {"/api/auth/v1/audit", "AUTH"}, {"/api/suitability/v1/audit", "SUIT"}, {"/api/mall/v1/admin/audit", "MALL"}}) {
    EXPECT_TRUE(refused(as(auditor, "GET", path + "?from_ms=yesterday"), 400, prefix + "_BAD_QUERY", "查询参数不合法：from_ms"))
        << path;
    EXPECT_TRUE(refused(as(auditor, "GET", path + "?to_ms=-1"), 400, prefix + "_BAD_QUERY", "查询参数不合法：to_ms")) << path;
    EXPECT_TRUE(refused(as(auditor, "GET", path + "?limit=0"), 400, prefix + "_BAD_QUERY", "查询参数不合法：limit")) << path;
    EXPECT_TRUE(refused(as(auditor, "GET", path + "?cursor=x.y"), 400, prefix + "_BAD_CURSOR", "分页游标无效")) << path;
    if (prefix == "AUTH") continue;  // auth asks its own session table next (staff_test signs a real staff member in)
    auto good = as(auditor, "GET", path + "?limit=5&action=order.&from_ms=0");
    EXPECT_EQ(good.status, 200) << path << ": " << good.body;
    EXPECT_TRUE(refused(as(staff_caller({"sandbox.manage"}), "GET", path), 403, "GATEWAY_FORBIDDEN", "无权访问：缺少所需权限"))
        << path << ": the declared permission, checked by the service itself";
  }
}

TEST_F(ServiceRefusals, TheCalendarChecksYearsRangesEditorsAndTheConfigCenter) {
  const core::http::Caller anyone{};
  EXPECT_TRUE(refused(as(anyone, "GET", "/api/calendar/v1/years/20x6"), 400, "CALENDAR_BAD_YEAR", "年份应为4位数字"));
  EXPECT_TRUE(refused(as(anyone, "GET", "/api/calendar/v1/years/1980"), 400, "CALENDAR_BAD_YEAR", "年份应在1990至2100之间"));
  EXPECT_TRUE(refused(as(anyone, "GET", "/api/calendar/v1/trading-days?from=2026-10-09&to=2026-09-01"), 400, "CALENDAR_BAD_RANGE",
                      "区间应从 from 到 to，最长400天"))
      << "backwards";
  EXPECT_TRUE(refused(as(anyone, "GET", "/api/calendar/v1/trading-days?from=2026-01-01&to=2027-03-01"), 400, "CALENDAR_BAD_RANGE"))
      << "over 400 days";
  EXPECT_EQ(as(anyone, "GET", "/api/calendar/v1/trading-days?from=2026-01-01&to=2026-12-31").status, 200) << "a year answers";

  // The declared access (calendar.manage) is the service's first check, whoever forwards.
  const std::string edit =
      R"({"closures": "2026-01-01..2026-01-02\n2026-02-16..2026-02-23\n2026-04-06\n2026-05-01..2026-05-05\n2026-06-19\n2026-09-25\n2026-10-01..2026-10-08\n", "comment": "国庆"})";
  EXPECT_TRUE(refused(as(staff_caller({"governance.write"}), "PUT", "/api/calendar/v1/years/2026", edit), 403, "GATEWAY_FORBIDDEN"));
  EXPECT_TRUE(refused(as(anyone, "PUT", "/api/calendar/v1/years/2026", edit), 401, "GATEWAY_UNAUTHENTICATED"));
  const auto editor = staff_caller({"calendar.manage"});
  EXPECT_TRUE(refused(as(editor, "PUT", "/api/calendar/v1/years/2026", R"({"closures": "", "comment": ""})"), 400,
                      "CALENDAR_COMMENT_REQUIRED", "请填写修改原因（最多500字节）"));
  EXPECT_TRUE(refused(as(editor, "PUT", "/api/calendar/v1/years/2026",
                         R"({"closures": "", "comment": ")" + std::string(501, 'x') + R"("})"),
                      400, "CALENDAR_COMMENT_REQUIRED"));
  EXPECT_EQ(json_field(as(anyone, "GET", "/api/calendar/v1/years/2026").body, "source"), "embedded") << "nothing was published";

  // The config center lost its registry: the edit is refused, nothing half-done.
  reg.kill();
  EXPECT_TRUE(refused(as(editor, "PUT", "/api/calendar/v1/years/2026", edit), 503, "CALENDAR_PUBLISH_FAILED",
                      "暂时无法连接配置中心，交易日历未修改，请稍后重试"));
  EXPECT_EQ(json_field(as(anyone, "GET", "/api/calendar/v1/years/2026").body, "source"), "embedded");
}

TEST_F(ServiceRefusals, TheCounterAnswersReadersOnlyAndChecksItsParameters) {
  const std::string open = R"({"request_id": "refusal-open", "name": "赵六", "id_number": "11010519491231002X", "mobile": "13700137000", "branch": "上海营业部"})";
  auto c = as_service("POST", "/api/counter/v1/customers", open);
  ASSERT_EQ(c.status, 200) << c.body;
  const std::string account = "/api/counter/v1/accounts/" + json_field(c.body, "fund_account");

  // Staff read with customers.read; customers and other staff not at all (the declared access,
  // checked by the counter itself).
  const core::http::Caller customer{core::http::CallerKind::kCustomer, "C000000000001", {}, "sess-c", {}};
  EXPECT_TRUE(refused(as(customer, "GET", account + "/balance"), 403, "GATEWAY_FORBIDDEN"));
  EXPECT_TRUE(refused(as(staff_caller({"governance.read"}), "GET", account + "/balance"), 403, "GATEWAY_FORBIDDEN"));
  EXPECT_EQ(as(staff_caller({"customers.read"}), "GET", account + "/balance").status, 200);

  EXPECT_TRUE(refused(as_service("GET", account + "/average-assets?days=5"), 400, "COUNTER_BAD_PARAM", "请指定 before（YYYY-MM-DD）"));
  EXPECT_TRUE(refused(as_service("GET", account + "/average-assets?before=2026-10-12&days=0"), 400, "COUNTER_BAD_PARAM",
                      "days 应为1到250之间的整数"));
  EXPECT_TRUE(refused(as_service("GET", account + "/average-assets?before=2031-06-01&days=5"), 422, "COUNTER_NO_CALENDAR"))
      << "no calendar data for 2031: an error, never a guess";
  // Every request that changes the ledger carries a request id the counter can look up.
  const std::string no_id = R"({"request_id": "", "name": "赵六", "id_number": "11010519491231002X", "mobile": "13700137000", "branch": "上海营业部"})";
  EXPECT_TRUE(refused(as_service("POST", "/api/counter/v1/customers", no_id), 400, "COUNTER_REQUEST_ID_INVALID",
                      "请求编号应为1至64位字母、数字或 - _ . :"));
  const std::string spaced = R"({"request_id": "a b", "name": "赵六", "id_number": "11010519491231002X", "mobile": "13700137000", "branch": "上海营业部"})";
  EXPECT_TRUE(refused(as_service("POST", "/api/counter/v1/customers", spaced), 400, "COUNTER_REQUEST_ID_INVALID"));
  const std::string cancel = R"({"request_id": "refusal-cancel", "order_id": "O-2"})";
  EXPECT_TRUE(refused(as_service("POST", "/api/counter/v1/orders/O-1/cancel", cancel), 400, "COUNTER_BAD_PARAM",
                      "请求体中的委托编号与路径不一致"));
  const std::string confirm =
      R"({"request_id": "refusal-confirm", "order_id": "O-2", "nav": "1.0000", "fee": "0.00", "confirmed_date": "2026-03-03"})";
  EXPECT_TRUE(refused(as_service("POST", "/api/counter/v1/orders/O-1/confirm", confirm), 400, "COUNTER_BAD_PARAM"));

  // A NAV correction (the mall's, after a fund's TA corrected it): changed only from the value it
  // names, the same one again changes nothing, a late copy of an earlier one is refused.
  const auto correction = [&](const std::string& code, const std::string& date, const std::string& from, const std::string& to,
                              const std::string& request_id = "") {
    const std::string id = request_id.empty() ? "fix-" + date + "-" + from + "-" + to : request_id;
    const std::string body = R"({"request_id": ")" + id + R"(", "code": ")" + code + R"(", "date": ")" + date + R"(", "from": ")" +
                             from + R"(", "to": ")" + to + R"("})";
    return as_service("POST", "/api/counter/v1/products/" + code + "/navs/" + date + "/correction", body);
  };
  EXPECT_TRUE(refused(correction("F77001", "2026-03-02", "1.1000", "1.0100", "fix-unknown"), 404, "COUNTER_PRODUCT_NOT_FOUND",
                      "基金产品 F77001 不存在"));
  const std::string fund = R"({"code": "F77001", "name": "更正测试基金", "kind": "fund", "market": "OF", "price": "1.1000", "price_date": "2026-03-02"})";
  ASSERT_EQ(as(staff_caller({"sandbox.manage"}), "PUT", "/api/counter/v1/sandbox/instruments/F77001", fund).status, 200);
  const std::string elsewhere = R"({"request_id": "fix-x", "code": "F77001", "date": "2026-03-03", "from": "1.1000", "to": "1.0100"})";
  EXPECT_TRUE(refused(as_service("POST", "/api/counter/v1/products/F77001/navs/2026-03-02/correction", elsewhere), 400,
                      "COUNTER_BAD_PARAM", "请求体中的代码或日期与路径不一致"));
  EXPECT_TRUE(refused(correction("F77001", "2026-03-02", "1.2000", "1.0100"), 409, "COUNTER_NAV_MISMATCH",
                      "F77001 在 2026-03-02 的净值为 1.1000，不是更正前的 1.2000"));
  auto fixed = correction("F77001", "2026-03-02", "1.1000", "1.0100");
  ASSERT_EQ(fixed.status, 200) << fixed.body;
  EXPECT_EQ(json_field(fixed.body, "to"), "1.0100");
  EXPECT_EQ(correction("F77001", "2026-03-02", "1.1000", "1.0100").status, 200) << "the same correction again";
  EXPECT_TRUE(refused(correction("F77001", "2026-03-02", "1.1000", "1.0500"), 409, "COUNTER_NAV_MISMATCH"))
      << "a correction from a value no longer held changes nothing";
  // Corrected back by a later request; then a late copy of the first arrives: it answers as the
  // first time and undoes nothing.
  ASSERT_EQ(correction("F77001", "2026-03-02", "1.0100", "1.1000", "fix-back").status, 200);
  auto late = correction("F77001", "2026-03-02", "1.1000", "1.0100");
  EXPECT_EQ(late.status, 200) << late.body;
  EXPECT_TRUE(refused(correction("F77001", "2026-03-02", "1.1000", "1.0200", "fix-back"), 422, "COUNTER_REQUEST_REUSED"))
      << "a request id goes with one request";
  auto listed = as(staff_caller({"customers.read"}), "GET", "/api/counter/v1/instruments");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_NE(listed.body.find(R"("code":"F77001","name":"更正测试基金","kind":"fund","market":"OF","price":"1.1000")"), std::string::npos)
      << "the instrument's NAV of that date follows (the late copy undid nothing): " << listed.body;
  EXPECT_EQ(correction("F77001", "2026-03-03", "1.1000", "1.0200").status, 200) << "a NAV it never held is taken as given";
}

TEST_F(ServiceRefusals, AuthAndTheMallCheckWhatTheGatewayWouldHaveCheckedFirst) {
  const core::http::Caller anyone{};
  EXPECT_TRUE(refused(as(anyone, "POST", "/api/auth/v1/sms-codes", R"({"mobile": "13800138000", "purpose": "transfer"})"), 400,
                      "AUTH_BAD_PURPOSE", "不支持的验证码用途"));
  const core::http::Caller customer{core::http::CallerKind::kCustomer, "C000000000001", {}, "sess-c", {}};
  const std::string order = R"({"product": "F00001", "side": "subscribe", "amount": "1000.00"})";
  EXPECT_TRUE(refused(as(customer, "POST", "/api/mall/v1/orders", order), 400, "MALL_IDEMPOTENCY_KEY_REQUIRED",
                      "下单需要 Idempotency-Key 请求头（8到128位）"))
      << "the money-moving operation wants its key from the service too";
  EXPECT_TRUE(refused(forwarded(z.port, "POST", "/api/mall/v1/orders", kSecret, order, customer, {{"idempotency-key", "short"}}), 400,
                      "MALL_IDEMPOTENCY_KEY_REQUIRED"));
  auto none = as(customer, "GET", "/api/mall/v1/orders");
  EXPECT_EQ(none.status, 200) << none.body;
  EXPECT_EQ(none.body.find("F00001"), std::string::npos) << "no order was recorded";
}

TEST_F(ServiceRefusals, TheAdminListenersDiscoveryViewChecksNamesAndParameters) {
  EXPECT_TRUE(refused(http_get(z.admin, "/discovery/services/Bad_Name!"), 400, "DISCOVERY_BAD_SERVICE", "服务名无效"));
  auto unknown = http_get(z.admin, "/discovery/services/nosuchservice");
  EXPECT_EQ(unknown.status, 200) << unknown.body;
  EXPECT_NE(unknown.body.find(R"("instances":[])"), std::string::npos) << "the registry says: no instances. " << unknown.body;
  EXPECT_EQ(http_get(z.admin, "/discovery/services/calendar").status, 200) << "a service it knows answers";
  EXPECT_TRUE(refused(http_request(z.admin, "POST", "/discovery/services/calendar/probe?calls=0", ""), 400, "DISCOVERY_BAD_PARAM",
                      "calls 应在1到100000之间"));
  EXPECT_TRUE(refused(http_request(z.admin, "POST", "/discovery/services/calendar/probe?calls=1&path=api", ""), 400, "DISCOVERY_BAD_PARAM",
                      "path 应以 / 开头"));
  EXPECT_TRUE(refused(http_request(z.admin, "POST", "/discovery/services/Bad_Name!/probe", ""), 400, "DISCOVERY_BAD_SERVICE"));
  // With the registry gone, a service never asked about before cannot be resolved at all.
  reg.kill();
  EXPECT_TRUE(refused(http_get(z.admin, "/discovery/services/neverseen"), 404, "DISCOVERY_UNKNOWN_SERVICE", "尚未发现该服务"));
  EXPECT_EQ(http_get(z.admin, "/discovery/services/calendar").status, 200) << "one it knows is answered from what it holds";
}

TEST_F(ServiceRefusals, TheRegistryChecksVersionsOperatorsOwnersAndInstances) {
  const auto reader = staff_caller({"governance.read"});
  const auto writer = staff_caller({"governance.read", "governance.write"});
  const std::string item = "/api/registry/v1/configs/public/zhongtai/refusals.yaml";
  auto at_registry = [&](const core::http::Caller& who, const std::string& method, const std::string& target, const std::string& body = "") {
    return forwarded(reg.port, method, target, kSecret, body, who);
  };
  auto publish = at_registry(writer, "PUT", item, R"({"content": "a: 1", "format": "yaml", "author": "ops", "comment": "首版"})");
  ASSERT_EQ(publish.status, 200) << publish.body;

  EXPECT_TRUE(refused(at_registry(reader, "GET", item + "/versions/abc"), 400, "REGISTRY_BAD_PARAM", "版本号应为整数"));
  EXPECT_TRUE(refused(at_registry(reader, "GET", item + "/versions/99"), 404, "REGISTRY_CONFIG_VERSION_NOT_FOUND", "配置没有版本99"));
  EXPECT_TRUE(refused(at_registry(reader, "GET", item + "/diff"), 400, "REGISTRY_BAD_PARAM", "请指定 from 版本"));
  EXPECT_TRUE(refused(at_registry(reader, "GET", item + "/diff?from=1&to=42"), 404, "REGISTRY_CONFIG_VERSION_NOT_FOUND", "配置没有版本42"));
  EXPECT_TRUE(refused(at_registry(writer, "POST", item + "/rollback", R"({"version": 7, "author": "ops", "comment": "回滚"})"), 404,
                      "REGISTRY_CONFIG_VERSION_NOT_FOUND"));
  EXPECT_TRUE(refused(at_registry(writer, "PUT", "/api/registry/v1/configs/public/zhongtai/never.yaml/gray",
                                  R"({"tag": "canary", "content": "a: 2", "format": "yaml", "author": "ops", "comment": "灰度"})"),
                      409, "REGISTRY_CONFIG_GRAY_NO_BASE", "灰度发布需要先有正式版本"));

  // The calendar service publishes its own item only; what it publishes is recorded in its name.
  const std::string dynamic = "/api/registry/v1/configs/public/zhongtai/dynamic.yaml";
  const std::string body = R"({"content": "x: 1", "format": "yaml", "author": "someone-else", "comment": "试试"})";
  EXPECT_TRUE(refused(http_request(reg.port, "PUT", dynamic, body, service_headers("calendar", "PUT", dynamic, kSecret, body)), 403,
                      "REGISTRY_NOT_YOUR_CONFIG", "服务 calendar 只能发布自己的配置 calendar.yaml"));
  EXPECT_EQ(at_registry(reader, "GET", dynamic).status, 404) << "nothing was published";
  const std::string own = "/api/registry/v1/configs/public/zhongtai/calendar.yaml";
  // (Unchecked: "x: 1" is no calendar, and this is about who may publish, not what.)
  const std::string own_body = R"({"content": "x: 1", "format": "yaml", "author": "someone-else", "comment": "试试", "check": false})";
  auto mine = http_request(reg.port, "PUT", own, own_body, service_headers("calendar", "PUT", own, kSecret, own_body));
  ASSERT_EQ(mine.status, 200) << mine.body;
  auto audit = at_registry(staff_caller({"audit.read"}), "GET", "/api/registry/v1/audit");
  EXPECT_NE(audit.body.find(R"("actor":"calendar","action":"config.publish","target":"config:public/zhongtai/calendar.yaml")"), std::string::npos)
      << "the verified caller, not the body's author: " << audit.body;

  const std::string ghost = "/api/registry/v1/services/system/instances/ghost-1";
  EXPECT_TRUE(refused(at_registry(writer, "PATCH", ghost, R"({"enabled": false})"), 404, "REGISTRY_INSTANCE_NOT_FOUND", "服务 system 没有实例 ghost-1"));
  EXPECT_TRUE(refused(at_registry(writer, "PATCH", ghost, R"({"weight": 20000})"), 400, "REGISTRY_INVALID_INSTANCE", "权重应在0到10000之间"));
  EXPECT_TRUE(refused(at_registry(writer, "PATCH", ghost, R"({})"), 400, "REGISTRY_INVALID_INSTANCE", "请指定 enabled 或 weight"));
}

}  // namespace
}  // namespace zt::test
