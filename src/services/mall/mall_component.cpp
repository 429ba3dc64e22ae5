#include "services/mall/mall_component.hpp"

#include <fmt/format.h>

#include <atomic>
#include <boost/json.hpp>
#include <mutex>
#include <unordered_map>

#include "core/discovery/discovery.hpp"
#include "core/discovery/service_client.hpp"
#include "core/finance/business_clock.hpp"
#include "core/finance/live_calendar.hpp"
#include "core/http/params.hpp"
#include "core/http/refusal.hpp"
#include "core/http/router.hpp"
#include "core/json/json.hpp"
#include "core/net/notifier.hpp"
#include "core/net/runtime.hpp"
#include "core/observe/log.hpp"
#include "core/observe/trace.hpp"
#include "core/storage/database.hpp"
#include "core/util/digest.hpp"
#include "core/util/time.hpp"
#include "services/mall/store/mall_store.hpp"

std::span<const zt::core::EmbeddedFile> zt_mall_migrations();
std::span<const zt::core::EmbeddedFile> zt_mall_openapi();

namespace zt::services::mall {

// Bodies of the calls to the counter and suitability.
struct CounterOrder {
  std::string request_id;
  std::string fund_account;
  std::string product;
  std::string side;
  std::optional<Money> amount;
  std::optional<Shares> shares;
  std::string trade_date;
};
BOOST_DESCRIBE_STRUCT(CounterOrder, (), (request_id, fund_account, product, side, amount, shares, trade_date))
struct CounterCancel {
  std::string request_id;
  std::string order_id;
};
BOOST_DESCRIBE_STRUCT(CounterCancel, (), (request_id, order_id))
struct CounterConfirm {
  std::string request_id;
  std::string order_id;
  Nav nav;
  Money fee;
  std::string confirmed_date;
  bool truncate_shares = false;
};
BOOST_DESCRIBE_STRUCT(CounterConfirm, (), (request_id, order_id, nav, fee, confirmed_date, truncate_shares))
struct CounterFund {
  std::string code;
  std::string name;
  std::string kind = "fund";
  std::string market = "OF";
  std::string price;
  std::string price_date;
};
BOOST_DESCRIBE_STRUCT(CounterFund, (), (code, name, kind, market, price, price_date))
struct SuitProduct {
  std::string code;
  std::string name;
  int risk = 0;
  std::string audience;
};
BOOST_DESCRIBE_STRUCT(SuitProduct, (), (code, name, risk, audience))
struct SuitMatch {
  std::string customer_id;
  SuitProduct product;
  std::optional<std::string> warning_id;
};
BOOST_DESCRIBE_STRUCT(SuitMatch, (), (customer_id, product, warning_id))
struct SuitWarning {
  std::string customer_id;
  SuitProduct product;
};
BOOST_DESCRIBE_STRUCT(SuitWarning, (), (customer_id, product))

namespace {

using core::http::ApiError;
using core::http::CallerKind;
using core::http::limit_param;
using core::http::Method;
using core::http::path_param;
using core::http::Request;
using core::http::RequestContext;
using core::http::Response;
using core::http::value_or_throw;
using Reply = boost::asio::awaitable<Response>;

std::string customer_of(const RequestContext& ctx) {
  if (ctx.caller.kind != CallerKind::kCustomer || ctx.caller.subject.empty())
    throw ApiError(401, "MALL_LOGIN_REQUIRED", "请先登录");
  return ctx.caller.subject;
}
void require_staff(const RequestContext& ctx, const char* permission, const char* what) {
  if (ctx.caller.kind == CallerKind::kStaff && ctx.caller.has_permission(permission)) return;
  throw ApiError(403, "MALL_FORBIDDEN", fmt::format("需要{}权限（{}）", what, permission));
}
int seconds_of(const std::string& hhmm) {
  if (hhmm.size() != 5 || hhmm[2] != ':') throw std::invalid_argument("time");
  const int h = std::stoi(hhmm.substr(0, 2)), m = std::stoi(hhmm.substr(3, 2));
  if (h < 0 || h > 23 || m < 0 || m > 59) throw std::invalid_argument("time");
  return h * 3600 + m * 60;
}
SuitProduct suit_product(const ProductTerms& t) { return {t.code, t.name, t.risk, t.audience}; }
std::string error_code(const std::string& body) {
  try {
    auto v = boost::json::parse(body);
    if (auto* o = v.if_object(); o && o->contains("code")) return std::string(o->at("code").as_string());
  } catch (...) {
  }
  return "";
}
std::string error_message(const std::string& body) {
  try {
    auto v = boost::json::parse(body);
    if (auto* o = v.if_object(); o && o->contains("message")) return std::string(o->at("message").as_string());
  } catch (...) {
  }
  return "";
}

struct Answer {
  int status = 0;  // 0: no answer (unreachable)
  std::string body;
};

const std::string kAuth = "auth", kSuitability = "suitability", kCounter = "counter", kNoBody;

class MallComponent final : public core::Component {
 public:
  explicit MallComponent(core::ComponentContext& ctx)
      : db_(ctx.database()),
        runtime_(ctx.runtime()),
        discovery_(ctx.get<core::discovery::Discovery>("discovery")),
        store_(rules_of(ctx.config())),
        cutoff_(seconds_of(ctx.config().get_string("cutoff"))),
        interval_(ctx.config().get_duration("confirm_interval")),
        read_cache_(ctx.config().get_duration("read_cache")),
        instance_(ctx.full_config().section("node").get_string("name") + "-" + core::observe::random_hex_id(4)) {
    routes(ctx.public_router());
  }

  void start() override {
    // The confirmation job: every confirm_interval, under a lease so one instance runs it at a
    // time (settling stays exactly once without it: the counter's request ids and a conditional
    // update guard every order).
    runtime_.spawn(0, [this]() -> boost::asio::awaitable<void> {
      while (!stopping_.load()) {
        co_await stop_signal_.wait(stop_signal_.generation(), interval_);
        if (stopping_.load()) break;
        try {
          const auto now = core::unix_millis();
          const std::string job = "confirmation", holder = instance_;
          const bool mine = co_await db_.write(
              [&](core::storage::Tx& tx) { return store_.lease(tx, job, holder, now, interval_.count() * 2); });
          if (mine) {
            auto run = co_await confirm_due(nullptr);
            if (run.confirmed + run.failed + run.redriven > 0)
              core::log::info("mall: confirmation run {}: {} confirmed, {} waiting for a NAV, {} failed, {} re-driven",
                              run.business_date, run.confirmed, run.waiting_for_nav, run.failed, run.redriven);
          }
        } catch (const std::exception& e) {
          core::log::warn("mall: confirmation run failed: {}", e.what());
        }
      }
    });
  }
  void stop() override {
    stopping_ = true;
    stop_signal_.notify_all();
  }

