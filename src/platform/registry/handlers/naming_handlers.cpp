#include <boost/asio/awaitable.hpp>
#include <fmt/format.h>

#include "core/http/error.hpp"
#include "core/http/router.hpp"
#include "core/json/json.hpp"
#include "platform/registry/handlers/handlers.hpp"

namespace zt::platform::registry {

using core::http::ApiError;
using core::http::Method;
using core::http::Request;
using core::http::RequestContext;
using core::http::Response;
using Reply = boost::asio::awaitable<Response>;

namespace {

struct ServiceList {
  std::vector<ServiceSummary> items;
};
BOOST_DESCRIBE_STRUCT(ServiceList, (), (items))

struct InstancePatch {
  std::optional<bool> enabled;
  std::optional<std::int64_t> weight;
  std::optional<std::string> author;
};
BOOST_DESCRIBE_STRUCT(InstancePatch, (), (enabled, weight, author))

struct Known {
  bool known = true;
};
BOOST_DESCRIBE_STRUCT(Known, (), (known))

std::string param(const RequestContext& ctx, std::string_view name) { return std::string(ctx.param(name).value_or("")); }

}  // namespace

std::int64_t int_param(const Request& req, std::string_view name, std::int64_t fallback, std::int64_t min, std::int64_t max) {
  auto v = req.query_param(name);
  if (!v || v->empty()) return fallback;
  std::int64_t out = 0;
  try {
    std::size_t used = 0;
    out = std::stoll(*v, &used);
    if (used != v->size()) throw std::invalid_argument("trailing");
  } catch (...) {
    throw ApiError(400, "REGISTRY_BAD_PARAM", fmt::format("参数 {} 应为整数", name));
  }
  if (out < min || out > max) throw ApiError(400, "REGISTRY_BAD_PARAM", fmt::format("参数 {} 应在{}到{}之间", name, min, max));
  return out;
}

bool bool_param(const Request& req, std::string_view name, bool fallback) {
  auto v = req.query_param(name);
  if (!v || v->empty()) return fallback;
  if (*v == "true" || *v == "1") return true;
  if (*v == "false" || *v == "0") return false;
  throw ApiError(400, "REGISTRY_BAD_PARAM", fmt::format("参数 {} 应为 true 或 false", name));
}

// The verified caller: a staff member (through a gateway, or for whom a service acts) or the
// service itself. A name in the body ("author") is never taken for it.
Actor actor_of(const RequestContext& ctx, const std::string& /*named*/) {
  if (ctx.caller.kind == core::http::CallerKind::kAnonymous || ctx.caller.subject.empty())
    throw ApiError(401, "REGISTRY_OPERATOR_REQUIRED", "请先登录：配置与实例的变更记录操作人");
  return {ctx.caller.subject, ctx.trace_id};
}

namespace {
// A service registers, heartbeats and deregisters only itself.
void require_own_service(const RequestContext& ctx, const std::string& service) {
  if (ctx.calling_service != service)
    throw ApiError(403, "REGISTRY_NOT_YOUR_SERVICE",
                   fmt::format("服务 {} 不能以服务 {} 的名义注册或变更实例", ctx.calling_service.empty() ? "(外部调用)" : ctx.calling_service, service));
}
}  // namespace

std::chrono::milliseconds hold_time(const RequestContext& ctx, std::int64_t asked_ms) {
  auto hold = std::chrono::milliseconds(std::min<std::int64_t>(asked_ms, 30000));
  auto budget = ctx.remaining() - std::chrono::milliseconds(1000);
  return std::max(std::chrono::milliseconds(0), std::min(hold, budget));
}

void add_naming_routes(core::http::Router& r, NamingService& naming) {
  r.add(Method::kPost, "/api/registry/v1/instances", [&naming](Request& req, RequestContext& ctx) -> Reply {
    auto reg = core::json::parse<core::discovery::Registration>(req.body);
    require_own_service(ctx, reg.service);
    auto inst = co_await naming.register_instance(std::move(reg));
    co_return Response::json(200, core::json::serialize(inst));
  });
  r.add(Method::kPut, "/api/registry/v1/services/{service}/instances/{id}/heartbeat",
        [&naming](Request&, RequestContext& ctx) -> Reply {
          require_own_service(ctx, param(ctx, "service"));
          const bool known = co_await naming.heartbeat(param(ctx, "service"), param(ctx, "id"));
          if (!known)
            throw ApiError(404, "REGISTRY_INSTANCE_NOT_FOUND", "实例未注册或已过期，请重新注册");
          co_return Response::json(200, core::json::serialize(Known{true}));
        });
  r.add(Method::kDelete, "/api/registry/v1/services/{service}/instances/{id}",
        [&naming](Request&, RequestContext& ctx) -> Reply {
          require_own_service(ctx, param(ctx, "service"));
          const bool removed = co_await naming.deregister(param(ctx, "service"), param(ctx, "id"));
          if (!removed)
            throw ApiError(404, "REGISTRY_INSTANCE_NOT_FOUND", "实例不存在");
          co_return Response::json(200, "{}");
        });
  r.add(Method::kPatch, "/api/registry/v1/services/{service}/instances/{id}",
        [&naming](Request& req, RequestContext& ctx) -> Reply {
          auto patch = core::json::parse<InstancePatch>(req.body);
          auto inst = co_await naming.set_override(param(ctx, "service"), param(ctx, "id"), {patch.enabled, patch.weight},
                                                   actor_of(ctx, patch.author.value_or("")));
          co_return Response::json(200, core::json::serialize(inst));
        });
  r.add(Method::kGet, "/api/registry/v1/services", [&naming](Request&, RequestContext&) -> Reply {
    co_return Response::json(200, core::json::serialize(ServiceList{naming.services()}));
  });
  r.add(Method::kGet, "/api/registry/v1/services/{service}/instances", [&naming](Request& req, RequestContext& ctx) -> Reply {
    const bool healthy_only = bool_param(req, "healthy_only", true);
    const std::int64_t known = int_param(req, "version", -1, -1, std::numeric_limits<std::int64_t>::max());
    const auto wait = hold_time(ctx, int_param(req, "wait_ms", 30000, 0, 30000));
    auto snap = co_await naming.watch(param(ctx, "service"), healthy_only, known, wait);
    co_return Response::json(200, core::json::serialize(snap));
  });
}

}  // namespace zt::platform::registry
