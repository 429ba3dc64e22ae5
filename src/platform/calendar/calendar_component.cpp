#include "platform/calendar/calendar_component.hpp"

#include <boost/describe.hpp>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "core/discovery/discovery.hpp"
#include "core/discovery/service_client.hpp"
#include "core/finance/live_calendar.hpp"
#include "core/http/error.hpp"
#include "core/http/router.hpp"
#include "core/json/json.hpp"
#include "core/observe/log.hpp"
#include "platform/registry/client/registry_client.hpp"

std::span<const zt::core::EmbeddedFile> zt_calendar_openapi();

namespace zt::platform::calendar {

struct DayInfo {
  std::string date;
  bool trading_day = false;
  std::string previous_trading_day;
  std::string next_trading_day;
};
BOOST_DESCRIBE_STRUCT(DayInfo, (), (date, trading_day, previous_trading_day, next_trading_day))
struct DayList {
  std::vector<std::string> items;
};
BOOST_DESCRIBE_STRUCT(DayList, (), (items))
struct YearInfo {
  int year = 0;
  std::string source;  // embedded: shipped with the release; edited: changed by staff
  std::string closures;
  std::vector<std::string> closed_weekdays;  // the weekdays it closes (what makes it matter)
};
BOOST_DESCRIBE_STRUCT(YearInfo, (), (year, source, closures, closed_weekdays))
struct YearList {
  std::vector<YearInfo> items;
};
BOOST_DESCRIBE_STRUCT(YearList, (), (items))
struct YearEdit {
  std::string closures;
  std::string comment;
};
BOOST_DESCRIBE_STRUCT(YearEdit, (), (closures, comment))
struct ConfigHead {
  std::int64_t version = 0;
  std::string content;
};

namespace {

using core::finance::CalendarError;
using core::finance::Date;
using core::http::ApiError;
using core::http::Method;
using core::http::Request;
using core::http::RequestContext;
using core::http::Response;
using Reply = boost::asio::awaitable<Response>;

const core::discovery::ConfigKey kItem{"public", "zhongtai", "calendar.yaml"};

Date date_or_400(std::string_view text, const char* what) {
  try {
    return core::finance::parse_date(text);
  } catch (const CalendarError&) {
    throw ApiError(400, "CALENDAR_BAD_DATE", fmt::format("{}应为有效日期（YYYY-MM-DD）", what));
  }
}

int year_or_400(std::string_view text) {
  if (text.size() != 4 || text.find_first_not_of("0123456789") != std::string_view::npos)
    throw ApiError(400, "CALENDAR_BAD_YEAR", "年份应为4位数字");
  const int y = std::stoi(std::string(text));
  if (y < 1990 || y > 2100) throw ApiError(400, "CALENDAR_BAD_YEAR", "年份应在1990至2100之间");
  return y;
}

// A question about a year the calendar has no data for is an error, never a guess (BUSINESS §9).
template <class F>
auto ask(F f) {
  try {
    return f(*core::finance::trading_calendar());
  } catch (const CalendarError& e) {
    throw ApiError(422, "CALENDAR_NO_DATA", e.what());
  }
}

std::vector<std::string> closed_weekdays(int year, const std::string& closures) {
  core::finance::TradingCalendar one;
  one.load_year(year, closures, fmt::format("{}年", year));
  std::vector<std::string> out;
  const auto first = std::chrono::sys_days(std::chrono::year{year} / 1 / 1), last = std::chrono::sys_days(std::chrono::year{year} / 12 / 31);
  for (auto d = first; d <= last; d += std::chrono::days{1}) {
    const std::chrono::weekday wd{d};
    if (wd != std::chrono::Saturday && wd != std::chrono::Sunday && !one.is_trading_day(Date{d})) out.push_back(core::finance::format_date(Date{d}));
  }
  return out;
}

YearInfo year_info(int year) {
  auto edited = core::finance::edited_calendar_years();
  if (auto it = edited.find(year); it != edited.end()) return {year, "edited", it->second, closed_weekdays(year, it->second)};
  const auto shipped = core::finance::embedded_calendar_year(year);
  if (shipped.empty() && !core::finance::trading_calendar()->covers(year))
    throw ApiError(404, "CALENDAR_NO_DATA", fmt::format("交易日历没有{}年的数据", year));
  return {year, "embedded", shipped, closed_weekdays(year, shipped)};
}

// The calendar.yaml document with one year replaced: every edited year, in order.
std::string document_with(std::map<int, std::string> years, int year, const std::string& closures) {
  years[year] = closures;
  YAML::Emitter out;
  out << YAML::Comment("交易日历：各年休市日期（周末从不是交易日）。由日历服务维护，请在管理控制台或 /api/calendar/v1 修改。");
  out << YAML::BeginMap;
  for (const auto& [y, text] : years) out << YAML::Key << std::to_string(y) << YAML::Value << YAML::Literal << text;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

class CalendarComponent final : public core::Component {
 public:
  explicit CalendarComponent(core::ComponentContext& ctx)
      : registry_(ctx.get<core::discovery::Discovery>("discovery").client(), "calendar") {
    auto& r = ctx.public_router();
    r.add(Method::kGet, "/api/calendar/v1/days/{date}", [](Request&, RequestContext& c) -> Reply {
      const Date d = date_or_400(c.param("date").value_or(""), "日期");
      DayInfo info = ask([&](const core::finance::TradingCalendar& cal) {
        return DayInfo{core::finance::format_date(d), cal.is_trading_day(d), core::finance::format_date(cal.previous_trading_day(d)),
                       core::finance::format_date(cal.next_trading_day(d))};
      });
      co_return Response::json(200, core::json::serialize(info));
    });
    r.add(Method::kGet, "/api/calendar/v1/trading-days", [](Request& req, RequestContext&) -> Reply {
      const Date from = date_or_400(req.query_param("from").value_or(""), "from");
      const Date to = date_or_400(req.query_param("to").value_or(""), "to");
      if (std::chrono::sys_days{to} < std::chrono::sys_days{from} || std::chrono::sys_days{to} - std::chrono::sys_days{from} > std::chrono::days{400})
        throw ApiError(400, "CALENDAR_BAD_RANGE", "区间应从 from 到 to，最长400天");
      DayList list = ask([&](const core::finance::TradingCalendar& cal) {
        DayList l;
        for (auto d = std::chrono::sys_days{from}; d <= std::chrono::sys_days{to}; d += std::chrono::days{1})
          if (cal.is_trading_day(Date{d})) l.items.push_back(core::finance::format_date(Date{d}));
        return l;
      });
      co_return Response::json(200, core::json::serialize(list));
    });
    r.add(Method::kGet, "/api/calendar/v1/years", [](Request&, RequestContext&) -> Reply {
      YearList list;
      for (int y : core::finance::trading_calendar()->years()) list.items.push_back(year_info(y));
      co_return Response::json(200, core::json::serialize(list));
    });
    r.add(Method::kGet, "/api/calendar/v1/years/{year}", [](Request&, RequestContext& c) -> Reply {
      co_return Response::json(200, core::json::serialize(year_info(year_or_400(c.param("year").value_or("")))));
    });
    r.add(Method::kPut, "/api/calendar/v1/years/{year}", [this](Request& req, RequestContext& c) { return edit(req, c); });
  }
  void start() override {}
  void stop() override {}

 private:
  // Staff with calendar.manage replace one year's closures. The calendar goes to the config
  // center (public/zhongtai/calendar.yaml) in the staff member's name, so its history, rollback
  // and audit are the config center's, and every process picks it up within seconds.
  Reply edit(Request& req, RequestContext& ctx) {
    if (ctx.caller.kind != core::http::CallerKind::kStaff || !ctx.caller.has_permission("calendar.manage"))
      throw ApiError(403, "CALENDAR_FORBIDDEN", "需要维护交易日历的权限（calendar.manage）");
    const int year = year_or_400(ctx.param("year").value_or(""));
    auto body = core::json::parse<YearEdit>(req.body);
    if (body.comment.empty() || body.comment.size() > 500) throw ApiError(400, "CALENDAR_COMMENT_REQUIRED", "请填写修改原因（最多500字节）");
    std::vector<std::string> closed;
    try {
      closed = closed_weekdays(year, body.closures);
    } catch (const CalendarError& e) {
      throw ApiError(400, "CALENDAR_INVALID", std::string("休市日期有误：") + e.what());
    }
    // Parsable is not enough: an emptied year would turn every holiday into a trading day.
    if (auto why = core::finance::implausible_closures(year, closed))
      throw ApiError(422, "CALENDAR_IMPLAUSIBLE", "休市安排不合常理：" + *why);
    // The document as the config center holds it now (not as this process last heard), so an
    // edit never loses another one made meanwhile: the publish names the version it replaces.
    for (int attempt = 1;; ++attempt) {
      ConfigHead head = co_await current(ctx);
      std::map<int, std::string> years;
      try {
        years = core::finance::parse_calendar_closures(head.content);
      } catch (const CalendarError& e) {
        throw ApiError(409, "CALENDAR_CONFLICT", std::string("配置中心的交易日历无效，请先修复：") + e.what());
      }
      const registry::PublishRequest publish{document_with(std::move(years), year, body.closures), "yaml",
                                             ctx.caller.subject, fmt::format("{}年休市日期：{}", year, body.comment),
                                             head.version};
      auto put = co_await registry_.publish(kItem, publish, &ctx);
      if (auto* no = std::get_if<core::Refusal>(&put)) {
        if (no->code == "REGISTRY_CONFIG_CONFLICT" && attempt < 3) continue;  // someone published in between: read again
        ctx.log().warn("calendar: publishing {} refused: {} {}", kItem.to_string(), no->status, no->code);
        throw ApiError::upstream(503, "CALENDAR_PUBLISH_FAILED", "交易日历发布失败，请稍后重试");
      }
      if (auto* unknown = std::get_if<core::discovery::Unknown>(&put)) {
        ctx.log().warn("calendar: the config center did not answer the publish: {} {}", unknown->status, unknown->code);
        // No instance to send it to (or every breaker open): it never left this process.
        if (unknown->status == 0 && unknown->code == core::http::codes::kUnavailable)
          throw ApiError::upstream(503, "CALENDAR_PUBLISH_FAILED", "暂时无法连接配置中心，交易日历未修改，请稍后重试");
        // Refused as a caller (401, 403): nothing was published.
        if (unknown->status == 401 || unknown->status == 403)
          throw ApiError::upstream(503, "CALENDAR_PUBLISH_FAILED", "交易日历发布失败，请稍后重试");
        throw ApiError::upstream(503, "CALENDAR_PUBLISH_FAILED", "配置中心未及时答复，交易日历可能已修改，请刷新查看后再决定是否重试");
      }
      ctx.log().info("calendar: {} replaced the {} closures", ctx.caller.subject, year);
      YearInfo out{year, "edited", body.closures, closed_weekdays(year, body.closures)};
      co_return Response::json(200, core::json::serialize(out));
    }
  }

  // The calendar document in force at the config center (version 0 and no content when none).
  boost::asio::awaitable<ConfigHead> current(RequestContext& ctx) {
    auto got = co_await registry_.config(kItem, &ctx);
    if (auto* item = std::get_if<core::discovery::ConfigItem>(&got)) co_return ConfigHead{item->version, item->content};
    if (auto* no = std::get_if<core::Refusal>(&got); no && no->code == "REGISTRY_CONFIG_NOT_FOUND") co_return ConfigHead{};
    if (auto* no = std::get_if<core::Refusal>(&got))
      ctx.log().warn("calendar: reading {} at the config center refused: {} {}", kItem.to_string(), no->status, no->code);
    if (auto* unknown = std::get_if<core::discovery::Unknown>(&got))
      ctx.log().warn("calendar: reading {} at the config center failed: {} {} {}", kItem.to_string(), unknown->status,
                     unknown->code, unknown->message);
    throw ApiError::upstream(503, "CALENDAR_PUBLISH_FAILED", "暂时无法连接配置中心，交易日历未修改，请稍后重试");
  }

  registry::RegistryClient registry_;
};

}  // namespace

core::ComponentSpec spec() {
  core::ComponentSpec s;
  s.name = "calendar";
  s.description = "the trading calendar as an API; staff edit a year's closures, pushed live to every process";
  s.dependencies = {"server", "discovery"};
  s.service = true;
  s.openapi = &zt_calendar_openapi;
  s.make = [](core::ComponentContext& ctx) -> std::unique_ptr<core::Component> { return std::make_unique<CalendarComponent>(ctx); };
  return s;
}

}  // namespace zt::platform::calendar