 private:
  static CategoryRules rules_of(const core::config::Section& c) {
    CategoryRules r;
    r.income_certificate_max_holders = static_cast<int>(c.get_int("income_certificate_max_holders"));
    r.income_certificate_min_protected = Money::parse(c.get_string("income_certificate_min_protected"));
    r.income_certificate_min_unprotected = Money::parse(c.get_string("income_certificate_min_unprotected"));
    r.qualified_min_purchase = Money::parse(c.get_string("qualified_min_purchase"));
    return r;
  }

  // One call to another service; a transport failure answers status 0.
  // (Arguments by reference to named locals: g++ 12 mishandles temporaries inside co_await.)
  boost::asio::awaitable<Answer> call(const std::string& service, Method method, const std::string& target,
                                      const std::string& body, const RequestContext* ctx) {
    core::http::Request req;
    req.method = method;
    req.target = target;
    if (!body.empty()) {
      req.headers.set("content-type", "application/json");
      req.body = body;
    }
    const core::discovery::CallOptions options{.as = "mall"};
    try {
      auto result = co_await discovery_.client().call(service, std::move(req), ctx, options);
      co_return Answer{result.response.status, result.response.body};
    } catch (const ApiError& e) {
      if (ctx) ctx->log().warn("mall: {} unavailable: {}", service, e.what());
      co_return Answer{0, ""};
    } catch (const std::exception& e) {
      core::log::warn("mall: calling {} failed: {}", service, e.what());
      co_return Answer{0, ""};
    }
  }

  // The customer's fund account (bound once, so cached once known).
  boost::asio::awaitable<std::string> fund_account(const std::string& customer, const RequestContext& ctx) {
    {
      std::lock_guard lock(mutex_);
      if (auto it = accounts_.find(customer); it != accounts_.end()) co_return it->second;
    }
    const std::string target = "/api/auth/v1/customers/" + customer + "/account";
    auto a = co_await call(kAuth, Method::kGet, target, kNoBody, &ctx);
    if (a.status != 200) throw ApiError(503, "MALL_DEPENDENCY_UNAVAILABLE", "暂时无法查询资金账户，请稍后重试");
    const auto v = boost::json::parse(a.body);
    if (!v.at("fund_account").is_string()) throw ApiError(409, "MALL_NO_FUND_ACCOUNT", "您尚未开立资金账户，请先开户");
    std::string fa(v.at("fund_account").as_string());
    std::lock_guard lock(mutex_);
    accounts_[customer] = fa;
    co_return fa;
  }

  boost::asio::awaitable<SuitabilityCheck> suitability(const std::string& customer, const ProductTerms& t,
                                                       const std::optional<std::string>& warning,
                                                       const RequestContext& ctx) {
    const SuitMatch match{customer, suit_product(t), warning};
    const std::string target = "/api/suitability/v1/match", body = core::json::serialize(match);
    auto a = co_await call(kSuitability, Method::kPost, target, body, &ctx);
    if (a.status != 200) throw ApiError(503, "MALL_DEPENDENCY_UNAVAILABLE", "暂时无法进行适当性匹配，请稍后重试");
    co_return core::json::parse<SuitabilityCheck>(a.body);
  }

  ProductRow product_or_404(core::storage::Tx& tx, const std::string& code) const {
    auto p = store_.product(tx, code);
    if (!p || p->status == "draft") throw ApiError(404, "MALL_PRODUCT_NOT_FOUND", fmt::format("产品 {} 不存在", code));
    return *p;
  }

  // Pending, and before the cut-off of its trade date.
  bool cancellable(const std::string& state, const std::string& trade_date,
                   const core::finance::BusinessTime& now) const {
    if (state != "pending") return false;
    const auto today = core::finance::format_date(now.date);
    return today < trade_date || (today == trade_date && now.seconds_of_day < cutoff_);
  }
  bool cancellable(const OrderRecord& o, const core::finance::BusinessTime& now) const {
    return cancellable(o.state, o.trade_date, now);
  }

