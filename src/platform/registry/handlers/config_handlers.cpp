#include <boost/asio/awaitable.hpp>
#include <fmt/format.h>

#include <limits>

#include "core/http/error.hpp"
#include "core/http/router.hpp"
#include "core/json/json.hpp"
#include "core/net/blocking.hpp"
#include "core/util/time.hpp"
#include "platform/registry/domain/config_format.hpp"
#include "platform/registry/handlers/handlers.hpp"

namespace zt::platform::registry {

using core::discovery::ConfigItem;
using core::discovery::ConfigKey;
using core::http::ApiError;
using core::http::Method;
using core::http::Request;
using core::http::RequestContext;
using core::http::Response;
using Reply = boost::asio::awaitable<Response>;

namespace {

// A gray version being served, so a list shows which items have one without asking each.
struct GrayInfo {
  std::string namespace_id;
  std::string group;
  std::string data_id;
  std::string tag;
  std::int64_t version = 0;
};
BOOST_DESCRIBE_STRUCT(GrayInfo, (), (namespace_id, group, data_id, tag, version))
struct ItemList {
  std::vector<ConfigItem> items;
  std::vector<GrayInfo> grays;
};
BOOST_DESCRIBE_STRUCT(ItemList, (), (items, grays))

struct HistoryItem {
  ConfigItem item;
  std::string kind;
};
BOOST_DESCRIBE_STRUCT(HistoryItem, (), (item, kind))

struct HistoryPage {
  std::vector<HistoryItem> items;
  std::optional<std::string> next_cursor;
};
BOOST_DESCRIBE_STRUCT(HistoryPage, (), (items, next_cursor))

struct Diff {
  std::int64_t from = 0;
  std::int64_t to = 0;
  std::string diff;
};
BOOST_DESCRIBE_STRUCT(Diff, (), (from, to, diff))

struct RollbackRequest {
  std::int64_t version = 0;
  std::string author;
  std::string comment;
  std::optional<bool> check;  // as PublishRequest::check: back to a version this registry would refuse
};
BOOST_DESCRIBE_STRUCT(RollbackRequest, (), (version, author, comment, check))
// Promoting a gray version to all.
struct PromoteRequest {
  std::string author;
  std::string comment;
  std::optional<bool> check;  // as PublishRequest::check: a gray stored unchecked is promoted unchecked
};
BOOST_DESCRIBE_STRUCT(PromoteRequest, (), (author, comment, check))

struct GrayRequest {
  std::string tag;
  std::string content;
  std::string format;
  std::string author;
  std::string comment;
  std::optional<bool> check;  // as PublishRequest::check
};
BOOST_DESCRIBE_STRUCT(GrayRequest, (), (tag, content, format, author, comment, check))

struct AuthorRequest {
  std::string author;
  std::string comment;
};
BOOST_DESCRIBE_STRUCT(AuthorRequest, (), (author, comment))

struct ListenRequest {
  std::string instance;
  std::string tag;
  std::int64_t wait_ms = 30000;
  std::vector<core::discovery::ConfigWatch> watches;
};
BOOST_DESCRIBE_STRUCT(ListenRequest, (), (instance, tag, wait_ms, watches))

struct ListenResponse {
  std::vector<ConfigKey> changed;
};
BOOST_DESCRIBE_STRUCT(ListenResponse, (), (changed))

struct AckList {
  std::vector<core::discovery::ConfigAck> items;
};
BOOST_DESCRIBE_STRUCT(AckList, (), (items))

struct AuditPage {
  std::vector<AuditEntry> items;
  std::optional<std::string> next_cursor;
};
BOOST_DESCRIBE_STRUCT(AuditPage, (), (items, next_cursor))

constexpr std::string_view kItem = "/api/registry/v1/configs/{namespace_id}/{group}/{data_id}";

std::string path(std::string_view suffix = {}) { return std::string(kItem) + std::string(suffix); }

ConfigKey key_of(const RequestContext& ctx) {
  ConfigKey k{std::string(ctx.param("namespace_id").value_or("")), std::string(ctx.param("group").value_or("")),
              std::string(ctx.param("data_id").value_or(""))};
  if (auto bad = validate_key(k)) throw ApiError(400, "REGISTRY_CONFIG_INVALID", *bad);
  return k;
}

ConfigItem current_or_404(ConfigCenter& c, const ConfigKey& k) {
  auto item = c.get(k, "");
  if (!item) throw ApiError(404, "REGISTRY_CONFIG_NOT_FOUND", fmt::format("配置 {} 不存在", k.to_string()));
  return *item;
}

// The cursor of a page is the last version (or audit id) shown; the next page starts below it.
std::int64_t cursor_param(const Request& req) {
  auto c = req.query_param("cursor");
  if (!c || c->empty()) return std::numeric_limits<std::int64_t>::max();
  return int_param(req, "cursor", 0, 1, std::numeric_limits<std::int64_t>::max());
}

}  // namespace

void add_config_routes(core::http::Router& r, ConfigCenter& config) {
  r.add(Method::kGet, "/api/registry/v1/configs", [&config](Request& req, RequestContext&) -> Reply {
    ItemList list{config.list(req.query_param("namespace_id").value_or("")), {}};
    for (const auto& item : list.items)
      if (auto g = config.gray_of(item.key()))
        list.grays.push_back({item.namespace_id, item.group, item.data_id, g->gray_tag.value_or(""), g->version});
    co_return Response::json(200, core::json::serialize(list));
  });
  r.add(Method::kGet, path(), [&config](Request& req, RequestContext& ctx) -> Reply {
    const auto k = key_of(ctx);
    auto item = config.get(k, req.query_param("tag").value_or(""));
    if (!item) throw ApiError(404, "REGISTRY_CONFIG_NOT_FOUND", fmt::format("配置 {} 不存在", k.to_string()));
    co_return Response::json(200, core::json::serialize(*item));
  });
  r.add(Method::kPut, path(), [&config](Request& req, RequestContext& ctx) -> Reply {
    const auto k = key_of(ctx);
    // A service publishes only its own item (the calendar its calendar.yaml): never the gateway's
    // routes and filters, nor anyone's dynamic settings.
    if (!ctx.calling_service.empty() && k.data_id != ctx.calling_service + ".yaml")
      throw ApiError(403, "REGISTRY_NOT_YOUR_CONFIG", fmt::format("服务 {} 只能发布自己的配置 {}.yaml", ctx.calling_service, ctx.calling_service));
    auto body = core::json::parse<PublishRequest>(req.body);
    Actor actor = actor_of(ctx, body.author);
    auto item = co_await config.publish(k, std::move(body), actor);
    co_return Response::json(200, core::json::serialize(item));
  });
  r.add(Method::kDelete, path(), [&config](Request& req, RequestContext& ctx) -> Reply {
    const auto k = key_of(ctx);
    Actor actor = actor_of(ctx, req.query_param("author").value_or(""));
    const bool removed = co_await config.remove(k, actor);
    if (!removed)
      throw ApiError(404, "REGISTRY_CONFIG_NOT_FOUND", fmt::format("配置 {} 不存在", k.to_string()));
    co_return Response::json(200, "{}");
  });
  r.add(Method::kGet, path("/history"), [&config](Request& req, RequestContext& ctx) -> Reply {
    const auto k = key_of(ctx);
    const auto before = cursor_param(req);
    const auto limit = int_param(req, "limit", 20, 1, 100);
    auto rows = co_await core::blocking([&] { return config.store().history(k, before, limit + 1); });
    HistoryPage page;
    for (std::size_t i = 0; i < rows.size() && static_cast<std::int64_t>(i) < limit; ++i)
      page.items.push_back({rows[i].item, rows[i].kind});
    if (static_cast<std::int64_t>(rows.size()) > limit) page.next_cursor = std::to_string(page.items.back().item.version);
    co_return Response::json(200, core::json::serialize(page));
  });
  r.add(Method::kGet, path("/versions/{version}"), [&config](Request&, RequestContext& ctx) -> Reply {
    const auto k = key_of(ctx);
    std::int64_t v = 0;
    try {
      v = std::stoll(std::string(ctx.param("version").value_or("")));
    } catch (...) {
      throw ApiError(400, "REGISTRY_BAD_PARAM", "版本号应为整数");
    }
    auto h = co_await core::blocking([&] { return config.store().version(k, v); });
    if (!h) throw ApiError(404, "REGISTRY_CONFIG_VERSION_NOT_FOUND", fmt::format("配置没有版本{}", v));
    co_return Response::json(200, core::json::serialize(HistoryItem{h->item, h->kind}));
  });
  r.add(Method::kGet, path("/diff"), [&config](Request& req, RequestContext& ctx) -> Reply {
    const auto k = key_of(ctx);
    const auto max = std::numeric_limits<std::int64_t>::max();
    const auto from = int_param(req, "from", 0, 1, max);
    if (from == 0) throw ApiError(400, "REGISTRY_BAD_PARAM", "请指定 from 版本");
    std::int64_t to = int_param(req, "to", 0, 1, max);
    auto [a, b] = co_await core::blocking([&] {
      return std::pair{config.store().version(k, from), to ? config.store().version(k, to) : std::optional<HistoryEntry>()};
    });
    if (!a) throw ApiError(404, "REGISTRY_CONFIG_VERSION_NOT_FOUND", fmt::format("配置没有版本{}", from));
    ConfigItem target;
    if (to) {
      if (!b) throw ApiError(404, "REGISTRY_CONFIG_VERSION_NOT_FOUND", fmt::format("配置没有版本{}", to));
      target = b->item;
    } else {
      target = current_or_404(config, k);
    }
    co_return Response::json(200, core::json::serialize(Diff{from, target.version, line_diff(a->item.content, target.content)}));
  });
  r.add(Method::kPost, path("/rollback"), [&config](Request& req, RequestContext& ctx) -> Reply {
    const auto k = key_of(ctx);
    auto body = core::json::parse<RollbackRequest>(req.body);
    Actor actor = actor_of(ctx, body.author);
    auto item = co_await config.rollback(k, body.version, actor, body.comment, body.check.value_or(true));
    co_return Response::json(200, core::json::serialize(item));
  });
  r.add(Method::kGet, path("/gray"), [&config](Request&, RequestContext& ctx) -> Reply {
    const auto k = key_of(ctx);
    auto g = config.gray_of(k);
    if (!g) throw ApiError(404, "REGISTRY_CONFIG_NOT_FOUND", "该配置没有灰度版本");
    co_return Response::json(200, core::json::serialize(*g));
  });
  r.add(Method::kPut, path("/gray"), [&config](Request& req, RequestContext& ctx) -> Reply {
    const auto k = key_of(ctx);
    auto body = core::json::parse<GrayRequest>(req.body);
    Actor actor = actor_of(ctx, body.author);
    PublishRequest pr{body.content, body.format.empty() ? current_or_404(config, k).format : body.format, body.author,
                      body.comment, std::nullopt, body.check};
    auto item = co_await config.gray(k, body.tag, std::move(pr), actor);
    co_return Response::json(200, core::json::serialize(item));
  });
  r.add(Method::kDelete, path("/gray"), [&config](Request& req, RequestContext& ctx) -> Reply {
    const auto k = key_of(ctx);
    Actor actor = actor_of(ctx, req.query_param("author").value_or(""));
    const bool cancelled = co_await config.cancel_gray(k, actor);
    if (!cancelled) throw ApiError(404, "REGISTRY_CONFIG_NOT_FOUND", "该配置没有灰度版本");
    co_return Response::json(200, "{}");
  });
  r.add(Method::kPost, path("/gray/promote"), [&config](Request& req, RequestContext& ctx) -> Reply {
    const auto k = key_of(ctx);
    auto body = core::json::parse<PromoteRequest>(req.body);
    Actor actor = actor_of(ctx, body.author);
    auto g = config.gray_of(k);
    if (!g) throw ApiError(404, "REGISTRY_CONFIG_NOT_FOUND", "该配置没有灰度版本");
    PublishRequest pr{g->content, g->format, body.author,
                      body.comment.empty() ? fmt::format("全量发布灰度版本{}", g->version) : body.comment, std::nullopt, body.check};
    auto out = co_await config.publish(k, std::move(pr), actor);
    co_await config.cancel_gray(k, actor);
    co_return Response::json(200, core::json::serialize(out));
  });
  r.add(Method::kPost, path("/acks"), [&config](Request& req, RequestContext& ctx) -> Reply {
    const auto k = key_of(ctx);
    auto ack = core::json::parse<core::discovery::ConfigAck>(req.body);
    if (ack.namespace_id != k.namespace_id || ack.group != k.group || ack.data_id != k.data_id)
      throw ApiError(400, "REGISTRY_BAD_PARAM", "回执中的配置键与路径不一致");
    if (!core::discovery::valid_name(ack.instance)) throw ApiError(400, "REGISTRY_BAD_PARAM", "回执缺少有效的实例ID");
    if (ack.message.size() > 1024) ack.message.resize(1024);
    ack.at = core::utc_timestamp();
    co_await core::blocking([&] { config.store().record_ack(ack); });
    co_return Response::json(200, "{}");
  });
  r.add(Method::kGet, path("/acks"), [&config](Request&, RequestContext& ctx) -> Reply {
    const auto k = key_of(ctx);
    AckList list;
    list.items = co_await core::blocking([&] { return config.store().acks(k); });
    co_return Response::json(200, core::json::serialize(list));
  });
  r.add(Method::kPost, "/api/registry/v1/configs/listen", [&config](Request& req, RequestContext& ctx) -> Reply {
    auto body = core::json::parse<ListenRequest>(req.body);
    if (body.watches.empty() || body.watches.size() > 256) throw ApiError(400, "REGISTRY_BAD_PARAM", "监听的配置数应为1到256个");
    if (body.wait_ms < 0 || body.wait_ms > 30000) throw ApiError(400, "REGISTRY_BAD_PARAM", "wait_ms 应在0到30000之间");
    auto changed = co_await config.listen(std::move(body.watches), body.tag, hold_time(ctx, body.wait_ms));
    co_return Response::json(200, core::json::serialize(ListenResponse{std::move(changed)}));
  });
  r.add(Method::kGet, "/api/registry/v1/audit", [&config](Request& req, RequestContext&) -> Reply {
    const auto before = cursor_param(req);
    const auto limit = int_param(req, "limit", 20, 1, 100);
    auto rows = co_await core::blocking([&] { return config.store().audit(before, limit + 1); });
    AuditPage page;
    for (std::size_t i = 0; i < rows.size() && static_cast<std::int64_t>(i) < limit; ++i) page.items.push_back(rows[i]);
    if (static_cast<std::int64_t>(rows.size()) > limit) page.next_cursor = std::to_string(page.items.back().id);
    co_return Response::json(200, core::json::serialize(page));
  });
}

}  // namespace zt::platform::registry
