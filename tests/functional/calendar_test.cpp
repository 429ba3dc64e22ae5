// The calendar service on the real binary, in both run modes: anyone reads trading days; staff with calendar.manage
// replace a year's closures — checked, published to the config center in their name (its audit),
// and live in every process within seconds, including a counter running apart, whose 20-day
// averages follow at once.
#include <gtest/gtest.h>

#include "harness/http.hpp"
#include "harness/platform.hpp"
#include "harness/zhongtai.hpp"

namespace zt::test {
namespace {

using namespace std::chrono_literals;

const std::string kSecret = "calendar-suite-secret-0123456789";

const char* kShipped2026 =
    "2026-01-01..2026-01-02\\n2026-02-16..2026-02-23\\n2026-04-06\\n2026-05-01..2026-05-05\\n2026-06-19\\n2026-09-25\\n2026-10-01..2026-10-07\\n";

class Calendar : public ::testing::TestWithParam<Mode> {};

TEST_P(Calendar, StaffEditAYearAndEveryProcessFollowsWithoutRestart) {
  const bool split = GetParam() == Mode::kSplit;
  Platform p(GetParam(), split ? Env{} : Env{{"ZT_NODE__INTERNAL_SECRET", kSecret}});
  const int port = p.port();
  // The counter apart: the split layout's own, or one beside the single process.
  std::unique_ptr<Zhongtai> beside;
  if (!split)
    beside = std::make_unique<Zhongtai>(
        Env{{"ZT_NODE__INTERNAL_SECRET", kSecret}, {"ZT_DISCOVERY__REGISTRY", "127.0.0.1:" + std::to_string(port)}}, "counter");
  Zhongtai& counter = split ? *p.process_of("counter") : *beside;
  const std::string master = split ? Platform::master() : kSecret;
  auto as_service = [&](const std::string& method, const std::string& path, const std::string& body = "") {
    return http_request(counter.port, method, path, body, service_headers("mall", method, path, master, body));
  };
  auto staff = [&](const std::vector<std::string>& perms, const std::string& body) {
    return http_request(port, "PUT", "/api/calendar/v1/years/2026", body, {{"authorization", "Bearer " + staff_token(perms)}});
  };

  // Reading needs nobody; the shipped 2026 closes Oct 1–7.
  auto oct8 = http_get(port, "/api/calendar/v1/days/2026-10-08");
  ASSERT_EQ(oct8.status, 200) << oct8.body;
  EXPECT_EQ(json_field(oct8.body, "trading_day"), "true");
  EXPECT_EQ(json_field(oct8.body, "previous_trading_day"), "2026-09-30");
  EXPECT_EQ(json_field(http_get(port, "/api/calendar/v1/days/2026-02-28").body, "trading_day"), "false") << "a make-up workday on a Saturday";
  EXPECT_EQ(json_field(http_get(port, "/api/calendar/v1/years/2026").body, "source"), "embedded");
  EXPECT_TRUE(refused(http_get(port, "/api/calendar/v1/days/2031-01-02"), 422, "CALENDAR_NO_DATA")) << "no data is an error, never a guess";
  EXPECT_TRUE(refused(http_get(port, "/api/calendar/v1/days/2026-02-30"), 400, "CALENDAR_BAD_DATE"));
  auto week = http_get(port, "/api/calendar/v1/trading-days?from=2026-09-28&to=2026-10-09");
  EXPECT_NE(week.body.find(R"(["2026-09-28","2026-09-29","2026-09-30","2026-10-08","2026-10-09"])"), std::string::npos) << week.body;

  // A counter account, and the average's days before the edit: Oct 8 and 9.
  const std::string open = R"({"request_id": "cal-open", "name": "赵六", "id_number": "11010519491231002X", "mobile": "13700137000", "branch": "上海营业部"})";
  auto c = as_service("POST", "/api/counter/v1/customers", open);
  ASSERT_EQ(c.status, 200) << c.body;
  const std::string avg_path = "/api/counter/v1/accounts/" + json_field(c.body, "fund_account") + "/average-assets";
  auto days = [&] { return as_service("GET", avg_path + "?before=2026-10-12&days=2").body; };
  EXPECT_NE(days().find(R"("days":["2026-10-08","2026-10-09"])"), std::string::npos) << days();

  // Edits: only staff with calendar.manage; the text is checked line by line.
  const std::string closed_oct8 = std::string(R"({"closures": ")") + kShipped2026 + R"(2026-10-08\n", "comment": "临时休市"})";
  EXPECT_TRUE(refused(http_request(port, "PUT", "/api/calendar/v1/years/2026", closed_oct8), 401, "GATEWAY_UNAUTHENTICATED"));
  EXPECT_TRUE(refused(staff({"governance.write"}, closed_oct8), 403, "GATEWAY_FORBIDDEN"));
  auto bad = staff({"calendar.manage"}, R"({"closures": "2026-10-01\n2026-10-32\n", "comment": "试试"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json_field(bad.body, "code"), "CALENDAR_INVALID");
  EXPECT_NE(json_field(bad.body, "message").find("2026年:2"), std::string::npos) << bad.body;
  EXPECT_EQ(json_field(staff({"calendar.manage"}, R"({"closures": "2025-12-31\n", "comment": "试试"})").body, "code"), "CALENDAR_INVALID");
  EXPECT_TRUE(refused(staff({"calendar.manage"}, R"({"closures": "", "comment": ""})"), 400, "GATEWAY_INVALID_REQUEST", "请求参数不合法：body.comment 不能为空"));
  // Well-formed but not what the exchanges do: an emptied year, National Day left open.
  EXPECT_TRUE(refused(staff({"calendar.manage"}, R"({"closures": "", "comment": "清空"})"), 422, "CALENDAR_IMPLAUSIBLE",
                      "休市安排不合常理：2026年1月1日（元旦）是法定节假日，应为休市日"));
  EXPECT_TRUE(refused(staff({"calendar.manage"}, R"({"closures": "2026-01-01..2026-01-02\n2026-02-16..2026-02-23\n2026-05-01\n", "comment": "漏了国庆"})"),
                      422, "CALENDAR_IMPLAUSIBLE", "休市安排不合常理：2026年10月1日（国庆节）是法定节假日，应为休市日"));
  EXPECT_EQ(json_field(http_get(port, "/api/calendar/v1/years/2026").body, "source"), "embedded") << "nothing was published";

  auto edited = staff({"calendar.manage"}, closed_oct8);
  ASSERT_EQ(edited.status, 200) << edited.body;
  EXPECT_EQ(json_field(edited.body, "source"), "edited");
  EXPECT_NE(edited.body.find("2026-10-08"), std::string::npos);
  // Live here and in the counter apart, without a restart.
  EXPECT_TRUE(eventually([&] { return json_field(http_get(port, "/api/calendar/v1/days/2026-10-08").body, "trading_day") == "false"; }, 10s));
  EXPECT_TRUE(eventually([&] { return days().find(R"("days":["2026-09-30","2026-10-09"])") != std::string::npos; }, 10s)) << days();
  EXPECT_EQ(json_field(http_get(port, "/api/calendar/v1/years/2026").body, "source"), "edited");
  // Published in the staff member's name: the config center's audit says who.
  auto audit = http_request(port, "GET", "/api/registry/v1/audit", "", {{"authorization", "Bearer " + staff_token({"audit.read"})}});
  EXPECT_NE(audit.body.find(R"("actor":"S-harness","action":"config.publish","target":"config:public/zhongtai/calendar.yaml")"), std::string::npos)
      << audit.body;
  // A second edit keeps the first's other years and replaces 2026 again (back to the shipped text).
  ASSERT_EQ(staff({"calendar.manage"}, std::string(R"({"closures": ")") + kShipped2026 + R"(", "comment": "恢复"})").status, 200);
  EXPECT_TRUE(eventually([&] { return json_field(http_get(port, "/api/calendar/v1/days/2026-10-08").body, "trading_day") == "true"; }, 10s));

  // The business day the apps start their date fields at (the gateway's features): the sandbox
  // clock when pinned — a Saturday after National Day, then a trading day.
  p.pin_clock("2026-10-10T10:30:00+08:00");
  auto saturday = http_get(port, "/api/gateway/v1/features");
  ASSERT_EQ(saturday.status, 200) << saturday.body;
  EXPECT_EQ(json_field(saturday.body, "business_date"), "2026-10-10");
  EXPECT_EQ(json_field(saturday.body, "trading_day"), "false");
  EXPECT_EQ(json_field(saturday.body, "last_trading_day"), "2026-10-09");
  EXPECT_EQ(json_field(saturday.body, "sandbox_clock"), "2026-10-10 10:30:00");
  p.pin_clock("2026-10-08T09:15:00+08:00");
  auto reopened = http_get(port, "/api/gateway/v1/features");
  EXPECT_EQ(json_field(reopened.body, "trading_day"), "true");
  EXPECT_EQ(json_field(reopened.body, "last_trading_day"), "2026-10-08") << "a trading day is its own last one";
  // A year the calendar does not cover: the date, and no trading-day facts by guess.
  p.pin_clock("2031-03-03T09:15:00+08:00");
  auto uncovered = http_get(port, "/api/gateway/v1/features");
  EXPECT_EQ(json_field(uncovered.body, "business_date"), "2031-03-03");
  EXPECT_EQ(uncovered.body.find("last_trading_day\":\""), std::string::npos) << uncovered.body;
}

INSTANTIATE_TEST_SUITE_P(BothModes, Calendar, ::testing::Values(Mode::kAll, Mode::kSplit), mode_name);

}  // namespace
}  // namespace zt::test