  void routes(core::http::Router& r) {
    const std::string base = "/api/mall/v1";
    // ---- the catalogue (anyone; a signed-in customer sees what is promoted to them)
    r.add(Method::kGet, base + "/products", [this](Request& req, RequestContext& ctx) -> Reply {
      const auto category = req.query_param("category").value_or("");
      const auto cursor = req.query_param("cursor").value_or("");
      const auto limit = limit_param(req, "MALL");
      const std::string key = "list|" + category + "|" + cursor + "|" + std::to_string(limit);
      auto cached = cached_page(key);
      ProductPage page;
      if (cached) {
        page = std::move(*cached);
      } else {
        page = value_or_throw(co_await db_.read(
            [&](core::storage::Tx& tx) { return store_.products(tx, category, false, cursor, limit); }));
        remember_page(key, page);
      }
      co_await promote(page.items, ctx);
      co_return Response::json(200, core::json::serialize(page));
    });
    r.add(Method::kGet, base + "/products/{code}", [this](Request&, RequestContext& ctx) -> Reply {
      const auto code = path_param(ctx, "code");
      const std::string key = "detail|" + code;
      std::vector<ProductView> one;
      if (auto cached = cached_page(key)) {
        one = std::move(cached->items);
      } else {
        auto found =
            co_await db_.read([&](core::storage::Tx& tx) { return store_.view(tx, product_or_404(tx, code)); });
        one.push_back(std::move(found));
        remember_page(key, ProductPage{one, std::nullopt});
      }
      co_await promote(one, ctx);
      co_return Response::json(200, core::json::serialize(one.front()));
    });
    r.add(Method::kGet, base + "/products/{code}/navs", [this](Request& req, RequestContext& ctx) -> Reply {
      const auto code = path_param(ctx, "code");
      const auto from = req.query_param("from").value_or("0000-01-01"),
                 to = req.query_param("to").value_or("9999-12-31");
      auto out = value_or_throw(co_await db_.read([&](core::storage::Tx& tx) {
        product_or_404(tx, code);
        return store_.navs(tx, code, from, to);
      }));
      co_return Response::json(200, core::json::serialize(out));
    });
    // The customer's suitability for a product, and the special risk warning to read and sign.
    r.add(Method::kGet, base + "/products/{code}/suitability", [this](Request&, RequestContext& ctx) -> Reply {
      const auto customer = customer_of(ctx);
      const auto code = path_param(ctx, "code");
      auto p = co_await db_.read([&](core::storage::Tx& tx) { return product_or_404(tx, code); });
      const std::optional<std::string> no_warning;
      auto check = co_await suitability(customer, p.terms, no_warning, ctx);
      co_return Response::json(200, core::json::serialize(check));
    });
    r.add(Method::kPost, base + "/products/{code}/risk-warning", [this](Request&, RequestContext& ctx) -> Reply {
      const auto customer = customer_of(ctx);
      const auto code = path_param(ctx, "code");
      auto p = co_await db_.read([&](core::storage::Tx& tx) { return product_or_404(tx, code); });
      const SuitWarning warning{customer, suit_product(p.terms)};
      const std::string target = "/api/suitability/v1/warnings", body = core::json::serialize(warning);
      auto a = co_await call(kSuitability, Method::kPost, target, body, &ctx);
      if (a.status == 0 || a.status >= 500)
        throw ApiError(503, "MALL_DEPENDENCY_UNAVAILABLE", "暂时无法生成风险警示书，请稍后重试");
      if (a.status != 200) throw ApiError(a.status, error_code(a.body), error_message(a.body));
      co_return Response::json(200, a.body);
    });

    // ---- orders (customers)
    r.add(Method::kPost, base + "/orders", [this](Request& req, RequestContext& ctx) { return place(req, ctx); });
    r.add(Method::kGet, base + "/orders", [this](Request& req, RequestContext& ctx) -> Reply {
      OrderFilter f;
      f.customer = customer_of(ctx);
      f.cursor = req.query_param("cursor").value_or("");
      f.limit = limit_param(req, "MALL");
      auto page = value_or_throw(co_await db_.read([&](core::storage::Tx& tx) { return store_.orders(tx, f, false); }));
      const auto now = core::finance::business_now();
      for (auto& o : page.items) o.cancellable = cancellable(o.state, o.trade_date, now);
      co_return Response::json(200, core::json::serialize(page));
    });
    r.add(Method::kGet, base + "/orders/{id}", [this](Request&, RequestContext& ctx) -> Reply {
      const auto customer = customer_of(ctx);
      const auto id = path_param(ctx, "id");
      auto o = co_await db_.read([&](core::storage::Tx& tx) { return store_.order(tx, id); });
      if (!o || o->customer_id != customer) throw ApiError(404, "MALL_ORDER_NOT_FOUND", "订单不存在");
      co_return Response::json(
          200, core::json::serialize(store_.view(*o, cancellable(*o, core::finance::business_now()), false)));
    });
    r.add(Method::kPost, base + "/orders/{id}/cancel", [this](Request&, RequestContext& ctx) { return cancel(ctx); });
    r.add(Method::kGet, base + "/holdings", [this](Request&, RequestContext& ctx) { return holdings(ctx); });

    // ---- staff: products and NAVs (products.manage), orders (orders.read), the job (sandbox.manage)
    r.add(Method::kGet, base + "/admin/products", [this](Request& req, RequestContext& ctx) -> Reply {
      require_staff(ctx, "products.manage", "管理产品与净值");
      forget_catalogue();
      const auto category = req.query_param("category").value_or("");
      const auto cursor = req.query_param("cursor").value_or("");
      const auto limit = limit_param(req, "MALL");
      auto page = value_or_throw(
          co_await db_.read([&](core::storage::Tx& tx) { return store_.products(tx, category, true, cursor, limit); }));
      co_return Response::json(200, core::json::serialize(page));
    });
    r.add(Method::kPost, base + "/admin/products", [this](Request& req, RequestContext& ctx) -> Reply {
      require_staff(ctx, "products.manage", "管理产品与净值");
      forget_catalogue();
      const auto in = core::json::parse<ProductIn>(req.body);
      const Actor who{ctx.caller.subject, ctx.trace_id};
      const auto now = core::unix_millis();
      auto out = value_or_throw(
          co_await db_.write([&](core::storage::Tx& tx) { return store_.create_product(tx, in, who, now); }));
      ctx.log().info("mall: product {} created by {}", out.code, who.id);
      co_return Response::json(200, core::json::serialize(out));
    });
    r.add(Method::kPut, base + "/admin/products/{code}", [this](Request& req, RequestContext& ctx) -> Reply {
      require_staff(ctx, "products.manage", "管理产品与净值");
      forget_catalogue();
      const auto in = core::json::parse<ProductIn>(req.body);
      const auto code = path_param(ctx, "code");
      const Actor who{ctx.caller.subject, ctx.trace_id};
      const auto now = core::unix_millis();
      auto out = value_or_throw(
          co_await db_.write([&](core::storage::Tx& tx) { return store_.update_product(tx, code, in, who, now); }));
      if (out.status != "draft" && out.nav)
        co_await register_at_counter(out.code, out.name, *out.nav, *out.nav_date, &ctx, false);
      co_return Response::json(200, core::json::serialize(out));
    });
    r.add(Method::kPost, base + "/admin/products/{code}/status", [this](Request& req, RequestContext& ctx) -> Reply {
      require_staff(ctx, "products.manage", "管理产品与净值");
      forget_catalogue();
      const auto in = core::json::parse<StatusIn>(req.body);
      const auto code = path_param(ctx, "code");
      if (in.status == "published") {
        // The counter must know the product before anyone can order it.
        auto current = co_await db_.read([&](core::storage::Tx& tx) {
          auto p = store_.product(tx, code);
          if (!p) throw ApiError(404, "MALL_PRODUCT_NOT_FOUND", fmt::format("产品 {} 不存在", code));
          auto nav = store_.latest_nav(tx, code);
          if (!nav) throw ApiError(409, "MALL_NAV_MISSING", "请先录入产品净值再上架");
          return std::make_pair(*p, *nav);
        });
        const std::string nav = current.second.nav.to_string();
        co_await register_at_counter(code, current.first.terms.name, nav, current.second.date, &ctx, true);
      }
      const Actor who{ctx.caller.subject, ctx.trace_id};
      const auto now = core::unix_millis();
      auto out = value_or_throw(co_await db_.write(
          [&](core::storage::Tx& tx) { return store_.set_status(tx, code, in.status, in.comment, who, now); }));
      ctx.log().info("mall: product {} {} by {}", code, out.status, who.id);
      co_return Response::json(200, core::json::serialize(out));
    });
    r.add(Method::kPut, base + "/admin/products/{code}/navs/{date}",
          [this](Request& req, RequestContext& ctx) -> Reply {
            require_staff(ctx, "products.manage", "管理产品与净值");
            forget_catalogue();
            const auto in = core::json::parse<NavIn>(req.body);
            const auto code = path_param(ctx, "code"), date = path_param(ctx, "date");
            const Actor who{ctx.caller.subject, ctx.trace_id};
            auto out = co_await enter_nav(code, date, in.nav, who, ctx);
            co_return Response::json(200, core::json::serialize(out));
          });
    r.add(Method::kGet, base + "/admin/products/{code}/navs", [this](Request&, RequestContext& ctx) -> Reply {
      require_staff(ctx, "products.manage", "管理产品与净值");
      forget_catalogue();
      const auto code = path_param(ctx, "code");
      const std::string from = "0000-01-01", to = "9999-12-31";
      auto out =
          value_or_throw(co_await db_.read([&](core::storage::Tx& tx) { return store_.navs(tx, code, from, to); }));
      co_return Response::json(200, core::json::serialize(out));
    });
    r.add(Method::kPost, base + "/admin/navs/import",
          [this](Request& req, RequestContext& ctx) { return import_navs(req, ctx); });
    r.add(Method::kGet, base + "/admin/orders", [this](Request& req, RequestContext& ctx) -> Reply {
      require_staff(ctx, "orders.read", "查询订单");
      OrderFilter f;
      f.customer = req.query_param("customer").value_or("");
      f.product = req.query_param("product").value_or("");
      f.state = req.query_param("state").value_or("");
      f.cursor = req.query_param("cursor").value_or("");
      f.limit = limit_param(req, "MALL");
      auto page = value_or_throw(co_await db_.read([&](core::storage::Tx& tx) { return store_.orders(tx, f, true); }));
      co_return Response::json(200, core::json::serialize(page));
    });
    r.add(Method::kPost, base + "/admin/confirmations", [this](Request&, RequestContext& ctx) -> Reply {
      require_staff(ctx, "sandbox.manage", "操作沙箱环境");
      auto run = co_await confirm_due(&ctx);
      ctx.log().info("mall: confirmation run by {}: {} confirmed, {} waiting, {} failed", ctx.caller.subject,
                     run.confirmed, run.waiting_for_nav, run.failed);
      co_return Response::json(200, core::json::serialize(run));
    });
  }

