#include "platform/system/system_component.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/describe.hpp>
#include <fmt/format.h>

#include "core/http/error.hpp"
#include "core/http/identity.hpp"
#include "core/http/router.hpp"
#include "core/json/json.hpp"
#include "core/observe/log.hpp"
#include "core/storage/database.hpp"
#include "core/util/time.hpp"

std::span<const zt::core::EmbeddedFile> zt_system_migrations();
std::span<const zt::core::EmbeddedFile> zt_system_openapi();

namespace zt::platform::system {

struct Event {
  std::int64_t id = 0;
  std::string kind;
  std::string node;
  std::string version;
  std::string targets;
  std::string at;
};
BOOST_DESCRIBE_STRUCT(Event, (), (id, kind, node, version, targets, at))

struct EventPage {
  std::vector<Event> items;
  std::optional<std::string> next_cursor;
};
BOOST_DESCRIBE_STRUCT(EventPage, (), (items, next_cursor))

// What this service sees of the request that reached it: who called, on whose behalf, under which
// trace and with how much time left (support and tests check propagation with it).
struct WhoAmI {
  std::string caller_kind;
  std::string caller;
  std::vector<std::string> roles;
  std::string session;
  std::string trace_id;
  std::string request_id;
  std::int64_t deadline_ms = 0;
  std::string node;
};
BOOST_DESCRIBE_STRUCT(WhoAmI, (), (caller_kind, caller, roles, session, trace_id, request_id, deadline_ms, node))

struct Info {
  std::string version;
  std::string node;
  std::vector<std::string> components;
};
BOOST_DESCRIBE_STRUCT(Info, (), (version, node, components))

namespace {

class SystemComponent final : public core::Component {
 public:
  SystemComponent(core::ComponentContext& ctx, std::string version)
      : db_(ctx.database()), version_(std::move(version)), node_(ctx.full_config().section("node").get_string("name")) {
    for (const auto& c : ctx.components()) targets_ += (targets_.empty() ? "" : ",") + c;
    info_ = core::json::serialize(Info{version_, node_, ctx.components()});
    auto& r = ctx.public_router();
    using core::http::Method;
    r.add(Method::kGet, "/api/system/v1/ping",
          [](core::http::Request&, core::http::RequestContext&) -> boost::asio::awaitable<core::http::Response> {
            co_return core::http::Response::json(200, "{\"status\":\"ok\"}");
          });
    r.add(Method::kGet, "/api/system/v1/info",
          [this](core::http::Request&, core::http::RequestContext&) -> boost::asio::awaitable<core::http::Response> {
            co_return core::http::Response::json(200, info_);
          });
    r.add(Method::kGet, "/api/system/v1/whoami",
          [this](core::http::Request&, core::http::RequestContext& ctx) -> boost::asio::awaitable<core::http::Response> {
            WhoAmI w{core::http::caller_kind_name(ctx.caller.kind), ctx.caller.subject, ctx.caller.roles, ctx.caller.session, ctx.trace_id,
                     ctx.request_id, ctx.remaining().count(), node_};
            co_return core::http::Response::json(200, core::json::serialize(w));
          });
    r.add(Method::kGet, "/api/system/v1/events",
          [this](core::http::Request& req, core::http::RequestContext&) { return list_events(req); });
  }

  void start() override { record("start"); }
  void stop() override { record("stop"); }

 private:
  void record(const char* kind) {
    db_.write_blocking([&](core::storage::Tx& tx) {
      tx.exec("INSERT INTO system_events (kind, node, version, targets, at) VALUES (?, ?, ?, ?, ?)",
              {std::string(kind), node_, version_, targets_, core::utc_timestamp()});
    });
  }

  boost::asio::awaitable<core::http::Response> list_events(core::http::Request& req) {
    std::int64_t limit = 20;
    std::int64_t before = std::numeric_limits<std::int64_t>::max();
    if (auto l = req.query_param("limit")) {
      try {
        limit = std::stoll(*l);
      } catch (...) {
        limit = -1;
      }
      if (limit < 1 || limit > 100) throw core::http::ApiError(400, "SYSTEM_BAD_LIMIT", "limit 应为 1 到 100 之间的整数");
    }
    if (auto c = req.query_param("cursor"); c && !c->empty()) {
      try {
        std::size_t used = 0;
        before = std::stoll(*c, &used);
        if (used != c->size() || before < 0) throw std::invalid_argument("cursor");
      } catch (...) {
        throw core::http::ApiError(400, "SYSTEM_BAD_CURSOR", "分页游标无效");
      }
    }
    EventPage page = co_await db_.read([&](core::storage::Tx& tx) {
      auto rows = tx.query("SELECT id, kind, node, version, targets, at FROM system_events WHERE id < ? "
                           "ORDER BY id DESC LIMIT ?",
                           {before, limit + 1});
      EventPage p;
      for (std::size_t i = 0; i < rows.size() && static_cast<std::int64_t>(i) < limit; ++i) {
        const auto& r = rows.at(i);
        p.items.push_back({r.int64(0), r.string(1), r.string(2), r.string(3), r.string(4), r.string(5)});
      }
      if (static_cast<std::int64_t>(rows.size()) > limit) p.next_cursor = std::to_string(p.items.back().id);
      return p;
    });
    co_return core::http::Response::json(200, core::json::serialize(page));
  }

  core::storage::Database& db_;
  std::string version_;
  std::string node_;
  std::string targets_;
  std::string info_;
};

}  // namespace

core::ComponentSpec spec(std::string version) {
  core::ComponentSpec s;
  s.name = "system";
  s.description = "system API: ping, node info, start/stop history";
  s.dependencies = {"server", "discovery"};
  s.service = true;
  s.schema = {"system", {}, "system API"};
  s.migrations = &zt_system_migrations;
  s.openapi = &zt_system_openapi;
  s.make = [version](core::ComponentContext& ctx) -> std::unique_ptr<core::Component> {
    return std::make_unique<SystemComponent>(ctx, version);
  };
  return s;
}

}  // namespace zt::platform::system