  std::optional<ProductPage> cached_page(const std::string& key) {
    if (read_cache_.count() == 0) return std::nullopt;
    std::lock_guard lock(mutex_);
    auto it = catalogue_.find(key);
    if (it == catalogue_.end() || it->second.until <= std::chrono::steady_clock::now()) return std::nullopt;
    return it->second.page;
  }
  void remember_page(const std::string& key, const ProductPage& page) {
    if (read_cache_.count() == 0) return;
    std::lock_guard lock(mutex_);
    if (catalogue_.size() > 10000) catalogue_.clear();
    catalogue_[key] = CachedPage{std::chrono::steady_clock::now() + read_cache_, page};
  }
  void forget_catalogue() {
    std::lock_guard lock(mutex_);
    catalogue_.clear();
  }

  boost::asio::awaitable<void> promote(std::vector<ProductView>& items, const RequestContext& ctx) {
    if (ctx.caller.kind != CallerKind::kCustomer || items.empty()) co_return;
    const std::string customer = ctx.caller.subject;
    std::optional<CachedRisk> risk;
    {
      std::lock_guard lock(mutex_);
      if (auto it = risks_.find(customer); it != risks_.end() && it->second.until > std::chrono::steady_clock::now())
        risk = it->second;
    }
    if (!risk) {
      const std::string target = "/api/suitability/v1/customers/" + customer;
      auto a = co_await call(kSuitability, Method::kGet, target, kNoBody, &ctx);
      if (a.status != 200) co_return;  // nothing is promoted when the profile cannot be read
      const auto p = boost::json::parse(a.body).as_object();
      CachedRisk r;
      r.until = std::chrono::steady_clock::now() + read_cache_;
      r.valid = p.at("assessed").as_bool() && !p.at("expired").as_bool();
      r.level = p.at("level_number").to_number<int>();
      r.qualified = p.at("qualified").as_bool();
      r.professional = std::string(p.at("investor_type").as_string()) == "professional";
      risk = r;
      std::lock_guard lock(mutex_);
      if (risks_.size() > 100000) risks_.clear();
      risks_[customer] = r;
    }
    for (auto& v : items)
      v.promoted = risk->valid && v.risk_level <= risk->level &&
                   (v.audience == "public" || (v.audience == "qualified" && risk->qualified) || risk->professional);
  }

  boost::asio::awaitable<void> register_at_counter(const std::string& code, const std::string& name,
                                                   const std::string& nav, const std::string& date,
                                                   const RequestContext* ctx, bool required) {
    const CounterFund fund{code, name, "fund", "OF", nav, date};
    const std::string target = "/api/counter/v1/products/" + code, body = core::json::serialize(fund);
    auto a = co_await call(kCounter, Method::kPut, target, body, ctx);
    if (a.status == 200) co_return;
    if (a.status == 409 && error_code(a.body) == "COUNTER_NAV_MISMATCH")
      throw ApiError(409, "MALL_NAV_CONFLICT", "柜台记录的净值与录入不一致：" + error_message(a.body));
    if (required) throw ApiError(503, "MALL_DEPENDENCY_UNAVAILABLE", "暂时无法在柜台登记产品，请稍后重试");
    core::log::warn("mall: could not register {} at the counter ({}); it will be on the next NAV", code, a.status);
  }

  boost::asio::awaitable<NavPoint> enter_nav(const std::string& code, const std::string& date, Nav nav,
                                             const Actor& who, RequestContext& ctx) {
    const auto now = core::unix_millis();
    // Checked and kept in the mall first only when the counter agrees: a published product's NAV
    // goes to the counter before it is written here (re-entering the same value is harmless).
    auto p = co_await db_.read([&](core::storage::Tx& tx) { return store_.product(tx, code); });
    if (!p) throw ApiError(404, "MALL_PRODUCT_NOT_FOUND", fmt::format("产品 {} 不存在", code));
    if (p->status != "draft" && nav.units() > 0) {
      try {
        core::finance::parse_date(date);
      } catch (const core::finance::CalendarError&) {
        throw ApiError(400, "MALL_BAD_DATE", "净值日期应为有效日期（YYYY-MM-DD）");
      }
      auto existing = co_await db_.read([&](core::storage::Tx& tx) { return store_.nav_on(tx, code, date); });
      const std::string text = nav.to_string();
      if (!existing) co_await register_at_counter(code, p->terms.name, text, date, &ctx, false);
    }
    co_return value_or_throw(
        co_await db_.write([&](core::storage::Tx& tx) { return store_.put_nav(tx, code, date, nav, who, now); }));
  }

  // "code,date,nav" per line (a header line allowed); every line checked first, all or nothing.
  Reply import_navs(Request& req, RequestContext& ctx) {
    require_staff(ctx, "products.manage", "管理产品与净值");
    forget_catalogue();
    const auto in = core::json::parse<NavImport>(req.body);
    struct Line {
      std::string code, date;
      Nav nav;
    };
    std::vector<Line> lines;
    std::size_t start = 0;
    for (int number = 1; start <= in.csv.size(); ++number) {
      auto end = in.csv.find('\n', start);
      std::string line = in.csv.substr(start, end == std::string::npos ? std::string::npos : end - start);
      start = end == std::string::npos ? in.csv.size() + 1 : end + 1;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      if (number == 1 && line.rfind("code", 0) == 0) continue;
      std::vector<std::string> cells;
      std::size_t s = 0;
      while (true) {
        auto c = line.find(',', s);
        cells.push_back(line.substr(s, c == std::string::npos ? std::string::npos : c - s));
        if (c == std::string::npos) break;
        s = c + 1;
      }
      if (cells.size() != 3)
        throw ApiError(400, "MALL_NAV_IMPORT_INVALID", fmt::format("第{}行应为“产品代码,日期,净值”三列", number));
      try {
        core::finance::parse_date(cells[1]);
      } catch (const core::finance::CalendarError&) {
        throw ApiError(400, "MALL_NAV_IMPORT_INVALID", fmt::format("第{}行的日期无效：{}", number, cells[1]));
      }
      auto nav = core::finance::Decimal::try_parse(cells[2], Nav::kScale);
      if (!nav || nav->units() <= 0)
        throw ApiError(400, "MALL_NAV_IMPORT_INVALID",
                       fmt::format("第{}行的净值无效：{}（最多4位小数，大于0）", number, cells[2]));
      lines.push_back({cells[0], cells[1], Nav(*nav)});
      if (lines.size() > 5000) throw ApiError(400, "MALL_NAV_IMPORT_INVALID", "一次最多导入5000行");
    }
    if (lines.empty()) throw ApiError(400, "MALL_NAV_IMPORT_INVALID", "没有可导入的净值");
    const Actor who{ctx.caller.subject, ctx.trace_id};
    const auto now = core::unix_millis();
    // All lines in one transaction (a refusal rolls every one back), then published products'
    // NAVs go to the counter.
    auto result = co_await db_.write([&](core::storage::Tx& tx) -> Result<NavImported> {
      NavImported out;
      for (std::size_t i = 0; i < lines.size(); ++i) {
        bool unchanged = false;
        auto r = store_.put_nav(tx, lines[i].code, lines[i].date, lines[i].nav, who, now, &unchanged);
        if (auto* refusal = std::get_if<Refusal>(&r))
          throw ApiError(refusal->status, refusal->code, fmt::format("第{}条：{}", i + 1, refusal->message));
        (unchanged ? out.unchanged : out.imported) += 1;
      }
      return out;
    });
    auto out = value_or_throw(std::move(result));
    std::map<std::string, std::pair<std::string, Nav>> newest;
    for (const auto& l : lines)
      if (!newest.contains(l.code) || newest[l.code].first < l.date) newest[l.code] = {l.date, l.nav};
    for (const auto& [code, point] : newest) {
      auto p = co_await db_.read([&](core::storage::Tx& tx) { return store_.product(tx, code); });
      const std::string nav = point.second.to_string();
      if (p && p->status != "draft") co_await register_at_counter(code, p->terms.name, nav, point.first, &ctx, false);
    }
    ctx.log().info("mall: {} imported {} NAVs ({} unchanged)", who.id, out.imported, out.unchanged);
    co_return Response::json(200, core::json::serialize(out));
  }

  Reply place(Request& req, RequestContext& ctx) {
    const auto customer = customer_of(ctx);
    const auto key = req.headers.get("idempotency-key");
    if (!key || key->size() < 8 || key->size() > 128)
      throw ApiError(400, "MALL_IDEMPOTENCY_KEY_REQUIRED", "下单需要 Idempotency-Key 请求头（8到128位）");
    const std::string idem(*key);
    const auto in = core::json::parse<OrderIn>(req.body);
    const std::string fingerprint = core::sha256_hex(core::json::serialize(in));
    // A replay answers the first order (and finishes placing it if that was interrupted).
    // One read for what the order needs to know: a first order under this key, the product, and
    // whether this is the customer's first purchase of it.
    struct Known {
      std::optional<OrderRecord> seen;
      std::optional<ProductRow> product;
      bool first = true;
    };
    auto known = co_await db_.read([&](core::storage::Tx& tx) {
      Known k;
      k.seen = store_.order_by_key(tx, customer, idem);
      if (!k.seen) {
        k.product = store_.product(tx, in.product);
        if (in.side == "subscribe") k.first = store_.first_purchase(tx, customer, in.product);
      }
      return k;
    });
    if (known.seen) co_return co_await replay(*known.seen, fingerprint, ctx);
    if (!known.product || known.product->status == "draft")
      throw ApiError(404, "MALL_PRODUCT_NOT_FOUND", fmt::format("产品 {} 不存在", in.product));
    const ProductRow& p = *known.product;
    const auto now = core::finance::business_now();
    OrderRecord o;
    o.customer_id = customer;
    o.product = in.product;
    o.side = in.side;
    o.idempotency_key = idem;
    o.fingerprint = fingerprint;
    o.trace_id = ctx.trace_id;
    o.fees = p.terms.fees;  // it settles on the terms shown now, whatever changes before T+1
    // T, the NAV date: the sale window is about the day the order trades, not the day it is placed.
    try {
      const auto cal = core::finance::trading_calendar();
      const auto t = nav_date(*cal, now.date, now.seconds_of_day, cutoff_);
      o.trade_date = core::finance::format_date(t);
      o.confirm_date = core::finance::format_date(confirmation_date(*cal, t));
    } catch (const core::finance::CalendarError& e) {
      throw ApiError(422, "MALL_NO_CALENDAR", fmt::format("交易日历未覆盖该期间：{}", e.what()));
    }
    if (in.side == "subscribe") {
      if (!in.amount || in.shares) throw ApiError(400, "MALL_AMOUNT_INVALID", "申购应填写金额，不填份额");
      if (p.status != "published") throw ApiError(409, "MALL_PRODUCT_HALTED", fmt::format("{}暂停申购", p.terms.name));
      if (auto bad = check_sale_window(p.terms, o.trade_date)) throw ApiError(bad->status, bad->code, bad->message);
      const bool first = known.first;
      if (auto bad = check_subscription_amount(p.terms, *in.amount, first))
        throw ApiError(bad->status, bad->code, bad->message);
      auto check = co_await suitability(customer, p.terms, in.warning_id, ctx);
      if (check.outcome == "warn") throw ApiError(409, "MALL_RISK_MISMATCH", check.reason);
      if (check.outcome != "allow") throw ApiError(403, check.rule, check.reason);
      o.suitability_rule = check.rule;
      o.warning_id = check.warning_id;
      o.amount_units = in.amount->units();
    } else if (in.side == "redeem") {
      if (!in.shares || in.amount || in.shares->units() <= 0)
        throw ApiError(400, "MALL_SHARES_INVALID", "赎回应填写大于0的份额，不填金额");
      if (!p.terms.redeemable)
        throw ApiError(409, "MALL_NOT_REDEEMABLE", fmt::format("{}到期前不可赎回", p.terms.name));
      o.suitability_rule = "SUIT_NOT_REQUIRED";
      o.shares_units = in.shares->units();
    } else {
      throw ApiError(400, "MALL_SIDE_INVALID", "交易方向应为 subscribe（申购）或 redeem（赎回）");
    }
    o.fund_account = co_await fund_account(customer, ctx);
    o.order_id =
        fmt::format("MO{}{}", core::finance::format_date(now.date).substr(0, 4), core::observe::random_hex_id(6));
    const auto now_ms = core::unix_millis();
    Result<OrderRecord> begun = Refusal{};
    bool raced = false;
    try {
      begun = co_await db_.write([&](core::storage::Tx& tx) { return store_.begin_order(tx, o, now_ms); });
    } catch (const core::storage::StorageError& e) {
      if (e.kind() != core::storage::StorageError::Kind::kUniqueViolation) throw;
      raced = true;
    }
    if (raced) {
      // The same key raced in (answer the order that won), or the same signed warning went with
      // another order at the same moment.
      auto won = co_await db_.read([&](core::storage::Tx& tx) {
        std::pair<std::optional<OrderRecord>, std::optional<std::string>> seen{store_.order_by_key(tx, customer, idem), std::nullopt};
        if (!seen.first && o.warning_id) seen.second = store_.warning_used_by(tx, *o.warning_id);
        return seen;
      });
      if (!won.first && won.second) {
        const Refusal used = warning_used(*won.second);
        throw ApiError(used.status, used.code, used.message);
      }
      if (!won.first) throw ApiError(409, "MALL_ORDER_IN_PROGRESS", "同一笔订单正在提交，请稍后查询");
      co_return co_await replay(*won.first, fingerprint, ctx);
    }
    auto order = value_or_throw(std::move(begun));
    forget_catalogue();  // places left may have changed
    co_return co_await drive(order, &ctx);
  }

  Reply replay(const OrderRecord& o, const std::string& fingerprint, RequestContext& ctx) {
    if (o.fingerprint != fingerprint)
      throw ApiError(422, "MALL_IDEMPOTENCY_KEY_REUSED", "该 Idempotency-Key 已用于另一笔不同的订单");
    if (o.state == "placing") co_return co_await drive(o, &ctx);
    if (o.state == "failed")
      throw ApiError(409, o.failure_code.value_or("MALL_ORDER_FAILED"), o.failure_message.value_or("订单失败"));
    co_return Response::json(
        200, core::json::serialize(store_.view(o, cancellable(o, core::finance::business_now()), false)));
  }

  // Places a recorded order at the counter (its request id makes a retry harmless): pending on
  // success, failed on the counter's refusal, left placing when the counter cannot be reached
  // (the confirmation job tries again).
  Reply drive(const OrderRecord& o, const RequestContext* ctx) {
    CounterOrder body{"mall-" + o.order_id, o.fund_account, o.product,   o.side,
                      std::nullopt,         std::nullopt,   o.trade_date};
    if (o.side == "subscribe")
      body.amount = Money::from_units(o.amount_units);
    else
      body.shares = Shares::from_units(o.shares_units);
    const std::string target = "/api/counter/v1/orders", text = core::json::serialize(body);
    auto a = co_await call(kCounter, Method::kPost, target, text, ctx);
    const auto now_ms = core::unix_millis();
    if (a.status == 200) {
      const auto counter_id = std::string(boost::json::parse(a.body).at("order_id").as_string());
      auto placed = co_await db_.write([&](core::storage::Tx& tx) {
        store_.mark_pending(tx, o.order_id, counter_id, now_ms);
        return store_.order(tx, o.order_id);
      });
      if (ctx) ctx->log().info("mall: order {} placed ({} {})", o.order_id, o.side, o.product);
      co_return Response::json(
          200, core::json::serialize(store_.view(*placed, cancellable(*placed, core::finance::business_now()), false)));
    }
    if (a.status >= 400 && a.status < 500) {
      std::string code = error_code(a.body), message = error_message(a.body);
      if (code == "COUNTER_INSUFFICIENT_CASH")
        code = "MALL_INSUFFICIENT_CASH";
      else if (code == "COUNTER_INSUFFICIENT_SHARES")
        code = "MALL_INSUFFICIENT_SHARES";
      else
        code = "MALL_COUNTER_REFUSED";
      if (message.empty()) message = "柜台拒绝了该委托";
      co_await db_.write([&](core::storage::Tx& tx) { store_.mark_failed(tx, o, code, message, now_ms); });
      forget_catalogue();
      if (ctx) ctx->log().info("mall: order {} refused by the counter: {}", o.order_id, code);
      throw ApiError(409, code, message);
    }
    // Unknown outcome: kept as placing; the same request id settles it later, never twice.
    auto kept = co_await db_.read([&](core::storage::Tx& tx) { return store_.order(tx, o.order_id); });
    co_return Response::json(202, core::json::serialize(store_.view(*kept, false, false)));
  }

  Reply cancel(RequestContext& ctx) {
    const auto customer = customer_of(ctx);
    const auto id = path_param(ctx, "id");
    auto o = co_await db_.read([&](core::storage::Tx& tx) { return store_.order(tx, id); });
    if (!o || o->customer_id != customer) throw ApiError(404, "MALL_ORDER_NOT_FOUND", "订单不存在");
    if (o->state == "cancelled") co_return Response::json(200, core::json::serialize(store_.view(*o, false, false)));
    if (o->state != "pending")
      throw ApiError(409, "MALL_ORDER_NOT_CANCELLABLE",
                     fmt::format("订单状态为{}，不能撤单", store_.view(*o, false, false).state_title));
    if (!cancellable(*o, core::finance::business_now()))
      throw ApiError(409, "MALL_CANCEL_TOO_LATE",
                     fmt::format("已过{}的撤单截止时间（15:00），不能撤单", o->trade_date));
    const CounterCancel request{"mall-cancel-" + o->order_id, *o->counter_order_id};
    const std::string target = "/api/counter/v1/orders/" + *o->counter_order_id + "/cancel",
                      body = core::json::serialize(request);
    auto a = co_await call(kCounter, Method::kPost, target, body, &ctx);
    if (a.status != 200) {
      if (a.status >= 400 && a.status < 500) throw ApiError(409, "MALL_ORDER_NOT_CANCELLABLE", error_message(a.body));
      throw ApiError(503, "MALL_DEPENDENCY_UNAVAILABLE", "暂时无法撤单，请稍后重试");
    }
    const auto now_ms = core::unix_millis();
    co_await db_.write([&](core::storage::Tx& tx) { store_.mark_cancelled(tx, *o, now_ms); });
    forget_catalogue();
    auto done = co_await db_.read([&](core::storage::Tx& tx) { return store_.order(tx, id); });
    ctx.log().info("mall: order {} cancelled", id);
    co_return Response::json(200, core::json::serialize(store_.view(*done, false, false)));
  }

  Reply holdings(RequestContext& ctx) {
    const auto customer = customer_of(ctx);
    const auto fa = co_await fund_account(customer, ctx);
    const std::string target = "/api/counter/v1/accounts/" + fa + "/positions";
    auto a = co_await call(kCounter, Method::kGet, target, kNoBody, &ctx);
    if (a.status != 200) throw ApiError(503, "MALL_DEPENDENCY_UNAVAILABLE", "暂时无法查询持仓，请稍后重试");
    const auto positions = boost::json::parse(a.body);
    Holdings out;
    out.fund_account = fa;
    co_await db_.read([&](core::storage::Tx& tx) {
      std::map<std::string, std::int64_t> cost;
      for (const auto& [code, units] : store_.costs(tx, customer)) cost[code] = units;
      for (const auto& item : positions.at("items").as_array()) {
        const std::string code(item.at("code").as_string());
        auto p = store_.product(tx, code);
        if (!p) continue;  // held at the counter, not sold here
        Holding h;
        h.product = code;
        h.product_name = p->terms.name;
        h.category_title = category_title(p->terms.category);
        h.risk = platform_risk(p->terms.risk);
        h.shares = Shares::parse(std::string(item.at("quantity").as_string()));
        h.frozen = Shares::parse(std::string(item.at("frozen").as_string()));
        if (h.shares.units() == 0) continue;
        auto nav = store_.latest_nav(tx, code);
        h.nav = nav ? nav->nav.to_string() : "";
        h.nav_date = nav ? nav->date : "";
        h.market_value = nav ? Money::rounded(h.shares.decimal().multiply(nav->nav.decimal(), 2,
                                                                          core::finance::RoundingMode::kHalfUp),
                                              core::finance::RoundingMode::kUnnecessary)
                             : Money{};
        h.cost = Money::from_units(cost[code]);
        h.profit = h.market_value - h.cost;
        out.market_value += h.market_value;
        out.cost += h.cost;
        out.items.push_back(std::move(h));
      }
      out.profit = out.market_value - out.cost;
    });
    co_return Response::json(200, core::json::serialize(out));
  }
  static std::string platform_risk(int r) { return fmt::format("R{}", r); }

  // Settles what is due: every pending order whose confirmation date has come and whose NAV
  // for T is in, at that NAV and the fee its schedule gives (BUSINESS §5). Placing orders
  // older than a few seconds are driven again first.
  boost::asio::awaitable<ConfirmationRun> confirm_due(const RequestContext* ctx) {
    ConfirmationRun run;
    const auto now = core::finance::business_now();
    run.business_date = core::finance::format_date(now.date);
    const auto older = core::unix_millis() - 5000;
    auto stuck = co_await db_.read([&](core::storage::Tx& tx) { return store_.stuck_placing(tx, older); });
    for (const auto& o : stuck) {
      try {
        co_await drive(o, ctx);
      } catch (const ApiError&) {
      }
      ++run.redriven;
    }
    const std::string today = run.business_date;
    auto due = co_await db_.read([&](core::storage::Tx& tx) { return store_.due(tx, today); });
    for (const auto& o : due) {
      auto facts = co_await db_.read([&](core::storage::Tx& tx) {
        return std::make_pair(store_.product(tx, o.product), store_.nav_on(tx, o.product, o.trade_date));
      });
      if (!facts.first || !facts.second) {
        ++run.waiting_for_nav;
        continue;
      }
      const FeeSchedule& fees = o.fees ? *o.fees : facts.first->terms.fees;  // the terms it was placed under
      const Nav nav = *facts.second;
      Money fee;
      std::int64_t amount_units = 0, shares_units = 0;
      if (o.side == "subscribe") {
        auto q = quote_subscription(fees, Money::from_units(o.amount_units), nav);
        if (auto* r = std::get_if<Refusal>(&q)) {
          core::log::warn("mall: order {} cannot be quoted: {}", o.order_id, r->message);
          ++run.failed;
          continue;
        }
        fee = std::get<SubscriptionQuote>(q).fee;
        amount_units = std::get<SubscriptionQuote>(q).net.units();
        shares_units = std::get<SubscriptionQuote>(q).shares.units();
      } else {
        const std::string lots_target = "/api/counter/v1/accounts/" + o.fund_account + "/lots?product=" + o.product;
        auto lots_answer = co_await call(kCounter, Method::kGet, lots_target, kNoBody, ctx);
        if (lots_answer.status != 200) {
          ++run.failed;
          continue;
        }
        std::vector<HeldLot> lots;
        const auto parsed = boost::json::parse(lots_answer.body);
        for (const auto& l : parsed.at("items").as_array())
          lots.push_back({std::string(l.at("confirmed_date").as_string()),
                          Shares::parse(std::string(l.at("remaining").as_string()))});
        auto q = quote_redemption(fees, lots, Shares::from_units(o.shares_units), nav, o.trade_date);
        if (auto* r = std::get_if<Refusal>(&q)) {
          core::log::warn("mall: order {} cannot be quoted: {}", o.order_id, r->message);
          ++run.failed;
          continue;
        }
        fee = std::get<RedemptionQuote>(q).fee;
        amount_units = std::get<RedemptionQuote>(q).net.units();
        shares_units = o.shares_units;
      }
      const CounterConfirm confirm{
          "mall-confirm-" + o.order_id, o.counter_order_id.value_or(""), nav, fee, o.confirm_date,
          fees.truncate_shares};
      const std::string confirm_target = "/api/counter/v1/orders/" + o.counter_order_id.value_or("") + "/confirm",
                        confirm_body = core::json::serialize(confirm);
      auto a = co_await call(kCounter, Method::kPost, confirm_target, confirm_body, ctx);
      if (a.status != 200) {
        core::log::warn("mall: the counter did not confirm {} ({}): {}", o.order_id, a.status, error_message(a.body));
        ++run.failed;
        continue;
      }
      // The counter's figures are the settlement; they equal the quote (same rules), and the
      // mall keeps what the counter settled.
      const auto settled = boost::json::parse(a.body).as_object();
      amount_units = Money::parse(std::string(settled.at("settled_amount").as_string())).units();
      shares_units = Shares::parse(std::string(settled.at("settled_shares").as_string())).units();
      const auto now_ms = core::unix_millis();
      const bool mine = co_await db_.write([&](core::storage::Tx& tx) {
        return store_.mark_confirmed(tx, o, nav, fee, amount_units, shares_units, o.confirm_date, now_ms);
      });
      if (mine) ++run.confirmed;
    }
    if (run.confirmed > 0) forget_catalogue();  // a full redemption may have given a place back
    co_return run;
  }

  core::storage::Database& db_;
  core::net::IoRuntime& runtime_;
  core::discovery::Discovery& discovery_;
  MallStore store_;
  int cutoff_;
  std::chrono::milliseconds interval_;
  std::chrono::milliseconds read_cache_;
  std::string instance_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::string> accounts_;
  // Display reads reused for read_cache (never for orders, which read afresh): catalogue pages by
  // query, and customers' risk levels for what is promoted to them. This instance's own writes
  // empty the catalogue at once; another instance's show within read_cache.
  struct CachedPage {
    std::chrono::steady_clock::time_point until;
    ProductPage page;
  };
  struct CachedRisk {
    std::chrono::steady_clock::time_point until;
    bool valid = false, qualified = false, professional = false;
    int level = 0;
  };
  std::unordered_map<std::string, CachedPage> catalogue_;
  std::unordered_map<std::string, CachedRisk> risks_;
  std::atomic<bool> stopping_{false};
  core::net::Notifier stop_signal_;
};

}  // namespace

core::ComponentSpec spec() {
  using namespace core::config;
  core::ComponentSpec s;
  s.name = "mall";
  s.description =
      "the financial mall: products and NAVs, subscriptions and redemptions through the counter, T+1 confirmation";
  s.dependencies = {"server", "discovery"};
  s.service = true;
  s.schema = {
      "mall",
      {string("cutoff", "15:00")
           .describe("orders before this time on a trading day take that day's NAV (Asia/Shanghai)"),
       duration("confirm_interval", std::chrono::milliseconds(60000))
           .range(1000, 3600000)
           .describe("how often the confirmation job runs"),
       duration("read_cache", std::chrono::milliseconds(1000))
           .range(0, 60000)
           .describe("how long an instance reuses a catalogue page or a customer's risk level for display (0: never); "
                     "orders always read afresh"),
       integer("income_certificate_max_holders", 200)
           .range(1, 10000)
           .describe("holders per income certificate issue at most"),
       string("income_certificate_min_protected", "50000.00")
           .describe("least first purchase of a principal-protected income certificate"),
       string("income_certificate_min_unprotected", "1000000.00")
           .describe("least first purchase of a non-protected income certificate"),
       string("qualified_min_purchase", "1000000.00").describe("least first purchase of a private fund or trust")},
      "the financial mall (金融商城)"};
  s.migrations = &zt_mall_migrations;
  s.openapi = &zt_mall_openapi;
  s.make = [](core::ComponentContext& ctx) -> std::unique_ptr<core::Component> {
    return std::make_unique<MallComponent>(ctx);
  };
  return s;
}

}  // namespace zt::services::mall
